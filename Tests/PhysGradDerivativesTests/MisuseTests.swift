// Misuse of tracked scalars stops with a precondition failure instead of corrupting memory.
import PhysGradDerivatives
import Testing

@Suite("Reverse tape misuse")
struct MisuseTests {
    @Test func scalarFromBeforeResetIsRejected() async {
        await #expect(processExitsWith: .failure) {
            let tape = ReverseTape<Double>()
            let xs = tape.variables([1, 2, 3, 4])
            tape.reset()
            let y = tape.variable(1)
            _ = y * xs[3]  // xs[3] is index 4, past the reset tape's records
        }
    }

    @Test func scalarsOfDifferentTapesAreRejected() async {
        await #expect(processExitsWith: .failure) {
            let a = ReverseTape<Double>(), b = ReverseTape<Double>()
            let x = a.variable(1), y = b.variable(2)
            withExtendedLifetime((a, b)) { _ = x + y }
        }
    }
}
