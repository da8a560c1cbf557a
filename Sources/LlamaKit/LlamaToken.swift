/// A token id in a model's vocabulary.
public typealias LlamaToken = Int32
