//! The whole heap as a graph: every live object of every V8 space, its shallow size, its
//! outgoing references, the roots and each object's distance from them.
//!
//! **Objects.** The scan's pages and maps ([`scan::maps`]) are reused. Each live page is
//! then walked from its start: a word that points to a map starts an object, whose size
//! is V8's (`HeapObject::SizeFromMap`: the map's instance size, or the formula of a
//! variable-size type, [`object_size`]); the walk jumps over the object and goes on
//! after it, so the look-alikes inside objects (a Map's back pointer to its parent map, a
//! JSFunction's initial map) are not taken for objects. Where no formula is known
//! (ScopeInfo, BytecodeArray, FeedbackVector, code...), the object extends to the next
//! word that points to a map: the documented fallback, counted in `sized_by_fallback`.
//! Free space (free-list blocks, skipped whole as the scan does, and the unused parts of
//! the allocation areas) is not an object. Code pages are not scanned (they are executable, like the scan's).
//!
//! **Edges.** Every word of an object's body that is a tagged pointer to an object start
//! is an edge (weak references, tagged 0b11, are marked weak), the map word included.
//! Raw bodies are skipped: string characters, HeapNumber and BigInt values, ByteArray and
//! FixedDoubleArray contents. Edges carry no names: a path names each edge when it is
//! printed ([`super::edges`]), by reading the object again.
//!
//! **Roots.** No metadata locates V8's root lists, so roots are found by where a strong
//! pointer to an object start lies in memory outside the V8 heap (not in any heap chunk,
//! FROM pages included, and not executable), classed by [`RootKind`]: the Isolate (the
//! words of the malloc chunk that holds the Heap page headers point to, which is a member
//! of the Isolate, or where the allocator is not glibc's, those within
//! `isolate_roots_window` bytes of the Heap; and the vectors of objects those words
//! point to), global handle blocks (their strong nodes only), the Isolate's eternal
//! handles, V8's frames on the threads' stacks, and any other native memory. Every
//! internalized string is a root too (the string table's, as V8's snapshots count it).
//! Native memory holds stale words (freed buffers), so its pointers are roots only of
//! objects the other roots do not reach: they may keep some garbage alive, never the
//! reverse. What the other roots reach is the *certain* set; an edge into it from outside
//! (from what only native memory reaches) counts for no path, distance or dominator.
//! A synthetic root node (id [`Graph::root`]) points to every root object.
//!
//! **Distance** is DevTools' (see [`Graph::distances`]): the number of strong edges from
//! a global object (at 1), or for what no global reaches, from a root; edges into
//! backing stores and property cells are free. The search keeps each object's parent on
//! one shortest path.
//!
//! Ids are dense `u32`s in address order; edges are in CSR form (`offsets`, `targets`).

use std::sync::Arc;

use super::dominators::{dominator_tree, immediate_dominators, Csr};
use super::heap::Heap;
use super::layout::Layout;
use super::malloc;
use super::scan::{self, each_page, object_size, raw_body, word_at, words, FastMap, Mapped, Maps, Page};
use crate::target::{Addr, Error, Region, Result};

/// The high bit of an edge target marks a weak reference.
pub const WEAK: u32 = 1 << 31;
/// Distance of an object no strong path reaches.
pub const UNREACHABLE: u32 = u32::MAX;
/// Native memory is read in blocks of this many bytes when looking for roots.
const ROOT_BLOCK: usize = 1 << 20;
/// The longest vector of objects of the Isolate's looked at (bytes).
const MAX_VECTOR: u64 = 1 << 24;
/// Slots in a block of eternal handles (EternalHandles::kSize), and the most eternal
/// handles believed (node makes a few hundred).
const ETERNAL_BLOCK: u64 = 256;
const MAX_ETERNAL: u64 = 1 << 20;
/// Pass 2 marks the sizes it took from the next object's start with this bit.
const FALLBACK: u32 = 1 << 31;
/// The most objects the graph holds (ids must stay below the weak bit).
const MAX_OBJECTS: usize = (WEAK - 2) as usize;

/// A root object: its id, and where the pointer to it was found.
pub type Root = (u32, RootKind, u64);

/// Where a root pointer was found, the most certain first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RootKind {
    /// In the Isolate (see [`isolates`]).
    Isolate,
    /// An internalized string: the string table (native memory since V8 9.1) holds
    /// them, weakly for the GC, strongly for V8's heap snapshots.
    StringTable,
    /// A strong node of a global handle block.
    GlobalHandles,
    /// A slot of the Isolate's eternal handles (see [`eternal_handles`]).
    EternalHandles,
    /// A word of a V8 frame (JavaScript, entry, exit...) on a thread's stack.
    Stack,
    /// Any other memory outside the V8 heap, for objects the other roots do not reach.
    Native,
}

impl RootKind {
    pub const ALL: [RootKind; 6] = [
        RootKind::Isolate,
        RootKind::StringTable,
        RootKind::GlobalHandles,
        RootKind::EternalHandles,
        RootKind::Stack,
        RootKind::Native,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RootKind::Isolate => "(Isolate)",
            RootKind::StringTable => "(Internalized strings)",
            RootKind::GlobalHandles => "(Global handles)",
            RootKind::EternalHandles => "(Eternal handles)",
            RootKind::Stack => "(Stack roots)",
            RootKind::Native => "(native memory)",
        }
    }
}

