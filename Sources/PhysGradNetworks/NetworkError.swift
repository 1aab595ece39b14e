/// What can be wrong with a network's description or with what is handed to it.
public enum NetworkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer than two layer sizes (an input and an output width are needed).
    case tooFewLayers(count: Int)
    /// A layer width below 1 or above ``DenseNetwork/maximumWidth``.
    case invalidWidth(layer: Int, width: Int)
    /// The number of activations differs from the number of layers.
    case activationCount(expected: Int, got: Int)
    /// More parameters than ``DenseNetwork/maximumParameterCount``.
    case tooManyParameters(count: Int)
    /// A parameter vector of the wrong length.
    case parameterCount(expected: Int, got: Int)
    /// A non-finite parameter at `index`.
    case nonFiniteParameter(index: Int)

    public var description: String {
        switch self {
        case .tooFewLayers(let n):
            return "a network needs at least an input and an output width, got \(n) width\(n == 1 ? "" : "s")"
        case .invalidWidth(let l, let w):
            return "layer width \(w) at position \(l) is outside 1 ... \(DenseNetwork.maximumWidth)"
        case .activationCount(let e, let g):
            return "\(g) activations given for \(e) layers"
        case .tooManyParameters(let n):
            return "\(n) parameters is above the ceiling of \(DenseNetwork.maximumParameterCount)"
        case .parameterCount(let e, let g):
            return "\(g) parameters given, the network has \(e)"
        case .nonFiniteParameter(let i):
            return "parameter \(i) is not finite"
        }
    }
}
