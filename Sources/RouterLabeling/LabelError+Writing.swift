import RouterCore

extension LabelError {
    /// Runs a write to an output file, turning its failure into `cannotWrite`.
    static func writing<T>(_ body: () throws(AppendOnlyFileError) -> T) throws(LabelError) -> T {
        do {
            return try body()
        } catch {
            throw .cannotWrite(path: error.path, reason: error.reason)
        }
    }
}
