import CPhysGradMemory
import Testing

@Suite("The tool's allocator policy")
struct MemoryPolicyTests {
    #if canImport(Glibc)
    @Test("applied on glibc unless GLIBC_TUNABLES names a malloc setting")
    func appliedUnlessTheUserChose() {
        #expect(physgrad_keep_freed_memory_given(nil) == 1)
        #expect(physgrad_keep_freed_memory_given("glibc.rtld.nns=2") == 1)
        #expect(physgrad_keep_freed_memory_given("glibc.malloc.trim_threshold=4096") == 0)
        #expect(physgrad_keep_freed_memory_given("glibc.rtld.nns=2:glibc.malloc.mmap_threshold=65536") == 0)
    }
    #endif
}
