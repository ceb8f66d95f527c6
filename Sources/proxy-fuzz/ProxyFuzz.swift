import FuzzTargets

#if canImport(Glibc)
    import Glibc
#endif

#if FUZZING
    /// libFuzzer's entry point; the target comes from `PROXY_FUZZ_TARGET` (sse, request, yaml).
    @_cdecl("LLVMFuzzerTestOneInput")
    func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        selectedTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }

    let selectedTarget: FuzzTarget = {
        let name = getenv("PROXY_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            print("set PROXY_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
            exit(2)
        }
        return target
    }()
#else
    /// Without libFuzzer: `proxy-fuzz TARGET FILE…` runs saved inputs through a target (to reproduce a crash).
    @main
    struct ProxyFuzzReplay {
        static func main() {
            let arguments = Array(CommandLine.arguments.dropFirst())
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
                print("usage: proxy-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE…")
                exit(2)
            }
            for path in arguments.dropFirst() {
                guard let file = fopen(path, "rb") else { continue }
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65536)
                while case let count = fread(&buffer, 1, buffer.count, file), count > 0 { bytes += buffer[0..<count] }
                fclose(file)
                target.run(bytes)
                print("ok \(path)")
            }
        }
    }
#endif
