/// PhysGrad's methods by name: one registry for the library, the command-line tool and the
/// problem catalog's recommended settings, in the order results are reported.
public enum MethodKind: String, CaseIterable, Sendable, Hashable, Codable, Comparable {
    case gd, newton, pg
    case pgNumerical = "pg-numerical"
    case adam, adagrad, rmsprop, lbfgsb
    case gn, lm
    case lmMinpack = "lm-minpack"
    case ig, hig

    public static func < (a: MethodKind, b: MethodKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The label in figures and text ("GD", "Newton", ...).
    public var label: String {
        switch self {
        case .gd: return "GD"
        case .newton: return "Newton"
        case .pg: return "PG"
        case .pgNumerical: return "PG (numerical inverse)"
        case .adam: return "Adam"
        case .adagrad: return "AdaGrad"
        case .rmsprop: return "RMSProp"
        case .lbfgsb: return "L-BFGS-B"
        case .gn: return "Gauss-Newton"
        case .lm: return "Levenberg-Marquardt"
        case .lmMinpack: return "Levenberg-Marquardt (MINPACK)"
        case .ig: return "IG"
        case .hig: return "HIG"
        }
    }

    /// What the method is, in a line (for help texts).
    public var summary: String {
        switch self {
        case .gd: return "gradient descent"
        case .newton: return "Newton (trust region; fixed step on seed and powers)"
        case .pg: return "inverse-simulator update with the analytic inverse"
        case .pgNumerical: return "inverse-simulator update with an L-BFGS-B inverse"
        case .adam: return "Adam (optax's definition)"
        case .adagrad: return "AdaGrad (optax's definition)"
        case .rmsprop: return "RMSProp (optax's definition)"
        case .lbfgsb: return "L-BFGS-B on L(x), one iteration per step"
        case .gn: return "Gauss-Newton: truncated-SVD steps in a trust region on the predicted reduction"
        case .lm: return "Levenberg-Marquardt: Hanke's regularizing damping (trust region on the predicted reduction)"
        case .lmMinpack: return "Levenberg-Marquardt in MINPACK's form (trust region on the scaled step length; SciPy's lm)"
        case .ig: return "inverse gradients: y-space step through the pseudo-inverse of J"
        case .hig: return "half-inverse gradients: V S^(-1/2) U^T of J"
        }
    }

    /// `true` for methods with a step size η (all but L-BFGS-B and the two Levenberg-Marquardts).
    public var takesStepSize: Bool { self != .lbfgsb && self != .lm && self != .lmMinpack }

    /// The step size the method uses on `problem` when none is given: the problem's
    /// recommendation, else 1 for the methods whose natural step is 1 (Newton, Gauss-Newton);
    /// `nil` for methods without a step size.
    public func defaultStepSize(on problem: InverseProblem) -> Double? {
        guard takesStepSize else { return nil }
        if let v = problem.stepSizes[self] { return v }
        switch self {
        case .newton, .gn: return 1
        default: return nil
        }
    }

    /// The method with `problem`'s recommended settings (``InverseProblem/stepSizes`` and
    /// ``InverseProblem/acceptances``), overridden by `stepSize` and `acceptance` when given.
    /// `inverse` is the numerical inverse of `pg-numerical`.
    ///
    /// Newton with a fixed step uses ``HessianPolicy/exact``; with a line search,
    /// ``HessianPolicy/regularize(initialShift:minimumReciprocalCondition:)``; its default
    /// acceptance is the trust region. The others default to their types' defaults.
    ///
    /// - Throws: ``PhysGradError/methodNotApplicable(method:problem:reason:)`` when the method
    ///   needs a step size that neither the caller nor the problem gives;
    ///   ``PhysGradError/invalidParameter(name:value:reason:)`` when an acceptance is given (or
    ///   recommended by the problem) for a method that has no acceptance policy (Adam, AdaGrad and
    ///   RMSProp take their own steps, L-BFGS-B has its own line search).
    public func makeMethod(
        for problem: InverseProblem, stepSize: Double? = nil, acceptance: StepAcceptance? = nil,
        inverse: NumericalInverse = .finiteDifferences
    ) throws(PhysGradError) -> any Optimizer {
        let accept = acceptance ?? problem.acceptances[self]
        if let accept, !takesAcceptance {
            throw .invalidParameter(name: "acceptance of \(rawValue)", value: accept.name,
                                    reason: "\(rawValue) has no step acceptance policy (it takes its own steps)")
        }
        var eta = 1.0
        if takesStepSize {
            guard let v = stepSize ?? defaultStepSize(on: problem) else {
                throw .methodNotApplicable(method: rawValue, problem: problem.name,
                                           reason: "it has no default step size on this problem; give one")
            }
            eta = v
        }
        return makeMethod(stepSize: eta, acceptance: accept, inverse: inverse)
    }

    /// `true` for methods whose steps go through a ``StepAcceptance`` (all but Adam, AdaGrad,
    /// RMSProp and L-BFGS-B).
    var takesAcceptance: Bool {
        switch self {
        case .adam, .adagrad, .rmsprop, .lbfgsb: return false
        default: return true
        }
    }

    /// The method with step size `stepSize` (ignored by methods without one), the acceptance given
    /// (`nil`: the method's own default; ignored by Adam, AdaGrad, RMSProp and L-BFGS-B, which have
    /// no acceptance policy: ``makeMethod(for:stepSize:acceptance:inverse:)`` refuses one for them)
    /// and, for `pg-numerical`, the numerical inverse `inverse`;
    /// everything else at the method's defaults. Newton with a fixed step uses
    /// ``HessianPolicy/exact``, with a line search ``HessianPolicy/regularize(initialShift:minimumReciprocalCondition:)``.
    public func makeMethod(stepSize eta: Double, acceptance accept: StepAcceptance? = nil,
                           inverse: NumericalInverse = .finiteDifferences) -> any Optimizer {
        switch self {
        case .gd: return GradientDescent(eta: eta, acceptance: accept ?? .fixed)
        case .newton:
            let a = accept ?? .trustRegion(.newton)
            return Newton(eta: eta, policy: a == .fixed ? .exact : .regularize(), acceptance: a)
        case .pg: return PhysicalGradient(eta: eta, acceptance: accept ?? .fixed)
        case .pgNumerical: return PhysicalGradient(eta: eta, inverse: .numerical(inverse), acceptance: accept ?? .fixed)
        case .adam: return Adam(eta: eta)
        case .adagrad: return AdaGrad(eta: eta)
        case .rmsprop: return RMSProp(eta: eta)
        case .lbfgsb: return LBFGSBMethod()
        case .gn: return GaussNewton(eta: eta, acceptance: accept ?? .trustRegion())
        case .lm: return LevenbergMarquardt(acceptance: accept ?? .trustRegion())
        case .lmMinpack: return LevenbergMarquardt(acceptance: accept ?? .trustRegion(.length()))
        case .ig: return InverseGradients(eta: eta, acceptance: accept ?? .fixed)
        case .hig: return HalfInverseGradients(eta: eta, acceptance: accept ?? .fixed)
        }
    }
}
