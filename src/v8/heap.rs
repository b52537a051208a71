//! [`Heap`]: typed access to V8 heap objects of one target through its [`Layout`].
//!
//! Every reader here validates what it reads (maps must be maps, lengths are bounded)
//! and returns an error rather than trusting the core.

use std::cell::RefCell;
use std::rc::Rc;

use super::layout::Layout;
use super::object::{Descriptor, MapInfo};
use super::scan::FastMap;
use super::value::Value;
use crate::target::{Addr, Error, Result, Target};

/// The longest FixedArray-like object we are willing to walk (V8's own limit is
/// FixedArray::kMaxLength, 128 Mi slots).
pub const MAX_ARRAY_LENGTH: u64 = 1 << 27;

/// The most forwarding addresses followed from one old copy of an object (each
/// scavenge moves a survivor once).
const MAX_FORWARDS: usize = 8;

/// The most Scripts whose line ends are kept (the cache starts over when full).
const MAX_CACHED_SCRIPTS: usize = 1024;

/// The most maps whose facts and descriptors are kept (each cache starts over when full).
const MAX_CACHED_MAPS: usize = 1 << 16;

/// What is worth decoding once per session rather than once per use: each Script's
/// line ends (a function's line is looked up in them, and a script can be megabytes),
/// and each map's facts and descriptors (read for every object of the map by the heap
/// export and the paths; the census keeps its own per-map facts, and adds at most a few
/// MiB here: 1.4 MiB on the express bench core's 86,045 maps). Complete results only; no
/// borrow is held across a read of the target.
#[derive(Default)]
pub struct HeapCache {
    line_ends: Bounded<Rc<[u32]>>,
    maps: Bounded<MapInfo>,
    descriptors: Bounded<Rc<[Descriptor]>>,
}

impl HeapCache {
    /// The line ends of `script`, computing them with `compute` the first time.
    pub fn line_ends(&self, script: Addr, compute: impl FnOnce() -> Result<Vec<u32>>) -> Result<Rc<[u32]>> {
        self.line_ends.get(script, MAX_CACHED_SCRIPTS, || compute().map(Rc::from))
    }

    /// What `map` says, computing it with `compute` the first time.
    pub fn map_info(&self, map: Addr, compute: impl FnOnce() -> Result<MapInfo>) -> Result<MapInfo> {
        self.maps.get(map, MAX_CACHED_MAPS, compute)
    }

    /// The descriptors of `map`, computing them with `compute` the first time.
    pub fn descriptors(
        &self,
        map: Addr,
        compute: impl FnOnce() -> Result<Vec<Descriptor>>,
    ) -> Result<Rc<[Descriptor]>> {
        self.descriptors.get(map, MAX_CACHED_MAPS, || compute().map(Rc::from))
    }
}

/// Values by address, computed once; it starts over when it holds as many as it may.
struct Bounded<V>(RefCell<FastMap<V>>);

impl<V> Default for Bounded<V> {
    fn default() -> Self {
        Bounded(RefCell::default())
    }
}

impl<V: Clone> Bounded<V> {
    fn get(&self, key: Addr, max: usize, compute: impl FnOnce() -> Result<V>) -> Result<V> {
        if let Some(v) = self.0.borrow().get(&key.0) {
            return Ok(v.clone());
        }
        let v = compute()?;
        let mut cache = self.0.borrow_mut();
        if cache.len() >= max {
            cache.clear();
        }
        cache.insert(key.0, v.clone());
        Ok(v)
    }
}

/// A target's V8 heap: the target plus its layout, and the session's cache.
#[derive(Clone, Copy)]
pub struct Heap<'a> {
    pub t: &'a dyn Target,
    pub l: &'a Layout,
    pub cache: &'a HeapCache,
}

