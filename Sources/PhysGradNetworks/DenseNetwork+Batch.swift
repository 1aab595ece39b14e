import PhysGradDerivatives

// Batched passes through BLAS: samples are the columns of column-major matrices (sample i's
// numbers are contiguous), so a layer is one dgemm for the whole batch.

extension DenseNetwork {
    /// The forward pass of a batch: `count` inputs (sample i's ``inputCount`` numbers at
    /// `i · n_0 ..< (i + 1) · n_0`) through every layer, `A_l = σ_l(W_l A_{l-1} + b_l 1ᵀ)`, one
    /// `dgemm` per layer. The activations stay in `workspace` for the backward passes; the
    /// outputs are `workspace.outputs` (and are written to `output` if given, `n_L × count`
    /// numbers in the same layout).
    ///
    /// - Precondition: `inputs.count >= count · inputCount`, `1 <= count <= workspace.capacity`,
    ///   the workspace made for a network of the same widths.
    public func forward(
        _ inputs: UnsafeBufferPointer<Double>, count: Int, workspace: inout NetworkWorkspace,
        output: UnsafeMutableBufferPointer<Double>? = nil
    ) {
        precondition(count >= 1 && count <= workspace.capacity, "DenseNetwork.forward: batch of \(count), workspace for \(workspace.capacity)")
        precondition(inputs.count >= count * inputCount, "DenseNetwork.forward: \(inputs.count) input numbers for \(count) samples of \(inputCount)")
        precondition(workspace.widths == widths, "DenseNetwork.forward: the workspace was made for another network")
        precondition(parameters.count == parameterCount, "DenseNetwork.forward: \(parameters.count) parameters assigned, the network has \(parameterCount)")
        workspace.lastCount = count
        let offsets = workspace.activationOffsets
        parameters.withUnsafeBufferPointer { theta in
            workspace.activations.withUnsafeMutableBufferPointer { act in
                let base = act.baseAddress!
                base.update(from: inputs.baseAddress!, count: count * inputCount)
                for (l, layer) in layout.enumerated() {
                    let a = base + offsets[l], z = base + offsets[l + 1]
                    let n = layer.outputs
                    for i in 0..<count {
                        (z + i * n).update(from: theta.baseAddress! + layer.biases.lowerBound, count: n)
                    }
                    gemm(transposeA: false, transposeB: false, m: n, n: count, k: layer.inputs,
                         theta.baseAddress! + layer.weights.lowerBound, lda: n, a, ldb: layer.inputs, beta: 1, z, ldc: n)
                    switch activations[l] {
                    case .linear: break
                    case .tanh: VectorTanh.apply(z, count: n * count)
                    case .relu: for e in 0..<(n * count) where z[e] < 0 { z[e] = 0 }  // NaN stays NaN
                    }
                }
                if let output {
                    precondition(output.count >= count * outputCount, "DenseNetwork.forward: output buffer too small")
                    output.baseAddress!.update(from: base + offsets[layout.count], count: count * outputCount)
                }
            }
        }
    }

