import LlamaKit

/// A model loaded on first use, then shared (one load for several templates or engines).
public final class LazyModel {
    private let setup: RouterSetup
    private var loaded: LlamaModel?

    public init(setup: RouterSetup) {
        self.setup = setup
    }

    public func model() throws(RouterError) -> LlamaModel {
        if let loaded { return loaded }
        let model = try setup.loadModel()
        loaded = model
        return model
    }
}
