import Foundation

/// The plain build's `main` of a fuzz target: runs each file named on the command line (each
/// file of a named folder) through the target's `LLVMFuzzerTestOneInput`, so a corpus or a
/// crash file replays without libFuzzer (`.build/debug/fuzz-http-request Fuzz/corpus/http-request`).
public enum FuzzReplay {
    public typealias Target = (UnsafePointer<UInt8>, Int) -> CInt

    public static func run(_ target: Target, arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        let name = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "fuzz"
        guard !arguments.isEmpty, !arguments.contains(where: { $0 == "-h" || $0 == "--help" }) else {
            print("usage: \(name) FILE|FOLDER...  (runs each input once; a fuzz build is the libFuzzer binary)")
            exit(arguments.isEmpty ? 2 : 0)
        }
        var count = 0
        for argument in arguments {
            for path in files(argument) {
                guard let data = FileManager.default.contents(atPath: path) else {
                    FileHandle.standardError.write(Data("\(name): cannot read \(path)\n".utf8))
                    exit(1)
                }
                // Named first, so a crash says which input it was.
                FileHandle.standardError.write(Data("\(name): \(path)\n".utf8))
                let bytes = [UInt8](data)
                _ = bytes.withUnsafeBufferPointer { buffer in
                    target(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count)
                }
                count += 1
            }
        }
        print("\(name): \(count) inputs ran without a crash")
    }

    /// The file itself, or a folder's files (recursively, sorted).
    private static func files(_ path: String) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { return [path] }
        let names = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String]) ?? []
        return names.sorted().map { path + "/" + $0 }.filter {
            var nested: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &nested) && !nested.boolValue
        }
    }
}