impl<'a> Heap<'a> {
    pub fn new(t: &'a dyn Target, l: &'a Layout, cache: &'a HeapCache) -> Heap<'a> {
        Heap { t, l, cache }
    }

    /// The tagged word at `obj + off`.
    pub fn word(&self, obj: Addr, off: u64) -> Result<u64> {
        self.t.read_u64(obj.offset(off)?)
    }

    /// The tagged word at `obj + off`, decoded.
    pub fn value(&self, obj: Addr, off: u64) -> Result<Value> {
        Ok(Value::decode(self.word(obj, off)?, self.l))
    }

    /// The heap object a slot points to, or an error naming `what` was expected there.
    pub fn pointer(&self, obj: Addr, off: u64, what: &'static str) -> Result<Addr> {
        self.value(obj, off)?.heap().ok_or(Error::NotA { addr: obj, what })
    }

    /// The Smi in a slot.
    pub fn smi(&self, obj: Addr, off: u64) -> Result<i64> {
        let v = self.value(obj, off)?;
        v.smi().ok_or(Error::Corrupt { addr: obj, why: format!("expected a Smi at offset {off}") })
    }

    /// The map of a heap object.
    pub fn map(&self, obj: Addr) -> Result<Addr> {
        self.pointer(obj, self.l.heap_object_map, "a heap object (its map word is not a pointer)")
    }

    /// Where the GC moved an object whose old copy is at `obj`: a scavenge leaves the new
    /// address (untagged, so it reads as a Smi) in the old copy's map word, and a copy
    /// moved again by a later scavenge holds the next one. Dead objects of a new-space
    /// page can still point at such old copies.
    pub fn forwarded(&self, obj: Addr) -> Option<Addr> {
        let mut at = obj;
        for _ in 0..MAX_FORWARDS {
            let word = self.word(at, self.l.heap_object_map).ok()?;
            if word == 0 || word & (self.l.tagged_size - 1) != 0 {
                return None;
            }
            at = Addr(word);
            if self.type_of(at).is_ok() {
                return Some(at);
            }
        }
        None
    }

    /// The instance type a map describes.
    pub fn map_type(&self, map: Addr) -> Result<u16> {
        self.t.read_u16(map.offset(self.l.map_instance_type)?)
    }

    /// The instance type of a heap object, checking that its map really is a map.
    pub fn type_of(&self, obj: Addr) -> Result<u16> {
        let map = self.map(obj)?;
        let meta = self.map(map)?;
        if u64::from(self.map_type(meta)?) != self.l.type_map {
            return Err(Error::NotA { addr: obj, what: "a heap object (its map is not a Map)" });
        }
        self.map_type(map)
    }

    /// The length of a FixedArray-like object, bounded.
    pub fn array_length(&self, arr: Addr) -> Result<u64> {
        let len = self.smi(arr, self.l.fixed_array_length)?;
        u64::try_from(len)
            .ok()
            .filter(|&n| n <= MAX_ARRAY_LENGTH)
            .ok_or(Error::Corrupt { addr: arr, why: format!("array length {len}") })
    }

    /// Slot `i` of a FixedArray-like object (no bounds check against its length).
    pub fn slot(&self, arr: Addr, i: u64) -> Result<Value> {
        let off = i
            .checked_mul(self.l.tagged_size)
            .and_then(|o| o.checked_add(self.l.fixed_array_data))
            .ok_or(Error::Overflow(arr))?;
        self.value(arr, off)
    }

    /// All slots of a FixedArray-like object, read in one block.
    pub fn slots(&self, arr: Addr) -> Result<Vec<Value>> {
        let len = self.array_length(arr)?;
        let bytes = self.t.read_vec(arr.offset(self.l.fixed_array_data)?, (len * self.l.tagged_size) as usize)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|w| Value::decode(u64::from_le_bytes(w.try_into().unwrap_or_default()), self.l))
            .collect())
    }

    /// The Oddball kind of `obj`, if it is an Oddball.
    pub fn oddball_kind(&self, obj: Addr) -> Result<Option<i64>> {
        if u64::from(self.type_of(obj)?) != self.l.type_oddball {
            return Ok(None);
        }
        Ok(Some(self.smi(obj, self.l.oddball_kind)?))
    }

    /// Whether a value is the hole (an Oddball before V8 12, its own type after).
    pub fn is_hole(&self, v: Value) -> bool {
        let Some(obj) = v.heap() else { return false };
        let Ok(ty) = self.type_of(obj) else { return false };
        match (self.l.oddball_the_hole, self.l.type_hole) {
            (Some(kind), _) if u64::from(ty) == self.l.type_oddball => {
                self.smi(obj, self.l.oddball_kind).ok() == i64::try_from(kind).ok()
            }
            (_, Some(hole)) => u64::from(ty) == hole,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn bounded_computes_once_and_starts_over_when_full() {
        let b: Bounded<u64> = Bounded::default();
        let computed = Cell::new(0);
        let get = |k: u64| {
            b.get(Addr(k), 2, || {
                computed.set(computed.get() + 1);
                Ok(k * 10)
            })
        };
        assert_eq!((get(1).ok(), get(1).ok(), computed.get()), (Some(10), Some(10), 1));
        assert_eq!((get(2).ok(), computed.get()), (Some(20), 2));
        // Full at two: the third key empties the memo, so the first is computed again.
        assert_eq!((get(3).ok(), get(3).ok(), computed.get()), (Some(30), Some(30), 3));
        assert_eq!((get(1).ok(), computed.get()), (Some(10), 4));
        // A failed computation is not kept.
        assert!(b.get(Addr(9), 2, || Err(Error::Msg("unreadable".into()))).is_err());
        assert_eq!((get(9).ok(), computed.get()), (Some(90), 5));
    }
}
