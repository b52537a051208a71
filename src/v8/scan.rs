//! Finding every JavaScript object in the heap.
//!
//! 1. **Pages.** Every 2^kPageSizeBits-aligned block of anonymous, non-executable
//!    memory whose header matches one of [`CHUNK_HEADERS`] is a V8 heap chunk. Chunks
//!    flagged FROM_PAGE (stale copies left by the last scavenge) are skipped, and so is
//!    executable memory (JIT code embeds map pointers as immediates). So is the memory
//!    V8 treats as free inside the main thread's linear allocation areas
//!    ([`allocation_areas`]): stale bytes of objects that died before.
//! 2. **Meta maps and maps** (one pass). A meta map is an object whose map word points to
//!    itself (V8 12+ has one per native context as well as the read-only one); a map is
//!    an object whose map word points to a meta map.
//! 3. **Objects** (a second pass). Every word that points to a map starts an object
//!    candidate. A candidate of a JavaScript object type is kept if its properties slot
//!    is a Smi or points to a store of names and its elements slot points to a store of
//!    the kind its map's elements kind calls for (this rejects the look-alikes inside
//!    maps, functions and native contexts). The bodies of free-list blocks and of
//!    objects made of raw bytes (sequential strings, byte and double arrays) are skipped
//!    whole: they may hold stale copies of dead objects (on a fresh node 26 core, a dead
//!    string's characters held a dead object of the fixture's `Churn`).
//!
//! Each pass reads each page's live area in one block; nothing is read word by word. The
//! word loops run on a helper thread ([`crate::helper`]) while this thread reads the
//! next pages and does whatever needs more reads (validation, the census).

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::heap::Heap;
use super::layout::{ChunkHeader, Layout, CHUNK_HEADERS};
use super::value::tagged;
use crate::helper::{self, Ticket};
use crate::target::{Addr, Error, Region, Result};

/// One V8 heap chunk.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub base: Addr,
    /// The part of the chunk that holds objects and that we scan.
    pub start: u64,
    pub end: u64,
    /// Where the chunk ends (a large-object chunk extends past its first block).
    pub chunk_end: u64,
    /// A FROM semispace page (skipped).
    pub from: bool,
    /// A TO semispace page (the young generation's active half).
    pub to: bool,
    /// The owning Heap (0 for read-only space).
    pub heap: u64,
    /// Where the header fields are: the chunk itself, or its out-of-line metadata.
    pub fields_at: u64,
    /// Bytes inside `start..end` that V8 treats as free (above an allocation top): they
    /// read as zeros in the scan.
    pub free: Option<(u64, u64)>,
    /// A read-only space page (it holds the read-only meta map).
    pub read_only: bool,
    pub header: &'static str,
}

/// What the scan saw, for `::findjsobjects -v`.
#[derive(Clone, Debug, Default)]
pub struct ScanStats {
    pub pages: usize,
    pub from_pages: usize,
    pub bytes: u64,
    /// Bytes V8 treats as free (above allocation tops, unused TO pages): read as zeros.
    pub free_bytes: u64,
    /// Bytes in free-list blocks (FreeSpace objects): dead objects' leftovers, skipped.
    pub free_list_bytes: u64,
    pub meta_maps: usize,
    pub maps: usize,
    /// Words that point to a map (object candidates of any type).
    pub candidates: u64,
    /// JavaScript objects that passed validation.
    pub js_objects: u64,
}

/// Progress of a long scan: bytes done out of the total, over all passes. It is called
/// after every page, and an error from it (`Error::Interrupted`, for a ^C) ends the scan.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64) -> Result<()>;

/// Find the V8 heap chunks in `regions` (sorted by start).
///
/// A region's size is not trusted: a core holds a prefix of each region (`p_filesz` of
/// `p_memsz` bytes) and a process all of it, so the search of a region ends at the first
/// block it cannot read, and never goes back over addresses an earlier region covered.
pub fn pages(h: &Heap, regions: &[Region]) -> Vec<Page> {
    let size = 1u64 << h.l.page_size_bits;
    let mut out = Vec::new();
    let mut covered = 0;
    for r in regions.iter().filter(|r| r.read && !r.exec && !r.file_backed) {
        let Some(mut base) = r.start.0.max(covered).checked_next_multiple_of(size) else {
            continue;
        };
        covered = covered.max(r.end());
        while base.checked_add(64).is_some_and(|e| e <= r.end()) && h.t.read_u64(Addr(base)).is_ok() {
            match chunk(h, Addr(base), r.end()) {
                Some((page, chunk_size)) => {
                    out.push(page);
                    base = base.saturating_add(chunk_size.div_ceil(size).max(1) * size);
                }
                None => base = base.saturating_add(size),
            }
        }
    }
    out
}

