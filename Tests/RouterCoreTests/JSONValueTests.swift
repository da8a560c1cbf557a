import Foundation
import Testing
@testable import RouterCore

@Suite struct JSONValueTests {
    @Test func keepsKeyOrderAndEscapes() throws {
        let value = JSONValue.object([
            ("z", .int(1)), ("a", .string("quote\" backslash\\ newline\n tab\t bell\u{7} é")),
            ("n", .number(0.25)), ("whole", .number(3)), ("inf", .number(.infinity)), ("b", .bool(false)),
            ("list", .array([.null, .number(-1.5e-7)])),
        ])
        let text = value.serialized
        #expect(text.hasPrefix(#"{"z":1,"a":"quote\" backslash\\ newline\n tab\t bell\u0007 é","n":0.25,"whole":3,"inf":null,"b":false,"list":[null,"#))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["a"] as? String == "quote\" backslash\\ newline\n tab\t bell\u{7} é")
        #expect((parsed["list"] as? [Any])?.count == 2)
    }
}
