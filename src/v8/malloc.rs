//! glibc's malloc chunks, where the allocator is glibc's and the memory is its main
//! arena's heap (the brk segment): the chunk that holds an address, which bounds the
//! Isolate (`graph::find_roots`), whose object is one malloc allocation among many others;
//! and the parts of the heap that are not free, the only ones the search for roots in
//! native memory reads (free chunks hold stale words of freed buffers: after a heap
//! snapshot, most of the heap's memory, naming nearly every object).
//!
//! glibc lays the main arena's chunks end to end from the start of the segment, each
//! headed by two words: the previous chunk's size (only meaningful while that chunk is
//! free) and its own size, a multiple of 16 of at least 32 bytes whose three low bits are
//! flags, the lowest (PREV_INUSE) saying whether the chunk before is in use
//! (src/malloc/malloc.c, "malloc_chunk details"). So chunks are found by walking the
//! sizes from the segment's start. A walk that meets a size that cannot be true, or leaves
//! the region, is not glibc's heap (another allocator, as on illumos; a thread arena; a
//! damaged core) and finds nothing.

use super::scan::word_at;
use crate::target::{Addr, Region, Target};

/// glibc's chunk alignment and smallest chunk on 64-bit targets.
const ALIGN: u64 = 16;
const MIN_CHUNK: u64 = 32;
/// The low bits of a chunk's size word that are flags (PREV_INUSE, IS_MMAPPED, NON_MAIN_ARENA).
const FLAGS: u64 = 7;
const PREV_INUSE: u64 = 1;
/// A chunk of its own mapping (a large allocation), in use while it is mapped; mappings
/// next to each other make one region of several such chunks.
const IS_MMAPPED: u64 = 2;
/// A chunk's header: the previous chunk's size and its own.
const HEADER: u64 = 16;
/// The size of a fencepost, a header alone, below the smallest chunk: glibc ends a part
/// of its heap with two of them where the brk segment could not grow in place.
const FENCEPOST: u64 = 16;
/// The segment is read in blocks of this many bytes.
const BLOCK: usize = 1 << 20;
/// No search for the chunk holding an address goes further than this many bytes from
/// the segment's start: the allocations looked for (the Isolate) are made early in a
/// process's life, at the segment's start.
const MAX_WALK: u64 = 1 << 28;
/// At most this many parts of a region are told apart (each run of chunks in use, between
/// free ones, is one); a region of more is searched whole, its list's memory bounded.
const MAX_PARTS: usize = 1 << 20;

/// One chunk of a walk: where it starts and ends (header included), and whether it is in
/// use (mapped on its own, or the next chunk's PREV_INUSE says so; the last chunk of the
/// region counts as in use).
struct Chunk {
    start: u64,
    end: u64,
    in_use: bool,
}

/// A walk over a region's chunks from its start, reading it a block at a time.
struct Walk<'a> {
    t: &'a dyn Target,
    buf: Vec<u8>,
    /// The bytes of the region in `buf`.
    block: (u64, u64),
    at: u64,
    end: u64,
}

impl<'a> Walk<'a> {
    fn new(t: &'a dyn Target, region: &Region) -> Walk<'a> {
        Walk { t, buf: vec![0u8; BLOCK], block: (0, 0), at: region.start.0, end: region.end() }
    }

    /// The size word of the chunk at `at`.
    fn size_word(&mut self, at: u64) -> Option<u64> {
        let w = at + 8;
        if w + 8 > self.end {
            return None;
        }
        if w < self.block.0 || w + 8 > self.block.1 {
            let len = ((self.end - w) as usize).min(BLOCK);
            self.t.read(Addr(w), &mut self.buf[..len]).ok()?;
            self.block = (w, w + len as u64);
        }
        Some(word_at(&self.buf, (w - self.block.0) as usize))
    }

    /// Whether the walk has met the region's end, chunk after chunk.
    fn complete(&self) -> bool {
        self.at == self.end
    }
}

impl Iterator for Walk<'_> {
    type Item = Chunk;

