import PhysGradExamples

/// The text `physgrad compare` prints for the chapter: what the chapter prints, in its order and
/// with its digits, plus the lines its prose states (final distances) and its figures show
/// (the y-space trajectories).
///
/// The test calls, Jacobians, sanity check, gradient, BFGS test inverse and the MAE come from
/// the library's float64 `ChapterReport` (they are exact small numbers, or printed at a
/// precision float64 and the chapter share). The iterates, y-space points and diagonal lengths
/// come from `ChapterReplay` (PhysGradExamples), the chapter's float32 arithmetic, so that e.g. GD's first
/// iterate prints as the chapter's `[2.94      1.9200001]` (float64 would print `[2.94 1.92]`).
/// The final distances are the library's float64 values printed with `%f`.
public enum ChapterTranscript {
    /// The transcript's lines.
    public static func lines(report: ChapterReport, replay: ChapterReplay) -> [String] {
        var out: [String] = []
        func f32(_ v: [Double]) -> [Float] { v.map { Float($0) } }

        out.append("Starting point x = " + NumPyFormat.array(f32(report.start)))
        out.append("")
        out.append("Some test calls of the functions we defined so far, from top to bottom, y, manual L(y), L(y):")
        out.append("(DeviceArray(" + NumPyFormat.array(f32(report.y0), separator: ", ") + ", dtype=float32),")
        out.append(" DeviceArray(" + NumPyFormat.scalar(Float(report.lossOfY0)) + ", dtype=float32),")
        out.append(" DeviceArray(" + NumPyFormat.scalar(Float(report.loss0)) + ", dtype=float32))")
        out.append("")
        out.append("Jacobian L(y): " + NumPyFormat.array(f32(report.lossGradientInY)))
        out.append("")
        let j = report.jacobian
        let rows = (0..<j.rows).map { r in (0..<j.columns).map { c in Float(j[r, c]) } }
        out.append("Jacobian y(x): ")
        out.append(contentsOf: NumPyFormat.matrix(rows).split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        out.append("")
        out.append("Sanity check with inverse Jacobian of y, this should give x again: " + NumPyFormat.array(f32(report.sanityCheck)))
        out.append("")
        out.append("Gradient for full L(x): " + NumPyFormat.array(f32(report.gradient)))
        out.append("")

        for (i, x) in replay.gd.enumerated() { out.append("GD iter \(i): " + NumPyFormat.array(x)) }
        out.append("")
        for (i, x) in replay.newton.enumerated() { out.append("Newton iter \(i): " + NumPyFormat.array(x)) }
        out.append("")
        for (i, x) in replay.pg.enumerated() { out.append("PG iter \(i): " + NumPyFormat.array(x)) }
        out.append("")

        let d = report.distances
        out.append("Final distances to the solution [0 0]: GD \(NumPyFormat.fixed(d.gd)), Nt \(NumPyFormat.fixed(d.newton)), PG \(NumPyFormat.fixed(d.pg))")
        out.append("")
        let l = replay.diagonalLengths
        out.append("Diagonal lengths (larger is better): GD \(NumPyFormat.fixed(Double(l.gd))), Nt \(NumPyFormat.fixed(Double(l.newton))), PG \(NumPyFormat.fixed(Double(l.pg))) ")
        out.append("")

        out.append("y space, GD y(x_1) ... y(x_9):")
        out.append(contentsOf: lines(NumPyFormat.matrix(replay.gdY)))
        out.append("y space, Newton y(x_1) ... y(x_9):")
        out.append(contentsOf: lines(NumPyFormat.matrix(replay.newtonY)))
        out.append("y space, PG y_1 ... y_10 (its y-space steps):")
        out.append(contentsOf: lines(NumPyFormat.matrix(replay.pgY)))
        out.append("")

        out.append("BFGS optimization test run, find x such that y=[2,2]:")
        out.append("array(" + NumPyFormat.array(report.inverseTest.x, separator: ", ") + ")")
        out.append("")
        for (i, x) in replay.pgNumerical.enumerated() { out.append("PG iter \(i): " + NumPyFormat.array(x)) }
        out.append("")
        out.append("MAE difference between analytic PG and approximate inversion: " + NumPyFormat.fixed(replay.mae))
        return out
    }

    static func lines(_ s: String) -> [String] {
        s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
