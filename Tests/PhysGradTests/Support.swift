import Foundation
import PhysGrad

/// A JSON file of Tests/PhysGradTests/Resources (made by a script in scripts/).
func loadReference(_ name: String) throws -> [String: Any] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/\(name)")
    let data = try Data(contentsOf: url)
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}

func matrix(_ any: Any?) -> [[Double]] {
    (any as! [[Any]]).map { row in row.map { ($0 as! NSNumber).doubleValue } }
}

func vector(_ any: Any?) -> [Double] {
    (any as! [Any]).map { ($0 as! NSNumber).doubleValue }
}

func number(_ any: Any?) -> Double { (any as! NSNumber).doubleValue }

/// max_k,i |a[k][i] - b[k][i]|; infinity when the shapes differ.
func maxDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
    guard a.count == b.count else { return .infinity }
    var m = 0.0
    for (u, v) in zip(a, b) {
        guard u.count == v.count else { return .infinity }
        for (p, q) in zip(u, v) { m = max(m, abs(p - q)) }
    }
    return m
}

func maxDifference(_ a: [Double], _ b: [Double]) -> Double { maxDifference([a], [b]) }
