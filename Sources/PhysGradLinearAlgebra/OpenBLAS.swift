internal import CPhysGradLAPACK

/// The OpenBLAS runtime underneath PhysGrad's products and factorizations.
///
/// OpenBLAS parallelizes large products and factorizations over a thread pool of its own. Its
/// size is OpenBLAS's process-wide setting (PhysGrad keeps no global state of its own); it starts
/// from the environment variable `OPENBLAS_NUM_THREADS` (or the core count). Tests and
/// benchmarks run with one thread, so that results are bit-reproducible and timings comparable.
public enum OpenBLAS {
    /// The number of threads OpenBLAS uses for one call.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS uses for one call (clamped to at least 1).
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(clamping: Swift.max(1, count)))
    }

    /// OpenBLAS's build description, e.g. `"OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64"`.
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// The CPU kernel family OpenBLAS chose at load time, e.g. `"SkylakeX"` or `"Haswell"`.
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
