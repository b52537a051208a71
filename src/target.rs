//! The one door to target memory: the [`Target`] trait, the [`Addr`] newtype and the
//! module's [`Error`] type.
//!
//! Everything in `v8/` is generic over `Target`, so it never knows whether it runs inside
//! illumos mdb, the Linux host, or a unit test over a byte buffer.

use std::cell::{Cell, RefCell};
use std::fmt;

/// An address in the target's address space (never a host pointer).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Addr(pub u64);

impl Addr {
    /// `self + off`, or an error when it would wrap (offsets come from target data).
    pub fn offset(self, off: u64) -> Result<Addr> {
        self.0.checked_add(off).map(Addr).ok_or(Error::Overflow(self))
    }
}

impl fmt::Debug for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}", self.0)
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}", self.0)
    }
}

/// One memory region of the target, as `Pmapping_iter` reports it.
#[derive(Clone, Debug)]
pub struct Region {
    pub start: Addr,
    pub size: u64,
    pub read: bool,
    pub write: bool,
    pub exec: bool,
    /// Backed by a file (the executable, a library): never part of the V8 heap.
    pub file_backed: bool,
}

impl Region {
    pub fn end(&self) -> u64 {
        self.start.0.saturating_add(self.size)
    }
}

/// Everything that can go wrong, each naming what was expected where.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// Memory at this address could not be read.
    Read { addr: Addr, len: usize },
    /// Address arithmetic on target values overflowed.
    Overflow(Addr),
    /// A symbol the module needs is not in the target.
    NoSymbol(String),
    /// The value at `addr` is not what the caller expected (`what`).
    NotA { addr: Addr, what: &'static str },
    /// Target data breaks an invariant (`why`), e.g. a length beyond any sane bound.
    Corrupt { addr: Addr, why: String },
    /// The target cannot be handled at all (not node, no metadata, unsupported build).
    Unsupported(String),
    /// The scan or command was interrupted (^C, pager quit) and left no result.
    Interrupted,
    /// Bad command usage; the caller prints the usage line.
    Usage(String),
    /// Anything else, already phrased for the user.
    Msg(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read { addr, len } => write!(f, "failed to read {len} bytes at {addr}"),
            Error::Overflow(a) => write!(f, "address arithmetic overflow at {a}"),
            Error::NoSymbol(s) => write!(f, "symbol {s} not found in the target"),
            Error::NotA { addr, what } => write!(f, "{addr} is not {what}"),
            Error::Corrupt { addr, why } => write!(f, "corrupt heap data at {addr}: {why}"),
            Error::Unsupported(s) | Error::Usage(s) | Error::Msg(s) => f.write_str(s),
            Error::Interrupted => f.write_str("interrupted"),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Read access to a target (core file or live process) plus its symbols and memory map.
pub trait Target {
    /// Fill all of `buf` from `addr`; a partial read is an error.
    fn read(&self, addr: Addr, buf: &mut [u8]) -> Result<()>;

    /// The value (address) of a symbol of the target's executable or libraries.
    fn symbol(&self, name: &str) -> Option<Addr>;

    /// Call `f(name, address)` for every global data symbol whose name starts with `prefix`.
    fn symbols_with_prefix(&self, prefix: &str, f: &mut dyn FnMut(&str, Addr));

    /// Every memory region of the target, in address order.
    fn regions(&self) -> Result<Vec<Region>>;

    /// The target's threads, by mdb's ids for them (mdb's `thread` walker: on a process or
    /// a core, lwp ids, the main thread being 1). A target without threads has none.
    fn threads(&self) -> Result<Vec<u64>> {
        Ok(Vec::new())
    }

    /// Register `name` (`rip`, `rsp`, `rbp`, ...) of thread `tid` (`mdb_getareg`).
    fn register(&self, tid: u64, name: &str) -> Result<u64> {
        Err(Error::Msg(format!("no register {name} for thread {tid:x}")))
    }

    /// The function or object symbol at or below `addr`, and `addr`'s offset from it
    /// (`mdb_lookup_by_addr`, fuzzy).
    fn symbol_at(&self, _addr: Addr) -> Option<(String, u64)> {
        None
    }

    fn read_u8(&self, addr: Addr) -> Result<u8> {
        let mut b = [0u8; 1];
        self.read(addr, &mut b)?;
        Ok(b[0])
    }

    fn read_u16(&self, addr: Addr) -> Result<u16> {
        let mut b = [0u8; 2];
        self.read(addr, &mut b)?;
        Ok(u16::from_le_bytes(b))
    }

    fn read_u32(&self, addr: Addr) -> Result<u32> {
        let mut b = [0u8; 4];
        self.read(addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn read_i32(&self, addr: Addr) -> Result<i32> {
        Ok(self.read_u32(addr)? as i32)
    }

    fn read_u64(&self, addr: Addr) -> Result<u64> {
        let mut b = [0u8; 8];
        self.read(addr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Read `len` bytes into a new buffer, refusing absurd lengths from corrupt data.
    /// Beyond [`READ_BLOCK`] the buffer grows only as reads succeed, in doubling blocks: a
    /// corrupt length over memory that is not there fails before it allocates much more than
    /// what was read.
    fn read_vec(&self, addr: Addr, len: usize) -> Result<Vec<u8>> {
        if len > MAX_READ {
            return Err(Error::Corrupt { addr, why: format!("read of {len} bytes refused") });
        }
        let mut v = vec![0u8; len.min(READ_BLOCK)];
        self.read(addr, &mut v)?;
        while v.len() < len {
            let done = v.len();
            v.resize(done + (len - done).min(done), 0);
            self.read(addr.offset(done as u64)?, &mut v[done..])?;
        }
        Ok(v)
    }
}

/// The largest single buffer `read_vec` allocates (a whole heap chunk is far below it).
pub const MAX_READ: usize = 1 << 30;

/// What `read_vec` reads at once before it knows the memory is there (a V8 page is 256 KiB).
pub const READ_BLOCK: usize = 1 << 20;

/// A target whose small reads come from a cache of aligned blocks, each read whole the
/// first time it is touched: for commands that read many small values near each other
/// (an object's map, its descriptors, its fields...), one read of the target per block
/// instead of one per value. Memory must not change while blocks are cached: on a live
/// process the session clears the cache at the start of each command (the process may
/// have run between two), so that within one command it reads as one snapshot.
pub struct Cached<T> {
    inner: T,
    /// Direct-mapped: block `b` (its address divided by [`Cached::BLOCK`]) goes in slot
    /// `b % SLOTS`, tagged with `b` and the generation it was read in.
    slots: RefCell<Vec<Option<CachedBlock>>>,
    /// Blocks of earlier generations are stale: `clear` starts a new one.
    generation: Cell<u64>,
}

/// A cached block: its number, the generation it was read in, its bytes.
type CachedBlock = (u64, u64, Box<[u8]>);

impl<T: Target> Cached<T> {
    const BLOCK: usize = 1 << 10;
    const SLOTS: usize = 1 << 12;

    pub fn new(inner: T) -> Cached<T> {
        Cached { inner, slots: RefCell::new(vec![None; Self::SLOTS]), generation: Cell::new(0) }
    }

    /// Forget every cached block (at once: the blocks read so far become stale).
    pub fn clear(&self) {
        self.generation.set(self.generation.get() + 1);
    }

    /// Copy `buf.len()` bytes at offset `at` of block `b` into `buf`, reading the block
    /// first if it is not cached; false where the whole block cannot be read.
    fn copy_from_block(&self, b: u64, at: usize, buf: &mut [u8]) -> bool {
        let mut slots = self.slots.borrow_mut();
        let slot = &mut slots[(b % Self::SLOTS as u64) as usize];
        let generation = self.generation.get();
        if slot.as_ref().map(|s| (s.0, s.1)) != Some((b, generation)) {
            let mut block = slot.take().map_or_else(|| vec![0u8; Self::BLOCK].into_boxed_slice(), |s| s.2);
            if self.inner.read(Addr(b * Self::BLOCK as u64), &mut block).is_err() {
                return false;
            }
            *slot = Some((b, generation, block));
        }
        let Some((_, _, block)) = slot else { return false };
        buf.copy_from_slice(&block[at..at + buf.len()]);
        true
    }
}

impl<T: Target> Target for Cached<T> {
    fn read(&self, addr: Addr, buf: &mut [u8]) -> Result<()> {
        let block = Self::BLOCK as u64;
        let (first, at) = (addr.0 / block, (addr.0 % block) as usize);
        // A read that fits one block (most do), else the target's own.
        if at + buf.len() <= Self::BLOCK && self.copy_from_block(first, at, buf) {
            return Ok(());
        }
        self.inner.read(addr, buf)
    }

    fn symbol(&self, name: &str) -> Option<Addr> {
        self.inner.symbol(name)
    }

    fn symbols_with_prefix(&self, prefix: &str, f: &mut dyn FnMut(&str, Addr)) {
        self.inner.symbols_with_prefix(prefix, f)
    }

    fn regions(&self) -> Result<Vec<Region>> {
        self.inner.regions()
    }

    fn threads(&self) -> Result<Vec<u64>> {
        self.inner.threads()
    }

    fn register(&self, tid: u64, name: &str) -> Result<u64> {
        self.inner.register(tid, name)
    }

    fn symbol_at(&self, addr: Addr) -> Option<(String, u64)> {
        self.inner.symbol_at(addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Memory from `start` to `end` whose byte at `a` is `a as u8`, remembering the largest
    /// read asked of it.
    struct Window {
        start: u64,
        end: u64,
        largest: Cell<usize>,
    }

    impl Window {
        fn new(start: u64, end: u64) -> Window {
            Window { start, end, largest: Cell::new(0) }
        }
    }

    impl Target for Window {
        fn read(&self, addr: Addr, buf: &mut [u8]) -> Result<()> {
            self.largest.set(self.largest.get().max(buf.len()));
            let end = addr.0.checked_add(buf.len() as u64);
            if addr.0 < self.start || end.is_none_or(|e| e > self.end) {
                return Err(Error::Read { addr, len: buf.len() });
            }
            buf.iter_mut().enumerate().for_each(|(i, b)| *b = (addr.0 as usize + i) as u8);
            Ok(())
        }
        fn symbol(&self, _: &str) -> Option<Addr> {
            None
        }
        fn symbols_with_prefix(&self, _: &str, _: &mut dyn FnMut(&str, Addr)) {}
        fn regions(&self) -> Result<Vec<Region>> {
            Ok(Vec::new())
        }
    }

    /// Fuzz targets `properties` and `jsprint` (fuzz/regressions/): the double elements of a
    /// corrupt object claimed 2^27 slots, and `read_vec` allocated 1 GiB before its read of
    /// a 4 KiB heap failed.
    #[test]
    fn read_vec_does_not_allocate_for_memory_that_is_not_there() {
        let t = Window::new(0x10000, 0x20000);
        assert!(matches!(t.read_vec(Addr(0x10000), MAX_READ), Err(Error::Read { .. })));
        assert_eq!(t.largest.get(), READ_BLOCK);
        assert!(matches!(t.read_vec(Addr(0x10000), MAX_READ + 1), Err(Error::Corrupt { .. })));
        assert_eq!(t.read_vec(Addr(0x10008), 3).unwrap(), vec![8, 9, 10]);
    }

    #[test]
    fn read_vec_reads_long_ranges_in_growing_blocks() {
        let len = 3 * READ_BLOCK + 5;
        let v = Window::new(0, u64::MAX).read_vec(Addr(7), len).unwrap();
        assert_eq!(v.len(), len);
        assert!(v.iter().enumerate().all(|(i, &b)| b == (7 + i) as u8));
    }

    /// Small reads come from whole blocks; what straddles blocks, is large, or lies in a
    /// block that is not all readable (the end of a region) is the target's own read.
    #[test]
    fn cached_reads_agree_with_the_target() {
        let t = Cached::new(Window::new(0x10000, 0x12ff0));
        for (addr, len) in [(0x10008, 8), (0x10ffc, 8), (0x11000, 0x2000), (0x12fe0, 16), (0x12fe8, 16), (0xfff8, 8)] {
            let (mut ours, mut theirs) = (vec![0; len], vec![0; len]);
            let expected = t.inner.read(Addr(addr), &mut theirs);
            assert_eq!(t.read(Addr(addr), &mut ours), expected, "{addr:#x}+{len}");
            assert_eq!(ours, theirs, "{addr:#x}+{len}");
        }
        // Reads of a cached block do not reach the target, until the cache is cleared.
        t.inner.largest.set(0);
        t.read_u64(Addr(0x10100)).unwrap();
        assert_eq!(t.inner.largest.get(), 0);
        t.clear();
        t.read_u64(Addr(0x10100)).unwrap();
        assert_eq!(t.inner.largest.get(), Cached::<Window>::BLOCK);
    }
}