/// Recognise a chunk header at `base`; returns the page and the chunk's size.
fn chunk(h: &Heap, base: Addr, region_end: u64) -> Option<(Page, u64)> {
    let mut head = [0u8; 128];
    h.t.read(base, &mut head).ok()?;
    let words: Vec<u64> = head.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default())).collect();
    let page_size = 1u64 << h.l.page_size_bits;
    CHUNK_HEADERS.iter().find_map(|hd: &'static ChunkHeader| {
        let (fields_at, fields): (u64, Vec<u64>) = match hd.metadata {
            None => (base.0, words.clone()),
            Some(w) => {
                let mut meta = [0u8; 128];
                let at = *words.get(w)?;
                h.t.read(Addr(at), &mut meta).ok()?;
                (at, meta.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default())).collect())
            }
        };
        if let Some(sw) = hd.self_word {
            let v = *fields.get(sw)?;
            if v != base.0 && !(hd.metadata.is_some() && v == 0) {
                return None;
            }
        }
        let (size, start, end) = (*fields.get(hd.size)?, *fields.get(hd.area_start)?, *fields.get(hd.area_end)?);
        // Read-only space chunks are smaller than a page.
        let plausible = size >= 4096
            && size % 4096 == 0
            && size < 1 << 40
            && start >= base.0
            && start < base.0 + 0x10000
            && end > start
            && end <= base.0 + size;
        if !plausible {
            return None;
        }
        let flags = *words.get(hd.flags)?;
        let (from, to) = (flags & h.l.page_flag_from_page != 0, flags & h.l.page_flag_to_page != 0);
        // Large-object chunks hold one object at area_start: its first block is enough.
        let scan_end = end.min(base.0 + page_size).min(region_end).max(start);
        let heap = *fields.get(hd.heap)?;
        let page = Page {
            base,
            start,
            end: scan_end,
            chunk_end: base.0 + size,
            from,
            to,
            heap,
            fields_at,
            free: None,
            read_only: heap == 0,
            header: hd.name,
        };
        Some((page, size))
    })
}

/// Mark the memory V8 treats as free in the main thread's linear allocation areas
/// (`LinearAllocationArea {start, top, limit}`, src/heap/linear-allocation-area.h; before
/// V8 8.6 `{top, limit}`): V8 allocates by bumping `top` towards `limit`, so `top..limit`
/// holds no object, only stale bytes of objects that died before; in the new space's TO
/// page everything from `top` to the page's end is unallocated. The Isolate keeps the
/// new-space area, then (from V8 8.6) the old-space area, side by side ahead of its Heap
/// (no metadata says where: the `allocation_areas_window` bytes before the heap pointer
/// are searched). The new-space area is the one untagged triple `start <= top <= limit`
/// inside one TO page; the old-space area is the triple after it, used when it lies in
/// one old page. Before V8 8.6 the NewSpace keeps its `{original_top, original_limit}`
/// pair near its area, so the pairs inside one TO page are two: the higher `top` is the
/// allocation top (original_top <= top). Nothing is marked unless the new-space area is
/// found so. The TO pages after the area's page ([`unused_after`]) are free as a whole.
/// Returns the bytes marked.
pub fn allocation_areas(h: &Heap, pages: &mut [Page]) -> u64 {
    let n = h.l.allocation_area_words as usize;
    let mut heaps: Vec<u64> = pages.iter().map(|p| p.heap).filter(|&hp| hp != 0).collect();
    heaps.sort_unstable();
    heaps.dedup();
    let mut marked = 0;
    for heap in heaps {
        let Some(words) = window_before(h, heap) else { continue };
        // The page an area `w` (start, top, limit; or top, limit) lies in.
        let inside = |w: &[u64], young: bool| -> Option<usize> {
            let (start, top, limit) = (w[0], w[n - 2], w[n - 1]);
            let aligned = (start | top | limit) % h.l.tagged_size == 0;
            if start == 0 || !aligned || !(start <= top && top <= limit) {
                return None;
            }
            pages.iter().position(|p| p.heap == heap && p.to == young && !p.from && p.start <= start && limit <= p.end)
        };
        let found: Vec<(usize, usize)> =
            words.windows(2 * n).enumerate().filter_map(|(i, w)| Some((i, inside(w, true)?))).collect();
        let (at, young) = match found[..] {
            [one] => one,
            [_, _] if n == 2 && found[0].1 == found[1].1 => *found.iter().max_by_key(|f| words[f.0]).unwrap(),
            _ => continue,
        };
        let areas = &words[at..at + 2 * n];
        let old = (n == 3).then(|| inside(&areas[3..6], false).map(|page| (page, areas[4], areas[5]))).flatten();
        let unused: Vec<(usize, u64, u64)> =
            unused_after(h, pages, young).into_iter().map(|p| (p, pages[p].start, pages[p].end)).collect();
        for (page, from, to) in [(young, areas[n - 2], pages[young].end)].into_iter().chain(old).chain(unused) {
            pages[page].free = Some((from, to));
            marked += to - from;
        }
    }
    marked
}

