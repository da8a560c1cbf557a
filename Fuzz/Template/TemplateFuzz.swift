import Foundation
import FuzzSupport
import RouterCore

/// ScoringTemplate.parse on arbitrary text (what `load` reads: UTF-8 only): a template it
/// accepts has `{{query}}` exactly once, in [user] or [raw], and nowhere else.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTemplate(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let text = String(bytes: UnsafeBufferPointer(start: data, count: size), encoding: .utf8) else { return 0 }
    guard let template = try? ScoringTemplate.parse(text, name: "fuzz") else { return 0 }
    func count(_ text: String) -> Int { text.components(separatedBy: ScoringTemplate.placeholder).count - 1 }
    switch template.body {
    case .raw(let raw):
        FuzzCheck.require(count(raw) == 1, "raw template with \(count(raw)) placeholders")
    case .chat(let system, let user, let assistantPrefix):
        FuzzCheck.require(count(user) == 1, "user section with \(count(user)) placeholders")
        FuzzCheck.require(count(system ?? "") == 0 && count(assistantPrefix) == 0, "placeholder outside [user]")
    }
    return 0
}

#if !FUZZING
@main struct TemplateFuzzReplay {
    static func main() { FuzzReplay.run(fuzzTemplate) }
}
#endif
