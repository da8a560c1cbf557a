extension ScoringEngine {
    /// Scores many queries (results in query order), keeping at most `maxQueue` in the engine
    /// at once; `progress(done)` is called after each one. For batch jobs (eval, train).
    public func scoreAll(_ queries: [String], progress: ((Int) -> Void)? = nil) throws(RouterError) -> [ScoredQuery] {
        var results: [ScoredQuery] = []
        results.reserveCapacity(queries.count)
        let window = max(1, settings.maxQueue)
        var index = 0
        while index < queries.count {
            let chunk = queries[index..<min(queries.count, index + window)]
            var tickets: [ScoringTicket] = []
            for query in chunk { tickets.append(try submit(prompt(for: query))) }
            for ticket in tickets {
                results.append(try ticket.wait().get())
                progress?(results.count)
            }
            index += chunk.count
        }
        return results
    }
}
