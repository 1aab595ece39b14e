// The dense network: layout, Glorot initialization, the batched BLAS passes against the
// one-sample generic evaluation, and its Jacobians (batched seeded rows, backward gradients)
// against the derivatives module's forward mode and against central differences.
import Foundation
import PhysGradDerivatives
import PhysGradLinearAlgebra
import PhysGradNetworks
import PhysGradRandom
import Testing

/// max |a - b| / max(1, max |b|).
func scaledError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    let scale = Swift.max(1, b.map(abs).max() ?? 0)
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

/// `count` inputs of `width` numbers uniform in [-1, 1) from SplitMix64.
func inputs(_ count: Int, _ width: Int, seed: UInt64) -> [Double] {
    var g = SplitMix64(seed: seed)
    return (0..<(count * width)).map { _ in g.nextUniform(-1, 1) }
}

/// Networks of every activation, with widths that are not multiples of anything.
let architectures: [(widths: [Int], activations: [Activation])] = [
    ([4, 20, 20, 20, 24], [.tanh, .tanh, .tanh, .linear]),
    ([2, 7, 5, 3], [.relu, .tanh, .linear]),
    ([3, 6, 2], [.tanh, .tanh]),
    ([5, 1], [.linear]),
]

func network(_ a: (widths: [Int], activations: [Activation]), seed: UInt64) throws -> DenseNetwork {
    var net = try DenseNetwork(widths: a.widths, activations: a.activations)
    net.initializeGlorotUniform(seed: seed)
    // Non-zero biases, so that their columns are tested too.
    var g = SplitMix64(seed: seed &+ 99)
    for layer in net.layout { for p in layer.biases { net.parameters[p] = 0.1 * g.nextUniform(-1, 1) } }
    return net
}

/// The forward pass of `count` inputs, then the seeded parameter Jacobian formed as a
/// `count · seedsPerSample` × `parameterCount` matrix.
func formedParameterJacobian(_ net: DenseNetwork, inputs x: [Double], count: Int, seeds: [Double], seedsPerSample k: Int,
                             workspace ws: inout NetworkWorkspace) -> Matrix {
    let rows = count * k
    var jac = [Double](repeating: .nan, count: rows * net.parameterCount)
    x.withUnsafeBufferPointer { xp in net.forward(xp, count: count, workspace: &ws) }
    seeds.withUnsafeBufferPointer { sp in
        jac.withUnsafeMutableBufferPointer { jp in
            net.parameterJacobian(seeds: sp, seedsPerSample: k, count: count, workspace: &ws, into: jp)
        }
    }
    return Matrix(rows: rows, columns: net.parameterCount, columnMajor: jac)
}

@Suite("Dense network")
struct NetworkTests {
    @Test("layout: W_l column-major then b_l, layer by layer; the book's 4-20-20-20-24 has 1444 parameters")
    func layout() throws {
        let net = try DenseNetwork(widths: [4, 20, 20, 20, 24], hidden: .tanh, output: .linear)
        #expect(net.parameterCount == 4 * 20 + 20 + 20 * 20 + 20 + 20 * 20 + 20 + 20 * 24 + 24)
        #expect(net.parameterCount == 1444)
        #expect(net.activations == [.tanh, .tanh, .tanh, .linear])
        #expect(net.layout[0].weights == 0..<80 && net.layout[0].biases == 80..<100)
        #expect(net.layout[3].weights == 940..<1420 && net.layout[3].biases == 1420..<1444)
        // W[o, j] at o + j n_l: a network with one weight set computes it.
        var one = try DenseNetwork(widths: [2, 3], activations: [.linear])
        one.parameters[one.layout[0].weights.lowerBound + 2 + 1 * 3] = 5  // W[2, 1]
        #expect(one([0, 1]) == [0, 0, 5])
    }

