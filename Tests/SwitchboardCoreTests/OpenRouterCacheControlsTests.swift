import Testing

@testable import SwitchboardCore

/// OpenRouter's cache precedence (spec/presets.md §5.2), without sockets.
@Suite struct OpenRouterCacheControlsTests {
    static func settings(_ controls: OpenRouterCacheControls) throws -> CacheSettings? {
        try controls.settings()
    }

    @Test func thePresetsFalseWinsThenTheHeaderThenThePresetsTrue() throws {
        #expect(try Self.settings(.init()) == nil)
        #expect(try Self.settings(.init(header: "true")) == CacheSettings(mode: .simple, maxAgeSeconds: 300))
        #expect(try Self.settings(.init(header: "false", presetEnabled: true)) == nil)
        #expect(try Self.settings(.init(header: "true", presetEnabled: false)) == nil)
        #expect(try Self.settings(.init(presetEnabled: true, presetTTL: 60))?.maxAgeSeconds == 60)
        #expect(try Self.settings(.init(header: "true", ttlHeader: "10", presetTTL: 60))?.maxAgeSeconds == 10)
        // A TTL alone turns nothing on.
        #expect(try Self.settings(.init(ttlHeader: "10")) == nil)
        #expect(OpenRouterCacheControls(clearHeader: "true").clears)
    }

    @Test func aBadHeaderIsA400NamingIt() {
        for controls in [
            OpenRouterCacheControls(header: "yes"), OpenRouterCacheControls(header: "true", ttlHeader: "0"),
            OpenRouterCacheControls(header: "true", ttlHeader: "86401"), OpenRouterCacheControls(ttlHeader: "1m"),
        ] {
            do {
                _ = try controls.settings()
                Issue.record("\(controls) was accepted")
            } catch {
                #expect(error.status == 400)
                #expect(error.param?.hasPrefix("X-OpenRouter-Cache") == true)
            }
        }
    }
}
