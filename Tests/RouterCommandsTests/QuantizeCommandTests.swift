import Foundation
import TestSupport
import Testing

/// `quantize` and the catalog's derived model with the real model: the file it writes is the one
/// the catalog pins and the shipped head was trained on; bad arguments are refused.
@Suite(.timeLimit(.minutes(5))) struct QuantizeCommandTests {
    static let pinned = "b4d1842a26d8952bd7b609eb2062f7352aeb609c1ac5017542be18f83bc1776e"

    static func sha256(_ path: String) throws -> String {
        String(try ChildProcess.run("/usr/bin/sha256sum", [path], timeout: .seconds(60)).stdout.prefix(64))
    }

    @Test func quantizeWritesTheFileTheCatalogPins() throws {
        let folder = URL(fileURLWithPath: try CLIHarness.temporaryFile("marker", contents: "")).deletingLastPathComponent().path
        let out = folder + "/fast.gguf"
        let run = try CLIHarness.spawn(["quantize", "--out", out, "--threads", "1", "--model", "smollm2-135m"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("wrote \(out): IQ4_NL weights from "), "\(run.stdout)")
        #expect(try Self.sha256(out) == Self.pinned, "the same bytes on any machine and thread count")
        let catalog = try String(contentsOfFile: CLIHarness.root + "/models/catalog.tsv", encoding: .utf8)
        #expect(catalog.contains("smollm2-135m-iq4_nl\tSmolLM2-135M-Instruct.IQ4_NL.gguf\t\(Self.pinned)\t92058688\tApache-2.0\tderived:smollm2-135m:IQ4_NL\t"))
        let other = try CLIHarness.spawn(["quantize", "--out", folder + "/q4.gguf", "--type", "q4_0", "--model", "smollm2-135m"])
        #expect(other.status == 0 && other.stdout.contains("Q4_0 weights"), "stderr: \(other.stderr)")
        #expect(try Self.sha256(folder + "/q4.gguf") == "aa4256f3b46eb4add75ece1c0eeac1c6e4f1ec0c93e6fbe64fe1770f4ad09ae8")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".partial") }.isEmpty)
    }

    @Test func quantizeRefusesBadArguments() throws {
        let folder = URL(fileURLWithPath: try CLIHarness.temporaryFile("marker", contents: "")).deletingLastPathComponent().path
        let cases: [([String], Int32, String)] = [
            (["quantize"], 2, "quantize needs --out FILE"),
            (["quantize", "--out", folder + "/x.gguf", "--type", "Q4_1"], 2, "--type must be one of Q4_0, IQ4_NL, Q8_0"),
            (["quantize", "--out", CLIHarness.root + "/models/SmolLM2-135M-Instruct.Q4_1.gguf", "-m", "smollm2-135m"], 2, "--out must not be the source model"),
            (["quantize", "--out", folder + "/x.gguf", "--model", folder + "/marker"], 1, "not a GGUF model file"),
            (["quantize", "--out", folder + "/no/such/dir/x.gguf", "-m", "smollm2-135m"], 1, "could not write IQ4_NL weights"),
        ]
        for (arguments, status, message) in cases {
            let run = try CLIHarness.spawn(arguments)
            #expect(run.status == status && run.stderr.contains(message), "\(arguments): \(run.status) \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "one line: \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/x.gguf"))
    }

    /// The default model is the derived one: made on first use (or found) and routing with the
    /// head shipped for it; the catalog file it is made from still routes with its own head.
    @Test func theDefaultIsTheDerivedModelWithItsShippedHead() throws {
        let run = try CLIHarness.spawn(["route", "--threads", "2", "Write a haiku about autumn."])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let verdict = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(verdict["head"] as? String == "smollm2-135m-iq4_nl-rating")
        #expect(try Self.sha256(CLIHarness.root + "/models/SmolLM2-135M-Instruct.IQ4_NL.gguf") == Self.pinned)
        let base = try CLIHarness.spawn(["route", "--model", "smollm2-135m", "--threads", "2", "Write a haiku about autumn."])
        let baseVerdict = try #require(try JSONSerialization.jsonObject(with: Data(base.stdout.utf8)) as? [String: Any])
        #expect(baseVerdict["head"] as? String == "smollm2-135m-rating", "stderr: \(base.stderr)")
    }
}