    @Test("Glorot uniform: in ±sqrt(6/(fan_in+fan_out)), zero biases, fixed by the seed")
    func glorot() throws {
        var a = try DenseNetwork(widths: [4, 20, 20, 20, 24], hidden: .tanh, output: .linear)
        var b = a
        a.initializeGlorotUniform(seed: 7)
        b.initializeGlorotUniform(seed: 7)
        #expect(a.parameters == b.parameters)
        b.initializeGlorotUniform(seed: 8)
        #expect(a.parameters != b.parameters)
        for layer in a.layout {
            let r = (6 / Double(layer.inputs + layer.outputs)).squareRoot()
            let w = layer.weights.map { a.parameters[$0] }
            #expect(w.allSatisfy { abs($0) < r })
            // 400-480 draws of U(-r, r): the largest is close to r, the mean close to 0.
            #expect(w.map(abs).max()! > 0.8 * r)
            #expect(abs(w.reduce(0, +) / Double(w.count)) < 0.25 * r)
            #expect(layer.biases.allSatisfy { a.parameters[$0] == 0 })
        }
        // The first weight is r (2u - 1) for SplitMix64(7)'s first draw.
        var g = SplitMix64(seed: 7)
        #expect(a.parameters[0] == (6.0 / 24).squareRoot() * (2 * g.nextUnit() - 1))
    }

    @Test("SplitMix64: the published first outputs for seed 0 (Vigna's splitmix64.c)")
    func splitMix() {
        var g = SplitMix64(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(g.next() == 0x06C4_5D18_8009_454F)
    }

    @Test("the batched forward pass equals the one-sample evaluation, for every architecture")
    func batchedForward() throws {
        for (index, arch) in architectures.enumerated() {
            let net = try network(arch, seed: UInt64(index))
            let count = 13
            let x = inputs(count, net.inputCount, seed: 5)
            var ws = NetworkWorkspace(for: net, capacity: 16)
            var out = [Double](repeating: .nan, count: count * net.outputCount)
            x.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { op in net.forward(xp, count: count, workspace: &ws, output: op) }
            }
            #expect(Array(ws.outputs) == out)
            for i in 0..<count {
                let xi = Array(x[(i * net.inputCount)..<((i + 1) * net.inputCount)])
                let yi = Array(out[(i * net.outputCount)..<((i + 1) * net.outputCount)])
                #expect(scaledError(yi, net(xi)) <= 1e-14, "\(arch.widths) sample \(i)")
                // The generic path on Double is the same function.
                #expect(scaledError(net.callAsFunction(xi.map { $0 }) as [Double], net(xi)) == 0)
            }
        }
    }

    @Test("parameter Jacobian with identity seeds = the derivatives module's forward-mode Jacobian of θ ↦ f(x; θ)")
    func parameterJacobianIdentity() throws {
        for (index, arch) in architectures.enumerated() {
            let net = try network(arch, seed: UInt64(10 + index))
            let count = 3, k = net.outputCount, rows = count * k
            let x = inputs(count, net.inputCount, seed: 6)
            var ws = NetworkWorkspace(for: net, capacity: count, jacobianRows: rows)
            var seeds = [Double](repeating: 0, count: rows * k)
            for i in 0..<count { for o in 0..<k { seeds[(i * k + o) * k + o] = 1 } }
            let stacked = formedParameterJacobian(net, inputs: x, count: count, seeds: seeds, seedsPerSample: k, workspace: &ws)
            for i in 0..<count {
                let xi = Array(x[(i * net.inputCount)..<((i + 1) * net.inputCount)])
                let model = net.parameterModel(input: xi)
                let reference = Derivatives.jacobian(of: model, at: net.parameters, mode: .forward)
                let fd = FiniteDifferences.jacobian(at: net.parameters) { model($0) }
                for o in 0..<k {
                    let row = stacked.row(i * k + o)
                    #expect(scaledError(row, reference.row(o)) <= 1e-13, "\(arch.widths) sample \(i) output \(o): forward mode")
                    #expect(scaledError(row, fd.row(o)) <= 1e-6, "\(arch.widths) sample \(i) output \(o): differences")
                }
            }
        }
    }

