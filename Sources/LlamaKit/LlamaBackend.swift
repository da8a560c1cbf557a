import CLlama
import Foundation

/// Process-wide llama.cpp set-up: the backend is initialised exactly once per process, and
/// llama.cpp's own log output is silenced unless `CAUSAL_ROUTER_LLAMA_LOG=1` is set.
public enum LlamaBackend {
    private static let initialization: Void = {
        if ProcessInfo.processInfo.environment["CAUSAL_ROUTER_LLAMA_LOG"] != "1" {
            llama_log_set({ _, _, _ in }, nil)
        }
        llama_backend_init()
    }()

    /// Initialises the backend on first call; later calls do nothing.
    public static func initialize() {
        _ = initialization
    }

    /// llama.cpp's version and the CPU features its kernels were built for and found.
    public static var buildDescription: String {
        initialize()
        return String(cString: llama_version()) + " " + String(cString: llama_print_system_info())
    }
}
