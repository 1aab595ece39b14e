// Array-style versions of the standard functions: the same math on TrackedVectors, so each is
// both a GenericObjective / GenericModel (scalar tape) and an ArrayObjective / ArrayModel.

extension StandardFunctions {
    /// The term 100 (b - a²)² + (1 - a)² of the extended Rosenbrock function (in the order of
    /// operations of ``ExtendedRosenbrock``).
    @frozen
    public struct RosenbrockTerm: BinaryElementwiseKernel, Sendable {
        @inlinable public init() {}
        @inlinable @inline(__always)
        public func callAsFunction<T: PhysGradReal>(_ a: T, _ b: T, at i: Int) -> T {
            let t = b - a * a
            let c = 1 - a
            return 100 * t * t + c * c
        }
    }

    /// x² sin x.
    @frozen
    public struct SquareSineTerm: ElementwiseKernel, Sendable {
        @inlinable public init() {}
        @inlinable @inline(__always)
        public func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { x * x * T.sin(x) }
    }

    /// y_i = x_i for even i, x_i² for odd i.
    @frozen
    public struct PowersKernel: ElementwiseKernel, Sendable {
        @inlinable public init() {}
        @inlinable @inline(__always)
        public func callAsFunction<T: PhysGradReal>(_ x: T, at i: Int) -> T { i & 1 == 1 ? x * x : x }
    }
}

extension StandardFunctions.ExtendedRosenbrock: ArrayObjective {
    /// Array-style: one fused map-sum over the pairs (x_{2i}, x_{2i+1}), after two strided slices.
    @inlinable
    public func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        let m = x.count / 2
        return TrackedVector.mapSum(StandardFunctions.RosenbrockTerm(),
                                    x.strided(from: 0, by: 2, count: m), x.strided(from: 1, by: 2, count: m))
    }
}

extension StandardFunctions.SumSquareSine: ArrayObjective {
    /// Array-style: one fused map-sum.
    @inlinable
    public func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        x.mapSum(StandardFunctions.SquareSineTerm())
    }
}

extension StandardFunctions.Powers: ArrayModel {
    /// Array-style: one fused map.
    @inlinable
    public func callAsFunction<Base: PhysGradReal>(_ x: TrackedVector<Base>) -> TrackedVector<Base> {
        x.map(StandardFunctions.PowersKernel())
    }
}

extension StandardFunctions.SquaredNorm: ArrayObjective {
    /// Array-style: one fused map-sum.
    @inlinable
    public func callAsFunction<Base: PhysGradReal>(_ y: TrackedVector<Base>) -> TrackedVector<Base> { y.squaredNorm() }
}