/// Counters for `-v` and for how much of a damaged core was left out.
#[derive(Clone, Debug, Default)]
pub struct GraphStats {
    pub objects: u64,
    pub bytes: u64,
    pub edges: u64,
    pub weak_edges: u64,
    /// Objects sized by the distance to the next object (no formula for their type).
    pub sized_by_fallback: u64,
    /// Bytes of heap pages that could not be read.
    pub unreadable_bytes: u64,
    /// Free-list blocks (FreeSpace objects) whose size does not fit the page.
    pub implausible_free_blocks: u64,
    /// The bytes of native memory searched for roots, and those left out as free chunks
    /// of glibc's heap.
    pub native_bytes: u64,
    pub free_malloc_bytes: u64,
    /// The bytes of the Isolates whose words are (Isolate) roots, and how many Isolates
    /// were bounded by `isolate_roots_window` (their malloc chunk was not found).
    pub isolate_bytes: u64,
    pub isolates_by_window: u64,
    /// The Isolates' eternal handles found (their slots that point to an object).
    pub eternal_handles: u64,
    pub roots: u64,
    pub reachable: u64,
    pub reachable_bytes: u64,
    pub seconds: f64,
}

/// One page's objects: a bitmap of object starts (one bit per word) and the rank of each
/// bitmap word, so that an address becomes an id in constant time.
#[derive(Clone)]
struct PageIndex {
    base: u64,
    first: u32,
    bits: Vec<u64>,
    ranks: Vec<u32>,
}

/// Address → id.
#[derive(Clone, Default)]
struct Index {
    pages: Vec<PageIndex>,
    by_chunk: FastMap<u32>,
    page_bits: u64,
}

impl Index {
    #[inline]
    fn id(&self, addr: u64) -> Option<u32> {
        let p = &self.pages[*self.by_chunk.get(&(addr >> self.page_bits))? as usize];
        let w = (addr - p.base) >> 3;
        let (i, b) = ((w / 64) as usize, w % 64);
        let bits = *p.bits.get(i)?;
        if bits >> b & 1 == 0 {
            return None;
        }
        Some(p.first + p.ranks[i] + (bits & ((1u64 << b) - 1)).count_ones())
    }
}

/// The heap graph of one target.
pub struct Graph {
    /// Untagged object addresses, ascending: the id of an object is its index.
    pub addrs: Vec<u64>,
    pub sizes: Vec<u32>,
    pub types: Vec<u16>,
    /// CSR: node i's edges are `targets[offsets[i]..offsets[i + 1]]`; the synthetic root
    /// is the last node.
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
    /// Root objects (sorted by id), where each was first found and its kind.
    pub roots: Vec<Root>,
    pub dist: Vec<u32>,
    /// Each object's predecessor on one shortest path (`UNREACHABLE` if none).
    pub parent: Vec<u32>,
    /// What the roots other than native memory reach (the synthetic root included).
    certain: Vec<bool>,
    pub stats: GraphStats,
    index: Index,
    /// Dominators and retained sizes, computed on first use.
    retained: std::cell::OnceCell<Retained>,
    /// The strong edges reversed, built on the first [`Graph::referrers`] call.
    reverse: std::cell::OnceCell<Reverse>,
}

/// The strong edges reversed, in CSR form: the objects (never the synthetic root) with an
/// edge to node t are `sources[offsets[t]..offsets[t + 1]]`, ascending, each once,
/// self-references left out. It costs one more u32 an edge, so it is built only when
/// something asks who refers to what.
struct Reverse {
    offsets: Vec<u32>,
    sources: Vec<u32>,
}

/// The dominator tree over the graph (strong edges, from the synthetic root) and what it
/// gives: each object's retained size, and the tree's intervals (an object's preorder
/// number and its subtree's last), by which a set's retained size counts each object once.
pub struct Retained {
    pub idom: Vec<u32>,
    pub sizes: Vec<u64>,
    pre: Vec<u32>,
    last: Vec<u32>,
}

/// What pass 2 found in a page: each object's offset, size and type; and how many
/// free-list blocks it met whose size cannot be true (walked over word by word).
type PageObjects = (Vec<(u32, u32, u16)>, u64);

impl Graph {
    /// The synthetic root's id.
    pub fn root(&self) -> u32 {
        self.addrs.len() as u32
    }

    /// The id of the object starting at `addr` (untagged).
    pub fn id(&self, addr: Addr) -> Option<u32> {
        self.index.id(addr.0)
    }

    /// The object whose body holds `addr` (untagged), if any.
    pub fn containing(&self, addr: Addr) -> Option<u32> {
        let i = self.addrs.partition_point(|&a| a <= addr.0).checked_sub(1)?;
        (addr.0 < self.addrs[i] + u64::from(self.sizes[i])).then_some(i as u32)
    }

    /// The id of the object at `addr` (a tagged pointer or the object's start), or an
    /// error that says what is there.
    pub fn object(&self, addr: Addr, l: &Layout) -> Result<u32> {
        let addr = super::value::untag(addr, l);
        let tagged = |a: u64| Addr(super::value::tagged(Addr(a), l));
        self.id(addr).ok_or_else(|| match self.containing(addr) {
            Some(i) => Error::Msg(format!(
                "{} is not the start of a heap object: it is inside {} ({}, {} bytes)",
                tagged(addr.0),
                tagged(self.addrs[i as usize]),
                l.type_names.get(&self.types[i as usize]).map_or("?", String::as_str),
                self.sizes[i as usize]
            )),
            None => Error::Msg(format!("{} is not the start of a heap object", tagged(addr.0))),
        })
    }

