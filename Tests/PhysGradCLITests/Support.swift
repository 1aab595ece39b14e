import Foundation
import PhysGradToolTestSupport

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The chapter's reference numbers (Tests/PhysGradExamplesTests/Resources/seed-reference.json, written by
/// scripts/make_seed_reference.py from NumPy/SciPy, float64).
func seedReference() throws -> [String: Any] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PhysGradExamplesTests/Resources/seed-reference.json")
    return try json(read(url))
}

/// Parses an SVG document as XML; throws when it is not well-formed.
func parseSVG(_ text: String) throws -> XMLElement {
    let doc = try XMLDocument(xmlString: text, options: [])
    guard let root = doc.rootElement() else { throw ToolError("no root element") }
    return root
}

/// Every element named `name` below `element` (namespace prefixes ignored).
func elements(named name: String, in element: XMLElement) -> [XMLElement] {
    var out: [XMLElement] = []
    for child in element.children ?? [] {
        guard let e = child as? XMLElement else { continue }
        if e.localName == name || e.name == name { out.append(e) }
        out += elements(named: name, in: e)
    }
    return out
}
