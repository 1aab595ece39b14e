import PhysGradDerivatives
import PhysGradRandom

/// A fully connected feed-forward network whose parameters are one flat vector.
///
/// Layer `l = 1 ... L` maps the previous activation `a_{l-1}` (width `n_{l-1}`, `a_0` the input)
/// to `a_l = σ_l(W_l a_{l-1} + b_l)` with an `n_l × n_{l-1}` weight matrix and `n_l` biases. The
/// parameters θ are stored in one array, layer by layer: `W_1` (column-major: `W[o, j]` at
/// `o + j · n_l`, the memory layout of a Keras kernel of shape `(n_{l-1}, n_l)`), then `b_1`,
/// then `W_2`, `b_2`, ... (``layout``). Optimizers and Jacobians therefore see a plain vector of
/// ``parameterCount`` numbers.
///
/// ```swift
/// var net = try DenseNetwork(widths: [4, 20, 20, 20, 24], hidden: .tanh, output: .linear)
/// net.initializeGlorotUniform(seed: 42)          // Keras' default: U(±sqrt(6 / (fan_in + fan_out))), b = 0
/// let u = net([0.1, 0.2, 0.3, 0.4])             // one sample; batches: forward(_:count:workspace:)
/// ```
///
/// One sample runs through ``callAsFunction(_:)-([Double])`` or, generically, on any scalar type
/// of the derivatives module (the network is a `GenericModel` of its input; ``parameterModel(input:)``
/// is one of its parameters). Batches run through BLAS `dgemm`: ``forward(_:count:workspace:output:)``,
/// ``backward(outputCotangent:count:workspace:gradient:accumulate:)``, and the per-sample Jacobian rows
/// ``parameterJacobian(seeds:seedsPerSample:count:workspace:into:)``.
public struct DenseNetwork: Sendable, Hashable {
    /// The widest layer accepted.
    public static let maximumWidth = 1 << 20
    /// The most parameters accepted (8 GB of doubles).
    public static let maximumParameterCount = 1 << 30

    /// `[n_0, n_1, ..., n_L]`: the input width, then each layer's width.
    public let widths: [Int]
    /// `σ_1 ... σ_L`.
    public let activations: [Activation]
    /// Where each layer's weights and biases live in ``parameters``.
    public let layout: [LayerLayout]
    /// θ, ``parameterCount`` numbers in the order of ``layout``. Assigned directly, it must keep
    /// that length (a precondition of every pass; ``setParameters(_:)`` checks it and finiteness).
    public var parameters: [Double]

    /// The position of one layer's parameters in the flat vector.
    public struct LayerLayout: Sendable, Hashable {
        /// `n_{l-1}`.
        public var inputs: Int
        /// `n_l`.
        public var outputs: Int
        /// The `n_l · n_{l-1}` weights, column-major.
        public var weights: Range<Int>
        /// The `n_l` biases.
        public var biases: Range<Int>
    }

    /// A network with all parameters zero (call an initializer such as
    /// ``initializeGlorotUniform(seed:)`` or assign ``parameters``).
    ///
    /// - Parameters:
    ///   - widths: `[n_0, ..., n_L]`, at least two, each in `1 ... maximumWidth`.
    ///   - activations: `L` activations, one per layer.
    /// - Throws: ``NetworkError``.
    public init(widths: [Int], activations: [Activation]) throws(NetworkError) {
        guard widths.count >= 2 else { throw .tooFewLayers(count: widths.count) }
        for (l, w) in widths.enumerated() where !(1...Self.maximumWidth).contains(w) {
            throw .invalidWidth(layer: l, width: w)
        }
        guard activations.count == widths.count - 1 else {
            throw .activationCount(expected: widths.count - 1, got: activations.count)
        }
        var layout: [LayerLayout] = []
        var offset = 0
        for l in 1..<widths.count {
            let (i, o) = (widths[l - 1], widths[l])
            let (w, overflow) = i.multipliedReportingOverflow(by: o)
            guard !overflow, offset <= Self.maximumParameterCount - w - o else {
                throw .tooManyParameters(count: overflow ? Int.max : offset + w + o)
            }
            layout.append(LayerLayout(inputs: i, outputs: o, weights: offset..<(offset + w),
                                      biases: (offset + w)..<(offset + w + o)))
            offset += w + o
        }
        self.widths = widths
        self.activations = activations
        self.layout = layout
        self.parameters = [Double](repeating: 0, count: offset)
    }

