import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What one run of the `physgrad` executable produced.
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The built `physgrad` executable, found in the build products folder next to the test bundle
/// (as swift-argument-parser's example tests find theirs), or at $PHYSGRAD_BIN.
func physgradExecutable() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["PHYSGRAD_BIN"] { return URL(fileURLWithPath: path) }
    var candidates: [URL] = []
    let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    // .build/<triple>/debug/PhysGradPackageTests.xctest (a file on Linux, a bundle elsewhere).
    var folder = argv0.deletingLastPathComponent()
    for _ in 0..<4 {
        candidates.append(folder.appendingPathComponent("physgrad"))
        folder = folder.deletingLastPathComponent()
    }
    candidates.append(Bundle.main.bundleURL.appendingPathComponent("physgrad"))
    for url in candidates where FileManager.default.isExecutableFile(atPath: url.path) { return url }
    throw ToolError("physgrad executable not found next to \(argv0.path); build it (swift build) or set PHYSGRAD_BIN")
}

struct ToolError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs `physgrad` with `arguments` in `folder`, with one BLAS thread, and waits for it.
func physgrad(_ arguments: [String], in folder: URL? = nil) throws -> ToolRun {
    let process = Process()
    process.executableURL = try physgradExecutable()
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    var env = ProcessInfo.processInfo.environment
    env["OPENBLAS_NUM_THREADS"] = "1"
    process.environment = env
    // stdout through a pipe (read to its end before waiting), stderr into a file.
    let out = Pipe()
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("physgrad-stderr-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let errHandle = try FileHandle(forWritingTo: errURL)
    defer { try? FileManager.default.removeItem(at: errURL) }
    process.standardOutput = out
    process.standardError = errHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try errHandle.close()
    let errData = try Data(contentsOf: errURL)
    return ToolRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh empty folder under the system's temporary folder.
func temporaryFolder(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("physgrad-cli-tests-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

func contents(of folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
}

/// A JSON document as nested Foundation objects.
func json(_ text: String) throws -> [String: Any] {
    guard let o = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw ToolError("not a JSON object")
    }
    return o
}

func doubles(_ any: Any?) -> [Double] { (any as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
func double(_ any: Any?) -> Double { (any as? NSNumber)?.doubleValue ?? .nan }

/// The chapter's reference numbers (Tests/PhysGradTests/Resources/seed-reference.json, written by
/// scripts/make_seed_reference.py from NumPy/SciPy, float64).
func seedReference() throws -> [String: Any] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PhysGradTests/Resources/seed-reference.json")
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
