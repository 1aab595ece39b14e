// Linear operators on interleaved vectors (the doubles of Dual / DualLanes elements): every
// vector equals the operator applied to it alone, and the doubles between vectors stay as they were.
import PhysGradDerivatives
import PhysGradLinearAlgebra
import PhysGradRandom
import Testing

/// k vectors of `count` doubles interleaved with `stride`, the other slots holding a sentinel.
private func interleaved(_ vectors: [[Double]], count: Int, stride: Int, sentinel: Double) -> [Double] {
    var out = [Double](repeating: sentinel, count: count * stride)
    for (c, v) in vectors.enumerated() { for j in 0..<count { out[j * stride + c] = v[j] } }
    return out
}

private func checkInterleaved<Op: LinearOperator>(_ op: Op, seed: UInt64) {
    var r = SplitMix64(seed: seed)
    let m = op.outputCount, n = op.inputCount
    for k in [1, 2, 3, 4, 5, 8] {
        for stride in [k, k + 2] {
            for transposed in [false, true] {
                let inCount = transposed ? m : n, outCount = transposed ? n : m
                let vectors = (0..<k).map { _ in (0..<inCount).map { _ in r.uniform() - 0.5 } }
                let x = interleaved(vectors, count: inCount, stride: stride, sentinel: .nan)
                var y = [Double](repeating: 7, count: outCount * stride)
                x.withUnsafeBufferPointer { xb in
                    y.withUnsafeMutableBufferPointer { yb in
                        guard let xp = xb.baseAddress, let yp = yb.baseAddress else { return }
                        if transposed {
                            op.applyTransposed(interleaved: xp, into: yp, vectors: k, stride: stride)
                        } else {
                            op.apply(interleaved: xp, into: yp, vectors: k, stride: stride)
                        }
                    }
                }
                for c in 0..<k {
                    var single = [Double](repeating: 0, count: outCount)
                    vectors[c].withUnsafeBufferPointer { vb in
                        single.withUnsafeMutableBufferPointer {
                            if transposed { op.applyTransposed(vb, into: $0) } else { op.apply(vb, into: $0) }
                        }
                    }
                    let scale = single.reduce(1) { max($0, abs($1)) }
                    for i in 0..<outCount {
                        #expect(abs(y[i * stride + c] - single[i]) <= 1e-14 * scale * Double(inCount + 1),
                                "k \(k) stride \(stride) transposed \(transposed) vector \(c) element \(i)")
                    }
                }
                for i in 0..<outCount { for c in k..<stride { #expect(y[i * stride + c] == 7, "slot \(c) of element \(i) written") } }
            }
        }
    }
}

@Test("banded operators on interleaved vectors equal one product per vector",
      arguments: [(1, 1, 0, 0), (5, 5, 2, 1), (9, 6, 1, 3), (6, 9, 4, 0), (40, 40, 9, 9), (3, 7, 0, 5)])
func bandedInterleaved(_ shape: (Int, Int, Int, Int)) {
    let (m, n, lower, upper) = shape
    let op = BandedOperator(rows: m, columns: n, lower: lower, upper: upper) { i, j in 1 + 0.1 * Double(i) - 0.3 * Double(j - i) }
    checkInterleaved(op, seed: UInt64(m * 100 + n))
}

@Test("dense operators on interleaved vectors equal one product per vector", arguments: [(1, 1), (4, 7), (7, 4), (30, 30)])
func denseInterleaved(_ shape: (Int, Int)) {
    checkInterleaved(DenseOperator(testMatrix(shape.0, shape.1, seed: 3)), seed: 11)
}

@Test("a user's operator gets the interleaved product from its own apply")
func defaultInterleaved() {
    checkInterleaved(CyclicDifference(n: 9), seed: 5)
}