    /// A network with one activation for the hidden layers and another for the output layer.
    public init(widths: [Int], hidden: Activation, output: Activation) throws(NetworkError) {
        try self.init(widths: widths, activations: Array(repeating: hidden, count: Swift.max(widths.count - 2, 0)) + [output])
    }

    /// The number of parameters, `Σ_l n_l (n_{l-1} + 1)`.
    @inlinable
    public var parameterCount: Int { layout[layout.count - 1].biases.upperBound }
    /// `n_0`.
    @inlinable
    public var inputCount: Int { widths[0] }
    /// `n_L`.
    @inlinable
    public var outputCount: Int { widths[widths.count - 1] }
    /// `L`.
    @inlinable
    public var layerCount: Int { widths.count - 1 }

    /// Replaces the parameters.
    ///
    /// - Throws: ``NetworkError/parameterCount(expected:got:)``,
    ///   ``NetworkError/nonFiniteParameter(index:)``.
    public mutating func setParameters(_ theta: [Double]) throws(NetworkError) {
        guard theta.count == parameterCount else { throw .parameterCount(expected: parameterCount, got: theta.count) }
        if let i = theta.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteParameter(index: i) }
        parameters = theta
    }

    /// Glorot (Xavier) uniform initialization, the default of Keras' `Dense` layer: every weight
    /// of layer l drawn from `U(-r, r)` with `r = sqrt(6 / (n_{l-1} + n_l))`, biases zero. The
    /// weights are drawn from `SplitMix64` seeded with `seed`, in the order of ``parameters``
    /// (`w = r (2 u - 1)` with `u = nextUnit()`), so the same seed gives the same network
    /// everywhere.
    public mutating func initializeGlorotUniform(seed: UInt64) {
        var g = SplitMix64(seed: seed)
        initializeGlorotUniform(using: &g)
    }

    /// Glorot uniform initialization drawing from `generator` (see ``initializeGlorotUniform(seed:)``).
    public mutating func initializeGlorotUniform(using generator: inout SplitMix64) {
        for layer in layout {
            let r = (6 / Double(layer.inputs + layer.outputs)).squareRoot()
            for p in layer.weights { parameters[p] = r * (2 * generator.nextUnit() - 1) }
            for p in layer.biases { parameters[p] = 0 }
        }
    }

    /// The network's output for one input of ``inputCount`` numbers.
    ///
    /// - Precondition: `input.count == inputCount`.
    public func callAsFunction(_ input: [Double]) -> [Double] {
        precondition(input.count == inputCount, "DenseNetwork: \(input.count) inputs given, the network takes \(inputCount)")
        precondition(parameters.count == parameterCount, "DenseNetwork: \(parameters.count) parameters assigned, the network has \(parameterCount)")
        return evaluate(input, parameters: parameters)
    }

    /// `f(input; θ)` for any scalar types of the input and the parameters (the generic models
    /// of ``DenseNetwork`` call it with one of them constant).
    @inlinable
    func evaluate<T: PhysGradReal>(_ input: [T], parameters theta: [T]) -> [T] {
        var a = input
        for (l, layer) in layout.enumerated() {
            let sigma = activations[l]
            var z = [T](repeating: 0, count: layer.outputs)
            for o in 0..<layer.outputs { z[o] = theta[layer.biases.lowerBound + o] }
            for j in 0..<layer.inputs {
                let aj = a[j]
                let column = layer.weights.lowerBound + j * layer.outputs
                for o in 0..<layer.outputs { z[o] += theta[column + o] * aj }
            }
            for o in 0..<layer.outputs { z[o] = sigma(z[o]) }
            a = z
        }
        return a
    }
}
