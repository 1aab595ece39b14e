// Review tests of the dense network: NaN propagation through ReLU.
import Foundation
import PhysGradDerivatives
import PhysGradLinearAlgebra
import PhysGradNetworks
import Testing

@Suite("Networks review")
struct NetworksReviewTests {
    @Test("ReLU passes NaN on, as NumPy's maximum(z, 0) and PyTorch's relu do: batched and one-sample")
    func reluNaN() throws {
        // 1 -> 2 -> 1: hidden ReLU, linear output; weights w = (1, 1), v = (1, 1), biases 0.
        var net = try DenseNetwork(widths: [1, 2, 1], hidden: .relu, output: .linear)
        try net.setParameters([1, 1, 0, 0, 1, 1, 0])
        #expect(net([-2]) == [0])
        #expect(net([3]) == [6])
        net.parameters[0] = .nan
        #expect(net([-2])[0].isNaN)
        var ws = NetworkWorkspace(for: net, capacity: 2)
        var out = [Double](repeating: 0, count: 2)
        [-2.0, 3].withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in net.forward(x, count: 2, workspace: &ws, output: o) }
        }
        #expect(out[0].isNaN && out[1].isNaN)
    }

    @Test("ReLU's derivative at z = 0 is 0 in the generic (dual-number) evaluation, as in the batched backward pass")
    func reluDerivativeAtZero() throws {
        // 1 -> 1 -> 1, hidden ReLU, linear output: f(x) = v relu(w x + b) + c with w = 1, b = 0, v = 2, c = 0.
        var net = try DenseNetwork(widths: [1, 1, 1], hidden: .relu, output: .linear)
        try net.setParameters([1, 0, 2, 0])
        // At x = 0 the pre-activation is exactly 0: the documented derivative there is 0.
        let j = Derivatives.jacobian(of: net, at: [0.0])
        #expect(j[0, 0] == 0)
        var ws = NetworkWorkspace(for: net, capacity: 1)
        var g = [Double](repeating: .nan, count: 4)
        [0.0].withUnsafeBufferPointer { x in net.forward(x, count: 1, workspace: &ws) }
        [1.0].withUnsafeBufferPointer { c in g.withUnsafeMutableBufferPointer { net.backward(outputCotangent: c, count: 1, workspace: &ws, gradient: $0) } }
        // ∂f/∂(w, b, v, c) at the kink: (0, 0, relu(0) = 0, 1).
        #expect(g == [0, 0, 0, 1])
    }

    @Test("a smaller batch after a larger one in an oversized workspace: backward (accumulating), seeded Jacobian and Gram use only the new samples")
    func partialBatchAfterLargerOne() throws {
        var net = try DenseNetwork(widths: [3, 5, 4, 2], activations: [.tanh, .relu, .linear])
        net.initializeGlorotUniform(seed: 7)
        for layer in net.layout { for p in layer.biases { net.parameters[p] = 0.05 * Double(p % 7) - 0.1 } }
        let k = 3, capacity = 8
        var ws = NetworkWorkspace(for: net, capacity: capacity, jacobianRows: capacity * k + 5, gram: true)
        let big = (0..<(capacity * 3)).map { Double.sin(Double($0) + 0.3) }
        big.withUnsafeBufferPointer { x in net.forward(x, count: capacity, workspace: &ws) }
        let count = 3, rows = count * k
        let x = (0..<(count * 3)).map { 0.7 * Double.cos(1.3 * Double($0)) }
        let seeds = (0..<(rows * 2)).map { Double.sin(0.9 * Double($0) + 1) }
        x.withUnsafeBufferPointer { xp in net.forward(xp, count: count, workspace: &ws) }
        // Reference: the derivatives module's per-sample Jacobians, contracted with the seeds.
        let p = net.parameterCount
        var reference = [Double](repeating: 0, count: rows * p)
        var gradient = [Double](repeating: 0, count: p)
        for i in 0..<count {
            let ji = Derivatives.jacobian(of: net.parameterModel(input: Array(x[(i * 3)..<(i * 3 + 3)])), at: net.parameters, mode: .forward)
            for s in 0..<k {
                let r = i * k + s
                for q in 0..<p {
                    let v = seeds[r * 2] * ji[0, q] + seeds[r * 2 + 1] * ji[1, q]
                    reference[r + q * rows] = v
                    if s == 0 { gradient[q] += v }
                }
            }
        }
        let j = Matrix(rows: rows, columns: p, columnMajor: reference)
        let gramReference = try j * j.transposed()
        var jac = [Double](repeating: .nan, count: rows * p)
        var gram = [Double](repeating: .nan, count: rows * rows)
        seeds.withUnsafeBufferPointer { sp in
            jac.withUnsafeMutableBufferPointer { net.parameterJacobian(seeds: sp, seedsPerSample: k, count: count, workspace: &ws, into: $0) }
            gram.withUnsafeMutableBufferPointer { net.parameterGram(seeds: sp, seedsPerSample: k, count: count, workspace: &ws, into: $0) }
        }
        #expect(scaledError(jac, reference) <= 1e-13)
        #expect(scaledError(gram, gramReference.elements) <= 1e-13)
        // backward with the first seed of each sample as cotangent, accumulated onto 1s.
        var cotangent: [Double] = []
        for i in 0..<count {
            let first: Int = i * k * 2
            cotangent.append(seeds[first])
            cotangent.append(seeds[first + 1])
        }
        var accumulated = [Double](repeating: 1, count: p)
        cotangent.withUnsafeBufferPointer { c in
            accumulated.withUnsafeMutableBufferPointer { net.backward(outputCotangent: c, count: count, workspace: &ws, gradient: $0, accumulate: true) }
        }
        #expect(scaledError(accumulated, gradient.map { $0 + 1 }) <= 1e-13)
    }

    @Test("batched passes stop at a precondition (not out-of-bounds reads) for parameters assigned with the wrong length or a workspace of another network")
    func wrongParametersOrWorkspace() async {
        await #expect(processExitsWith: .failure) {
            var net = try DenseNetwork(widths: [3, 40, 2], hidden: .tanh, output: .linear)
            net.parameters = [1]
            var ws = NetworkWorkspace(for: net, capacity: 2)
            var out = [Double](repeating: 0, count: 4)
            [Double](repeating: 0.5, count: 6).withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { net.forward(x, count: 2, workspace: &ws, output: $0) }
            }
        }
        await #expect(processExitsWith: .failure) {
            let small = try DenseNetwork(widths: [3, 2, 2], hidden: .tanh, output: .linear)
            let large = try DenseNetwork(widths: [3, 400, 2], hidden: .tanh, output: .linear)
            var ws = NetworkWorkspace(for: small, capacity: 2)
            [Double](repeating: 0.5, count: 6).withUnsafeBufferPointer { x in small.forward(x, count: 2, workspace: &ws) }
            var g = [Double](repeating: 0, count: large.parameterCount)
            [1.0, 1, 1, 1].withUnsafeBufferPointer { c in
                g.withUnsafeMutableBufferPointer { large.backward(outputCotangent: c, count: 2, workspace: &ws, gradient: $0) }
            }
        }
    }
}