    /// The backward pass of the last forward pass: with `c_i` the cotangent of sample i's
    /// outputs (`n_L × count` numbers, sample i's at `i · n_L`), writes (or, with `accumulate`,
    /// adds) `Σ_i (∂f(x_i; θ)/∂θ)ᵀ c_i` into `gradient` (``parameterCount`` numbers): the
    /// gradient of `Σ_i c_i · f(x_i; θ)`. Per layer, from the output down:
    ///
    ///     D_L = C ⊙ σ_L'(A_L),   ∂W_l = D_l A_{l-1}ᵀ,   ∂b_l = D_l 1,   D_{l-1} = (W_lᵀ D_l) ⊙ σ_{l-1}'(A_{l-1}),
    ///
    /// two `dgemm` per layer.
    ///
    /// - Precondition: `count == workspace.lastCount`, the buffers large enough, the workspace made
    ///   for a network of the same widths.
    public func backward(
        outputCotangent: UnsafeBufferPointer<Double>, count: Int, workspace: inout NetworkWorkspace,
        gradient: UnsafeMutableBufferPointer<Double>, accumulate: Bool = false
    ) {
        precondition(count >= 1 && count == workspace.lastCount, "DenseNetwork.backward: batch of \(count) after a forward pass of \(workspace.lastCount)")
        precondition(outputCotangent.count >= count * outputCount, "DenseNetwork.backward: cotangent too short")
        precondition(gradient.count == parameterCount, "DenseNetwork.backward: gradient of \(gradient.count), network of \(parameterCount)")
        precondition(workspace.widths == widths && parameters.count == parameterCount, "DenseNetwork.backward: the workspace was made for another network")
        let offsets = workspace.activationOffsets
        let g = gradient.baseAddress!
        parameters.withUnsafeBufferPointer { theta in
            workspace.activations.withUnsafeBufferPointer { act in
                workspace.delta.withUnsafeMutableBufferPointer { d0 in
                    workspace.deltaNext.withUnsafeMutableBufferPointer { d1 in
                        var d = d0.baseAddress!, dNext = d1.baseAddress!
                        let last = layout.count
                        let nL = outputCount
                        let aL = act.baseAddress! + offsets[last]
                        let sigmaL = activations[last - 1]
                        for e in 0..<(nL * count) { d[e] = outputCotangent[e] * sigmaL.derivative(fromActivation: aL[e]) }
                        for l in stride(from: last - 1, through: 0, by: -1) {
                            let layer = layout[l]
                            let n = layer.outputs, m = layer.inputs
                            let aPrev = act.baseAddress! + offsets[l]
                            gemm(transposeA: false, transposeB: true, m: n, n: m, k: count, d, lda: n, aPrev, ldb: m,
                                 beta: accumulate ? 1 : 0, g + layer.weights.lowerBound, ldc: n)
                            let gb = g + layer.biases.lowerBound
                            if !accumulate { gb.update(repeating: 0, count: n) }
                            for i in 0..<count {
                                let column = d + i * n
                                for o in 0..<n { gb[o] += column[o] }
                            }
                            if l > 0 {
                                gemm(transposeA: true, transposeB: false, m: m, n: count, k: n,
                                     theta.baseAddress! + layer.weights.lowerBound, lda: n, d, ldb: n, beta: 0, dNext, ldc: m)
                                let sigma = activations[l - 1]
                                if sigma != .linear {
                                    for e in 0..<(m * count) { dNext[e] *= sigma.derivative(fromActivation: aPrev[e]) }
                                }
                                swap(&d, &dNext)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Rows of the stacked Jacobian of the last forward pass with respect to the parameters,
    /// contracted with seeds: row `r` is `s_rᵀ ∂f(x_{⌊r/k⌋}; θ)/∂θ`, for `R = count · k` seeds
    /// `s_r` (``outputCount`` numbers each, seed r at `r · n_L`; `k = seedsPerSample` seeds per
    /// sample). Written column-major into `jacobian` (`R × parameterCount`, leading dimension R,
    /// entry (r, p) at `r + p · R`), the layout LAPACK takes.
    ///
    /// With the identity as seeds (`k = n_L`) the rows are the per-sample Jacobians
    /// `∂f(x_i)/∂θ` stacked; with the rows of a physics Jacobian `∂P/∂u` as seeds they are
    /// `∂P(f(x_i))/∂θ`, the matrix half-inverse gradients decompose. Each row is one reverse
    /// pass, run for all rows at once: with `Δ_l` the `R × n_l` matrix of the rows' cotangents
    /// at layer l and `E_{l-1}` the `R × n_{l-1}` matrix whose row r is sample ⌊r/k⌋'s
    /// activation, the column of weight `W_l[o, j]` is `Δ_l[:, o] ⊙ E_{l-1}[:, j]`, the column of
    /// `b_l[o]` is `Δ_l[:, o]`, and `Δ_{l-1} = (Δ_l W_l) ⊙ σ'` (one `dgemm` per layer).
    ///
    /// - Precondition: `count == workspace.lastCount`, `count · seedsPerSample <= workspace.jacobianRows`,
    ///   `jacobian.count >= count · seedsPerSample · parameterCount`.
    public func parameterJacobian(
        seeds: UnsafeBufferPointer<Double>, seedsPerSample k: Int, count: Int, workspace: inout NetworkWorkspace,
        into jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        let rows = count * k
        precondition(jacobian.count >= rows * parameterCount, "DenseNetwork.parameterJacobian: Jacobian buffer too small")
        let jac = jacobian.baseAddress!
        seededReverse(seeds: seeds, seedsPerSample: k, count: count, workspace: &workspace) { layer, d, e, _, _ in
            let n = layer.outputs, m = layer.inputs
            for j in 0..<m {
                let ej = e + j * rows
                for o in 0..<n {
                    let target = jac + (layer.weights.lowerBound + o + j * n) * rows
                    let dO = d + o * rows
                    for r in 0..<rows { target[r] = dO[r] * ej[r] }
                }
            }
            for o in 0..<n {
                (jac + (layer.biases.lowerBound + o) * rows).update(from: d + o * rows, count: rows)
            }
        }
    }

    /// The Gram matrix `G = J Jᵀ` (`R × R`, column-major) of the seeded parameter Jacobian `J` of
    /// ``parameterJacobian(seeds:seedsPerSample:count:workspace:into:)``, without forming `J`:
    /// since the row of J for a weight block is the outer product of the row's cotangent and
    /// its sample's activation,
    ///
    ///     G = Σ_l (Δ_l Δ_lᵀ) ⊙ (E_{l-1} E_{l-1}ᵀ + 1 1ᵀ),
    ///
    /// where `E_{l-1} E_{l-1}ᵀ` is the `B × B` matrix of the samples' activation products spread
    /// over their rows (the `1 1ᵀ` is the biases'). Work: `R² Σ n_l + B² Σ n_{l-1}` multiply-adds
    /// (two `dsyrk` per layer) instead of `R² P` for `J Jᵀ` from J, and no `R × P` storage.
    /// Exactly symmetric (the lower triangle is computed and mirrored).
    ///
    /// - Precondition: `count == workspace.lastCount`, `workspace.supportsGram`,
    ///   `count · seedsPerSample <= workspace.jacobianRows`, `gram.count >= R²`.
    public func parameterGram(
        seeds: UnsafeBufferPointer<Double>, seedsPerSample k: Int, count: Int, workspace: inout NetworkWorkspace,
        into gram: UnsafeMutableBufferPointer<Double>
    ) {
        let rows = count * k
        precondition(workspace.supportsGram, "DenseNetwork.parameterGram: the workspace was made without gram: true")
        precondition(gram.count >= rows * rows, "DenseNetwork.parameterGram: Gram buffer too small")
        let g = gram.baseAddress!
        g.update(repeating: 0, count: rows * rows)
        var products = workspace.rowProducts, samples = workspace.sampleProducts
        workspace.rowProducts = []
        workspace.sampleProducts = []
        products.withUnsafeMutableBufferPointer { dd in
            samples.withUnsafeMutableBufferPointer { ss in
                let dd = dd.baseAddress!, ss = ss.baseAddress!
                seededReverse(seeds: seeds, seedsPerSample: k, count: count, workspace: &workspace) { layer, d, _, aPrev, _ in
                    let n = layer.outputs, m = layer.inputs
                    // The lower triangles of Δ Δᵀ (R × R) and of the samples' activation products
                    // Aᵀ A (B × B).
                    syrkLower(transpose: false, n: rows, k: n, d, lda: rows, beta: 0, dd, ldc: rows)
                    syrkLower(transpose: true, n: count, k: m, aPrev, lda: m, beta: 0, ss, ldc: count)
                    // G[r, c] += (Δ Δᵀ)[r, c] (AᵀA[i(r), i(c)] + 1) for r >= c, sample by sample.
                    for c in 0..<rows {
                        let sc = ss + (c / k) * count, column = c * rows
                        // Rows c ..< end of the sample block of c, then whole blocks below.
                        let blockEnd = (c / k + 1) * k
                        let f0 = sc[c / k] + 1
                        for r in c..<blockEnd { g[r + column] += dd[r + column] * f0 }
                        for i in (c / k + 1)..<count {
                            let f = sc[i] + 1
                            let base = i * k + column
                            for s in 0..<k { g[base + s] += dd[base + s] * f }
                        }
                    }
                }
            }
        }
        workspace.rowProducts = products
        workspace.sampleProducts = samples
        // The upper triangle mirrors the lower.
        for c in 0..<rows {
            for r in (c + 1)..<rows { g[c + r * rows] = g[r + c * rows] }
        }
    }

    /// The reverse recursion of ``parameterJacobian(seeds:seedsPerSample:count:workspace:into:)``
    /// for R seeded rows: calls `visit(layer, Δ_l, E_{l-1}, a_{l-1}, l)` from the last layer to
    /// the first, with `Δ_l` the `R × n_l` row cotangents, `E_{l-1}` the `R × n_{l-1}` expanded
    /// activations (both column-major, leading dimension R) and `a_{l-1}` the layer's input
    /// activations (`n_{l-1} × B`).
    func seededReverse(
        seeds: UnsafeBufferPointer<Double>, seedsPerSample k: Int, count: Int, workspace: inout NetworkWorkspace,
        visit: (LayerLayout, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafePointer<Double>, Int) -> Void
    ) {
        let rows = count * k
        precondition(k >= 1 && count >= 1 && count == workspace.lastCount, "DenseNetwork: seeded rows for a batch of \(count) after a forward pass of \(workspace.lastCount)")
        precondition(rows <= workspace.jacobianRows, "DenseNetwork: \(rows) seeded rows, workspace for \(workspace.jacobianRows)")
        precondition(seeds.count >= rows * outputCount, "DenseNetwork: seeds too short")
        precondition(workspace.widths == widths && parameters.count == parameterCount, "DenseNetwork: the workspace was made for another network")
        let offsets = workspace.activationOffsets
        parameters.withUnsafeBufferPointer { theta in
            workspace.activations.withUnsafeBufferPointer { act in
                workspace.rowDelta.withUnsafeMutableBufferPointer { r0 in
                    workspace.rowDeltaNext.withUnsafeMutableBufferPointer { r1 in
                        workspace.expanded.withUnsafeMutableBufferPointer { ex in
                            var d = r0.baseAddress!, dNext = r1.baseAddress!
                            let e = ex.baseAddress!
                            let last = layout.count
                            let nL = outputCount
                            let aL = act.baseAddress! + offsets[last]
                            let sigmaL = activations[last - 1]
                            // Δ_L[r, o] = s_r[o] σ_L'(a_L[o, sample(r)]).
                            for o in 0..<nL {
                                for r in 0..<rows {
                                    d[r + o * rows] = seeds[r * nL + o] * sigmaL.derivative(fromActivation: aL[(r / k) * nL + o])
                                }
                            }
                            for l in stride(from: last - 1, through: 0, by: -1) {
                                let layer = layout[l]
                                let n = layer.outputs, m = layer.inputs
                                let aPrev = act.baseAddress! + offsets[l]
                                // E[r, j] = a_{l-1}[j, sample(r)].
                                for j in 0..<m {
                                    let column = e + j * rows
                                    for i in 0..<count {
                                        let v = aPrev[i * m + j]
                                        for s in 0..<k { column[i * k + s] = v }
                                    }
                                }
                                visit(layer, d, e, aPrev, l)
                                if l > 0 {
                                    gemm(transposeA: false, transposeB: false, m: rows, n: m, k: n, d, lda: rows,
                                         theta.baseAddress! + layer.weights.lowerBound, ldb: n, beta: 0, dNext, ldc: rows)
                                    let sigma = activations[l - 1]
                                    if sigma != .linear {
                                        for idx in 0..<(rows * m) { dNext[idx] *= sigma.derivative(fromActivation: e[idx]) }
                                    }
                                    swap(&d, &dNext)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
