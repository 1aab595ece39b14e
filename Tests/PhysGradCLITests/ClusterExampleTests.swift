import Foundation
import PhysGradToolTestSupport
import Testing

/// The examples in docs/cluster run as written: the Slurm batch scripts with the variables a job
/// array `--array=MIN-MAX` gives each task, the Kubernetes manifests' commands with each completion
/// index; then their merge jobs, whose output must be the unsharded sweep byte for byte.
///
/// This simulates the engines (they are not available in CI); scripts/slurm-check runs the Slurm
/// example on a real one-node Slurm cluster.
@Suite("docs/cluster examples, run with the engines' variables")
struct ClusterExampleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/cluster")

    /// The environment of a task: the built tool first on the PATH.
    static func environment(_ extra: [String: String]) throws -> [String: String] {
        let bin = try physgradExecutable().deletingLastPathComponent().path
        return extra.merging(["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]) { a, _ in a }
    }

    /// The unsharded sweep of the grid the Slurm array script defines (its `GRID=(...)` lines).
    static func reference(in folder: URL) throws -> Data {
        let script = examples.appendingPathComponent("slurm/sweep-array.sbatch").path
        let r = try run(URL(fileURLWithPath: "/bin/bash"), ["-c", #"set -e; eval "$(sed -n '/^GRID=(/,/)$/p' "$1")"; physgrad sweep "${GRID[@]}" --output whole.csv"#, "bash", script],
                        in: folder, environment: try environment([:]))
        #expect(r.status == 0, "\(r)")
        return try Data(contentsOf: folder.appendingPathComponent("whole.csv"))
    }

    @Test("Slurm: the array script per task of --array, then the merge script")
    func slurm() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let array = Self.examples.appendingPathComponent("slurm/sweep-array.sbatch")
        let text = try read(array)
        // The ids the script's own #SBATCH --array=MIN-MAX asks for.
        let spec = try #require(text.split(separator: "\n").first { $0.hasPrefix("#SBATCH --array=") }).dropFirst("#SBATCH --array=".count)
        let bounds = spec.split(separator: "-").compactMap { Int($0) }
        try #require(bounds.count == 2)
        let ids = Array(bounds[0]...bounds[1])
        for (k, id) in ids.enumerated() {
            let env = ["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_MIN": "\(bounds[0])", "SLURM_ARRAY_TASK_MAX": "\(bounds[1])",
                       "SLURM_ARRAY_TASK_STEP": "1", "SLURM_ARRAY_TASK_COUNT": "\(ids.count)", "SLURM_CPUS_PER_TASK": "1"]
            let r = try run(URL(fileURLWithPath: "/bin/bash"), [array.path], in: folder, environment: try Self.environment(env))
            #expect(r.status == 0, "\(r)")
            #expect(r.stderr.contains("running shard \(k + 1)/\(ids.count) from the Slurm job array"), "\(r.stderr)")
        }
        let merge = try run(URL(fileURLWithPath: "/bin/bash"), [Self.examples.appendingPathComponent("slurm/sweep-merge.sbatch").path],
                            in: folder, environment: try Self.environment([:]))
        #expect(merge.status == 0, "\(merge)")
        #expect(merge.stdout.contains("Merged \(ids.count) shards"), "\(merge.stdout)")
        let merged = try Data(contentsOf: folder.appendingPathComponent("results/sweep.csv"))
        #expect(merged == (try Self.reference(in: folder)))
        #expect(try contents(of: folder.appendingPathComponent("results/plots")).contains("loss-vs-dimension-blur.svg"))
    }

    /// The script of a container's `args: - |` block in a manifest, dedented.
    static func script(of manifest: String) throws -> String {
        let lines = manifest.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "- |" })
        let indent = lines[start + 1].prefix { $0 == " " }.count
        try #require(indent > lines[start].prefix { $0 == " " }.count)
        return lines[(start + 1)...].prefix { $0.prefix(indent).allSatisfy { $0 == " " } && $0.count > indent }
            .map { String($0.dropFirst(indent)) }.joined(separator: "\n")
    }

    /// The value of `key: N` or `- name: NAME` / `value: "N"` in a manifest.
    static func value(_ key: String, in manifest: String) throws -> String {
        let lines = manifest.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        if let i = lines.firstIndex(of: "- name: \(key)"), lines[i + 1].hasPrefix("value: ") {
            return lines[i + 1].dropFirst("value: ".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        let line = try #require(lines.first { $0.hasPrefix(key + ": ") })
        return String(line.dropFirst(key.count + 2))
    }

    @Test("Kubernetes: the Indexed Job's command per completion index, then the merge Job's")
    func kubernetes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let job = try read(Self.examples.appendingPathComponent("kubernetes/sweep-job.yaml"))
        let completions = try #require(Int(try Self.value("completions", in: job)))
        #expect(try Self.value("completionMode", in: job) == "Indexed")
        #expect(try Self.value("PHYSGRAD_SHARDS", in: job) == String(completions), "PHYSGRAD_SHARDS must equal completions")
        let results = folder.appendingPathComponent("results")
        try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
        // The volume mounted at /results becomes a folder of the test.
        let sweep = try Self.script(of: job).replacingOccurrences(of: "/results", with: results.path)
        for index in 0..<completions {
            let env = ["JOB_COMPLETION_INDEX": "\(index)", "PHYSGRAD_SHARDS": try Self.value("PHYSGRAD_SHARDS", in: job)]
            let r = try run(URL(fileURLWithPath: "/bin/sh"), ["-c", sweep], in: folder, environment: try Self.environment(env))
            #expect(r.status == 0, "\(r)")
            #expect(r.stderr.contains("running shard \(index + 1)/\(completions) from the Kubernetes Indexed Job"), "\(r.stderr)")
        }
        let mergeJob = try read(Self.examples.appendingPathComponent("kubernetes/merge-job.yaml"))
        let merge = try Self.script(of: mergeJob).replacingOccurrences(of: "/results", with: results.path)
        let r = try run(URL(fileURLWithPath: "/bin/sh"), ["-c", merge], in: folder, environment: try Self.environment([:]))
        #expect(r.status == 0, "\(r)")
        // The manifests run the same grid as the Slurm example.
        #expect(try Data(contentsOf: results.appendingPathComponent("sweep.csv")) == (try Self.reference(in: folder)))
    }
}
