/// A throwaway certificate authority and a server certificate it signed for `localhost` and `127.0.0.1`
/// (EC P-256, valid until 2126), made with openssl for the TLS upstream tests. Never trusted outside tests.
public enum TestCertificates {
    public static let authorityPEM = """
        -----BEGIN CERTIFICATE-----
        MIIBkzCCATmgAwIBAgIUP+eERvkOpDBPFGIQTCAKAJ/ltAowCgYIKoZIzj0EAwIw
        HjEcMBoGA1UEAwwTU3dpdGNoYm9hcmQgVGVzdCBDQTAgFw0yNjExMjEyMzQ4Mjha
        GA8yMTI2MTAyODIzNDgyOFowHjEcMBoGA1UEAwwTU3dpdGNoYm9hcmQgVGVzdCBD
        QTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNJeLfIKCwt65lvvlG0UWQ2YiNXt
        UAlg9GKLNpMU2j5/0RmZAdTWjAER5rHcVNzKJRHuYrpO/UnSSC5T8B8dF0CjUzBR
        MB0GA1UdDgQWBBTNvwrSSxE6Fm+knyV+g92x7a6LkjAfBgNVHSMEGDAWgBTNvwrS
        SxE6Fm+knyV+g92x7a6LkjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
        MEUCIAkymg+CzZ/DdKSarVBQwBlHIg//h+FfQZBfWMzvjCGpAiEAqH6Dzn/85Iwz
        07DMBIVLlOg/qGxN+vDkbYjPQ2M6G3c=
        -----END CERTIFICATE-----
        """

    public static let serverCertificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBwzCCAWmgAwIBAgIUdatC2Lkl0xwboNuoooD85LSsM7UwCgYIKoZIzj0EAwIw
        HjEcMBoGA1UEAwwTU3dpdGNoYm9hcmQgVGVzdCBDQTAgFw0yNjExMjEyMzQ4Mjha
        GA8yMTI2MTAyODIzNDgyOFowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZI
        zj0CAQYIKoZIzj0DAQcDQgAEpsLTHGTqtDS/4HObmlGzvlJXVciL/hijSVRpGH/6
        mentiT9UEiViayar6KRiOoTAt/9AT8cwGo9/eTfdDxsbKaOBjDCBiTAaBgNVHREE
        EzARgglsb2NhbGhvc3SHBH8AAAEwCQYDVR0TBAIwADALBgNVHQ8EBAMCB4AwEwYD
        VR0lBAwwCgYIKwYBBQUHAwEwHQYDVR0OBBYEFF6XEolutPid8+LtwDGlgLJH+yji
        MB8GA1UdIwQYMBaAFM2/CtJLEToWb6SfJX6D3bHtrouSMAoGCCqGSM49BAMCA0gA
        MEUCIQC7RRFupkZJ0TDnU3x52WaLr7vy+7+4wlePVG38YXoqKQIgAr+vYuCMtzrU
        /qlqp72yJYwthNG7BzkyjjNRWKtRfSY=
        -----END CERTIFICATE-----
        """

    public static let serverPrivateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgab2LUq1zAq7I2xpS
        vQGPqPxklTkr6FcqvaV7H7mT7CShRANCAASmwtMcZOq0NL/gc5uaUbO+UldVyIv+
        GKNJVGkYf/qZ6e2JP1QSJWJrJqvopGI6hMC3/0BPxzAaj395N90PGxsp
        -----END PRIVATE KEY-----
        """
}
