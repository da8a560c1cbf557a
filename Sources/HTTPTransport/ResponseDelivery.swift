/// Bytes a worker hands to the event loop for one connection. `isFinal` marks the end of the
/// response to the connection's current request; `closeAfter` that the connection ends with it.
struct ResponseDelivery: Sendable {
    var connectionID: UInt64
    var descriptor: Int32
    var bytes: [UInt8]
    var isFinal: Bool
    var closeAfter: Bool
}