    /// The next chunk, or None at the region's end or where what follows is no chunk.
    fn next(&mut self) -> Option<Chunk> {
        let at = self.at;
        let word = self.size_word(at)?;
        let size = word & !FLAGS;
        if (size < MIN_CHUNK && size != FENCEPOST) || !size.is_multiple_of(ALIGN) || size > self.end - at {
            return None;
        }
        let next = at + size;
        let in_use = word & IS_MMAPPED != 0 || next == self.end || self.size_word(next)? & PREV_INUSE != 0;
        self.at = next;
        Some(Chunk { start: at, end: next, in_use })
    }
}

/// The user bytes `[start, end)` of the in-use chunk that holds `addr`, walking from the
/// start of `region` (the region that holds `addr`), or None where the region does not
/// read as glibc's main heap up to `addr`.
pub fn chunk_holding(t: &dyn Target, region: &Region, addr: u64) -> Option<(u64, u64)> {
    if addr < region.start.0 || addr >= region.end() || addr - region.start.0 > MAX_WALK {
        return None;
    }
    let c = Walk::new(t, region).find(|c| addr < c.end)?;
    (addr >= c.start + HEADER && c.in_use).then_some((c.start + HEADER, c.end))
}

/// The parts of `region` that may hold live data, in address order: where the region
/// reads as glibc's main heap from its start exactly to its end, its chunks less the
/// free ones (runs of chunks in use, headers included); else, or where there are over
/// [`MAX_PARTS`] of them, the whole region.
pub fn live_parts(t: &dyn Target, region: &Region) -> Vec<(u64, u64)> {
    let whole = vec![(region.start.0, region.end())];
    let mut walk = Walk::new(t, region);
    let mut parts: Vec<(u64, u64)> = Vec::new();
    for c in walk.by_ref().filter(|c| c.in_use) {
        let full = parts.len() == MAX_PARTS;
        match parts.last_mut() {
            Some(last) if last.1 == c.start => last.1 = c.end,
            _ if full => return whole,
            _ => parts.push((c.start, c.end)),
        }
    }
    if walk.complete() {
        parts
    } else {
        whole
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

    #[test]
    fn live_parts_leave_out_free_chunks() {
        // The 0x30 and 0x20 chunks are free (the chunks after them have PREV_INUSE clear);
        // the last chunk counts as in use.
        let m = Memory::heap(&[0x291, 0x31, 0x4000, 0x21, 0x1000]);
        let b = m.base;
        assert_eq!(live_parts(&m, &m.region()), [(b, b + 0x290), (b + 0x2c0, b + 0x42c0), (b + 0x42e0, b + 0x52e0)]);
        // A chain that does not end at the region's end is no glibc heap: all of it.
        let mut m = Memory::heap(&[0x291, 0x31, 0x4000]);
        m.bytes.extend([0x55; 0x40]);
        assert_eq!(live_parts(&m, &m.region()), [(m.base, m.base + m.bytes.len() as u64)]);
        let m = Memory { base: 0x10000, bytes: vec![0; 0x4000] };
        assert_eq!(live_parts(&m, &m.region()), [(0x10000, 0x14000)]);
        // A heap that ends with two fenceposts (glibc's, after a brk that could not grow in
        // place) reaches the region's end.
        let m = Memory::heap(&[0x291, 0x31, 0x1000, 0x11, 0x11]);
        assert_eq!(live_parts(&m, &m.region()), [(m.base, m.base + 0x290), (m.base + 0x2c0, m.base + 0x12e0)]);
        // Two large allocations mapped side by side: neither has PREV_INUSE, both are in use.
        let m = Memory::heap(&[0x2002, 0x1002]);
        assert_eq!(live_parts(&m, &m.region()), [(0x10000, 0x13000)]);
    }
}
