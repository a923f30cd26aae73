/// The one organisation, workspace and user a gateway is: where Portkey's and OpenRouter's objects name an
/// account's UUIDs, Switchboard writes this one (the nil UUID), so that clients that check the format accept it.
enum LocalTenant {
    static let id = "00000000-0000-0000-0000-000000000000"
}
