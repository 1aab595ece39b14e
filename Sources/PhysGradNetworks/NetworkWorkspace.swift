/// Reusable memory for a network's batched passes: the activations of the last forward pass
/// (which the backward passes read) and the cotangent buffers. Make one per network and
/// thread, sized for the largest batch; passes then allocate nothing.
///
/// Memory: `8 · capacity · Σ_l n_l` bytes for the activations and `16 · capacity · max n_l` for
/// the backward pass; with `jacobianRows` > 0, `24 · jacobianRows · max n_l` more for
/// ``DenseNetwork/parameterJacobian(seeds:seedsPerSample:count:workspace:into:)``, and with
/// `gram` `8 · (jacobianRows² + capacity²)` more for
/// ``DenseNetwork/parameterGram(seeds:seedsPerSample:count:workspace:into:)``
/// (``bytes(widths:capacity:jacobianRows:gram:)``).
public struct NetworkWorkspace: Sendable {
    /// The largest batch the workspace holds.
    public let capacity: Int
    /// The most Jacobian rows (samples × seeds per sample) it holds.
    public let jacobianRows: Int
    let widths: [Int]
    /// Offsets of a_0 ... a_L in ``activations`` (layer l holds `n_l × capacity`, samples as columns).
    let activationOffsets: [Int]
    var activations: [Double]
    var delta: [Double]
    var deltaNext: [Double]
    var rowDelta: [Double]
    var rowDeltaNext: [Double]
    var expanded: [Double]
    var rowProducts: [Double]
    var sampleProducts: [Double]
    /// The batch size of the last forward pass (0 before the first).
    public internal(set) var lastCount = 0

    /// `true` when the workspace holds the scratch of ``DenseNetwork/parameterGram(seeds:seedsPerSample:count:workspace:into:)``.
    public var supportsGram: Bool { !rowProducts.isEmpty }

    /// A workspace for batches of up to `capacity` samples and Jacobians (or, with `gram`, Gram
    /// matrices) of up to `jacobianRows` rows.
    ///
    /// - Precondition: `capacity >= 1`, `jacobianRows >= 0`, and the workspace within memory:
    ///   check ``bytes(widths:capacity:jacobianRows:gram:)`` first (sizes whose element counts
    ///   overflow `Int` stop here with a message, not an arithmetic trap).
    public init(for network: DenseNetwork, capacity: Int, jacobianRows: Int = 0, gram: Bool = false) {
        precondition(capacity >= 1 && jacobianRows >= 0, "NetworkWorkspace: capacity \(capacity), jacobianRows \(jacobianRows)")
        self.capacity = capacity
        self.jacobianRows = jacobianRows
        widths = network.widths
        var offsets: [Int] = []
        var total = 0
        func product(_ a: Int, _ b: Int) -> Int {
            let (p, overflow) = a.multipliedReportingOverflow(by: b)
            precondition(!overflow, "NetworkWorkspace: \(a) x \(b) numbers overflow Int (bytes(widths:capacity:jacobianRows:gram:) estimates the size)")
            return p
        }
        for w in widths {
            offsets.append(total)
            let (sum, overflow) = total.addingReportingOverflow(product(w, capacity))
            precondition(!overflow, "NetworkWorkspace: the activations of \(capacity) samples overflow Int")
            total = sum
        }
        activationOffsets = offsets
        activations = [Double](repeating: 0, count: total)
        let widest = widths.max()!
        delta = [Double](repeating: 0, count: product(widest, capacity))
        deltaNext = delta
        rowDelta = [Double](repeating: 0, count: product(widest, jacobianRows))
        rowDeltaNext = rowDelta
        expanded = rowDelta
        rowProducts = gram && jacobianRows > 0 ? [Double](repeating: 0, count: product(jacobianRows, jacobianRows)) : []
        sampleProducts = gram && jacobianRows > 0 ? [Double](repeating: 0, count: product(capacity, capacity)) : []
    }

    /// The bytes a workspace of this size holds (see the type's description).
    public static func bytes(widths: [Int], capacity: Int, jacobianRows: Int = 0, gram: Bool = false) -> Double {
        let widest = Double(widths.max() ?? 0)
        let r = Double(jacobianRows), c = Double(capacity)
        return 8 * c * (widths.reduce(0.0) { $0 + Double($1) } + 2 * widest) + 24 * r * widest + (gram && jacobianRows > 0 ? 8 * (r * r + c * c) : 0)
    }

    /// The network's outputs of the last forward pass: `n_L × lastCount` numbers, sample i's
    /// outputs at `i · n_L ..< (i + 1) · n_L`.
    public var outputs: ArraySlice<Double> {
        let start = activationOffsets[widths.count - 1]
        return activations[start..<(start + widths[widths.count - 1] * lastCount)]
    }
}
