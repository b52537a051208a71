//! What the heap fuzz targets share: [`FuzzHeap`], a synthetic [`Target`] whose memory is
//! the fuzz input laid out as a small V8 heap, read with node 20's real layout
//! (`v8dbg-node20.txt`: every `v8dbg_*` value of node 20.20.2, loaded by the module's own
//! metadata loader).
//!
//! An input is [`CONTROL`] bytes, then the heap, mapped at [`HEAP_BASE`]:
//! - bytes 0-1: the root object's offset in the heap (rounded down to a word);
//! - byte 2: a knob each target reads its own way (a string limit, a print depth);
//! - the rest: heap bytes, as the input has them except for the maps below.
//!
//! Every heap object needs a map whose own map is the meta map; random bytes seldom make
//! one. So the heap's first slots are maps: slot 0 (at offset 0) is the meta map, and each of
//! the next [`MAPS`] slots, [`MAP_STRIDE`] bytes apart, has the meta map as its map. Their
//! instance types and other fields (descriptors, bit fields, prototype...) are the input's.
//! The heap is mapped at 0 so that a pointer to a map is a small word (`0x51` the first):
//! mutations find those easily.

use std::sync::OnceLock;

use v8::target::{Addr, Error, Region, Result, Target};
use v8::v8::heap::{Heap, HeapCache};
use v8::v8::layout::{self, Layout};
use v8::v8::value::tagged;

/// Bytes of an input before its heap.
pub const CONTROL: usize = 3;
/// Where the heap is mapped.
pub const HEAP_BASE: u64 = 0;
/// Maps after the meta map at the start of the heap.
pub const MAPS: u64 = 16;
/// Bytes between maps (node 20's Map is 80 bytes).
pub const MAP_STRIDE: u64 = 0x50;

/// node 20's metadata: `symbol<TAB>value<TAB>section<TAB>address` lines and `#` comments.
const METADATA: &str = include_str!("../v8dbg-node20.txt");
/// Where the metadata target keeps the symbols' values, 4 bytes each.
const METADATA_BASE: u64 = 0x1000;
/// node 20.20.2's V8, as `v8::internal::Version` holds it.
const VERSION: [(&str, i32); 4] = [("major", 11), ("minor", 3), ("build", 244), ("patch", 8)];

/// A target of one block of memory and a symbol table.
struct Synthetic {
    base: u64,
    bytes: Vec<u8>,
    symbols: Vec<(String, Addr)>,
}

impl Target for Synthetic {
    fn read(&self, addr: Addr, buf: &mut [u8]) -> Result<()> {
        let bytes = addr
            .0
            .checked_sub(self.base)
            .and_then(|off| usize::try_from(off).ok())
            .and_then(|off| self.bytes.get(off..off.checked_add(buf.len())?))
            .ok_or(Error::Read { addr, len: buf.len() })?;
        buf.copy_from_slice(bytes);
        Ok(())
    }

    fn symbol(&self, name: &str) -> Option<Addr> {
        self.symbols.iter().find(|(n, _)| n == name).map(|&(_, a)| a)
    }

    fn symbols_with_prefix(&self, prefix: &str, f: &mut dyn FnMut(&str, Addr)) {
        self.symbols.iter().filter(|(n, _)| n.starts_with(prefix)).for_each(|(n, a)| f(n, *a));
    }

    fn regions(&self) -> Result<Vec<Region>> {
        let size = self.bytes.len() as u64;
        Ok(vec![Region { start: Addr(self.base), size, read: true, write: true, exec: false, file_backed: false }])
    }
}

/// node 20's layout.
fn node20() -> &'static Layout {
    static NODE20: OnceLock<Layout> = OnceLock::new();
    NODE20.get_or_init(|| {
        let version =
            VERSION.iter().map(|&(part, v)| (format!("_ZN2v88internal7Version{}{part}_E", part.len() + 1), v));
        let values = METADATA
            .lines()
            .filter(|line| line.starts_with("v8dbg_"))
            .filter_map(|line| {
                let mut fields = line.split('\t');
                Some((fields.next()?.to_string(), fields.next()?.parse::<i32>().ok()?))
            })
            .chain(version);
        let mut t = Synthetic { base: METADATA_BASE, bytes: Vec::new(), symbols: Vec::new() };
        for (name, value) in values {
            t.symbols.push((name, Addr(METADATA_BASE + t.bytes.len() as u64)));
            t.bytes.extend_from_slice(&value.to_le_bytes());
        }
        layout::load(&t).expect("node 20's metadata loads").0
    })
}

/// One fuzz input as a heap.
pub struct FuzzHeap {
    memory: Synthetic,
    /// A fresh session cache each input: nothing decoded carries over.
    cache: HeapCache,
    /// The object the target decodes (untagged).
    pub root: Addr,
    /// Control byte 2.
    pub knob: u8,
}

impl FuzzHeap {
    /// Lay out `data` as a heap; `None` if it is shorter than its control bytes.
    pub fn new(data: &[u8]) -> Option<FuzzHeap> {
        let (control, heap) = data.split_at_checked(CONTROL)?;
        let l = node20();
        let mut bytes = heap.to_vec();
        let meta_map = tagged(Addr(HEAP_BASE), l).to_le_bytes();
        for i in 0..=MAPS {
            let at = (i * MAP_STRIDE + l.heap_object_map) as usize;
            let Some(word) = bytes.get_mut(at..at + 8) else { break };
            word.copy_from_slice(&meta_map);
        }
        let ty = l.map_instance_type as usize;
        if let Some(field) = bytes.get_mut(ty..ty + 2) {
            field.copy_from_slice(&(l.type_map as u16).to_le_bytes());
        }
        let root = Addr(HEAP_BASE + u64::from(u16::from_le_bytes([control[0], control[1]]) & !7));
        Some(FuzzHeap {
            memory: Synthetic { base: HEAP_BASE, bytes, symbols: Vec::new() },
            cache: HeapCache::default(),
            root,
            knob: control[2],
        })
    }

    /// The heap, read through the module's decoders.
    pub fn heap(&self) -> Heap<'_> {
        Heap::new(&self.memory, node20(), &self.cache)
    }

    /// node 20's layout.
    pub fn layout(&self) -> &'static Layout {
        node20()
    }
}
