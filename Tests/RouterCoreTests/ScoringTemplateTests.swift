import Foundation
import Testing
@testable import RouterCore

@Suite struct ScoringTemplateTests {
    @Test func parsesChatSections() throws {
        let template = try ScoringTemplate.parse("""
        # a comment
        [system]
        Judge it.

        [user]
        Q: {{query}}
        [assistant]
        Rating: [[

        """, name: "t")
        #expect(template.body == .chat(system: "Judge it.", user: "Q: {{query}}", assistantPrefix: "Rating: [["))
    }

    @Test func parsesRaw() throws {
        let template = try ScoringTemplate.parse("[raw]\nQuestion: {{query}}\nScore: \n", name: "r")
        #expect(template.body == .raw("Question: {{query}}\nScore: "))
    }

    @Test(arguments: [
        ("[user]\nno placeholder", "no {{query}} placeholder"),
        ("[user]\n{{query}} {{query}}", "2 times"),
        ("[system]\n{{query}}\n[user]\n{{query}}", "belongs in the [user] section"),
        ("hello\n[user]\n{{query}}", "text before the first section"),
        ("[user]\n{{query}}\n[user]\n{{query}}", "appears twice"),
        ("[raw]\n{{query}}\n[system]\nx", "cannot be combined"),
        ("[system]\nonly a system", "no [user] or [raw] section"),
        ("", "no [user] or [raw] section"),
    ])
    func refusesBadTemplates(text: String, reason: String) {
        #expect {
            try ScoringTemplate.parse(text, name: "bad")
        } throws: { error in
            (error as? ScoringTemplate.ParseError)?.reason.contains(reason) == true
        }
    }

    @Test func loadReportsMissingAndInvalidFiles() throws {
        #expect(throws: RouterError.templateNotFound(path: "/nonexistent/t.txt")) {
            try ScoringTemplate.load(path: "/nonexistent/t.txt")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-placeholder-\(UUID()).txt").path
        try "[user]\nJust text".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: RouterError.templateInvalid(path: path, reason: "the [user] section has no {{query}} placeholder")) {
            try ScoringTemplate.load(path: path)
        }
    }

    @Test func shippedTemplatesParse() throws {
        let prompts = RepositoryPaths.root + "/prompts"
        // judge-*.txt are `causal-router judge`'s prompts, not scoring templates (prompts/README.md;
        // RouterJudgingTests load them).
        let files = try FileManager.default.contentsOfDirectory(atPath: prompts)
            .filter { $0.hasSuffix(".txt") && !$0.hasPrefix("judge-") }
        #expect(files.contains(ResourceLocator.defaultTemplateFile))
        for file in files {
            let template = try ScoringTemplate.load(path: prompts + "/" + file)
            #expect(template.name == String(file.dropLast(4)))
        }
    }
}
