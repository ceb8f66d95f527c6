// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "cohere-adapter",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CohereAdapter", targets: ["CohereAdapter"]),
        .executable(name: "cohere-proxy", targets: ["cohere-proxy"]),
    ],
    dependencies: [
        // claude-code-proxy itself: the ClaudeCodeProxyKit library (adapter API and the proxy that runs it).
        // Named, because a path dependency's identity is otherwise its folder's name, which depends on the checkout.
        .package(name: "claude-code-proxy", path: "../.."),
        // The tests only: a mock Cohere server (Hummingbird), a loopback HTTP client (NIO), quiet logs. All are
        // already in claude-code-proxy's dependency graph at these versions, so they add no download.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(
            name: "CohereAdapter",
            dependencies: [.product(name: "ClaudeCodeProxyKit", package: "claude-code-proxy")],
            swiftSettings: swiftSettings
        ),
        // The built-in Gemini adapter's own sources (a link to ../../Sources/GeminiAdapter), built here against
        // the adapter API product alone: proof that it uses nothing but the public API, as an adapter from
        // another package must.
        .target(
            name: "GeminiAdapterOutside",
            dependencies: [.product(name: "ClaudeCodeProxyAdapterAPI", package: "claude-code-proxy")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cohere-proxy",
            dependencies: ["CohereAdapter", .product(name: "ClaudeCodeProxyKit", package: "claude-code-proxy")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CohereAdapterTests",
            dependencies: [
                "CohereAdapter", .product(name: "ClaudeCodeProxyKit", package: "claude-code-proxy"),
                .product(name: "ClaudeCodeProxyTestKit", package: "claude-code-proxy"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
