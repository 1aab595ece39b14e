/// The memory of one L-BFGS-B run, in one allocation: the iterate, six more n-vectors, and the pieces of
/// the iteration (the compact BFGS matrix, the Cauchy search, the free set, the subspace minimization).
///
/// A value: copies share the allocation until one of them is about to change it
/// (``makeUnique()``, at the start of every step), which then copies it first.
struct Workspace: @unchecked Sendable {
    let n: Int
    let m: Int
    private var block: MemoryBlock
    private var vectors: UnsafeMutablePointer<Double>
    var bfgs: CompactBFGSMatrix
    var cauchy: GeneralizedCauchyPoint
    var freeSet: FreeSet
    var subspace: SubspaceMinimization

    /// The bytes a workspace for n variables and m pairs takes:
    /// `8·((2m + 7)n + 11m² + 23m) + 13n`, or nil when that overflows `Int`.
    static func byteCount(n: Int, m: Int) -> Int? {
        func product(_ a: Int, _ b: Int) -> Int? {
            let (p, overflow) = a.multipliedReportingOverflow(by: b)
            return overflow ? nil : p
        }
        func sum(_ terms: Int?...) -> Int? {
            var total = 0
            for term in terms {
                guard let t = term else { return nil }
                let (s, overflow) = total.addingReportingOverflow(t)
                if overflow { return nil }
                total = s
            }
            return total
        }
        guard let twoMPlusSeven = sum(product(2, m), 7), let mm = product(m, m),
              let doubles = sum(product(twoMPlusSeven, n), product(11, mm), product(23, m)) else { return nil }
        return sum(product(8, doubles), product(13, n))
    }

    /// A zero-filled workspace; `byteCount(n:m:)` must have succeeded.
    init(n: Int, m: Int) {
        self.n = n
        self.m = m
        block = MemoryBlock(byteCount: Self.byteCount(n: n, m: m)!)
        // Every Double first, then the 32-bit indices, then the bytes: each piece aligned for its type.
        var carver = MemoryCarver(block.base)
        vectors = carver.take(7 * n, of: Double.self)
        bfgs = CompactBFGSMatrix(n: n, m: m, region: carver.take(CompactBFGSMatrix.doubles(n: n, m: m), of: Double.self))
        subspace = SubspaceMinimization(n: n, m: m, region: carver.take(SubspaceMinimization.doubles(m: m), of: Double.self))
        let cauchyDoubles = carver.take(GeneralizedCauchyPoint.doubles(m: m), of: Double.self)
        cauchy = GeneralizedCauchyPoint(n: n, m: m, region: cauchyDoubles, heapOrder: carver.take(n, of: Int32.self))
        let lists = carver.take(2 * n, of: Int32.self)
        freeSet = FreeSet(n: n, lists: lists, status: carver.take(n, of: VariableStatus.self))
        assert(carver.offset(from: block.base) == block.byteCount, "the workspace layout and byteCount(n:m:) disagree")
    }

    /// Copies the memory first if another value shares it.
    mutating func makeUnique() {
        if isKnownUniquelyReferenced(&block) { return }
        let copy = MemoryBlock(copying: block)
        let move = Relocation(from: block.base, to: copy.base)
        block = copy
        vectors = move(vectors)
        bfgs.relocate(move)
        cauchy.relocate(move)
        freeSet.relocate(move)
        subspace.relocate(move)
    }

    /// The iterate x.
    var x: UnsafeMutablePointer<Double> { vectors }
    /// ∇f(x).
    var g: UnsafeMutablePointer<Double> { vectors + n }
    /// The point the line search aims at: the Cauchy point, then the subspace minimizer x̂.
    var z: UnsafeMutablePointer<Double> { vectors + 2 &* n }
    /// The reduced gradient and Newton step of the subspace minimization; during the line search the
    /// previous gradient, and after it y = g - g_previous.
    var r: UnsafeMutablePointer<Double> { vectors + 3 &* n }
    /// The search direction d = x̂ - x (the two-loop recursion's vector before that); after the line
    /// search s = step·d.
    var d: UnsafeMutablePointer<Double> { vectors + 4 &* n }
    /// The breakpoints of the Cauchy search; during the line search the previous iterate.
    var t: UnsafeMutablePointer<Double> { vectors + 5 &* n }
    /// Scratch: the Cauchy point before the projection rule of the subspace step; the perturbed points
    /// of finite differences.
    var scratch: UnsafeMutablePointer<Double> { vectors + 6 &* n }
}