    /// Node `i`'s edges (targets with the weak bit).
    pub fn edges(&self, i: u32) -> &[u32] {
        &self.targets[self.offsets[i as usize] as usize..self.offsets[i as usize + 1] as usize]
    }

    /// How the object `id` is a root, if it is one.
    pub fn root_of(&self, id: u32) -> Option<(RootKind, u64)> {
        let i = self.roots.binary_search_by_key(&id, |r| r.0).ok()?;
        Some((self.roots[i].1, self.roots[i].2))
    }

    /// Every object with a strong edge to one of `targets` (ids), and that target, sorted
    /// and each pair once. The first call builds the reverse edge index; later calls cost
    /// only the referrers they return.
    pub fn referrers(&self, targets: &[u32]) -> Vec<(u32, u32)> {
        let r = self.reverse.get_or_init(|| self.reversed());
        let mut out: Vec<(u32, u32)> = targets
            .iter()
            .filter(|&&t| (t as usize) < self.addrs.len())
            .flat_map(|&t| {
                r.sources[r.offsets[t as usize] as usize..r.offsets[t as usize + 1] as usize]
                    .iter()
                    .map(move |&f| (f, t))
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// [`Reverse`], by counting: two passes over the edges.
    fn reversed(&self) -> Reverse {
        let strong = |from: u32| self.edges(from).iter().copied().filter(move |&t| t & WEAK == 0 && t != from);
        let mut offsets = vec![0u32; self.addrs.len() + 2];
        for from in 0..self.root() {
            for t in strong(from) {
                offsets[t as usize + 1] += 1;
            }
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut fill = offsets.clone();
        let mut sources = vec![0u32; offsets[offsets.len() - 1] as usize];
        for from in 0..self.root() {
            for t in strong(from) {
                let slot = &mut fill[t as usize];
                // An object with two edges to t is one referrer of t.
                if *slot == offsets[t as usize] || sources[*slot as usize - 1] != from {
                    sources[*slot as usize] = from;
                    *slot += 1;
                }
            }
        }
        // Duplicates left gaps at the ends of their ranges: close them up.
        let mut out = 0usize;
        let mut compact = vec![0u32; offsets.len()];
        for t in 0..offsets.len() - 1 {
            compact[t] = out as u32;
            for i in offsets[t]..fill[t] {
                sources[out] = sources[i as usize];
                out += 1;
            }
        }
        compact[offsets.len() - 1] = out as u32;
        sources.truncate(out);
        sources.shrink_to_fit();
        Reverse { offsets: compact, sources }
    }

    /// Build the graph of the heap in `regions`.
    pub fn build(h: &Heap, regions: &[Region], progress: scan::Progress) -> Result<Graph> {
        let started = std::time::Instant::now();
        let l = h.l;
        let (Mapped { pages, chunks, maps, .. }, mut meter) = scan::maps(h, regions, progress, 2)?;
        let mut stats = GraphStats::default();
        let layout = Arc::new(l.clone());
        let sizes = Arc::new(map_sizes(h, &maps));

        // Pass 2: where objects start, their sizes and types.
        let mut found: Vec<(Page, PageObjects)> = Vec::with_capacity(pages.len());
        each_page(
            h,
            &pages,
            &mut meter,
            || (layout.clone(), maps.clone(), sizes.clone()),
            page_objects,
            |p, objs| found.push((p.clone(), objs)),
        )?;
        let read: u64 = found.iter().map(|(p, _)| p.end - p.start).sum();
        stats.unreadable_bytes = pages.iter().map(|p| p.end - p.start).sum::<u64>().saturating_sub(read);
        found.sort_by_key(|(p, _)| p.start);
        stats.implausible_free_blocks = found.iter().map(|(_, o)| o.1).sum();
        let total: usize = found.iter().map(|(_, o)| o.0.len()).sum();
        if total > MAX_OBJECTS {
            return Err(Error::Msg(format!("{total} heap objects: more than the graph can hold")));
        }
        let mut g = Graph {
            addrs: Vec::with_capacity(total),
            sizes: Vec::with_capacity(total),
            types: Vec::with_capacity(total),
            offsets: Vec::with_capacity(total + 2),
            targets: Vec::new(),
            roots: Vec::new(),
            dist: Vec::new(),
            parent: Vec::new(),
            certain: Vec::new(),
            stats: GraphStats::default(),
            index: Index { page_bits: l.page_size_bits, ..Index::default() },
            retained: std::cell::OnceCell::new(),
            reverse: std::cell::OnceCell::new(),
        };
        let page_words = 1usize << (l.page_size_bits - 3);
        let mut large: Vec<Page> = Vec::new();
        for (p, (objs, _)) in &found {
            let base = p.base.0;
            let mut pi =
                PageIndex { base, first: g.addrs.len() as u32, bits: vec![0; page_words / 64], ranks: Vec::new() };
            for &(off, size, ty) in objs {
                let (size, fallback) = (size & !FALLBACK, size & FALLBACK != 0);
                stats.sized_by_fallback += u64::from(fallback);
                let addr = p.start + u64::from(off);
                let w = ((addr - base) >> 3) as usize;
                if let Some(b) = pi.bits.get_mut(w / 64) {
                    *b |= 1 << (w % 64);
                    g.addrs.push(addr);
                    g.sizes.push(size);
                    g.types.push(ty);
                }
            }
            let mut rank = 0;
            for b in &pi.bits {
                pi.ranks.push(rank);
                rank += b.count_ones();
            }
            // A large object's body goes past the page's first block: pass 3 reads all of it.
            let end = objs.last().map_or(p.end, |&(off, size, _)| p.start + u64::from(off) + u64::from(size));
            let mut q = p.clone();
            q.end = end.clamp(p.start, p.chunk_end.max(p.end));
            large.push(q);
            g.index.by_chunk.insert(base >> l.page_size_bits, g.index.pages.len() as u32);
            g.index.pages.push(pi);
        }
        drop(found);
        stats.objects = g.addrs.len() as u64;
        stats.bytes = g.sizes.iter().map(|&s| u64::from(s)).sum();

        // Pass 3: the edges, page by page in address order (so in id order).
        let shared =
            Arc::new((layout.clone(), std::mem::take(&mut g.index), g.addrs.clone(), g.sizes.clone(), g.types.clone()));
        let mut next_id = 0u32;
        let mut overflow = false;
        each_page(
            h,
            &large,
            &mut meter,
            || shared.clone(),
            page_edges,
            |_, (first, counts, targets)| {
                // Objects of pages that could not be read have no edges.
                while next_id < first {
                    g.offsets.push(g.targets.len() as u32);
                    next_id += 1;
                }
                let mut at = 0usize;
                for c in counts {
                    if g.targets.len() + c as usize > u32::MAX as usize {
                        overflow = true;
                    }
                    g.offsets.push(g.targets.len() as u32);
                    g.targets.extend_from_slice(&targets[at..at + c as usize]);
                    at += c as usize;
                    next_id += 1;
                }
            },
        )?;
        if overflow {
            return Err(Error::Msg("more edges than the graph can hold".into()));
        }
        g.index = Arc::try_unwrap(shared).map(|s| s.1).unwrap_or_else(|s| s.1.clone());
        while (g.offsets.len()) < g.addrs.len() {
            g.offsets.push(g.targets.len() as u32);
        }

        // The roots, then the synthetic root's edges.
        let isolates = isolates(h, regions, &chunks);
        stats.isolate_bytes = isolates.iter().map(|i| i.end - i.start).sum();
        stats.isolates_by_window = isolates.iter().filter(|i| !i.chunk).count() as u64;
        let mut roots = find_roots(h, regions, &chunks, &isolates, &g.index, &mut meter, &mut stats)?;
        roots.extend(
            (0..g.root())
                .filter(|&i| l.is_internalized_string_type(g.types[i as usize]))
                .map(|i| (i, RootKind::StringTable, g.addrs[i as usize])),
        );
        roots.sort_unstable_by_key(|r| (r.0, r.1, r.2));
        roots.dedup_by_key(|r| r.0);
        // The end of the last object's edges, the start of the synthetic root's.
        g.offsets.push(g.targets.len() as u32);
        // Native memory holds stale words (freed buffers: a heap snapshot's own tables
        // name nearly every object): they keep alive only what no other root reaches.
        let certain: Vec<u32> = roots.iter().filter(|r| r.1 != RootKind::Native).map(|r| r.0).collect();
        g.certain = g.reached(&certain);
        g.certain.push(true);
        g.roots = roots.into_iter().filter(|r| r.1 != RootKind::Native || !g.certain[r.0 as usize]).collect();
        g.targets.extend(g.roots.iter().map(|r| r.0));
        g.offsets.push(g.targets.len() as u32);
        stats.roots = g.roots.len() as u64;
        stats.edges = g.targets.len() as u64;
        stats.weak_edges = g.targets.iter().filter(|&&t| t & WEAK != 0).count() as u64;
        g.distances(l);
        stats.reachable = g.dist[..g.addrs.len()].iter().filter(|&&d| d != UNREACHABLE).count() as u64;
        stats.reachable_bytes =
            (0..g.addrs.len()).filter(|&i| g.dist[i] != UNREACHABLE).map(|i| u64::from(g.sizes[i])).sum();
        stats.seconds = started.elapsed().as_secs_f64();
        g.stats = stats;
        Ok(g)
    }

    /// Which objects strong edges reach from `seeds` (the seeds included).
    fn reached(&self, seeds: &[u32]) -> Vec<bool> {
        let mut seen = vec![false; self.addrs.len()];
        let mut stack: Vec<u32> = Vec::new();
        for &s in seeds {
            if !std::mem::replace(&mut seen[s as usize], true) {
                stack.push(s);
            }
        }
        while let Some(x) = stack.pop() {
            for &t in self.edges(x) {
                if t & WEAK == 0 && !std::mem::replace(&mut seen[t as usize], true) {
                    stack.push(t);
                }
            }
        }
        seen
    }

    /// Distances from the roots over strong edges, as DevTools counts them: objects
    /// reachable from a global object first (the user roots: each global at distance 1),
    /// then the rest from the other roots, native memory last; an edge into a backing
    /// store or property cell costs nothing (a path reads `obj.name`, not `obj →
    /// PropertyArray → value`). No edge into the certain set from outside it counts.
    fn distances(&mut self, l: &Layout) {
        let n = self.addrs.len() + 1;
        let (mut dist, mut parent) = (vec![UNREACHABLE; n], vec![UNREACHABLE; n]);
        let root = self.root();
        dist[root as usize] = 0;
        let free = |t: u16| {
            (l.is_backing_store_type(t) && !(l.first_context_type..=l.last_context_type).contains(&u64::from(t)))
                || u64::from(t) == l.type_property_cell
        };
        let globals: Vec<u32> = (0..root)
            .filter(|&i| {
                let t = u64::from(self.types[i as usize]);
                t == l.type_js_global_object || t == l.type_js_global_proxy
            })
            .collect();
        let roots = |native: bool| -> Vec<u32> {
            self.roots.iter().filter(|r| (r.1 == RootKind::Native) == native).map(|r| r.0).collect()
        };
        for seeds in [globals, roots(false), roots(true)] {
            let mut queue = std::collections::VecDeque::new();
            for s in seeds {
                if dist[s as usize] == UNREACHABLE {
                    (dist[s as usize], parent[s as usize]) = (1, root);
                    queue.push_back(s);
                }
            }
            // 0-1 breadth-first search: free edges go to the front of the queue.
            while let Some(x) = queue.pop_front() {
                for &t in self.edges(x) {
                    if t & WEAK != 0 || t == root || (self.certain[t as usize] && !self.certain[x as usize]) {
                        continue;
                    }
                    let cost = u32::from(!free(self.types[t as usize]));
                    let d = dist[x as usize] + cost;
                    if d < dist[t as usize] {
                        (dist[t as usize], parent[t as usize]) = (d, x);
                        if cost == 0 {
                            queue.push_front(t);
                        } else {
                            queue.push_back(t);
                        }
                    }
                }
            }
        }
        (self.dist, self.parent) = (dist, parent);
    }

    /// Dominators and retained sizes ([`super::dominators`]; weak edges, whose targets
    /// carry the weak bit and so are not node ids, are ignored there), computed the first
    /// time they are asked for.
    pub fn retained(&self) -> &Retained {
        self.retained.get_or_init(|| {
            let csr = Csr { offsets: &self.offsets, targets: &self.targets, closed: Some(&self.certain) };
            let idom = immediate_dominators(csr, self.root());
            // (The synthetic root, past the sizes, has shallow size 0.)
            let tree = dominator_tree(&idom, self.root(), &self.sizes);
            Retained { idom, sizes: tree.sizes, pre: tree.pre, last: tree.last }
        })
    }

    /// A shortest path from the synthetic root to `id` (root first, `id` last), or None
    /// if no strong path reaches it.
    pub fn path_to(&self, id: u32) -> Option<Vec<u32>> {
        let mut path = vec![id];
        let mut at = id;
        while at != self.root() {
            at = *self.parent.get(at as usize).filter(|&&p| p != UNREACHABLE)?;
            path.push(at);
            if path.len() > self.addrs.len() + 1 {
                return None;
            }
        }
        path.reverse();
        Some(path)
    }
}

/// Each map's instance size in words (0 for variable-size types), read from the maps.
fn map_sizes(h: &Heap, maps: &Maps) -> FastMap<u8> {
    maps.iter()
        .map(|(m, _)| (m, h.t.read_u8(Addr(m - h.l.heap_object_tag + h.l.map_instance_size_in_words)).unwrap_or(0)))
        .collect()
}

/// Pass 2 on one page: walk it from object to object (see the module's header).
fn page_objects((l, maps, sizes): &(Arc<Layout>, Arc<Maps>, Arc<FastMap<u8>>), p: &Page, b: &[u8]) -> PageObjects {
    let slot = l.tagged_size as usize;
    let room = p.chunk_end.max(p.end) - p.start;
    let (mut out, mut implausible): PageObjects = (Vec::new(), 0);
    // The object whose size is the distance to the next start, if the last one found.
    let mut open: Option<usize> = None;
    let mut k = 0usize;
    while k * slot + slot <= b.len() {
        let i = k * slot;
        let w = word_at(b, i);
        let Some(ty) = (w & l.heap_object_tag_mask == l.heap_object_tag).then(|| maps.get(w)).flatten() else {
            k += 1;
            continue;
        };
        if let Some(o) = open.take() {
            out[o].1 = (i - out[o].0 as usize) as u32 | FALLBACK;
        }
        // Free-list blocks hold dead objects' bytes: skipped whole, as the scan does.
        if Some(u64::from(ty)) == l.type_free_space {
            let size = scan::free_block(l, maps, b, i);
            implausible += u64::from(size.is_none());
            k += size.unwrap_or(slot) / slot;
            continue;
        }
        let size = object_size(l, ty, sizes.get(&w).copied().unwrap_or(0), &b[i..])
            .filter(|&s| s <= room - i as u64 && s < 1 << 31);
        match size {
            Some(s) => {
                out.push((i as u32, s as u32, ty));
                k += (s as usize) / slot;
            }
            None => {
                open = Some(out.len());
                out.push((i as u32, 0, ty));
                k += 1;
            }
        }
    }
    if let Some(o) = open {
        out[o].1 = (b.len() - out[o].0 as usize) as u32 | FALLBACK;
    }
    (out, implausible)
}

type Shared = (Arc<Layout>, Index, Vec<u64>, Vec<u32>, Vec<u16>);

/// Pass 3 on one page: each object's edges. Returns the page's first id, the number of
/// edges of each of its objects, and the edges.
fn page_edges(shared: &Arc<Shared>, p: &Page, b: &[u8]) -> (u32, Vec<u32>, Vec<u32>) {
    let (l, index, addrs, sizes, types) = &**shared;
    let slot = l.tagged_size as usize;
    let Some(&pi) = index.by_chunk.get(&(p.base.0 >> index.page_bits)) else { return (0, Vec::new(), Vec::new()) };
    let first = index.pages[pi as usize].first;
    let next = index.pages.get(pi as usize + 1).map_or(addrs.len() as u32, |q| q.first);
    let (mut counts, mut targets) = (Vec::with_capacity((next - first) as usize), Vec::new());
    for id in first..next {
        let at = (addrs[id as usize] - p.start) as usize;
        let end = (at + sizes[id as usize] as usize).min(b.len());
        let before = targets.len();
        let body = if raw_body(l, types[id as usize]) { (at + slot).min(end) } else { end };
        for w in words(b.get(at..body).unwrap_or_default()) {
            if w & 1 == 0 {
                continue;
            }
            let weak = w & l.heap_object_tag_mask != l.heap_object_tag;
            if let Some(t) = index.id(w & !l.heap_object_tag_mask) {
                targets.push(if weak { t | WEAK } else { t });
            }
        }
        counts.push((targets.len() - before) as u32);
    }
    (first, counts, targets)
}

/// Strong pointers to object starts in memory outside the V8 heap: readable, writable,
/// non-executable regions (the GC updates a root when it moves the object: a word in
/// read-only memory is none; gdb's cores hold PROT_NONE reservations, hundreds of
/// megabytes of them, as read-only zeroes), less every heap chunk and the free chunks of glibc's heap
/// ([`malloc::live_parts`]), each classed by where it is ([`RootKind`]; words of a global
/// handle block other than its strong nodes' object slots are no roots). Returns the
/// roots (one per object, the first kind and then the lowest address found); counts the
/// bytes searched and left out, and the eternal handles, in `stats`.
fn find_roots(
    h: &Heap,
    regions: &[Region],
    chunks: &[Page],
    isolates: &[Isolate],
    index: &Index,
    meter: &mut scan::Meter,
    stats: &mut GraphStats,
) -> Result<Vec<Root>> {
    let l = h.l;
    let in_isolate = |at: u64| isolates.iter().any(|i| i.start <= at && at < i.end);
    // The words of V8's frames on each thread's stack (the rest of a stack is native memory).
    let reg = |tid: u64, name: &str| h.t.register(tid, name).ok().map(Addr);
    let stacks: Vec<(u64, u64)> =
        h.t.threads()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|tid| Some((reg(tid, "rsp")?, reg(tid, "rbp")?, reg(tid, "rip")?)))
            .flat_map(|(sp, fp, pc)| h.v8_frame_spans(sp, fp, pc, regions))
            .collect();
    let mut holes: Vec<(u64, u64)> = chunks.iter().map(|p| (p.base.0, p.chunk_end.max(p.end))).collect();
    holes.sort_unstable();
    let mut spans = Vec::new();
    for r in regions.iter().filter(|r| r.read && !r.exec && r.write) {
        let parts = malloc::live_parts(h.t, r);
        stats.free_malloc_bytes += r.size - parts.iter().map(|(s, e)| e - s).sum::<u64>();
        for (start, end) in parts {
            let mut at = start;
            for &(s, e) in holes.iter().filter(|(s, e)| *e > start && *s < end) {
                if s > at {
                    spans.push((at, s));
                }
                at = at.max(e);
            }
            if at < end {
                spans.push((at, end));
            }
        }
    }
    let blocks = HandleBlocks::of(l);
    let (mask, tag) = (l.heap_object_tag_mask, l.heap_object_tag);
    // (object, where) of every pointer; global handle blocks and their strong nodes.
    let mut found: Vec<(u32, u64)> = Vec::new();
    let (mut block_starts, mut strong) = (Vec::new(), Vec::new());
    let mut searched = 0u64;
    let mut buf = vec![0u8; ROOT_BLOCK + blocks.len];
    meter.total += spans.iter().map(|(s, e)| e - s).sum::<u64>();
    for (start, end) in spans {
        let mut at = start;
        // The end of the last handle block found: none starts inside one.
        let mut block_end = 0u64;
        while at < end {
            let len = ((end - at) as usize).min(ROOT_BLOCK);
            // Read ahead by a block's length, where the span goes on, to see whole blocks.
            let ahead = ((end - at) as usize).min(ROOT_BLOCK + blocks.len);
            // A region's unreadable tail (a core holds a prefix of each) ends its search.
            let avail = if h.t.read(Addr(at), &mut buf[..ahead]).is_ok() {
                ahead
            } else if h.t.read(Addr(at), &mut buf[..len]).is_ok() {
                len
            } else {
                break;
            };
            for (k, w) in words(&buf[..len]).enumerate() {
                if w & mask == tag {
                    if let Some(id) = index.id(w - tag) {
                        found.push((id, at + (k as u64) * 8));
                    }
                }
            }
            for o in (0..len).step_by(HandleBlocks::ALIGN) {
                if at + (o as u64) >= block_end && blocks.is_block(&buf[..avail], o) {
                    let b = at + o as u64;
                    block_starts.push(b);
                    strong.extend(blocks.strong_nodes(&buf[o..avail]).map(|off| b + off));
                    block_end = b + blocks.len as u64;
                }
            }
            at += len as u64;
            searched += len as u64;
            meter.done += len as u64;
            (meter.progress)(meter.done, meter.total)?;
        }
    }
    let in_heap = |a: u64| {
        let i = holes.partition_point(|&(s, _)| s <= a);
        i > 0 && a < holes[i - 1].1
    };
    let vector_start = found.len();
    for i in isolates {
        found.extend(isolate_vectors(h, index, i, &in_heap));
    }
    let mut vectors: Vec<u64> = found[vector_start..].iter().map(|f| f.1).collect();
    vectors.sort_unstable();
    let eternal_start = found.len();
    for i in isolates {
        found.extend(eternal_handles(h, index, i, &in_heap));
    }
    let mut eternal: Vec<u64> = found[eternal_start..].iter().map(|f| f.1).collect();
    stats.eternal_handles = eternal.len() as u64;
    eternal.sort_unstable();
    block_starts.sort_unstable();
    strong.sort_unstable();
    let in_block = |at: u64| {
        let i = block_starts.partition_point(|&b| b <= at);
        i > 0 && at < block_starts[i - 1] + blocks.len as u64
    };
    let mut roots: Vec<Root> = found
        .into_iter()
        .filter_map(|(id, at)| {
            let kind = if in_block(at) {
                strong.binary_search(&at).ok()?;
                RootKind::GlobalHandles
            } else if in_isolate(at) || vectors.binary_search(&at).is_ok() {
                RootKind::Isolate
            } else if eternal.binary_search(&at).is_ok() {
                RootKind::EternalHandles
            } else if stacks.iter().any(|&(s, e)| s <= at && at < e) {
                RootKind::Stack
            } else {
                RootKind::Native
            };
            Some((id, kind, at))
        })
        .collect();
    // One root per object: the most certain kind, then the lowest address.
    roots.sort_unstable_by_key(|r| (r.0, r.1, r.2));
    roots.dedup_by_key(|r| r.0);
    stats.native_bytes = searched;
    Ok(roots)
}

/// The bytes `[start, end)` taken to be an Isolate, and whether they are its malloc chunk.
pub struct Isolate {
    start: u64,
    end: u64,
    chunk: bool,
}

/// The Isolates of the heap chunks' Heap pointers (the Heap is a member of the Isolate):
/// the malloc chunk that holds the Heap where the allocator is glibc's
/// ([`malloc::chunk_holding`]), else the `isolate_roots_window` bytes on either side, cut
/// to the region that holds the Heap (an Isolate does not straddle two mappings). A Heap
/// pointer outside every region names no Isolate.
fn isolates(h: &Heap, regions: &[Region], chunks: &[Page]) -> Vec<Isolate> {
    let mut heaps: Vec<u64> = chunks.iter().map(|p| p.heap).filter(|&x| x != 0).collect();
    heaps.sort_unstable();
    heaps.dedup();
    let window = h.l.isolate_roots_window;
    let isolate = |hp: u64| {
        let r = regions.iter().find(|r| r.start.0 <= hp && hp < r.end())?;
        Some(match malloc::chunk_holding(h.t, r, hp) {
            Some((start, end)) => Isolate { start, end, chunk: true },
            None => Isolate {
                start: hp.saturating_sub(window).max(r.start.0),
                end: hp.saturating_add(window).min(r.end()),
                chunk: false,
            },
        })
    };
    heaps.into_iter().filter_map(isolate).collect()
}

/// The Isolate's vectors of objects in native memory (the startup object cache, a
/// `std::vector<Object>`): every (begin, end, capacity) triple of words of the Isolate
/// whose [begin, end) lies outside the V8 heap and holds only Smis and heap object
/// pointers (before V8 10, code objects among them: not in the graph), at least one of
/// them to an object start. Returns (object, where) of each pointer to an object start.
fn isolate_vectors(h: &Heap, index: &Index, i: &Isolate, in_heap: &dyn Fn(u64) -> bool) -> Vec<(u32, u64)> {
    let l = h.l;
    let Ok(b) = h.t.read_vec(Addr(i.start), (i.end - i.start) as usize) else { return Vec::new() };
    let w: Vec<u64> = words(&b).collect();
    let mut out = Vec::new();
    for t in w.windows(3) {
        let (begin, end, cap) = (t[0], t[1], t[2]);
        let len = end.wrapping_sub(begin);
        if begin == 0 || begin >= end || end > cap || len % 8 != 0 || len > MAX_VECTOR || in_heap(begin) {
            continue;
        }
        let Ok(v) = h.t.read_vec(Addr(begin), len as usize) else { continue };
        let tagged = |x: u64| x & l.smi_tag_mask == l.smi_tag || x & l.heap_object_tag_mask == l.heap_object_tag;
        if !words(&v).all(tagged) {
            continue;
        }
        let ids = words(&v).enumerate().filter(|(_, x)| x & l.heap_object_tag_mask == l.heap_object_tag);
        out.extend(ids.filter_map(|(k, x)| Some((index.id(x - l.heap_object_tag)?, begin + 8 * k as u64))));
    }
    out
}

/// The Isolate's eternal handles (V8's EternalHandles, where node keeps per-isolate
/// strings, symbols and templates): a word of the Isolate points to them, outside the V8
/// heap, laid out as `{int size_; std::vector<Address*> blocks_; std::vector<int>
/// young_node_indices_}` with `ETERNAL_BLOCK` slots a block (src/handles/global-handles.h,
/// the same from V8 7 to 14). Recognized by `blocks_` holding exactly
/// ceil(size_ / ETERNAL_BLOCK) blocks whose first `size_` slots all hold heap object
/// pointers. Returns (object, where) of each slot that points to an object start.
fn eternal_handles(h: &Heap, index: &Index, i: &Isolate, in_heap: &dyn Fn(u64) -> bool) -> Vec<(u32, u64)> {
    let l = h.l;
    let Ok(b) = h.t.read_vec(Addr(i.start), (i.end - i.start) as usize) else { return Vec::new() };
    let slots = |p: u64| -> Option<Vec<(u32, u64)>> {
        let w: Vec<u64> = words(&h.t.read_vec(Addr(p), 7 * 8).ok()?).collect();
        let (size, begin, end, cap) = (w[0] & 0xffff_ffff, w[1], w[2], w[3]);
        let young_sane = w[4] <= w[5] && w[5] <= w[6];
        let blocks = size.div_ceil(ETERNAL_BLOCK);
        let sane = size > 0 && size <= MAX_ETERNAL && begin != 0 && end.checked_sub(begin) == Some(8 * blocks);
        if !(sane && end <= cap && young_sane) {
            return None;
        }
        let mut out = Vec::new();
        for (k, block) in words(&h.t.read_vec(Addr(begin), (8 * blocks) as usize).ok()?).enumerate() {
            let n = (size - k as u64 * ETERNAL_BLOCK).min(ETERNAL_BLOCK);
            for (j, x) in words(&h.t.read_vec(Addr(block), (8 * n) as usize).ok()?).enumerate() {
                if x & l.heap_object_tag_mask != l.heap_object_tag {
                    return None;
                }
                out.extend(index.id(x - l.heap_object_tag).map(|id| (id, block + 8 * j as u64)));
            }
        }
        Some(out).filter(|o| !o.is_empty())
    };
    words(&b).filter(|&p| p != 0 && p % 16 == 0 && !in_heap(p)).filter_map(slots).flatten().collect()
}

/// The shape of V8's global handle blocks (GlobalHandles::NodeBlock), found in native
/// memory by their nodes' indexes: node k of a block, at k times the node's size from its
/// start, has index k.
struct HandleBlocks {
    nodes: usize,
    node: usize,
    index: usize,
    flags: usize,
    mask: u8,
    normal: u8,
    /// The nodes' bytes.
    len: usize,
}

impl HandleBlocks {
    /// Blocks are allocated by malloc, 16-byte aligned.
    const ALIGN: usize = 16;

    fn of(l: &Layout) -> HandleBlocks {
        let nodes = l.global_handle_block_nodes as usize;
        let node = l.global_handle_node_size as usize;
        HandleBlocks {
            nodes,
            node,
            index: l.global_handle_node_index as usize,
            flags: l.global_handle_node_flags as usize,
            mask: l.global_handle_state_mask as u8,
            normal: l.global_handle_state_normal as u8,
            len: nodes * node,
        }
    }

    /// Whether a block starts at `b[o..]` (and all of it is in `b`).
    fn is_block(&self, b: &[u8], o: usize) -> bool {
        let at = |k: usize| b.get(o + k * self.node + self.index).copied();
        // Node 1's index first: zeroes (most of native memory) fail it.
        at(1) == Some(1)
            && at(0) == Some(0)
            && o + self.len <= b.len()
            && (2..self.nodes).all(|k| at(k) == Some(k as u8))
    }

    /// The offsets of the object slots of the strong nodes of the block that starts `b`.
    fn strong_nodes<'a>(&'a self, b: &'a [u8]) -> impl Iterator<Item = u64> + 'a {
        (0..self.nodes)
            .map(|k| k * self.node)
            .filter(|&n| b[n + self.flags] & self.mask == self.normal)
            .map(|n| n as u64)
    }
}

impl Retained {
    /// The retained size of a set of objects, each object counted once: the sum of the
    /// retained sizes of its members that no other member dominates. Objects that only
    /// several members together keep alive (each held by two members and nothing else)
    /// are not counted, so this is a lower bound of the set's retained size as DevTools
    /// would compute it with the set as one node; it is that size when every object the
    /// set holds is held through one member.
    pub fn of_set(&self, ids: &mut [u32]) -> u64 {
        ids.sort_unstable_by_key(|&i| self.pre.get(i as usize).copied().unwrap_or(UNREACHABLE));
        let mut total = 0;
        let mut top: Option<u32> = None;
        for &i in ids.iter() {
            let Some(&pre) = self.pre.get(i as usize).filter(|&&p| p != UNREACHABLE) else { continue };
            if top.is_some_and(|t| pre <= self.last[t as usize]) {
                continue;
            }
            top = Some(i);
            total += self.sizes[i as usize];
        }
        total
    }
}
