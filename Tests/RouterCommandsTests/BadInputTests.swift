import Foundation
import Testing

/// Bad input is a one-line message and a non-zero exit code from the real executable, never a crash.
@Suite(.timeLimit(.minutes(5))) struct BadInputTests {
    func expectFailure(_ arguments: [String], stdin: String = "", status: Int32 = 1, mentioning text: String) throws {
        let outcome = try CLIHarness.spawn(arguments, stdin: stdin)
        #expect(outcome.status == status, "stderr: \(outcome.stderr)")
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.hasPrefix("causal-router: error: "))
        #expect(outcome.stderr.split(separator: "\n").count == 1, "one line: \(outcome.stderr)")
        #expect(outcome.stderr.contains(text), "stderr: \(outcome.stderr)")
    }

    @Test func missingModelPath() throws {
        try expectFailure(["route", "--model", "/nonexistent/model.gguf", "hi"], mentioning: "model file not found: /nonexistent/model.gguf")
    }

    @Test func unknownModelName() throws {
        try expectFailure(["route", "--model", "llama-9000", "hi"], mentioning: "no model file or catalog entry named 'llama-9000'")
    }

    @Test func aFileThatIsNotGGUF() throws {
        let path = try CLIHarness.temporaryFile("notes.gguf", contents: "just some text")
        try expectFailure(["route", "--model", path, "hi"], mentioning: "not a GGUF model file")
    }

    @Test func aTemplateWithoutTheQueryPlaceholder() throws {
        let path = try CLIHarness.temporaryFile("t.txt", contents: "[user]\nRate this question.")
        try expectFailure(["route", "--template", path, "hi"], mentioning: "has no {{query}} placeholder")
        try expectFailure(["render", "--template", path, "hi"], mentioning: "has no {{query}} placeholder")
    }

    @Test func aMissingTemplateOrConfig() throws {
        try expectFailure(["route", "--template", "/nonexistent/t.txt", "hi"], mentioning: "template file not found")
        try expectFailure(["route", "--config", "/nonexistent/c.json", "hi"], mentioning: "config file not found")
    }

    @Test func aBrokenConfig() throws {
        let path = try CLIHarness.temporaryFile("c.json", contents: #"{"threshold": 2}"#)
        try expectFailure(["route", "--config", path, "hi"], mentioning: "\"threshold\" must be between 0 and 1")
    }

    @Test func anEmptyQuery() throws {
        try expectFailure(["route", ""], mentioning: "the query is empty")
        try expectFailure(["route"], stdin: "  \n", mentioning: "the query is empty")
        try expectFailure(["render", " "], mentioning: "the query is empty")
    }

    @Test func commandLineMistakesExitWithTwo() throws {
        try expectFailure(["route", "--bogus", "hi"], status: 2, mentioning: "unknown option --bogus")
        try expectFailure(["route", "--threshold", "7", "hi"], status: 2, mentioning: "--threshold must be a number in 0.0...1.0")
        try expectFailure(["route", "--ctx"], status: 2, mentioning: "--ctx needs a value")
        try expectFailure(["frobnicate"], status: 2, mentioning: "unknown command 'frobnicate'")
    }

    @Test func helpIsAvailableEverywhere() throws {
        for arguments in [["--help"], ["route", "--help"], ["render", "-h"], ["help", "route"]] {
            let outcome = try CLIHarness.spawn(arguments)
            #expect(outcome.status == 0)
            #expect(outcome.stdout.contains("USAGE: causal-router"))
        }
        #expect(try CLIHarness.spawn(["route", "--help"]).stdout.contains("--threshold"))
    }
}