/// The TO pages that come after page `current` in their semispace's page list: V8 fills
/// the semispace's pages in list order, so they are unused since the last GC and hold
/// only stale bytes. The list is V8's `heap::List` (src/heap/list.h), whose `ListNode`
/// is `{next_, prev_}` in each page's header fields; no metadata says where, so `next_`
/// is the first header word that links all the semispace's TO pages into one chain
/// ending in 0 (`prev_` links them too, in reverse, after it).
fn unused_after(h: &Heap, pages: &[Page], current: usize) -> Vec<usize> {
    const HEADER_WORDS: usize = 64;
    let to: Vec<usize> = (0..pages.len()).filter(|&i| pages[i].to && pages[i].heap == pages[current].heap).collect();
    if to.len() < 2 {
        return Vec::new();
    }
    let mut headers = Vec::with_capacity(to.len());
    for &i in &to {
        let mut buf = vec![0u8; HEADER_WORDS * 8];
        if h.t.read(Addr(pages[i].fields_at), &mut buf).is_err() {
            return Vec::new();
        }
        headers.push(words(&buf).collect::<Vec<u64>>());
    }
    let index_of = |fields_at: u64| to.iter().position(|&i| pages[i].fields_at == fields_at);
    // Page `k`'s successor through word `w`: None at the end of the chain, Err off it.
    let next = |k: usize, w: usize| match headers[k][w] {
        0 => Ok(None),
        link => index_of(link).map(Some).ok_or(()),
    };
    let chains = |w: usize| {
        let links: Vec<Option<usize>> = (0..to.len()).map(|k| next(k, w).ok()).collect::<Option<_>>()?;
        let heads: Vec<usize> = (0..to.len()).filter(|k| !links.contains(&Some(*k))).collect();
        let [mut k] = heads[..] else { return None };
        let mut seen = 1;
        while let Some(n) = links[k] {
            (k, seen) = (n, seen + 1);
            if seen > to.len() {
                return None;
            }
        }
        (seen == to.len()).then_some(links)
    };
    let Some(links) = (0..HEADER_WORDS).find_map(chains) else { return Vec::new() };
    let Some(mut k) = to.iter().position(|&i| i == current) else { return Vec::new() };
    let mut after = Vec::new();
    while let Some(n) = links[k] {
        after.push(to[n]);
        k = n;
    }
    after
}

/// The words of the `allocation_areas_window` bytes before `heap` (or of the largest
/// readable tail of them, halving the window, when the Isolate is near a hole).
fn window_before(h: &Heap, heap: u64) -> Option<Vec<u64>> {
    const HALVINGS: u32 = 8;
    (0..HALVINGS).find_map(|k| {
        let len = (h.l.allocation_areas_window >> k) & !(h.l.tagged_size - 1);
        let mut buf = vec![0u8; len as usize];
        h.t.read(Addr(heap.checked_sub(len)?), &mut buf).ok()?;
        Some(words(&buf).collect())
    })
}

/// A HashMap with a cheap multiplicative hash, keyed by addresses unless told otherwise
/// (keys are not attacker-chosen in the sense that matters here: a slow hash only slows
/// the command; SipHash was a tenth of an export's time, most of it on names).
pub type FastMap<V, K = u64> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// Hasher for [`FastMap`]: a word at a time, bytes as their length and then their words.
#[derive(Default)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // The length first: the last word is padded with zeroes.
        self.write_usize(bytes.len());
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }
    fn write_u16(&mut self, v: u16) {
        self.write_u64(u64::from(v));
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    }
}

/// A fixed-size, direct-mapped memo of facts about heap words (which words point to
/// backing stores, which map's objects go to which group): bounded memory however many
/// objects the heap holds, and a lookup that is a multiply and one load.
pub struct Memo<V> {
    slots: Vec<Option<(u64, V)>>,
    shift: u32,
}

impl<V: Copy> Memo<V> {
    /// A memo of 2^bits entries.
    pub fn new(bits: u32) -> Memo<V> {
        Memo { slots: vec![None; 1 << bits], shift: 64 - bits }
    }

