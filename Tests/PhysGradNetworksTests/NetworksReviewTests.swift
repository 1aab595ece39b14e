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
}
