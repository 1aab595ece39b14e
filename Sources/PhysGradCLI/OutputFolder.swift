import Foundation
import PhysGradReport

/// Writes `files` into the folder `output` (created if needed) as one group: every file is
/// replaced, or none is and the folders made for them are removed again. Without `plots`, the
/// `figures` an earlier run left in the folder are removed in the same group, so that none is
/// left beside files it does not show. Returns the names of the figures removed.
/// - Throws: ``OutputError`` (exit 73 or 74).
func writeOutputFolder(_ output: String, files: [(name: String, contents: String)], figures: [String],
                       plots: Bool) throws(OutputError) -> [String] {
    let created = try AtomicFile.prepareFolder(output)
    let stale = plots ? [] : figures.filter { isRegularFile(output + "/" + $0) }
    do {
        try AtomicFile.writeGroup(files.map { (output + "/" + $0.name, Data($0.contents.utf8)) },
                                  removing: stale.map { output + "/" + $0 })
    } catch {
        AtomicFile.removeFolders(created)
        throw error
    }
    AtomicFile.keepFolders(created)
    return stale
}
