// Reading the JSON reference files of the test targets (Tests/<target>/Resources/*.json), which
// scripts in scripts/ generate from NumPy, SciPy, JAX or optax.
import Foundation

/// The JSON object in `Tests/<target>/Resources/<name>`.
public func loadReference(_ name: String, of target: String) throws -> [String: Any] {
    let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    let data = try Data(contentsOf: tests.appendingPathComponent("\(target)/Resources/\(name)"))
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}

/// A JSON array of arrays of numbers.
public func matrix(_ any: Any?) -> [[Double]] {
    (any as! [[Any]]).map { row in row.map { ($0 as! NSNumber).doubleValue } }
}

/// A JSON array of numbers.
public func vector(_ any: Any?) -> [Double] {
    (any as! [Any]).map { ($0 as! NSNumber).doubleValue }
}

/// A JSON number.
public func number(_ any: Any?) -> Double { (any as! NSNumber).doubleValue }

/// max_k,i |a[k][i] - b[k][i]|; infinity when the shapes differ.
public func maxDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
    guard a.count == b.count else { return .infinity }
    var m = 0.0
    for (u, v) in zip(a, b) {
        guard u.count == v.count else { return .infinity }
        for (p, q) in zip(u, v) { m = max(m, abs(p - q)) }
    }
    return m
}

/// max_i |a[i] - b[i]|; infinity when the lengths differ.
public func maxDifference(_ a: [Double], _ b: [Double]) -> Double { maxDifference([a], [b]) }
