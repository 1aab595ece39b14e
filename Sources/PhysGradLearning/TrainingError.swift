/// What can stop a training run before it starts, or end it early.
public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A setting outside its range.
    case invalidSetting(name: String, value: String, reason: String)
    /// A method that cannot run on this problem (e.g. a Newton inverse on a physics model
    /// without curvature).
    case unsupported(method: String, reason: String)
    /// A linear-algebra failure inside an update (an SVD that did not converge).
    case linearAlgebra(String)

    public var description: String {
        switch self {
        case .invalidSetting(let name, let value, let reason): return "\(name) = \(value): \(reason)"
        case .unsupported(let method, let reason): return "\(method): \(reason)"
        case .linearAlgebra(let what): return what
        }
    }
}