    @Test("parameter Jacobian with arbitrary seeds = seedᵀ · per-sample Jacobian; backward = Σ rows")
    func seededRowsAndBackward() throws {
        let net = try network(architectures[0], seed: 3)
        let count = 5, k = 4, n = net.outputCount, p = net.parameterCount, rows = count * k
        let x = inputs(count, net.inputCount, seed: 8)
        let seeds = inputs(rows, n, seed: 9)
        var ws = NetworkWorkspace(for: net, capacity: count, jacobianRows: rows)
        let stacked = formedParameterJacobian(net, inputs: x, count: count, seeds: seeds, seedsPerSample: k, workspace: &ws)
        var sumOfRows = [Double](repeating: 0, count: p)
        for i in 0..<count {
            let xi = Array(x[(i * net.inputCount)..<((i + 1) * net.inputCount)])
            let reference = Derivatives.jacobian(of: net.parameterModel(input: xi), at: net.parameters, mode: .forward)
            for s in 0..<k {
                let r = i * k + s
                let seed = Array(seeds[(r * n)..<((r + 1) * n)])
                let expected = (0..<p).map { c in (0..<n).reduce(0.0) { $0 + seed[$1] * reference[$1, c] } }
                #expect(scaledError(stacked.row(r), expected) <= 1e-13, "row \(r)")
                for c in 0..<p { sumOfRows[c] += stacked[r, c] }
            }
        }
        // backward with the cotangent Σ_s seed_(i,s) for sample i is the sum of all rows.
        var cotangent = [Double](repeating: 0, count: count * n)
        for r in 0..<rows { for o in 0..<n { cotangent[(r / k) * n + o] += seeds[r * n + o] } }
        var gradient = [Double](repeating: .nan, count: p)
        cotangent.withUnsafeBufferPointer { cp in
            gradient.withUnsafeMutableBufferPointer { gp in
                net.backward(outputCotangent: cp, count: count, workspace: &ws, gradient: gp)
            }
        }
        #expect(scaledError(gradient, sumOfRows) <= 1e-13)
        // accumulate adds.
        cotangent.withUnsafeBufferPointer { cp in
            gradient.withUnsafeMutableBufferPointer { gp in
                net.backward(outputCotangent: cp, count: count, workspace: &ws, gradient: gp, accumulate: true)
            }
        }
        #expect(scaledError(gradient, sumOfRows.map { 2 * $0 }) <= 1e-13)
    }

    @Test("parameterGram = J Jᵀ of the formed seeded Jacobian, symmetric, for every architecture")
    func gram() throws {
        for (index, arch) in architectures.enumerated() {
            let net = try network(arch, seed: UInt64(30 + index))
            let count = 6, k = 3, n = net.outputCount, rows = count * k
            let x = inputs(count, net.inputCount, seed: 13)
            let seeds = inputs(rows, n, seed: 14)
            var ws = NetworkWorkspace(for: net, capacity: count, jacobianRows: rows, gram: true)
            #expect(ws.supportsGram)
            let j = formedParameterJacobian(net, inputs: x, count: count, seeds: seeds, seedsPerSample: k, workspace: &ws)
            var g = [Double](repeating: .nan, count: rows * rows)
            seeds.withUnsafeBufferPointer { sp in
                g.withUnsafeMutableBufferPointer { gp in
                    net.parameterGram(seeds: sp, seedsPerSample: k, count: count, workspace: &ws, into: gp)
                }
            }
            let expected = try j * j.transposed()
            #expect(scaledError(g, expected.elements) <= 1e-13, "\(arch.widths)")
            #expect(Matrix(rows: rows, columns: rows, columnMajor: g).isSymmetric(relativeTolerance: 0))
        }
    }

    @Test("backward gradient = reverse mode of Σ_i c_i · f(x_i; θ) for every architecture")
    func backwardAgainstReverseMode() throws {
        struct Contracted: GenericObjective {
            var network: DenseNetwork
            var x: [[Double]]
            var c: [[Double]]
            func callAsFunction<T: PhysGradReal>(_ theta: [T]) -> T {
                var total: T = 0
                for (xi, ci) in zip(x, c) {
                    let y = DenseNetwork.ParameterModel(network: network, input: xi)(theta)
                    for (yo, co) in zip(y, ci) { total += yo * T(co) }
                }
                return total
            }
        }
        for (index, arch) in architectures.enumerated() {
            let net = try network(arch, seed: UInt64(20 + index))
            let count = 4
            let x = inputs(count, net.inputCount, seed: 11)
            let c = inputs(count, net.outputCount, seed: 12)
            var ws = NetworkWorkspace(for: net, capacity: 8)
            var gradient = [Double](repeating: .nan, count: net.parameterCount)
            x.withUnsafeBufferPointer { xp in net.forward(xp, count: count, workspace: &ws) }
            c.withUnsafeBufferPointer { cp in
                gradient.withUnsafeMutableBufferPointer { gp in
                    net.backward(outputCotangent: cp, count: count, workspace: &ws, gradient: gp)
                }
            }
            let objective = Contracted(
                network: net,
                x: (0..<count).map { Array(x[($0 * net.inputCount)..<(($0 + 1) * net.inputCount)]) },
                c: (0..<count).map { Array(c[($0 * net.outputCount)..<(($0 + 1) * net.outputCount)]) })
            let reference = Derivatives.gradient(of: objective, at: net.parameters)
            #expect(scaledError(gradient, reference) <= 1e-13, "\(arch.widths)")
        }
    }

