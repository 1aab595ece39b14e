import PhysGradDerivatives

/// The network as a model of its input (the parameters held constant): the derivatives
/// module differentiates it with respect to the input (`Derivatives.jacobian(of: net, at: x)`).
extension DenseNetwork: GenericModel {
    @inlinable
    public func callAsFunction<T: PhysGradReal>(_ x: [T]) -> [T] {
        evaluate(x, parameters: parameters.map { T($0) })
    }
}

extension DenseNetwork {
    /// The network as a model of its parameters at one fixed input: θ ↦ f(input; θ). Its
    /// Jacobian (``outputCount`` × ``parameterCount``) is what half-inverse gradients stack over
    /// a batch; `Derivatives.jacobian(of: net.parameterModel(input: x), at: net.parameters)`
    /// computes it generically, ``parameterJacobian(seeds:seedsPerSample:count:workspace:into:)``
    /// for a whole batch through BLAS.
    public func parameterModel(input: [Double]) -> ParameterModel {
        ParameterModel(network: self, input: input)
    }

    /// θ ↦ f(input; θ) for a fixed input (see ``DenseNetwork/parameterModel(input:)``).
    public struct ParameterModel: GenericModel, Sendable {
        public var network: DenseNetwork
        public var input: [Double]

        public init(network: DenseNetwork, input: [Double]) {
            self.network = network
            self.input = input
        }

        @inlinable
        public func callAsFunction<T: PhysGradReal>(_ theta: [T]) -> [T] {
            network.evaluate(input.map { T($0) }, parameters: theta)
        }
    }
}
