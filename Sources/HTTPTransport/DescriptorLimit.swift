import Glibc

/// The process's open-file limit, which bounds how many connections the server can hold.
enum DescriptorLimit {
    /// Raises the soft RLIMIT_NOFILE towards the hard limit (at most `ceiling`) and returns the
    /// soft limit in force afterwards.
    static func raise(toAtMost ceiling: Int) -> Int {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        let wanted = min(limit.rlim_max, rlim_t(ceiling))
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return Int(min(limit.rlim_cur, rlim_t(Int.max)))
    }
}
