/// Which endpoint answers a request: the one table of paths the router serves, built by the
/// service and extended by the proxy in front of it (`adding`).
public struct RouteTable: Sendable {
    private var endpoints: [String: Endpoint] = [:]

    public init(_ endpoints: [Endpoint] = []) {
        for endpoint in endpoints { self.endpoints[endpoint.path] = endpoint }
    }

    /// This table with `more` endpoints (one at a path already here replaces it).
    public func adding(_ more: [Endpoint]) -> RouteTable {
        var table = self
        for endpoint in more { table.endpoints[endpoint.path] = endpoint }
        return table
    }

    /// The paths served.
    public var paths: Set<String> { Set(endpoints.keys) }

    /// The endpoint for `request`: 404 for an unknown path, 405 for another method (a GET
    /// endpoint also answers HEAD).
    public func endpoint(for request: HTTPRequest) -> Result<Endpoint, HTTPServerError> {
        guard let endpoint = endpoints[request.path] else { return .failure(.notFound(path: request.path)) }
        guard request.method == endpoint.method || (endpoint.method == "GET" && request.method == "HEAD") else {
            return .failure(.methodNotAllowed(path: request.path, allowed: endpoint.method))
        }
        return .success(endpoint)
    }
}
