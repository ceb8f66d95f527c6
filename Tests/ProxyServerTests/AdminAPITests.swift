import ProxyCore
import ProxyStore
import StoreTestSupport
import Testing

@testable import ProxyServer

/// The admin API (`/admin/…`): managed keys and usage over HTTP, for the keys of `server.admin_keys` only.
@Suite("Admin API", .timeLimit(.minutes(1)))
struct AdminAPITests {
    typealias Fixture = GatewayFixture

    @Test("create, list, show, revoke and usage: the same operations as the keys commands, over HTTP")
    func operations() async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: .sqlite, settings: { try Fixture.settings($0) }) { harness in
            let created = try await harness.sendJSON(
                "/admin/keys",
                json: [
                    "name": "alice", "budget_usd": 20, "budget_period": "week", "rpm": 30, "models": ["claude-haiku-*"],
                    "expires": "2099-12-31",
                ],
                headers: Fixture.admin)
            #expect(created.status == 201)
            let secret = try #require(created.json["key"]?.stringValue)
            #expect(secret.hasPrefix("sk-ccp-"))
            #expect(created.json["budget_usd"] == 20 && created.json["budget_period"] == "week" && created.json["rpm"] == 30)
            #expect(created.json["expires_at"]?.stringValue == "2100-01-01T00:00:00Z")

            // The key works at once on this replica: its own changes reach its own copy.
            try await waitUntil("the new key works", seconds: 1) {
                try await harness.send("/v1/messages", json: Fixture.request(model: "claude-haiku-4-5"), headers: Fixture.key(secret))
                    .status == 200
            }
            let list = try JSONParser.parse(try await harness.send("/admin/keys", method: "GET", headers: Fixture.admin).body)
            #expect(list["data"]?.arrayValue?.map { $0["name"]?.stringValue } == ["alice"])
            #expect(list["data"]?.arrayValue?.first?["key"] == nil, "the secret is shown only when the key is made")

            let shown = try JSONParser.parse(try await harness.send("/admin/keys/alice", method: "GET", headers: Fixture.admin).body)
            #expect(shown["status"] == "active")
            #expect((shown["spend_usd"]?.doubleValue ?? -1) > 0)

            let usage = try JSONParser.parse(
                try await harness.send("/admin/usage?key=alice&since=1h", method: "GET", headers: Fixture.admin).body)
            #expect(usage["data"]?.arrayValue?.first?["requests"] == 1)
            #expect(usage["data"]?.arrayValue?.first?["input_tokens"] == 12)

            let revoked = try await harness.sendJSON("/admin/keys/alice/revoke", json: [:], headers: Fixture.admin)
            #expect(revoked.status == 200 && revoked.json["status"] == "revoked")
            try await waitUntil("the revoked key is refused", seconds: 1) {
                try await harness.send("/v1/messages", json: Fixture.request(), headers: Fixture.key(secret)).status == 401
            }
            let again = try await harness.sendJSON("/admin/keys/alice/revoke", json: [:], headers: Fixture.admin)
            #expect(again.status == 400)
            let missing = try await harness.sendJSON("/admin/keys/bob/revoke", json: [:], headers: Fixture.admin)
            #expect(missing.status == 404 && missing.json["error"]?["type"] == "not_found_error")
        }
    }

    @Test("a body that is not a key is a 400 naming the problem")
    func badBodies() async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: .sqlite, settings: { try Fixture.settings($0) }) { harness in
            for (body, message) in [
                (["budget_usd": 1] as JSONValue, "name: a string is required"),
                (["name": "a", "rpm": "many"], "rpm must be a whole number"),
                (["name": "a", "budget_usd": 5, "budget_period": "year"], "budget_period must be one of day, week, month, total"),
                (["name": "a", "budget_period": "day"], "budget_period needs budget_usd"),
                (["name": "a", "budget_usd": 1e300], "a budget is more than 0 and at most 1000000000 dollars"),
                (["name": "a", "expires": "soon"], "expires must be a day, YYYY-MM-DD"),
                (["name": "a", "colour": "red"], "unknown field 'colour'"),
                (["name": "not ok!"], "a key's name is 1 to 64 letters"),
            ] {
                let answer = try await harness.sendJSON("/admin/keys", json: body, headers: Fixture.admin)
                #expect(answer.status == 400, "\(body)")
                #expect(answer.json["error"]?["message"]?.stringValue?.hasPrefix(message) == true, "\(answer.json)")
            }
            let since = try await harness.send("/admin/usage?since=yesterday", method: "GET", headers: Fixture.admin)
            #expect(since.status == 400)
        }
    }

    @Test("only admin keys: a client key, a wrong key and no key are refused; without admin_keys there is no admin API")
    func access() async throws {
        try await ProxyHarness.run(upstreamCount: 1, store: .sqlite, settings: { try Fixture.settings($0) }) { harness in
            let managed = try await harness.createKey("alice")
            for headers in [Fixture.key(Fixture.staticKey), Fixture.key(managed), Fixture.key("nope"), []] {
                let answer = try await harness.send("/admin/keys", method: "GET", headers: headers)
                #expect(answer.status == 401)
            }
            #expect(
                try await harness.send(
                    "/admin/keys", method: "GET", headers: [(name: "authorization", value: "Bearer \(Fixture.adminKey)")]
                ).status == 200)
        }
        try await ProxyHarness.run(
            upstreamCount: 1, store: .sqlite,
            settings: { urls in
                var settings = try Fixture.settings(urls)
                settings.server.adminKeys = []
                return settings
            }
        ) { harness in
            let status = try await harness.send("/admin/keys", method: "GET", headers: Fixture.admin).status
            #expect(status == 404)
        }
    }
}
