//! The malloc chunk that holds an address, where the allocator is glibc's and the address
//! is in its main arena's heap (the brk segment): how the heap graph bounds the Isolate
//! (`graph::find_roots`), whose object is one malloc allocation among many others.
//!
//! glibc lays the main arena's chunks end to end from the start of the segment, each
//! headed by two words: the previous chunk's size (only meaningful while that chunk is
//! free) and its own size, a multiple of 16 of at least 32 bytes whose three low bits are
//! flags (src/malloc/malloc.c, "malloc_chunk details"). So the chunk holding an address is
//! found by walking the sizes from the segment's start. A walk that meets a size that
//! cannot be true, or leaves the region, is not glibc's heap (another allocator, as on
//! illumos; a thread arena; a damaged core) and finds nothing.

use super::scan::word_at;
use crate::target::{Addr, Region, Target};

/// glibc's chunk alignment and smallest chunk on 64-bit targets.
const ALIGN: u64 = 16;
const MIN_CHUNK: u64 = 32;
/// The low bits of a chunk's size word that are flags (PREV_INUSE, IS_MMAPPED, NON_MAIN_ARENA).
const FLAGS: u64 = 7;
/// The segment is read in blocks of this many bytes.
const BLOCK: usize = 1 << 20;
/// No walk goes further than this many bytes from the segment's start: the allocations
/// looked for (the Isolate) are made early in a process's life, at the segment's start.
const MAX_WALK: u64 = 1 << 28;

/// The user bytes `[start, end)` of the in-use chunk that holds `addr`, walking from the
/// start of `region` (the region that holds `addr`), or None where the region does not
/// read as glibc's main heap up to `addr`.
pub fn chunk_holding(t: &dyn Target, region: &Region, addr: u64) -> Option<(u64, u64)> {
    let (base, end) = (region.start.0, region.end());
    if addr < base || addr >= end || addr - base > MAX_WALK {
        return None;
    }
    let mut buf = vec![0u8; BLOCK];
    // The block of the segment in `buf`, and the size word of the chunk at `at`.
    let mut block = (0u64, 0u64);
    let mut size_word = |at: u64| -> Option<u64> {
        let w = at + 8;
        if w + 8 > end {
            return None;
        }
        if w < block.0 || w + 8 > block.1 {
            let len = ((end - w) as usize).min(BLOCK);
            t.read(Addr(w), &mut buf[..len]).ok()?;
            block = (w, w + len as u64);
        }
        Some(word_at(&buf, (w - block.0) as usize))
    };
    let mut at = base;
    loop {
        let size = size_word(at)? & !FLAGS;
        if size < MIN_CHUNK || !size.is_multiple_of(ALIGN) || size > end - at {
            return None;
        }
        let next = at + size;
        if addr < next {
            // In use: the next chunk's size word says its predecessor is (PREV_INUSE).
            let in_use = next == end || size_word(next)? & 1 == 1;
            return (addr >= at + 2 * 8 && in_use).then_some((at + 2 * 8, next));
        }
        at = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::{Error, Result};

    /// A region of memory at `base` holding `bytes`.
    struct Memory {
        base: u64,
        bytes: Vec<u8>,
    }

    impl Target for Memory {
        fn read(&self, addr: Addr, buf: &mut [u8]) -> Result<()> {
            let o = addr.0.checked_sub(self.base).map(|o| o as usize);
            let b = o.and_then(|o| self.bytes.get(o..o + buf.len())).ok_or(Error::Read { addr, len: buf.len() })?;
            buf.copy_from_slice(b);
            Ok(())
        }
        fn symbol(&self, _: &str) -> Option<Addr> {
            None
        }
        fn symbols_with_prefix(&self, _: &str, _: &mut dyn FnMut(&str, Addr)) {}
        fn regions(&self) -> Result<Vec<Region>> {
            Ok(vec![self.region()])
        }
    }

    impl Memory {
        /// A heap of chunks of these sizes (the flags included), end to end.
        fn heap(sizes: &[u64]) -> Memory {
            let mut bytes = Vec::new();
            for &s in sizes {
                bytes.extend(0u64.to_le_bytes());
                bytes.extend(s.to_le_bytes());
                bytes.resize(bytes.len() + (s & !FLAGS) as usize - 16, 0xaa);
            }
            Memory { base: 0x10000, bytes }
        }
        fn region(&self) -> Region {
            Region {
                start: Addr(self.base),
                size: self.bytes.len() as u64,
                read: true,
                write: true,
                exec: false,
                file_backed: false,
            }
        }
    }

    #[test]
    fn finds_the_chunk_by_walking_sizes() {
        let m = Memory::heap(&[0x291, 0x31, 0x4001, 0x21, 0x1001]);
        let r = m.region();
        let third = 0x10000 + 0x290 + 0x30;
        assert_eq!(chunk_holding(&m, &r, third + 0x100), Some((third + 16, third + 0x4000)));
        assert_eq!(chunk_holding(&m, &r, 0x10010), Some((0x10010, 0x10290)));
        // A chunk header is no chunk's user memory.
        assert_eq!(chunk_holding(&m, &r, third + 8), None);
    }

    #[test]
    fn a_free_chunk_holds_nothing() {
        // The chunk after the 0x30 one has PREV_INUSE clear: the 0x30 chunk is free.
        let m = Memory::heap(&[0x291, 0x31, 0x4000, 0x21]);
        assert_eq!(chunk_holding(&m, &m.region(), 0x10000 + 0x290 + 0x20), None);
    }

    #[test]
    fn what_is_not_a_glibc_heap_finds_nothing() {
        let r = |m: &Memory| m.region();
        // A size not a multiple of 16, one below the minimum, one beyond the region.
        for sizes in [&[0x291u64, 0x38, 0x1001][..], &[0x291, 0x11, 0x1001], &[0x291, 0x100001]] {
            let mut m = Memory::heap(&sizes[..1]);
            for &s in &sizes[1..] {
                m.bytes.extend(0u64.to_le_bytes());
                m.bytes.extend(s.to_le_bytes());
                m.bytes.resize(m.bytes.len() + 0x1000, 0);
            }
            let last = m.base + m.bytes.len() as u64 - 8;
            assert_eq!(chunk_holding(&m, &r(&m), last), None, "{sizes:x?}");
        }
        // Zeroes (an unused region) are no chunks.
        let m = Memory { base: 0x10000, bytes: vec![0; 0x4000] };
        assert_eq!(chunk_holding(&m, &r(&m), 0x12000), None);
    }
}
