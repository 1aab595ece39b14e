import Foundation

/// The 64-bit FNV-1a hash (Fowler, Noll, Vo): `h = (h XOR byte) * 0x100000001b3` over the bytes,
/// from the offset basis `0xcbf29ce484222325`.
///
/// It identifies sweep grids (``SweepGrid/fingerprint``) and detects a sweep file that changed
/// after its side file was written (``SweepRecord/checksum``). It finds accidental changes
/// (truncation, editing, a file from another run); it is not a cryptographic hash and does not
/// stand against a deliberate forgery.
public enum FNV1a64 {
    /// The hash of `data`.
    public static func hash(of data: Data) -> UInt64 {
        data.withUnsafeBytes { raw in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in raw {
                h ^= UInt64(byte)
                h = h &* 0x0000_0100_0000_01b3
            }
            return h
        }
    }

    /// The hash of `data` as 16 lower-case hex digits.
    public static func hex(of data: Data) -> String {
        let hex = String(hash(of: data), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
