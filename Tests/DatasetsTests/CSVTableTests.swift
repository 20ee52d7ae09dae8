import Datasets
import Foundation
import XCTest

/// RFC 4180 parsing with line numbers.
final class CSVTableTests: XCTestCase {
  private func parse(_ text: String) throws -> CSVTable { try CSVTable.parse(Data(text.utf8), source: "t.csv") }

  func testQuotesNewlinesAndLineNumbers() throws {
    let t = try parse("\u{FEFF}a,b,c\r\n1,\"x, y\",3\r\n\n\"multi\nline\",\"say \"\"hi\"\"\",\n4,5,6")
    XCTAssertEqual(t.header, ["a", "b", "c"])
    XCTAssertEqual(t.rows, [["1", "x, y", "3"], ["multi\nline", "say \"hi\"", ""], ["4", "5", "6"]])
    XCTAssertEqual(t.lines, [2, 4, 6])
    XCTAssertEqual(t.origin(2), "t.csv:6")
    XCTAssertEqual(try t.column("c"), 2)
  }

  func testMalformedCSVNamesTheLine() throws {
    XCTAssertThrowsError(try parse("a,b\n1,2\n3\n")) { XCTAssertEqual("\($0)", "t.csv:3: the row has 1 fields, the header has 2") }
    XCTAssertThrowsError(try parse("a,b\n1,\"open\n2,3\n")) { XCTAssertTrue("\($0)".hasPrefix("t.csv:2: a quoted field is not closed")) }
    XCTAssertThrowsError(try parse("a,b\n1,x\"y\n")) { XCTAssertTrue("\($0)".hasPrefix("t.csv:2: a quote inside an unquoted field")) }
    XCTAssertThrowsError(try parse("a,b\n\"1\"x,2\n")) { XCTAssertTrue("\($0)".hasPrefix("t.csv:2: unexpected character")) }
    XCTAssertThrowsError(try parse("a,a\n1,2\n")) { XCTAssertTrue("\($0)".contains("column 'a' twice")) }
    XCTAssertThrowsError(try parse("")) { XCTAssertTrue("\($0)".contains("empty")) }
    XCTAssertThrowsError(try parse("a,b\n").column("z")) { XCTAssertEqual("\($0)", "t.csv:1: no column 'z' (columns: a, b)") }
  }

  func testOtherDelimiters() throws {
    let t = try CSVTable.parse(Data("a;b\n1;2,5\n".utf8), source: "s.csv", delimiter: ";")
    XCTAssertEqual(t.rows, [["1", "2,5"]])
  }
}
