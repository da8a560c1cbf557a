// swift-tools-version:6.0
// causal-router: a local LLM router. No package dependencies: llama.cpp is built from source
// by vendor/build-llama.sh into vendor/prefix and bound through the CLlama system library.
import PackageDescription

/// The project-local prefix vendor/build-llama.sh installs libllama and ggml into.
let llamaPrefix = Context.packageDirectory + "/vendor/prefix"

let package = Package(
    name: "causal-router",
    products: [
        .executable(name: "causal-router", targets: ["causal-router"]),
    ],
    targets: [
        // C interop over vendor/prefix (a shim header includes the installed llama.h).
        .systemLibrary(name: "CLlama", path: "Sources/CLlama"),
        // The one lock type: a value under a pthread mutex, which ThreadSanitizer sees
        // (Synchronization's Mutex hands a contended lock over in futex calls it cannot see).
        .target(name: "Locking"),
        // Safe Swift over llama.cpp: the only module that imports CLlama.
        .target(
            name: "LlamaKit",
            dependencies: ["CLlama"],
            linkerSettings: [
                .unsafeFlags([
                    "-L\(llamaPrefix)/lib",
                    "-Xlinker", "-rpath", "-Xlinker", "\(llamaPrefix)/lib",
                ]),
            ]
        ),
        // Templates, scoring, label distribution, routing decision, configuration.
        .target(name: "RouterCore", dependencies: ["LlamaKit", "Locking"]),
        // Linux epoll and eventfd headers for the server's event loop (Glibc's module lacks them).
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        // The transport, apart from any application: sockets, an epoll event loop, HTTP/1.1
        // parsing and responses, worker threads, the route table and errors that become responses.
        .target(name: "HTTPTransport", dependencies: ["CEpoll", "Locking"]),
        // The sidecar's service on that transport: the routing endpoints, authentication,
        // metrics, the verdict cache, the composition root (RouterApplication).
        .target(name: "RouterServer", dependencies: ["HTTPTransport", "RouterCore", "Locking"]),
        // libcurl for the proxy's upstream client (libcurl4-openssl-dev's curl.h): a small C
        // target that opens libcurl.so.4 on first use (dlopen, so a router without upstreams never
        // maps it) and typed wrappers over the variadic setopt/getinfo calls.
        .target(name: "CCurl", path: "Sources/CCurl"),
        // The OpenAI-compatible proxy: routes /v1/chat/completions through the engine and forwards
        // to the upstreams (libcurl), failover and circuit breakers. Only its client imports CCurl.
        .target(name: "RouterProxy", dependencies: ["RouterServer", "HTTPTransport", "RouterCore", "Locking", "CCurl"]),
        // Batch labeling of query logs: readers, resumable output, progress.
        .target(name: "RouterLabeling", dependencies: ["RouterCore"]),
        // Evaluation on labeled routing data: RouteLLM's metrics, score cache, SVG plots.
        .target(name: "RouterEvaluation", dependencies: ["RouterCore"]),
        // Training of learned heads, all of it: the fit (HeadTrainer), the L2 grid, the mixture of
        // experts and the obvious-cases prior (HeadTraining), and `train`'s whole run (TrainingRun:
        // data, features, fitting, the head file). Serving only applies heads (RouterCore/Heads).
        .target(name: "RouterTraining", dependencies: ["RouterEvaluation", "RouterCore"]),
        // Judging recorded traffic into routing data (`judge`): an LLM judge over the OpenAI API,
        // reached through the proxy's upstream client, or grading by a reference answer.
        .target(name: "RouterJudging", dependencies: ["RouterProxy", "RouterLabeling", "RouterCore", "Locking"]),
        // The command-line front: declared options (help generated from them), commands, errors.
        .target(name: "RouterCommands", dependencies: ["RouterCore", "HTTPTransport", "Locking", "RouterServer", "RouterProxy", "RouterLabeling",
                                                       "RouterEvaluation", "RouterTraining", "RouterJudging"]),
        .executableTarget(name: "causal-router", dependencies: ["RouterCommands"]),
        // `make probe`: docs/reproducibility.md's measurements (a benchmark, not a test).
        .executableTarget(name: "reproducibility-probe", dependencies: ["RouterCore", "LlamaKit", "TestSupport"],
                          path: "Benchmarks/ReproducibilityProbe"),
        // Fuzz targets (`make fuzz`, docs/reliability.md): libFuzzer entry points over the readers
        // of untrusted input. The fuzz build (scripts/fuzz.sh, -DFUZZING) links libFuzzer's main;
        // a plain build makes each a replayer: `.build/debug/fuzz-http-request FILE|FOLDER...`.
        .target(name: "FuzzSupport", dependencies: ["RouterCore", "LlamaKit"], path: "Fuzz/Support"),
        .executableTarget(name: "fuzz-http-request", dependencies: ["HTTPTransport", "FuzzSupport"], path: "Fuzz/HTTPRequest"),
        .executableTarget(name: "fuzz-request-body", dependencies: ["RouterServer", "RouterProxy", "FuzzSupport"],
                          path: "Fuzz/RequestBody"),
        .executableTarget(name: "fuzz-records", dependencies: ["RouterLabeling", "FuzzSupport"], path: "Fuzz/Records"),
        .executableTarget(name: "fuzz-template", dependencies: ["RouterCore", "FuzzSupport"], path: "Fuzz/Template"),
        .executableTarget(name: "fuzz-head", dependencies: ["RouterCore", "FuzzSupport"], path: "Fuzz/Head"),
        .executableTarget(name: "fuzz-gguf", dependencies: ["LlamaKit", "FuzzSupport"], path: "Fuzz/GGUF"),
        // Shared by tests and the probe: the repository's model, template and data
        // (RepositoryFixture), a byte-level HTTP client (TestHTTPClient), child processes with
        // deadlines, real llama-server upstreams (LlamaServerProcess) and a scripted one (StubUpstream).
        .target(name: "TestSupport", dependencies: ["RouterCore", "LlamaKit", "Locking"], path: "Tests/TestSupport"),
        .testTarget(name: "RouterCoreTests", dependencies: ["RouterCore", "TestSupport"]),
        .testTarget(name: "LlamaKitTests", dependencies: ["LlamaKit"]),
        .testTarget(name: "ScoringEngineTests", dependencies: ["RouterCore", "TestSupport"]),
        .testTarget(name: "RouterServerTests", dependencies: ["RouterServer", "HTTPTransport", "Locking", "RouterCore", "TestSupport"]),
        .testTarget(name: "RouterProxyTests", dependencies: ["RouterProxy", "RouterServer", "HTTPTransport", "Locking", "RouterCore", "TestSupport"]),
        .testTarget(name: "RouterLabelingTests", dependencies: ["RouterLabeling", "RouterCore"]),
        .testTarget(name: "RouterEvaluationTests", dependencies: ["RouterEvaluation", "RouterCore"]),
        .testTarget(name: "RouterTrainingTests", dependencies: ["RouterTraining", "RouterEvaluation", "RouterCore"]),
        .testTarget(name: "RouterJudgingTests", dependencies: ["RouterJudging", "RouterProxy", "RouterCore", "causal-router", "TestSupport"]),
        .testTarget(name: "RouterCommandsTests", dependencies: ["RouterCommands", "RouterCore", "Locking", "causal-router", "TestSupport"]),
    ]
)
