import Testing

@testable import Journal

@Suite struct CRC32CTests {
    @Test func knownVector() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func emptyIsZero() {
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    /// Slicing-by-8 against the bitwise definition, over lengths that exercise both loops, and
    /// incremental continuation against one pass.
    @Test func matchesBitwiseDefinition() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes: [UInt8] = []
        for _ in 0..<1_031 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 100, 1_031] {
            let slice = Array(bytes.prefix(length))
            #expect(CRC32C.checksum(slice) == Self.bitwise(slice), "length \(length)")
        }
        let split = CRC32C.checksum(bytes[300...], continuing: CRC32C.checksum(bytes[..<300]))
        #expect(split == CRC32C.checksum(bytes))
    }

    static func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
