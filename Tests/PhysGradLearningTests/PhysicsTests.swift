// The physics models: the oscillators against the float64 NumPy reference to 1e-12, their
// Jacobians and pullbacks against the derivatives module, the SIMD batch against one sample at
// a time; the rotated sine's derivatives and curvature against the derivatives module.
import Foundation
import PhysGradDerivatives
import PhysGradLearning
import PhysGradLinearAlgebra
import Testing

@Suite("Physics models")
struct PhysicsTests {
    @Test("the oscillators match oscillators.json to 1e-12: final states, Jacobian, singular values, minimum-norm return control")
    func oscillatorReference() throws {
        let reference = try OscillatorReference.load()
        let physics = try CoupledOscillators(masses: reference.oscillators, steps: reference.steps, dt: reference.dt,
                                             coupling: reference.coupling)
        #expect(physics == CoupledOscillators.book)
        #expect(reference.cases.count == 3)
        for (index, c) in reference.cases.enumerated() {
            #expect(scaledError(try physics.finalState(start: c.start, controls: c.controls), c.final) <= 1e-12, "case \(index): final")
            let zero = [Double](repeating: 0, count: physics.steps)
            let free = try physics.finalState(start: c.start, controls: zero)
            #expect(scaledError(free, c.final_uncontrolled) <= 1e-12, "case \(index): uncontrolled")
            let j = physicsJacobian(physics, condition: c.start, control: c.controls)
            #expect(scaledError(j.elements, Matrix(c.jacobian_final_wrt_controls).elements) <= 1e-12, "case \(index): Jacobian")
            let svd = try SingularValueDecomposition(j)
            #expect(scaledError(svd.singularValues, c.singular_values) <= 1e-12, "case \(index): singular values")
            // The smallest control that brings the masses back: J⁺ (s0 - P(s0, 0)).
            let back = try svd.pseudoInverseProduct(zip(c.start, free).map { $0 - $1 }, relativeTruncation: 1e-12)
            #expect(back.rank == 4)
            #expect(scaledError(back.product, c.min_norm_return_control) <= 1e-12, "case \(index): return control")
            let returned = try physics.finalState(start: c.start, controls: back.product)
            #expect(scaledError(returned, c.start) <= 1e-12, "case \(index): the return control returns")
        }
    }

    @Test("oscillator Jacobian and pullback = the derivatives module on the generic simulation")
    func oscillatorDerivatives() throws {
        for physics in [CoupledOscillators.book, try CoupledOscillators(masses: 3, steps: 7, dt: 0.3, coupling: 0.5),
                        try CoupledOscillators(masses: 1, steps: 5, dt: 0.2, coupling: 0)] {
            let m = 2 * physics.masses
            let start = (0..<m).map { 0.1 * Double($0) - 0.2 }
            let controls = (0..<physics.steps).map { sin(Double($0)) }
            let model = physics.controlModel(start: start)
            #expect(scaledError(model(controls), try physics.finalState(start: start, controls: controls)) <= 1e-14)
            let reference = Derivatives.jacobian(of: model, at: controls)
            let j = physicsJacobian(physics, condition: start, control: controls)
            #expect(scaledError(j.elements, reference.elements) <= 1e-13, "N = \(physics.masses)")
            let cotangent = (0..<m).map { Double($0 + 1) }
            var pulled = [Double](repeating: .nan, count: physics.steps)
            start.withUnsafeBufferPointer { c in
                controls.withUnsafeBufferPointer { u in
                    cotangent.withUnsafeBufferPointer { w in
                        pulled.withUnsafeMutableBufferPointer { physics.pullback(condition: c, control: u, cotangent: w, into: $0) }
                    }
                }
            }
            let expected = (0..<physics.steps).map { t in (0..<m).reduce(0.0) { $0 + cotangent[$1] * reference[$1, t] } }
            #expect(scaledError(pulled, expected) <= 1e-13, "N = \(physics.masses): pullback")
        }
    }