    @Test("the input Jacobian through the derivatives module matches central differences")
    func inputJacobian() throws {
        let net = try network(architectures[0], seed: 4)
        let x = [0.3, -0.2, 0.7, 0.1]
        let j = Derivatives.jacobian(of: net, at: x)
        let fd = FiniteDifferences.jacobian(at: x) { net($0) }
        #expect(j.rows == 24 && j.columns == 4)
        #expect(scaledError(j.elements, fd.elements) <= 1e-7)
    }

    @Test("bad descriptions are typed errors")
    func errors() throws {
        #expect(throws: NetworkError.tooFewLayers(count: 1)) { try DenseNetwork(widths: [3], activations: []) }
        #expect(throws: NetworkError.invalidWidth(layer: 1, width: 0)) { try DenseNetwork(widths: [3, 0, 2], hidden: .tanh, output: .linear) }
        #expect(throws: NetworkError.activationCount(expected: 2, got: 1)) { try DenseNetwork(widths: [3, 4, 2], activations: [.tanh]) }
        #expect(throws: NetworkError.self) { try DenseNetwork(widths: [1 << 20, 1 << 20], activations: [.linear]) }
        var net = try DenseNetwork(widths: [2, 2], activations: [.linear])
        #expect(throws: NetworkError.parameterCount(expected: 6, got: 5)) { try net.setParameters([1, 2, 3, 4, 5]) }
        #expect(throws: NetworkError.nonFiniteParameter(index: 2)) { try net.setParameters([1, 2, .nan, 4, 5, 6]) }
        try net.setParameters([1, 0, 0, 1, 0.5, -0.5])
        #expect(net([2, 3]) == [2.5, 2.5])
    }
}

@Suite("Vector tanh")
struct VectorTanhTests {
    /// The batched forward pass's tanh against the C library's, through a linear-free network:
    /// one layer 1 -> 1 with weight 1 and bias 0 evaluates tanh(x) for a batch of x.
    func batchTanh(_ xs: [Double]) throws -> [Double] {
        var net = try DenseNetwork(widths: [1, 1], activations: [.tanh])
        try net.setParameters([1, 0])
        var ws = NetworkWorkspace(for: net, capacity: xs.count)
        var out = [Double](repeating: .nan, count: xs.count)
        xs.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { net.forward(x, count: xs.count, workspace: &ws, output: $0) } }
        return out
    }

    @Test("within 4 ulp of tanh on [-25, 25] (both branches, the switch at 0.625) and right at the special values")
    func accuracy() throws {
        var xs: [Double] = []
        for i in -250_000...250_000 { xs.append(Double(i) * 1e-4) }
        for e in -30...1 { let v = Double.pow(2, Double(e)); xs += [v, -v, v.nextUp, v.nextDown] }
        xs += [0.625, 0.625.nextDown, 0.625.nextUp, -0.625, 19.9, 20, 20.1, 350, 710, 1e300, .leastNonzeroMagnitude, .leastNormalMagnitude]
        let got = try batchTanh(xs)
        var worst = 0.0
        for (x, y) in zip(xs, got) {
            let exact = Double.tanh(x)
            let ulp = exact.magnitude.ulp
            worst = Swift.max(worst, abs(y - exact) / ulp)
            #expect(y.sign == exact.sign, "sign at \(x)")
        }
        #expect(worst <= 4, "worst error \(worst) ulp")
        let special = try batchTanh([0, -0.0, .infinity, -.infinity, .nan, 5])
        // (-0 enters the layer as 0 + 1·(-0) = +0.)
        #expect(special[0] == 0 && special[1] == 0)
        #expect(special[2] == 1 && special[3] == -1 && special[4].isNaN)
    }
}
