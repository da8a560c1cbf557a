import RouterJudging
import Testing

/// Reading final answers out of real answers' shapes (GSM8K and MMLU style), and grading them.
@Suite struct FinalAnswerExtractionTests {
    @Test func numbersComeFromTheMarkersElseTheLastNumber() {
        let gsm8kWeak = "She uses 4 for baking, so she has 13 - 4 = 9 eggs left.\nShe sells these 9 eggs for 9 * $2 = $<<9*2=18>>18.\n#### 18"
        #expect(FinalAnswerExtraction.finalNumber(in: gsm8kWeak) == 18)
        let gsm8kStrong = "She lays 16 eggs per day, so the remainder that she sells is 16 - 7 = 9 eggs.\n"
            + "She sells each egg for $2, so she makes 9 * $2 = $18 every day at the farmers' market."
        #expect(FinalAnswerExtraction.finalNumber(in: gsm8kStrong) == 18)
        #expect(FinalAnswerExtraction.finalNumber(in: "So the total is \\boxed{1,250} dollars, after 3 weeks.") == 1250)
        #expect(FinalAnswerExtraction.finalNumber(in: "The profit is 200,000 - 130,000 = $70,000.") == 70000)
        #expect(FinalAnswerExtraction.finalNumber(in: "#### $20.00\n\n(Note: 2 candles were left over.)") == 20)
        #expect(FinalAnswerExtraction.finalNumber(in: "Jackie is $90 - $105 = $-15 ahead.\n#### -15\n\n(Note: negative.)") == -15)
        #expect(FinalAnswerExtraction.finalNumber(in: "16-3-4 leaves 9") == 9)
        #expect(FinalAnswerExtraction.finalNumber(in: "The temperature fell to -5 degrees.") == -5)
        #expect(FinalAnswerExtraction.finalNumber(in: "Each gets 3.5 / 7 = 0.5 pounds.") == 0.5)
        #expect(FinalAnswerExtraction.finalNumber(in: "The list is 1,2,3") == 3, "commas between digits not in groups of three separate numbers")
        #expect(FinalAnswerExtraction.finalNumber(in: "I don't know.") == nil)
    }

    @Test func choicesComeFromALoneLetterAStatedAnswerOrTheFirstWord() {
        #expect(FinalAnswerExtraction.finalChoice(in: "C") == "C")
        #expect(FinalAnswerExtraction.finalChoice(in: " (B). ") == "B")
        #expect(FinalAnswerExtraction.finalChoice(in: "**D**") == "D")
        #expect(FinalAnswerExtraction.finalChoice(in: "The mitochondria produce ATP, so the answer is (C).") == "C")
        #expect(FinalAnswerExtraction.finalChoice(in: "Option A is tempting, but it ignores friction.\nAnswer: B") == "B")
        #expect(FinalAnswerExtraction.finalChoice(in: "The correct answer is D because the others are wrong.") == "D")
        #expect(FinalAnswerExtraction.finalChoice(in: "B) 42, since 6 x 7 = 42.") == "B")
        #expect(FinalAnswerExtraction.finalChoice(in: "\\boxed{E}") == "E")
        #expect(FinalAnswerExtraction.finalChoice(in: "The answer is a bit subtle: it depends.") == nil)
        #expect(FinalAnswerExtraction.finalChoice(in: "I would need more context.") == nil)
    }

    @Test func referencesAreNumbersOrLettersAndGradeAnswers() {
        #expect(ReferenceAnswer("18") == .number(18))
        #expect(ReferenceAnswer("$70,000") == .number(70000))
        #expect(ReferenceAnswer("(C)") == .choice("C"))
        #expect(ReferenceAnswer("Paris") == nil, "free text is not graded by exact match")
        let number = ReferenceAnswer("18")!
        #expect(number.isAnswered(by: "9 * $2 = $18.00 a day"))
        #expect(!number.isAnswered(by: "9 * $2 = $18 a day for 7 days"), "the last number counts")
        #expect(!number.isAnswered(by: "no idea"))
        #expect(number.extracted(from: "#### 18") == "18" && number.extracted(from: "none") == nil)
        let choice = ReferenceAnswer("C")!
        #expect(choice.isAnswered(by: "the answer is (C)") && !choice.isAnswered(by: "the answer is (A)"))
        #expect([(true, true), (false, false), (true, false), (false, true)].map { ReferenceAnswer.label(strongCorrect: $0.0, weakCorrect: $0.1) }
                == [5, 3, 1, 5])
    }
}
