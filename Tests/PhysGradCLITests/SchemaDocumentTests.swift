import Foundation
import PhysGrad
import PhysGradReport
import Testing

/// docs/summary-schema.md against what the tool writes: the names it lists, the methods whose `eta`
/// it says is null, and its example's description of the chapter's GD run.
@Suite("docs/summary-schema.md")
struct SummarySchemaDocumentTests {
    static func document() throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/summary-schema.md")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The `code` spans in the last column of the first table row that starts with `start` after
    /// the line `section` (or in the text after `after` in it).
    static func names(in text: String, section: String, row start: String, after: String? = nil) throws -> [String] {
        let lines = text.components(separatedBy: "\n")
        let from = try #require(lines.firstIndex(of: section), "no section \(section)")
        let line = try #require(lines[from...].first { $0.hasPrefix(start) }, "no row \(start) in \(section)")
        var cell = line.components(separatedBy: " | ").last ?? ""
        if let after { cell = String(try #require(cell.components(separatedBy: after).dropFirst().first, "no \(after) in \(line)")) }
        return cell.components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
    }

    @Test("it names every problem and method the tool can write")
    func names() throws {
        let text = try Self.document()
        let problems = try Self.names(in: text, section: "## `problem`", row: "| `name` |")
        #expect(Set(problems) == Set(ProblemName.allCases.map(\.rawValue)), "\(problems)")
        let methods = try Self.names(in: text, section: "## `methods[i]`", row: "| `name` |")
        #expect(methods == MethodKind.allCases.map(\.rawValue), "\(methods)")
    }

    @Test("`eta` is null exactly for the methods it says, in summary.json and (empty) in sweep rows")
    func etaNull() throws {
        let text = try Self.document()
        let documented = try Self.names(in: text, section: "## `methods[i]`", row: "| `eta` |", after: "without one")
        let sweepDocumented = try Self.names(in: text, section: "# sweep rows — `physgrad sweep`", row: "| `eta` |", after: "without one")
        let methods = MethodKind.allCases.filter { $0 != .pg }                      // heat has no analytic inverse
        let report = try RunReport.run(problem: Problems.heat(8), methods: methods, stepSizes: [:], start: nil,
                                       steps: 2, inverseGradient: nil)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(report.summary.compact().utf8)) as? [String: Any])
        let runs = try #require(summary["methods"] as? [[String: Any]])
        let null = runs.filter { $0["eta"] is NSNull }.compactMap { $0["name"] as? String }
        #expect(runs.count == methods.count)
        #expect(Set(null) == Set(documented), "null eta: \(null), documented: \(documented)")
        #expect(Set(sweepDocumented) == Set(documented), "\(sweepDocumented)")
    }

    @Test("the example's GD description is the chapter's")
    func example() throws {
        let text = try Self.document()
        let report = try RunReport.run(problem: Problems.seed(), methods: [.gd], stepSizes: [:], start: nil,
                                       steps: 10, inverseGradient: nil)
        let description = try #require(report.run(.gd)).result.description
        #expect(text.contains(#""description": "\#(description)""#), "\(description)")
    }
}
