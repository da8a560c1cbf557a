import Foundation
import Testing
@testable import RouterCommands

/// The declarative options layer: parsing, its usage errors and the generated help.
@Suite struct CommandSpecTests {
    static let count = CommandOption.integer("count", alias: "-n", in: 1...10, default: .value("3"), help: "how many")
    static let mode = CommandOption.choice("mode", "M", ["fast", "exact"], help: "how")
    static let out = CommandOption.text("out", "FILE", required: true, help: "where")
    static let files = CommandOption.list("file", "FILE", help: "inputs")
    static let loud = CommandOption.flag("loud", help: "say more")
    static let spec = CommandSpec(name: "demo", summary: "a demo", about: "Does nothing.", options: [count, mode, out, files, loud],
                                  positionals: .sameAs("file"))

    func usageMessage(_ arguments: [String], spec: CommandSpec = Self.spec) -> String? {
        do {
            _ = try ParsedArguments(arguments, spec: spec)
            return nil
        } catch {
            guard case .usage(let text, let command) = error, command == spec.name else { return "not a usage error: \(error)" }
            return text
        }
    }

    @Test func valuesAreCheckedWhileParsingAndDefaultsApply() throws {
        let parsed = try ParsedArguments(["--out=x", "--file", "a,b", "c", "--loud", "--mode", "exact"], spec: Self.spec)
        #expect(parsed.value(Self.out) == "x" && parsed.integer(Self.count) == 3 && !parsed.given(Self.count))
        #expect(parsed.list(Self.files) == ["a", "b", "c"] && parsed.flag(Self.loud) && parsed.value(Self.mode) == "exact")
        #expect(try ParsedArguments(["-n", "7", "--out", "x"], spec: Self.spec).integer(Self.count) == 7)
        #expect(usageMessage(["--out", "x", "-n", "11"]) == "--count must be a whole number in 1...10, got '11'")
        #expect(usageMessage(["--out", "x", "--mode", "slow"]) == "--mode must be fast or exact, got 'slow'")
        #expect(usageMessage(["--count"]) == "--count needs a value")
        #expect(usageMessage(["--loud=yes"]) == "--loud takes no value")
        #expect(usageMessage(["--bogus"]) == "unknown option --bogus")
        #expect(usageMessage(["--loud"]) == "demo needs --out FILE")
        #expect(usageMessage(["--help"]) == nil, "help is answered before the required options are checked")
        let closed = CommandSpec(name: "closed", summary: "", about: "", options: [])
        #expect(usageMessage(["extra"], spec: closed) == "closed takes no arguments, got 'extra'")
    }

    @Test func helpIsGeneratedFromTheDeclarations() {
        let help = Self.spec.help
        #expect(help.hasPrefix("USAGE: causal-router demo --out FILE [options]\n\nDoes nothing.\n\nOPTIONS:\n"))
        #expect(help.contains("\n  -n, --count N           how many (default: 3)\n"))
        #expect(help.contains("\n      --loud              say more\n"))
        #expect(help.hasSuffix("\n  -h, --help              show this help"))
    }

    /// Every command: no option declared twice, every option in its help, option lines within
    /// the width (a word longer than a line aside).
    @Test func everyCommandsHelpListsItsOptions() {
        for command in CausalRouterCLI.commands {
            let spec = command.spec
            let names = spec.allOptions.flatMap { ["--" + $0.name] + $0.aliases }
            #expect(Set(names).count == names.count, "\(spec.name) declares an option twice: \(names)")
            let help = spec.help
            for option in spec.allOptions {
                #expect(help.contains(option.synopsis), "\(spec.name) --help lacks \(option.synopsis)")
            }
            let optionLines = help.components(separatedBy: "\nOPTIONS:\n")[1].components(separatedBy: "\n\nEXIT STATUS")[0].split(separator: "\n")
            #expect(optionLines.allSatisfy { $0.count <= CommandSpec.lineWidth || !$0.dropFirst(CommandSpec.helpColumn).contains(" ") })
        }
    }
}
