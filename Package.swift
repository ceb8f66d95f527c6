// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "claude-code-proxy",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "claude-code-proxy", targets: ["claude-code-proxy"]),
        // What an adapter outside this repository depends on: the adapter API and the proxy that runs it.
        .library(name: "ClaudeCodeProxyKit", targets: ["ClaudeCodeProxyKit"]),
        // The adapter API alone (requests, answers, streams, errors, JSON; no server, no C libraries), for
        // libraries of adapters; their executables and tests add ClaudeCodeProxyKit.
        .library(name: "ClaudeCodeProxyAdapterAPI", targets: ["ProxyCore"]),
        // For adapters' tests: the stream-grammar checker and a stream runner that splits a body at every byte.
        .library(name: "ClaudeCodeProxyTestKit", targets: ["ClaudeCodeProxyTestKit"]),
    ],
    dependencies: [
        // `traits: []` keeps swift-configuration and full Foundation out of the build.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Child processes (a provider's token_command; the tests' servers) without Foundation's `Process`, whose
        // `run()` on Linux over-reads `/proc/self/fd` entries and crashes now and then in a process holding
        // many descriptors.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        // The store that replicas share: PostgreSQL for several machines, SQLite for one.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        // RS256 for Google service-account tokens (already built for postgres-nio's Crypto).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(
            name: "CurlHTTP",
            dependencies: ["CCurl"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProxyCore",
            swiftSettings: swiftSettings
        ),
        // Google's Gemini API and Vertex AI, written on the adapter API alone, as an adapter from another
        // package would be.
        .target(
            name: "GeminiAdapter",
            dependencies: ["ProxyCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ClaudeCodeProxyTestKit",
            dependencies: ["ProxyCore"],
            swiftSettings: swiftSettings
        ),
        // The registry of the adapters the proxy comes with.
        .target(
            name: "BuiltInAdapters",
            dependencies: ["ProxyCore", "GeminiAdapter"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProxyConfig",
            dependencies: ["CYAML", "ProxyCore", "BuiltInAdapters"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProxyStore",
            dependencies: [
                "ProxyCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProxyServer",
            dependencies: [
                "BuiltInAdapters", "CurlHTTP", "ProxyCore", "ProxyStore",
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FuzzTargets",
            dependencies: ["BuiltInAdapters", "ProxyCore", "ProxyConfig"],
            swiftSettings: swiftSettings
        ),
        // `make fuzz` builds it with libFuzzer (-DFUZZING); a plain build replays saved inputs.
        .executableTarget(
            name: "proxy-fuzz",
            dependencies: ["FuzzTargets"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ClaudeCodeProxyKit",
            dependencies: [
                "BuiltInAdapters", "CurlHTTP", "GeminiAdapter", "ProxyConfig", "ProxyCore", "ProxyServer", "ProxyStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "claude-code-proxy",
            dependencies: ["ClaudeCodeProxyKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CurlHTTPTests",
            dependencies: [
                "CurlHTTP",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GeminiAdapterTests",
            dependencies: ["ClaudeCodeProxyTestKit", "GeminiAdapter", "ProxyCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProxyConfigTests",
            dependencies: ["BuiltInAdapters", "ProxyConfig"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProxyCoreTests",
            dependencies: ["ClaudeCodeProxyTestKit", "BuiltInAdapters", "ProxyCore"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        // Real stores for the tests: an SQLite file, or a database on a PostgreSQL server of their own.
        .target(
            name: "StoreTestSupport",
            dependencies: [
                "ProxyStore", "ProxyCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/StoreTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProxyStoreTests",
            dependencies: ["ProxyStore", "ProxyCore", "StoreTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProxyServerTests",
            dependencies: [
                "BuiltInAdapters", "ProxyServer", "ProxyStore", "StoreTestSupport", "CurlHTTP", "ProxyCore", "ProxyConfig", "FuzzTargets",
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