    #[inline]
    fn slot(&self, word: u64) -> usize {
        ((word >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    #[inline]
    pub fn get(&self, word: u64) -> Option<V> {
        self.slots[self.slot(word)].filter(|(w, _)| *w == word).map(|(_, v)| v)
    }

    #[inline]
    pub fn insert(&mut self, word: u64, v: V) {
        let i = self.slot(word);
        self.slots[i] = Some((word, v));
    }

    #[inline(always)]
    pub fn get_or(&mut self, word: u64, compute: impl FnOnce() -> V) -> V {
        self.get(word).unwrap_or_else(|| {
            let v = compute();
            self.insert(word, v);
            v
        })
    }
}

/// The heap's maps: tagged map pointer → instance type, with a lookup cheap enough to
/// run on every word of the heap (no hashing: a slot table, then a per-chunk array).
pub struct Maps {
    /// Open-addressed by chunk number (address >> kPageSizeBits): index + 1 into
    /// `chunks`, 0 for an empty slot. Sized to stay in the L1 cache for typical heaps,
    /// and at most a quarter full.
    slots: Vec<u32>,
    chunks: Vec<MapChunk>,
    page_bits: u64,
    /// HeapObjectTag and log2(TaggedSize): a map pointer is tagged and slot-aligned.
    /// (Shifts and masks, not divisions: this runs on every word of the heap.)
    tag: u64,
    slot_bits: u32,
    count: usize,
}

/// One chunk holding maps: the instance type + 1 of the map at each word, 0 elsewhere.
struct MapChunk {
    chunk: u64,
    types: Vec<u16>,
}

impl Maps {
    const MIN_SLOTS: usize = 1 << 12;

    fn new(found: &[(u64, u16)], l: &Layout) -> Maps {
        let page_bits = l.page_size_bits;
        let mut distinct: Vec<u64> = found.iter().map(|(m, _)| m >> page_bits).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let slots = (distinct.len() * 4).next_power_of_two().max(Self::MIN_SLOTS);
        let mut maps = Maps {
            slots: vec![0; slots],
            chunks: Vec::new(),
            page_bits,
            tag: l.heap_object_tag,
            slot_bits: l.tagged_size.trailing_zeros(),
            count: 0,
        };
        let words = ((1u64 << page_bits) / l.tagged_size) as usize;
        for &(map, ty) in found {
            let chunk = map >> page_bits;
            let index = match maps.find(chunk) {
                Some(i) => i,
                None => {
                    maps.chunks.push(MapChunk { chunk, types: vec![0; words] });
                    let mut slot = chunk as usize & (slots - 1);
                    while maps.slots[slot] != 0 {
                        slot = (slot + 1) & (slots - 1);
                    }
                    maps.slots[slot] = maps.chunks.len() as u32;
                    maps.chunks.len() - 1
                }
            };
            let word = maps.word_index(map);
            let entry = &mut maps.chunks[index].types[word];
            if *entry == 0 {
                maps.count += 1;
            }
            *entry = ty.saturating_add(1);
        }
        maps
    }

    /// The index in `chunks` of a chunk number, if it holds maps.
    #[inline(always)]
    fn find(&self, chunk: u64) -> Option<usize> {
        // The table's size is a power of two.
        let mask = self.slots.len() - 1;
        let mut slot = chunk as usize & mask;
        loop {
            match self.slots[slot] {
                0 => return None,
                i if self.chunks[i as usize - 1].chunk == chunk => return Some(i as usize - 1),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Which slot of its chunk a tagged pointer points to.
    #[inline(always)]
    fn word_index(&self, word: u64) -> usize {
        ((word.wrapping_sub(self.tag) & ((1 << self.page_bits) - 1)) >> self.slot_bits) as usize
    }

    /// The instance type of the map `word` points to, if it points to a map.
    #[inline(always)]
    pub fn get(&self, word: u64) -> Option<u16> {
        // Only a tagged, slot-aligned pointer can point to a map's start.
        if word.wrapping_sub(self.tag) & ((1 << self.slot_bits) - 1) != 0 {
            return None;
        }
        let chunk = self.find(word >> self.page_bits)?;
        self.chunks[chunk].types[self.word_index(word)].checked_sub(1)
    }

    /// Every map: its tagged pointer and instance type.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u16)> + '_ {
        let tag = self.tag;
        self.chunks.iter().flat_map(move |c| {
            c.types
                .iter()
                .enumerate()
                .filter(|(_, &t)| t != 0)
                .map(move |(k, &t)| ((c.chunk << self.page_bits) + ((k as u64) << self.slot_bits) + tag, t - 1))
        })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Pages go to the helper thread in batches of about this many bytes (fewer hand-offs
/// between the threads), and this many batches ahead of the one being consumed.
const BATCH_BYTES: usize = 1 << 20;
const AHEAD: usize = 2;

/// Bytes of the scan so far, for progress.
pub struct Meter<'a> {
    pub done: u64,
    pub total: u64,
    pub progress: Progress<'a>,
}

/// Pages with their bytes and what the helper made of them.
type Batch<R> = Vec<(Page, Vec<u8>, R)>;

/// Read each page's scan area in turn (on this thread: only it may call mdb), run `work`
/// on the bytes on the helper thread, and give `consume` each page with its result, in
/// page order. `context` is called as each batch of pages is sent
/// off: it hands the work what this thread knows at that point. This thread reads the
/// next pages while the helper works. An error from the progress callback stops it (the
/// helper's pending work is then dropped unseen).
pub fn each_page<C: Send + 'static, R: Send + 'static>(
    h: &Heap,
    pages: &[Page],
    meter: &mut Meter,
    mut context: impl FnMut() -> C,
    work: fn(&C, &Page, &[u8]) -> R,
    mut consume: impl FnMut(&Page, R),
) -> Result<()> {
    let (mut spare, mut batch, mut batch_bytes) = (Vec::new(), Vec::new(), 0);
    let mut pending = VecDeque::new();
    let mut finish = |ticket: Ticket<Batch<R>>, spare: &mut Vec<Vec<u8>>| {
        for (page, buf, r) in ticket.wait() {
            consume(&page, r);
            spare.push(buf);
        }
    };
    for (n, p) in pages.iter().enumerate() {
        let len = (p.end - p.start) as usize & !(h.l.tagged_size as usize - 1);
        let mut buf: Vec<u8> = spare.pop().unwrap_or_default();
        buf.resize(len, 0);
        // A chunk that cannot be read (a hole in the core) contributes nothing.
        if h.t.read(Addr(p.start), &mut buf).is_ok() {
            if let Some((from, to)) = p.free {
                let at = |a: u64| (a.saturating_sub(p.start) as usize).min(len);
                buf[at(from)..at(to).max(at(from))].fill(0);
            }
            batch.push((p.clone(), buf));
            batch_bytes += len;
        } else {
            spare.push(buf);
        }
        meter.done += len as u64;
        (meter.progress)(meter.done, meter.total)?;
        if batch_bytes >= BATCH_BYTES || n + 1 == pages.len() {
            let (c, pages) = (context(), std::mem::take(&mut batch));
            batch_bytes = 0;
            pending.push_back(helper::spawn(move || -> Batch<R> {
                pages
                    .into_iter()
                    .map(|(p, b)| {
                        let r = work(&c, &p, &b);
                        (p, b, r)
                    })
                    .collect()
            }));
            if pending.len() > AHEAD {
                finish(pending.pop_front().expect("pending is not empty"), &mut spare);
            }
        }
    }
    for ticket in pending {
        finish(ticket, &mut spare);
    }
    Ok(())
}

/// What a page's maps pass found: meta maps, then maps.
struct PageMaps {
    /// The meta maps known when the page was sent: the page must be scanned again if a
    /// meta map was found later (its maps may point to it).
    known: usize,
    metas: Vec<u64>,
    types: Vec<(u64, u16)>,
}

/// Find meta maps and maps in one page: a meta map's map word points to itself, and a
/// map's to a meta map. `metas` are those known so far.
fn find_maps((l, metas): &(Arc<Layout>, Vec<u64>), p: &Page, b: &[u8]) -> PageMaps {
    // Words are looked at a block at a time: most blocks hold no map, and ruling that out
    // takes compares the compiler turns into vector instructions.
    const BLOCK: usize = 32;
    let slot = l.tagged_size;
    let type_off = l.map_instance_type as usize;
    let mut found = PageMaps { known: metas.len(), metas: metas.clone(), types: Vec::new() };
    let metas = &mut found.metas;
    let first = tagged(Addr(p.start), l);
    let here = |k: usize| first + k as u64 * slot;
    for (n, block) in b.chunks(BLOCK * slot as usize).enumerate() {
        let k0 = n * BLOCK;
        let mut hit = false;
        for (j, w) in words(block).enumerate() {
            hit |= w == here(k0 + j);
        }
        for &m in metas.iter() {
            for w in words(block) {
                hit |= w == m;
            }
        }
        if !hit {
            continue;
        }
        for (k, w) in words(block).enumerate().map(|(j, w)| (k0 + j, w)) {
            if w != here(k) && !metas.contains(&w) {
                continue;
            }
            let at = k * slot as usize + type_off;
            let Some(ty) = b.get(at..at + 2).map(|t| u16::from_le_bytes([t[0], t[1]])) else { break };
            if w == here(k) && u64::from(ty) == l.type_map && !metas.contains(&w) {
                metas.push(w);
            }
            if metas.contains(&w) {
                found.types.push((here(k), ty));
            }
        }
    }
    found
}

/// The words of a page's bytes (little-endian, as V8 on x86-64 stores them).
pub fn words(b: &[u8]) -> impl Iterator<Item = u64> + '_ {
    b.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
}

pub fn word_at(buf: &[u8], i: usize) -> u64 {
    buf.get(i..i + 8).map_or(0, |w| u64::from_le_bytes(w.try_into().unwrap_or_default()))
}

/// A page's object candidates: words that point to the map of a JavaScript object type,
/// with the object's header behind them in the page. Also the number of words that point
/// to any map, and the bytes of free-list blocks skipped. The innermost loop of the scan.
fn candidates((l, maps): &(Arc<Layout>, Arc<Maps>), p: &Page, b: &[u8]) -> Candidates {
    let (tag, tag_mask, slot) = (l.heap_object_tag, l.heap_object_tag_mask, l.tagged_size as usize);
    let (props_off, elems_off) = (l.js_properties as usize, l.js_elements as usize);
    let free_space = l.type_free_space.and_then(|t| u16::try_from(t).ok());
    let mut c = Candidates::default();
    let mut i = 0;
    while i + slot <= b.len() {
        let w = word_at(b, i);
        let here = i;
        i += slot;
        if w & tag_mask != tag {
            continue;
        }
        let Some(ty) = maps.get(w) else { continue };
        c.any += 1;
        if Some(ty) == free_space {
            if let Some(size) = free_block(l, maps, b, here) {
                c.free_list_bytes += size as u64;
                i = here + size;
            }
        } else if raw_body(l, ty) {
            // A string's characters, a byte or double array's contents: raw bytes, maybe
            // stale (V8 does not clear the memory it makes them of), skipped whole.
            if let Some(end) = object_size(l, ty, 0, &b[here..]).and_then(|size| skip(maps, b, here, size as usize)) {
                i = end;
            }
        } else if l.is_js_object_type(ty) && here + elems_off + slot <= b.len() {
            c.js.push(Found {
                addr: Addr(p.start + here as u64),
                map: w,
                instance_type: ty,
                properties: word_at(b, here + props_off),
                elements: word_at(b, here + elems_off),
            });
        }
    }
    c
}

/// The size of the object whose bytes start `b` (as far as its page holds them), by
/// V8's rules, or None when its type has no formula here (or its length is not sane).
pub fn object_size(l: &Layout, ty: u16, size_in_words: u8, b: &[u8]) -> Option<u64> {
    if size_in_words != 0 {
        return Some(u64::from(size_in_words) * l.tagged_size);
    }
    let t = u64::from(ty);
    let slot = l.tagged_size;
    let smi = |off: u64| -> Option<u64> {
        let w = word_at(b, off as usize);
        (w & l.smi_tag_mask == l.smi_tag).then(|| ((w as i64) >> l.smi_shift()) as u64).filter(|&n| n < 1 << 32)
    };
    let u32_at = |off: u64| b.get(off as usize..off as usize + 4).map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]));
    let round = |n: u64| n.div_ceil(slot) * slot;
    let is = |o: Option<u64>| o == Some(t);
    let size = if l.is_string_type(ty) {
        if t & l.string_representation_mask != l.seq_string_tag {
            return None;
        }
        let len = u64::from(u32_at(l.string_length)?);
        let two = t & l.string_encoding_mask == l.two_byte_string_tag;
        round(l.seq_one_byte_chars + if two { 2 * len } else { len })
    } else if (l.type_fixed_array..l.type_byte_array).contains(&t)
        || (l.first_context_type..=l.last_context_type).contains(&t)
        || t == l.type_fixed_double_array
        || is(l.type_weak_fixed_array)
        || is(l.type_trusted_fixed_array)
        || is(l.type_protected_fixed_array)
        || is(l.type_trusted_weak_fixed_array)
        || is(l.type_protected_weak_fixed_array)
        || is(l.type_closure_feedback_cell_array)
    {
        l.fixed_array_data + smi(l.fixed_array_length)? * slot
    } else if is(l.type_array_list) {
        l.array_list_header + smi(l.fixed_array_length)? * slot
    } else if is(l.type_object_boilerplate_description) {
        l.boilerplate_description_header + smi(l.fixed_array_length)? * slot
    } else if t == l.type_byte_array || is(l.type_trusted_byte_array) {
        round(l.fixed_array_data + smi(l.fixed_array_length)?)
    } else if t == l.type_bytecode_array {
        round(l.bytecode_array_data + smi(l.bytecode_array_length)?)
    } else if t == l.type_preparse_data {
        let (data, children) = (u32_at(l.preparse_data_lengths)?, u32_at(l.preparse_data_lengths + 4)?);
        round(l.preparse_data_lengths + 8 + u64::from(data)) + u64::from(children) * slot
    } else if t == l.type_property_array {
        l.fixed_array_data + (smi(l.fixed_array_length)? & ((1 << l.property_array_length_bits) - 1)) * slot
    } else if is(l.type_weak_array_list) {
        l.weak_array_list_data + smi(l.weak_array_list_capacity)? * slot
    } else if t == l.type_descriptor_array || is(l.type_strong_descriptor_array) {
        let n = b.get(l.descriptors_number_of_all as usize..l.descriptors_number_of_all as usize + 2)?;
        l.descriptors_header_size + u64::from(u16::from_le_bytes([n[0], n[1]])) * l.desc_size * slot
    } else if t == l.type_bigint {
        l.bigint_digits + u64::from(u32_at(l.bigint_bitfield)? >> l.bigint_length_shift & 0x3fff_ffff) * 8
    } else {
        return None;
    };
    (size >= slot).then_some(size)
}

/// Whether the body of an object of type `ty` holds no tagged slots (only its map word).
pub fn raw_body(l: &Layout, ty: u16) -> bool {
    let t = u64::from(ty);
    (l.is_string_type(ty)
        && matches!(t & l.string_representation_mask, r if r == l.seq_string_tag || r == l.external_string_tag))
        || t == l.type_heap_number
        || t == l.type_bigint
        || t == l.type_byte_array
        || t == l.type_fixed_double_array
}

/// What [`candidates`] found on a page.
#[derive(Default)]
struct Candidates {
    any: u64,
    js: Vec<Found>,
    free_list_bytes: u64,
}

/// The size of the free-list block (a FreeSpace object) at `b[at..]`: its size Smi (in
/// `free_space_size_unit`s), believed only if the block fits the page and is followed by
/// another object (a map word) or by the end of the page's live area. V8 does not clear a
/// block it frees, so what it holds are dead objects' bytes.
pub fn free_block(l: &Layout, maps: &Maps, b: &[u8], at: usize) -> Option<usize> {
    let slot = l.tagged_size as usize;
    let size = word_at(b, at + l.free_space_size as usize);
    let size =
        (size & l.smi_tag_mask == l.smi_tag).then(|| size >> l.smi_shift())?.checked_mul(l.free_space_size_unit)?;
    let size = usize::try_from(size).ok().filter(|&s| s >= 2 * slot && s % slot == 0)?;
    skip(maps, b, at, size).map(|end| end - at)
}

/// Where the object of `size` bytes at `b[at..]` ends, believed only if it fits the page
/// and is followed by another object (a map word), by zeros (memory V8 treats as free)
/// or by the end of the page's live area.
fn skip(maps: &Maps, b: &[u8], at: usize, size: usize) -> Option<usize> {
    let end = at.checked_add(size).filter(|&e| e <= b.len())?;
    (end == b.len() || maps.get(word_at(b, end)).is_some() || word_at(b, end) == 0).then_some(end)
}

/// An object the scan found, with its header words. (They are copied out of the page
/// by the helper thread: the main thread need not touch the page again.)
#[derive(Clone, Copy, Debug)]
pub struct Found {
    pub addr: Addr,
    /// The tagged map pointer.
    pub map: u64,
    pub instance_type: u16,
    pub properties: u64,
    pub elements: u64,
}

/// What the maps pass found: the live pages (FROM pages left out) and every map.
pub struct Mapped {
    pub pages: Vec<Page>,
    /// Every chunk, FROM pages included (memory that is not native memory).
    pub chunks: Vec<Page>,
    pub maps: Arc<Maps>,
    pub stats: ScanStats,
}

/// Find the pages, then the maps (pass 1 of the scan). `passes_after` is how many more
/// passes over the live pages the caller will make, for the progress meter it returns.
pub fn maps<'a>(
    h: &Heap,
    regions: &[Region],
    progress: Progress<'a>,
    passes_after: u64,
) -> Result<(Mapped, Meter<'a>)> {
    let l = h.l;
    let mut pages = pages(h, regions);
    if pages.is_empty() {
        return Err(Error::Msg(
            "no V8 heap pages found: the core may lack anonymous memory (check /proc/PID/coredump_filter; 0x33 is needed)"
                .into(),
        ));
    }
    let free_bytes = allocation_areas(h, &mut pages);
    let mut stats = ScanStats {
        pages: pages.len(),
        from_pages: pages.iter().filter(|p| p.from).count(),
        free_bytes,
        ..ScanStats::default()
    };
    // FROM pages hold stale copies: they are not scanned.
    let live: Vec<Page> = pages.iter().filter(|p| !p.from).cloned().collect();
    let live_bytes: u64 = live.iter().map(|p| p.end - p.start).sum();
    stats.bytes = live_bytes;
    let mut meter = Meter { done: 0, total: live_bytes * (1 + passes_after), progress };
    let layout = Arc::new(l.clone());

    // Pass 1: meta maps (which point to themselves) and maps (which point to a meta map).
    // Read-only pages go first: they hold the read-only meta map that most maps point
    // to. A meta map found later (V8 12+ has one per native context) sends us back over
    // the pages that were sent off before it was known.
    let (read_only, rest): (Vec<&Page>, Vec<&Page>) = live.iter().partition(|p| p.read_only);
    let ordered: Vec<Page> = read_only.into_iter().chain(rest).cloned().collect();
    // Only this thread changes `metas`; the helper gets a copy with each page.
    let metas = RefCell::new(Vec::<u64>::new());
    let mut types = Vec::new();
    // Each page, with the number of meta maps known when it was sent.
    let mut sent: Vec<(Page, usize)> = Vec::new();
    each_page(
        h,
        &ordered,
        &mut meter,
        || (layout.clone(), metas.borrow().clone()),
        find_maps,
        |p, found| {
            let mut metas = metas.borrow_mut();
            for m in &found.metas[found.known..] {
                if !metas.contains(m) {
                    metas.push(*m);
                }
            }
            sent.push((p.clone(), found.known));
            types.extend(found.types);
        },
    )?;
    let metas = metas.into_inner();
    let behind: Vec<Page> = sent.into_iter().filter(|(_, known)| *known < metas.len()).map(|(p, _)| p).collect();
    meter.total += behind.iter().map(|p| p.end - p.start).sum::<u64>();
    each_page(
        h,
        &behind,
        &mut meter,
        || (layout.clone(), metas.clone()),
        find_maps,
        |_, found| types.extend(found.types),
    )?;
    stats.meta_maps = metas.len();
    if metas.is_empty() {
        return Err(Error::Msg("no V8 meta map found in the heap pages: is this heap intact?".into()));
    }
    let maps = Arc::new(Maps::new(&types, l));
    drop(types);
    stats.maps = maps.len();
    Ok((Mapped { pages: live, chunks: pages, maps, stats }, meter))
}

/// Every JavaScript object of the heap, passed to `found` a page at a time.
pub fn objects(h: &Heap, regions: &[Region], progress: Progress, found: &mut dyn FnMut(&[Found])) -> Result<ScanStats> {
    let l = h.l;
    let (Mapped { pages: live, maps, mut stats, .. }, mut meter) = maps(h, regions, progress, 1)?;
    let layout = Arc::new(l.clone());

    // Pass 2: objects.
    let read_type = |word: u64| {
        (word & l.heap_object_tag_mask == l.heap_object_tag)
            .then(|| h.t.read_u64(Addr(word - l.heap_object_tag)).ok().and_then(|m| maps.get(m)))
            .flatten()
    };
    let mut store_types: Memo<Option<u16>> = Memo::new(12);
    let mut kinds: Memo<Option<u64>> = Memo::new(10);
    // Whether a candidate's properties and elements are what its map says they can be:
    // this rejects look-alikes, such as a map pointer in a native context's slots.
    let mut plausible = |o: &Found| -> bool {
        let (double, bytes) = (l.type_fixed_double_array, l.type_byte_array);
        let props_ok = o.properties & l.smi_tag_mask == l.smi_tag
            || store_types
                .get_or(o.properties, || read_type(o.properties))
                .is_some_and(|t| l.is_backing_store_type(t) && ![double, bytes].contains(&u64::from(t)));
        let Some(elements) = store_types.get_or(o.elements, || read_type(o.elements)) else { return false };
        let e = u64::from(elements);
        let kind = kinds.get_or(o.map, || {
            let bf2 = h.t.read_u8(Addr(o.map - l.heap_object_tag + l.map_bit_field2)).ok()?;
            Some((u64::from(bf2) & l.elements_kind_mask) >> l.elements_kind_shift)
        });
        let fits_kind = match kind {
            // The Smi and object kinds keep their elements in a FixedArray proper.
            Some(k) if k <= l.elements_fast_holey => e == l.type_fixed_array,
            Some(k) if k == l.elements_double || k == l.elements_double + 1 => e == double || e == l.type_fixed_array,
            _ => true,
        };
        props_ok
            && l.is_backing_store_type(elements)
            && fits_kind
            && (e != bytes || u64::from(o.instance_type) == l.type_js_typed_array)
    };
    each_page(
        h,
        &live,
        &mut meter,
        || (layout.clone(), maps.clone()),
        candidates,
        |_, Candidates { any, mut js, free_list_bytes }| {
            stats.candidates += any;
            stats.free_list_bytes += free_list_bytes;
            js.retain(|o| plausible(o));
            stats.js_objects += js.len() as u64;
            found(&js);
        },
    )?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_remembers_the_latest_fact_per_slot_and_nothing_else() {
        let mut m: Memo<u32> = Memo::new(4);
        assert_eq!(m.get(0), None, "an empty slot matches no word, not even 0");
        assert_eq!(m.get_or(0x1001, || 7), 7);
        assert_eq!(m.get_or(0x1001, || unreachable!()), 7);
        // Of 17 words, two share a slot: the later one evicts the earlier.
        let words: Vec<u64> = (0..17).map(|i| 0x2001 + i * 8).collect();
        for (i, &w) in words.iter().enumerate() {
            m.insert(w, i as u32);
        }
        let kept = words.iter().enumerate().filter(|&(i, &w)| m.get(w) == Some(i as u32)).count();
        assert!((1..17).contains(&kept), "{kept} of 17 kept in 16 slots");
        assert!(words.iter().all(|&w| m.get(w).is_none_or(|v| words[v as usize] == w)));
    }

    #[test]
    fn fast_hasher_reads_every_byte_of_a_name() {
        use std::hash::BuildHasher;
        let hash = |s: &str| std::hash::BuildHasherDefault::<FastHasher>::default().hash_one(s);
        // Names that differ only in the last byte of a word, in a partial last word, or
        // by a trailing NUL (the tail word is padded with zeroes) hash apart.
        let names = ["abcdefgh", "abcdefgi", "abcdefghijk", "abcdefghijl", "abcdefghijk\0", "", "\0"];
        let hashes: std::collections::HashSet<u64> = names.iter().map(|s| hash(s)).collect();
        assert_eq!(hashes.len(), names.len());
        let mut m: FastMap<u32, String> = FastMap::default();
        for (i, n) in names.iter().enumerate() {
            m.insert(n.to_string(), i as u32);
        }
        assert!(names.iter().enumerate().all(|(i, n)| m.get(*n) == Some(&(i as u32))));
    }
}