    @Test("the SIMD batch of 19 samples (two full groups of 8 and a partial one) equals one sample at a time, bit for bit")
    func oscillatorBatch() throws {
        let physics = CoupledOscillators.book
        let count = 19, m = 4, t = physics.steps
        let starts = (0..<(count * m)).map { Double(($0 * 37) % 11) / 11 }
        let controls = (0..<(count * t)).map { cos(0.3 * Double($0)) }
        let cotangents = (0..<(count * m)).map { Double($0 % 5) - 2 }
        var y = [Double](repeating: .nan, count: count * m)
        var pulled = [Double](repeating: .nan, count: count * t)
        var jacobians = [Double](repeating: .nan, count: count * m * t)
        starts.withUnsafeBufferPointer { c in
            controls.withUnsafeBufferPointer { u in
                y.withUnsafeMutableBufferPointer { physics.evaluate(conditions: c, controls: u, count: count, outputs: $0) }
                cotangents.withUnsafeBufferPointer { w in
                    pulled.withUnsafeMutableBufferPointer { physics.pullback(conditions: c, controls: u, cotangents: w, count: count, into: $0) }
                }
                jacobians.withUnsafeMutableBufferPointer { physics.jacobian(conditions: c, controls: u, count: count, into: $0) }
            }
        }
        for i in 0..<count {
            let s = Array(starts[(i * m)..<((i + 1) * m)]), u = Array(controls[(i * t)..<((i + 1) * t)])
            let final = try physics.finalState(start: s, controls: u)
            #expect(Array(y[(i * m)..<((i + 1) * m)]) == final, "sample \(i)")
            let j = physicsJacobian(physics, condition: s, control: u)
            #expect(Array(jacobians[(i * m * t)..<((i + 1) * m * t)]) == j.elements, "sample \(i): Jacobian")
            let w = Array(cotangents[(i * m)..<((i + 1) * m)])
            let expected = (0..<t).map { c in (0..<m).reduce(0.0) { $0 + w[$1] * j[$1, c] } }
            #expect(scaledError(Array(pulled[(i * t)..<((i + 1) * t)]), expected) <= 1e-14, "sample \(i): pullback")
        }
    }

    @Test("rotated sine: value, Jacobian, pullback and curvature against the derivatives module")
    func sine() throws {
        struct HalfLoss: GenericObjective {
            var model: RotatedSine.Model
            var target: [Double]
            func callAsFunction<T: PhysGradReal>(_ x: [T]) -> T {
                let y = model(x)
                let a = y[0] - T(target[0]), b = y[1] - T(target[1])
                return (a * a + b * b) / 2
            }
        }
        for (xi, degrees) in [(1.0, 0.0), (32.0, 15.0), (5.0, -40.0)] {
            let physics = try RotatedSine(xi: xi, angle: degrees * Double.pi / 180)
            let model = RotatedSine.Model(physics)
            for x in [[0.3, -0.7], [1.9, 0.4], [-2.5, 3.1]] {
                var y = [0.0, 0.0]
                x.withUnsafeBufferPointer { u in
                    y.withUnsafeMutableBufferPointer { physics.evaluate(condition: UnsafeBufferPointer(start: nil, count: 0), control: u, output: $0) }
                }
                #expect(scaledError(y, model(x)) <= 1e-15)
                let j = physicsJacobian(physics, condition: [], control: x)
                #expect(scaledError(j.elements, Derivatives.jacobian(of: model, at: x).elements) <= 1e-14)
                // The curvature is the Hessian of ½|P - y*|² minus JᵀJ.
                let target = [0.2, -0.4]
                let residual = zip(y, target).map { $0 - $1 }
                var curvature = [Double](repeating: .nan, count: 4)
                x.withUnsafeBufferPointer { u in
                    residual.withUnsafeBufferPointer { r in
                        curvature.withUnsafeMutableBufferPointer {
                            physics.curvature(condition: UnsafeBufferPointer(start: nil, count: 0), control: u, residual: r, into: $0)
                        }
                    }
                }
                let h = Derivatives.hessian(of: HalfLoss(model: model, target: target), at: x)
                let jtj = try j.transposed() * j
                #expect(scaledError(curvature, try (h - jtj).elements) <= 1e-12, "ξ \(xi), φ \(degrees), x \(x)")
            }
        }
    }

    @Test("the sine's attainable loss (1 - 1/ξ)³/3 matches a fine quadrature of max(|t| - 1/ξ, 0)²")
    func attainableLoss() throws {
        for xi in [0.5, 1.0, 2.0, 32.0] {
            let physics = try RotatedSine(xi: xi, angle: 0)
            let n = 200_000
            var sum = 0.0
            for i in 0..<n {
                let t = -1 + (Double(i) + 0.5) * 2 / Double(n)
                let e = Swift.max(abs(t) - 1 / xi, 0)
                sum += e * e
            }
            #expect(abs(sum / Double(n) - physics.attainableLoss) <= 1e-9, "ξ = \(xi)")
        }
    }

    @Test("invalid physics settings are typed errors")
    func invalid() {
        #expect(throws: TrainingError.self) { try CoupledOscillators(masses: 0) }
        #expect(throws: TrainingError.self) { try CoupledOscillators(steps: 0) }
        #expect(throws: TrainingError.self) { try CoupledOscillators(dt: .nan) }
        #expect(throws: TrainingError.self) { try CoupledOscillators(dt: -1) }
        let book = CoupledOscillators.book
        #expect(throws: TrainingError.self) { try book.finalState(start: [0, 0, 0], controls: [Double](repeating: 0, count: book.steps)) }
        #expect(throws: TrainingError.self) { try book.finalState(start: [0, 0, 0, 0], controls: [0]) }
        #expect(throws: TrainingError.self) { try RotatedSine(xi: 0, angle: 0) }
        #expect(throws: TrainingError.self) { try RotatedSine(xi: 2, angle: .infinity) }
    }
}
