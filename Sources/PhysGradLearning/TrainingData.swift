/// A training set: per sample, the network's input, the physics condition and the target `y*`,
/// each stored sample after sample (sample i's input at `i · inputWidth ..< (i + 1) · inputWidth`).
public struct TrainingData: Sendable, Hashable {
    /// The number of samples.
    public let count: Int
    public let inputWidth: Int
    public let conditionWidth: Int
    public let targetWidth: Int
    public let inputs: [Double]
    public let conditions: [Double]
    public let targets: [Double]

    /// The most samples a data set may hold.
    public static let maximumCount = 1_000_000

    /// - Throws: ``TrainingError/invalidSetting(name:value:reason:)`` when the arrays do not hold
    ///   `count` samples of the given widths, `count` is outside `1 ... maximumCount`, or a
    ///   number is not finite.
    public init(count: Int, inputWidth: Int, conditionWidth: Int, targetWidth: Int,
                inputs: [Double], conditions: [Double], targets: [Double]) throws(TrainingError) {
        guard (1...Self.maximumCount).contains(count) else {
            throw .invalidSetting(name: "samples", value: "\(count)", reason: "must be in 1 ... \(Self.maximumCount)")
        }
        for (name, array, width) in [("inputs", inputs, inputWidth), ("conditions", conditions, conditionWidth),
                                     ("targets", targets, targetWidth)] {
            let (size, overflow) = count.multipliedReportingOverflow(by: Swift.max(width, 0))
            guard width >= 0, !overflow, array.count == size else {
                throw .invalidSetting(name: name, value: "\(array.count) numbers", reason: "expected \(count) samples of \(width)")
            }
            if let i = array.firstIndex(where: { !$0.isFinite }) {
                throw .invalidSetting(name: name, value: "\(array[i]) at \(i)", reason: "must be finite")
            }
        }
        self.count = count
        self.inputWidth = inputWidth
        self.conditionWidth = conditionWidth
        self.targetWidth = targetWidth
        self.inputs = inputs
        self.conditions = conditions
        self.targets = targets
    }

    /// The bytes the three arrays hold.
    public static func bytes(count: Int, inputWidth: Int, conditionWidth: Int, targetWidth: Int) -> Double {
        8 * Double(count) * (Double(inputWidth) + Double(conditionWidth) + Double(targetWidth))
    }
}
