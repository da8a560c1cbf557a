/// The invariants a fuzz target asserts: a broken one stops the process (libFuzzer records the
/// input as a crash), with the reason on standard error.
public enum FuzzCheck {
    public static func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                               file: StaticString = #fileID, line: UInt = #line) {
        if !condition() { fatalError("fuzz invariant broken: \(message())", file: file, line: line) }
    }
}
