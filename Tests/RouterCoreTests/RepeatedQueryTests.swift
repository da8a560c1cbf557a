import Testing
@testable import RouterCore

/// A query typed several times over is scored as one copy.
@Suite struct RepeatedQueryTests {
    @Test func copiesSeparatedByWhitespaceCollapseToTheFirst() {
        let question = "What is 2 + 2?\nShow your work."
        #expect(RepeatedQuery.collapsed(question + "\n" + question) == question)
        #expect(RepeatedQuery.collapsed(question + " " + question + "\n\n" + question) == question)
        #expect(RepeatedQuery.collapsed("Hi Hi Hi Hi") == "Hi")
        #expect(RepeatedQuery.collapsed("a b a b a b") == "a b")
    }

    @Test func anythingElseIsLeftAlone() {
        for query in ["What is 2 + 2?", "Hi", "", "a b a", "a a b", "New York, New York!", "What is 2 + 2? Again: What is 2 + 2?",
                      "x y x y x", "Say hello.\nSay hello!"] {
            #expect(RepeatedQuery.collapsed(query) == query, "\(query)")
        }
    }
}
