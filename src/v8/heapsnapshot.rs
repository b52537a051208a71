//! The heap graph as a DevTools heap snapshot: the `.heapsnapshot` JSON that
//! `v8.writeHeapSnapshot()` writes, which Chrome DevTools' Memory panel and memlab load.
//!
//! **Nodes.** Node 0 is the synthetic root, node 1 `(GC roots)`, then one synthetic node
//! per kind of root ([`RootKind`]: `(Isolate)` ... `(native memory)`), then every object of
//! the graph that a root reaches, in id order (garbage is left out: V8 collects it
//! before it takes a snapshot). Each object's type and name follow V8's heap snapshot
//! generator: JavaScript objects are `object`s named by their constructor, functions
//! `closure`s named by the function, strings `string`s named by their text (up to
//! [`MAX_STRING_NAME`] characters; cons and sliced strings by their kind), Maps and
//! descriptor arrays `object shape`s, SharedFunctionInfos, ScopeInfos, bytecode and
//! feedback `code`, contexts `object`s named `system / Context`, other internal objects
//! `hidden` ones named `system / TYPE`. Self sizes are the graph's shallow sizes.
//!
//! **Ids.** Node `i` has the id `2i + 1` (V8's ids are odd too), so the object behind a
//! DevTools `@ID` is the graph's object `(ID - 1) / 2 - FIRST_OBJECT`:
//! [`object_of_id`], used by `::jsheapsnapshot -i ID`.
//!
//! **Edges.** An object's edges are its slots that point to heap objects, named as in
//! paths ([`Namer`]): a JavaScript object's properties (`property`), elements (`element`)
//! and Map and Set entries; a context's variables (`context`); other fields by V8's
//! names (`internal`), array slots by index (`element`); weak references `weak`. The
//! root has a `shortcut` to each global object, then an `element` edge to `(GC roots)`;
//! `(GC roots)` one to each kind of root, and each kind one to each of its objects.
//!
//! **Streaming.** The graph is walked once. Nodes are written as they come to a scratch
//! file beside the output, behind the header (whose edge count, not known yet, is a
//! blank filled in at the end); strings to a second scratch file; edges are kept in
//! binary (9 bytes each: a few times the graph's own edge list) and written after the
//! nodes. The strings are appended and the file renamed to the output: memory is the
//! graph's plus the edges and the interned names, never the text, and an export that
//! fails or is interrupted leaves no file.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::graph::{Graph, RootKind, UNREACHABLE};
use super::object::{Location, MapInfo};
use super::refs::{element_refs, js_refs, Namer, Via};
use super::scan::{words, FastMap};
use crate::target::{Addr, Error, Result, Target};

/// Longest text of a string node (V8's `--heap-snapshot-string-limit` default).
pub const MAX_STRING_NAME: u64 = 1024;
/// The kinds of roots, each a synthetic node after the root and `(GC roots)`.
const ROOT_KINDS: [RootKind; 6] = RootKind::ALL;
/// Index of the first object's node.
pub const FIRST_OBJECT: u64 = 2 + ROOT_KINDS.len() as u64;
/// The largest object whose slots are read for its edges.
const MAX_BODY: u64 = 1 << 26;
/// Nodes between two progress reports.
const PROGRESS_EVERY: u32 = 1 << 16;

const NODE_TYPES: [&str; 15] = [
    "hidden",
    "array",
    "string",
    "object",
    "code",
    "closure",
    "regexp",
    "number",
    "native",
    "synthetic",
    "concatenated string",
    "sliced string",
    "symbol",
    "bigint",
    "object shape",
];
const EDGE_TYPES: [&str; 7] = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"];
const NODE_FIELDS: usize = 6;
/// V8 classes the snapshot generator shows as `object shape`s ...
const SHAPE_CLASSES: &[&str] =
    &["Map", "DescriptorArray", "StrongDescriptorArray", "TransitionArray", "PrototypeInfo", "EnumCache"];
/// ... and as `code` (by class name prefix: `UncompiledData...`, `Feedback...`).
const CODE_CLASSES: &[&str] = &[
    "ScopeInfo",
    "BytecodeArray",
    "BytecodeWrapper",
    "Feedback",
    "ClosureFeedbackCellArray",
    "Code",
    "InstructionStream",
    "TrustedByteArray",
    "UncompiledData",
    "PreparseData",
    "ObjectBoilerplateDescription",
    "ArrayBoilerplateDescription",
];

#[derive(Clone, Copy, PartialEq)]
enum NodeType {
    Hidden = 0,
    Array = 1,
    String = 2,
    Object = 3,
    Code = 4,
    Closure = 5,
    RegExp = 6,
    Number = 7,
    Synthetic = 9,
    ConsString = 10,
    SlicedString = 11,
    Symbol = 12,
    BigInt = 13,
    Shape = 14,
}

#[derive(Clone, Copy)]
enum EdgeType {
    Context = 0,
    Element = 1,
    Property = 2,
    Internal = 3,
    Shortcut = 5,
    Weak = 6,
}

/// What an export wrote.
#[derive(Debug, Default)]
pub struct Written {
    pub nodes: u64,
    pub edges: u64,
    pub strings: u64,
    pub bytes: u64,
}

/// The snapshot id of the node in slot `slot` (see [`Writer::node`]).
fn id_of_slot(slot: u64) -> u64 {
    2 * slot + 1
}

/// The snapshot id of graph object `object`, if the export has it (a root reaches it).
pub fn id_of_object(g: &Graph, object: u32) -> Option<u64> {
    (g.dist[object as usize] != UNREACHABLE).then_some(id_of_slot(FIRST_OBJECT + u64::from(object)))
}

/// The graph object behind snapshot id `id`, if it is one.
pub fn object_of_id(g: &Graph, id: u64) -> Option<u32> {
    let index = (id % 2 == 1).then_some((id - 1) / 2)?;
    let object = index.checked_sub(FIRST_OBJECT)?;
    let object = u32::try_from(object).ok().filter(|&o| o < g.root())?;
    (g.dist[object as usize] != UNREACHABLE).then_some(object)
}

/// A scratch file beside the output, removed when dropped.
struct Scratch {
    path: PathBuf,
    w: BufWriter<File>,
    bytes: u64,
}

impl Scratch {
    fn new(out: &Path, what: &str) -> Result<Scratch> {
        let mut name = out.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{what}.tmp"));
        let path = out.with_file_name(name);
        let f = File::create(&path).map_err(|e| io_error(&path, e))?;
        Ok(Scratch { path, w: BufWriter::with_capacity(1 << 20, f), bytes: 0 })
    }

    /// Append `s`, with a comma before it unless it is the first item.
    fn item(&mut self, s: &str) -> Result<()> {
        let sep = if self.bytes == 0 { "" } else { "," };
        self.bytes += (sep.len() + s.len()) as u64;
        write!(self.w, "{sep}{s}").map_err(|e| io_error(&self.path, e))
    }

    /// Write `s` as it is: text between lists (the next item starts a new list).
    fn text(&mut self, s: &str) -> Result<()> {
        self.bytes = 0;
        self.w.write_all(s.as_bytes()).map_err(|e| io_error(&self.path, e))
    }

    /// Append numbers as items, formatted without allocating: up to eight at a time
    /// into one buffer, written at once.
    fn numbers(&mut self, ns: &[u64]) -> Result<()> {
        for some in ns.chunks(8) {
            let mut text = [b','; 8 * 21];
            let mut len = 0;
            for &n in some {
                len += usize::from(self.bytes != 0 || len != 0);
                len += decimal(n, &mut text[len..]);
            }
            self.bytes += len as u64;
            self.w.write_all(&text[..len]).map_err(|e| io_error(&self.path, e))?;
        }
        Ok(())
    }

    /// Copy everything written to the end of `out` (file to file, which the kernel does
    /// without copying through this process; the file is removed when `self` drops).
    fn append_to(mut self, out: &mut BufWriter<File>, out_path: &Path) -> Result<()> {
        self.w.flush().map_err(|e| io_error(&self.path, e))?;
        out.flush().map_err(|e| io_error(out_path, e))?;
        let mut f = File::open(&self.path).map_err(|e| io_error(&self.path, e))?;
        std::io::copy(&mut f, out.get_mut()).map_err(|e| io_error(out_path, e))?;
        Ok(())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Write `n` in decimal at the start of `out` (room for 20 digits); returns its length.
fn decimal(mut n: u64, out: &mut [u8]) -> usize {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let len = digits.len() - i;
    out[..len].copy_from_slice(&digits[i..]);
    len
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Msg(format!("{}: {e}", path.display()))
}

/// `s` as a JSON string.
fn json(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The strings table: names that recur are interned; a string node's text is added
/// once per node, not hashed (a heap may hold millions of distinct strings).
struct Strings {
    file: Scratch,
    index: FastMap<u32, String>,
    count: u32,
}

impl Strings {
    fn add(&mut self, s: &str) -> Result<u32> {
        self.file.item(&json(s))?;
        self.count += 1;
        Ok(self.count - 1)
    }

    fn intern(&mut self, s: &str) -> Result<u32> {
        if let Some(&i) = self.index.get(s) {
            return Ok(i);
        }
        let i = self.add(s)?;
        self.index.insert(s.to_string(), i);
        Ok(i)
    }
}

/// Heap bytes read a block at a time: objects are exported in address order, so the
/// body of most is in the block that the one before it was read with.
#[derive(Default)]
struct Block {
    start: u64,
    bytes: Vec<u8>,
}

impl Block {
    /// The `len` bytes at `addr`: from the block, or from a new block that starts there
    /// and ends at the end of its page (`1 << page_bits` aligned) or `len` bytes after it,
    /// whichever is later (memory past an object may not be in the core).
    fn read(&mut self, t: &dyn Target, addr: u64, len: usize, page_bits: u64) -> Result<&[u8]> {
        let inside = addr >= self.start && (addr - self.start) as usize + len <= self.bytes.len();
        if !inside {
            let page_end = ((addr >> page_bits) + 1) << page_bits;
            let whole = usize::try_from(page_end - addr).unwrap_or(len).max(len);
            // The buffer is reused: a block is at most a page, or one large object.
            self.bytes.resize(whole, 0);
            self.start = addr;
            if t.read(Addr(addr), &mut self.bytes).is_err() {
                self.bytes.truncate(len);
                if let Err(e) = t.read(Addr(addr), &mut self.bytes) {
                    self.bytes.clear();
                    return Err(e);
                }
            }
        }
        let at = (addr - self.start) as usize;
        Ok(&self.bytes[at..at + len])
    }
}

/// Every edge written, in order: its type, its name (strings index) or element index,
/// and its target's node index.
struct Edges {
    types: Vec<u8>,
    names: Vec<u32>,
    to: Vec<u32>,
}

/// Room for the edge count in the header, filled in when it is known.
const COUNT_BLANK: usize = 20;

/// One edge: its type, its name (a strings index) or element index, its target node.
type Edge = (EdgeType, u64, u64);

/// Where a fast-mode property's value is: field `index`, in the object or in its property
/// array (past the in-object ones), or the map's descriptor (a constant).
#[derive(Clone, Copy)]
enum Place {
    InObject(u64),
    Field(u64),
    Constant(Addr),
}

/// A map's named properties: each one's place and name (interned when an edge is
/// written, so that a name no edge uses stays out of the table).
type Template = std::rc::Rc<[(Place, String)]>;

struct Writer<'a, 'n> {
    namer: &'a Namer<'n>,
    /// Each object's node index (objects no root reaches, garbage, are left out, as V8
    /// collects them before it takes a snapshot: `u32::MAX`).
    index: Vec<u32>,
    strings: Strings,
    /// The output so far: the header, then the nodes.
    nodes: Scratch,
    edges: Edges,
    written: Written,
    /// Node names by map (JavaScript objects are named by their constructor).
    constructors: FastMap<u32>,
    /// Field names of objects whose slot names depend only on type and offset.
    fields: FastMap<(EdgeType, u64), (u16, u64)>,
    /// The heap bytes last read.
    block: Block,
    /// Property templates by map (None: the map's objects take js_refs).
    templates: FastMap<Option<Template>>,
    /// The locations list: where each closure, and each object whose constructor is a
    /// function with a script, is defined.
    locations: Scratch,
    /// Locations by SharedFunctionInfo, and by map for objects (their constructor's).
    function_locations: FastMap<Option<[u64; 3]>>,
    map_locations: FastMap<Option<[u64; 3]>>,
}

impl Writer<'_, '_> {
    /// Write a node: `slot` is its index for a synthetic node, or `FIRST_OBJECT` plus its
    /// graph id for an object (which makes its id).
    fn node(&mut self, ty: NodeType, name: u32, slot: u64, size: u32, edges: &[Edge]) -> Result<()> {
        let node = [ty as u64, u64::from(name), id_of_slot(slot), u64::from(size), edges.len() as u64, 0];
        self.nodes.numbers(&node)?;
        for &(t, name, to) in edges {
            let big = || Error::Msg(format!("an edge name or target index of {name} or {to}: too large"));
            self.edges.types.push(t as u8);
            self.edges.names.push(u32::try_from(name).map_err(|_| big())?);
            self.edges.to.push(u32::try_from(to).map_err(|_| big())?);
        }
        self.written.nodes += 1;
        self.written.edges += edges.len() as u64;
        Ok(())
    }

    /// The synthetic nodes: the root, `(GC roots)`, one per kind of root.
    fn synthetic(&mut self) -> Result<()> {
        let g = self.namer.g;
        let l = self.namer.h.l;
        // The global objects first: where a global and a conservative root (maybe a stale
        // handle) reach an object in as many steps, breadth-first clients then take the
        // global's path, which is the one a JavaScript programmer reads.
        let mut edges = Vec::new();
        for i in 0..g.root() {
            let t = u64::from(g.types[i as usize]);
            if t == l.type_js_global_object || t == l.type_js_global_proxy {
                if let Some(to) = self.node_of(i) {
                    let name = self.strings.intern("global")?;
                    edges.push((EdgeType::Shortcut, u64::from(name), to));
                }
            }
        }
        edges.push((EdgeType::Element, 1, 1));
        let empty = self.strings.intern("")?;
        self.node(NodeType::Synthetic, empty, 0, 0, &edges)?;
        let kinds: Vec<Edge> = (0..ROOT_KINDS.len() as u64).map(|k| (EdgeType::Element, k + 1, 2 + k)).collect();
        let name = self.strings.intern("(GC roots)")?;
        self.node(NodeType::Synthetic, name, 1, 0, &kinds)?;
        for (k, kind) in ROOT_KINDS.iter().enumerate() {
            let held: Vec<Edge> = g
                .roots
                .iter()
                .filter(|r| r.1 == *kind)
                .filter_map(|r| self.node_of(r.0))
                .enumerate()
                .map(|(i, to)| (EdgeType::Element, i as u64 + 1, to))
                .collect();
            let name = self.strings.intern(kind.label())?;
            self.node(NodeType::Synthetic, name, 2 + k as u64, 0, &held)?;
        }
        Ok(())
    }

    /// An object's node type and name.
    fn describe(&mut self, id: u32) -> Result<(NodeType, u32)> {
        let (h, l, g) = (self.namer.h, self.namer.h.l, self.namer.g);
        let addr = Addr(g.addrs[id as usize]);
        let ty = g.types[id as usize];
        let t = u64::from(ty);
        let type_name = || l.type_label(ty);
        let system = |s: &mut Self| s.strings.intern(&format!("system / {}", type_name()));
        if l.is_string_type(ty) {
            let repr = t & l.string_representation_mask;
            return Ok(if repr == l.cons_string_tag {
                (NodeType::ConsString, self.strings.intern("(concatenated string)")?)
            } else if repr == l.sliced_string_tag {
                (NodeType::SlicedString, self.strings.intern("(sliced string)")?)
            } else {
                let text = h.read_string(addr, MAX_STRING_NAME).map(|s| s.text).unwrap_or_default();
                (NodeType::String, self.strings.add(&text)?)
            });
        }
        if l.is_js_function_type(ty) && h.is_function(addr) {
            let name = h.function_name(addr).unwrap_or_default();
            return Ok((NodeType::Closure, self.strings.intern(&name)?));
        }
        if t == l.type_js_regexp {
            let source = h
                .value(addr, l.js_regexp_source)
                .ok()
                .and_then(|v| v.heap())
                .and_then(|s| h.read_string(s, MAX_STRING_NAME).ok())
                .map_or_else(|| "RegExp".to_string(), |s| s.text);
            return Ok((NodeType::RegExp, self.strings.intern(&source)?));
        }
        if self.namer.is_js(id) {
            let map = h.map(addr)?;
            if let Some(&name) = self.constructors.get(&map.0) {
                return Ok((NodeType::Object, name));
            }
            let name = self.strings.intern(&self.namer.label(id))?;
            self.constructors.insert(map.0, name);
            return Ok((NodeType::Object, name));
        }
        if self.namer.is_context(id) {
            return Ok((NodeType::Object, self.strings.intern("system / Context")?));
        }
        if t == l.type_heap_number {
            return Ok((NodeType::Number, self.strings.intern("heap number")?));
        }
        if t == l.type_symbol {
            return Ok((NodeType::Symbol, self.strings.intern("symbol")?));
        }
        if t == l.type_bigint {
            return Ok((NodeType::BigInt, self.strings.intern("bigint")?));
        }
        if t == l.type_shared_function_info {
            return Ok((NodeType::Code, self.strings.intern("(shared function info)")?));
        }
        let class = type_name();
        let kind = if SHAPE_CLASSES.contains(&class.as_str()) {
            NodeType::Shape
        } else if CODE_CLASSES.iter().any(|c| class.starts_with(c)) {
            NodeType::Code
        } else if l.is_backing_store_type(ty) && t != l.type_property_array {
            return Ok((NodeType::Array, self.strings.intern("")?));
        } else {
            NodeType::Hidden
        };
        Ok((kind, system(self)?))
    }

    /// Where the node of graph object `id` is defined (V8HeapExplorer::ExtractLocation):
    /// a closure where its function is, another JavaScript object where its map's
    /// constructor is, if that is a function with a script that names the node.
    fn location(&mut self, id: u32) -> Option<[u64; 3]> {
        let (h, g) = (self.namer.h, self.namer.g);
        let addr = Addr(g.addrs[id as usize]);
        if h.l.is_js_function_type(g.types[id as usize]) && h.is_function(addr) {
            return self.function_location(addr);
        }
        if !self.namer.is_js(id) {
            return None;
        }
        let map = h.map(addr).ok()?;
        if let Some(&known) = self.map_locations.get(&map.0) {
            return known;
        }
        // V8 names the node after the constructor it takes the location from: where this
        // names it otherwise (a prototype, whose map V8 gives the Object function; an
        // object made through another constructor), V8 has no location for it.
        let constructor = h.map_info(map).ok().and_then(|m| h.map_constructor(&m).ok());
        let named = constructor.filter(|(name, _)| *name == self.namer.label(id)).and_then(|c| c.1);
        let at = named.and_then(|f| self.function_location(f));
        self.map_locations.insert(map.0, at);
        at
    }

    fn function_location(&mut self, f: Addr) -> Option<[u64; 3]> {
        let h = self.namer.h;
        let sfi = h.value(f, h.l.js_function_shared).ok()?.heap()?;
        if let Some(&known) = self.function_locations.get(&sfi.0) {
            return known;
        }
        let at = h.function_snapshot_location(f).ok().flatten();
        self.function_locations.insert(sfi.0, at);
        at
    }

    /// The named properties of the objects of `obj`'s map, where the map keeps them in
    /// fast mode (and `obj` is no Map or Set, whose entries are edges too): once per map,
    /// each property's place and its name's string id (js_refs' property edges, without
    /// reading and interning every object's names).
    fn template(&mut self, obj: Addr) -> Option<(MapInfo, Template)> {
        let h = self.namer.h;
        let map = h.map(obj).ok()?;
        let m = h.map_info(map).ok()?;
        if let Some(known) = self.templates.get(&map.0) {
            return known.clone().map(|t| (m, t));
        }
        let ty = u64::from(m.instance_type);
        let fast = h.is_fast_mode(&m) && ty != h.l.type_js_map && ty != h.l.type_js_set;
        let template = match fast.then(|| h.descriptors(&m).ok()).flatten() {
            Some(descriptors) => {
                let mut named = Vec::with_capacity(descriptors.len());
                for d in descriptors.iter() {
                    let Ok(name) = self.namer.key_name(d.key) else { continue };
                    let place = match d.location {
                        Location::Field { index, inobject: true } => Place::InObject(index),
                        Location::Field { index, inobject: false } => Place::Field(index),
                        Location::Descriptor => match d.value.heap() {
                            Some(a) => Place::Constant(a),
                            None => continue,
                        },
                        Location::UnboxedDouble { .. } => continue,
                    };
                    named.push((place, name));
                }
                Some(Template::from(named))
            }
            None => None,
        };
        self.templates.insert(map.0, template.clone());
        template.map(|t| (m, t))
    }

    /// The property references of `obj` by its map's template: graph ids and template entries,
    /// in-object fields taken from `slots` (the body's pointers, by offset). An error
    /// reading a field outside the object (its property array) drops them all, as
    /// js_refs does.
    fn template_refs(
        &self,
        obj: Addr,
        m: &MapInfo,
        template: &[(Place, String)],
        slots: &[(u64, u32, bool)],
    ) -> Result<Vec<(u32, usize)>> {
        let (h, g) = (self.namer.h, self.namer.g);
        let in_body =
            |off: u64| slots.binary_search_by_key(&off, |s| s.0).ok().map(|i| slots[i]).filter(|s| !s.2).map(|s| s.1);
        let mut out = Vec::with_capacity(template.len());
        for (k, &(place, _)) in template.iter().enumerate() {
            let to = match place {
                Place::InObject(index) => in_body((m.inobject_start + index) * h.l.tagged_size),
                Place::Field(index) => h.field_value(obj, m, index)?.heap().and_then(|a| g.id(a)),
                Place::Constant(a) => g.id(a),
            };
            out.extend(to.map(|to| (to, k)));
        }
        Ok(out)
    }

    /// The node index of graph object `id`, if it is in the snapshot.
    fn node_of(&self, id: u32) -> Option<u64> {
        self.index.get(id as usize).filter(|&&i| i != u32::MAX).map(|&i| u64::from(i))
    }

    /// An edge named `via`, of weak or strong kind, to graph object `to`, if that is in
    /// the snapshot (a weak reference may hold garbage).
    fn edge(&mut self, via: &Via, weak: bool, to: u32) -> Result<Option<Edge>> {
        let Some(to) = self.node_of(to) else { return Ok(None) };
        let (t, name): (EdgeType, Cow<str>) = match via {
            Via::Index(i) if !weak => return Ok(Some((EdgeType::Element, *i, to))),
            Via::Index(i) => (EdgeType::Weak, i.to_string().into()),
            Via::Property(n) => (EdgeType::Property, n.into()),
            Via::MapValue(k) => (EdgeType::Property, format!("get({k})").into()),
            Via::CollectionKey => (EdgeType::Internal, "key".into()),
            Via::Context(n) => (EdgeType::Context, n.into()),
            Via::Internal(n) => (EdgeType::Internal, n.into()),
        };
        let t = if weak { EdgeType::Weak } else { t };
        Ok(Some((t, u64::from(self.strings.intern(&name)?), to)))
    }

    /// Object `id`'s edges: every slot that points to an object, named.
    fn object_edges(&mut self, id: u32) -> Result<Vec<Edge>> {
        let (h, l, g) = (self.namer.h, self.namer.h.l, self.namer.g);
        let addr = Addr(g.addrs[id as usize]);
        let ty = g.types[id as usize];
        // Slots that point to an object start: (offset, target, weak).
        let slots: Vec<(u64, u32, bool)> = if g.edges(id).is_empty() {
            Vec::new()
        } else {
            let size = u64::from(g.sizes[id as usize]).min(MAX_BODY);
            let body = self.block.read(h.t, addr.0, size as usize, l.page_size_bits)?;
            words(body)
                .enumerate()
                .filter(|(_, w)| w & l.heap_object_tag_mask != 0 && w & 1 == 1)
                .filter_map(|(k, w)| {
                    let target = g.id(Addr(w & !l.heap_object_tag_mask))?;
                    Some((k as u64 * l.tagged_size, target, w & l.heap_object_tag_mask != l.heap_object_tag))
                })
                .collect()
        };
        let mut out = Vec::with_capacity(slots.len());
        let mut named = Vec::new();
        if self.namer.is_js(id) {
            match self.template(addr) {
                // (Elements that cannot be read leave out the properties too, as in js_refs.)
                Some((m, template)) => {
                    let refs = element_refs(h, addr, &m).ok();
                    let props = refs.as_ref().and_then(|_| self.template_refs(addr, &m, &template, &slots).ok());
                    for (to, via) in refs.into_iter().flatten().filter_map(|(a, via)| Some((g.id(a)?, via))) {
                        named.push(to);
                        out.extend(self.edge(&via, false, to)?);
                    }
                    for (to, k) in props.into_iter().flatten() {
                        named.push(to);
                        if let Some(node) = self.node_of(to) {
                            let name = self.strings.intern(&template[k].1)?;
                            out.push((EdgeType::Property, u64::from(name), node));
                        }
                    }
                }
                None => {
                    for (a, via) in js_refs(h, addr, &|k| self.namer.key_name(k)).unwrap_or_default() {
                        if let Some(to) = g.id(a) {
                            named.push(to);
                            out.extend(self.edge(&via, false, to)?);
                        }
                    }
                }
            }
        }
        let plain = !(l.is_backing_store_type(ty) || self.namer.is_context(id));
        for (off, to, weak) in slots {
            if !weak && named.contains(&to) {
                continue;
            }
            let edge = match self.fields.get(&(ty, off)).copied().filter(|_| plain && !weak) {
                Some((t, name)) => self.node_of(to).map(|to| (t, name, to)),
                None => {
                    let e = self.edge(&self.namer.field_name(id, off), weak, to)?;
                    if let Some(e) = e.filter(|_| plain && !weak) {
                        self.fields.insert((ty, off), (e.0, e.1));
                    }
                    e
                }
            };
            out.extend(edge);
        }
        Ok(out)
    }
}

/// Write the graph behind `namer` as a heap snapshot to `path`. `progress(done, total)`
/// is called every few thousand objects; an error from it stops the export.
pub fn write(namer: &Namer, path: &Path, progress: &mut dyn FnMut(u64, u64) -> Result<()>) -> Result<Written> {
    let g = namer.g;
    let mut next = FIRST_OBJECT as u32;
    let index = (0..g.root() as usize)
        .map(|i| {
            let reached = g.dist[i] != UNREACHABLE;
            next += u32::from(reached);
            if reached {
                next - 1
            } else {
                u32::MAX
            }
        })
        .collect();
    let node_count = next;
    let mut nodes = Scratch::new(path, "nodes")?;
    let list = |v: &[&str]| v.iter().map(|s| json(s)).collect::<Vec<_>>().join(",");
    let header = format!(
        "{{\"snapshot\":{{\"meta\":{{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"detachedness\"],\
         \"node_types\":[[{}],\"string\",\"number\",\"number\",\"number\",\"number\"],\
         \"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],\
         \"edge_types\":[[{}],\"string_or_number\",\"node\"],\
         \"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\",\"script_id\",\"line\",\"column\"],\
         \"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\"size\",\"children\"],\
         \"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"],\
         \"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]}},\
         \"node_count\":{node_count},\"edge_count\":",
        list(&NODE_TYPES),
        list(&EDGE_TYPES),
    );
    let blank_at = header.len() as u64;
    nodes.text(&header)?;
    nodes.text(&format!("{:COUNT_BLANK$},\"trace_function_count\":0}},\n\"nodes\":[", ""))?;
    let mut w = Writer {
        namer,
        index,
        strings: Strings { file: Scratch::new(path, "strings")?, index: FastMap::default(), count: 0 },
        nodes,
        // About as many edges as the graph's: room for them at once, not by doubling (each
        // doubling copied them all and faulted in fresh pages, about 9% of an export).
        edges: Edges {
            types: Vec::with_capacity(g.targets.len()),
            names: Vec::with_capacity(g.targets.len()),
            to: Vec::with_capacity(g.targets.len()),
        },
        written: Written::default(),
        constructors: FastMap::default(),
        fields: FastMap::default(),
        block: Block::default(),
        templates: FastMap::default(),
        locations: Scratch::new(path, "locations")?,
        function_locations: FastMap::default(),
        map_locations: FastMap::default(),
    };
    w.synthetic()?;
    let total = u64::from(g.root());
    for id in 0..g.root() {
        if id % PROGRESS_EVERY == 0 {
            progress(u64::from(id), total)?;
        }
        if w.node_of(id).is_none() {
            continue;
        }
        let (ty, name) = w.describe(id)?;
        // An object whose body cannot be read is a node without edges.
        let edges = w.object_edges(id).unwrap_or_default();
        if let Some([script, line, column]) = w.location(id) {
            let node = w.written.nodes * NODE_FIELDS as u64;
            w.locations.numbers(&[node, script, line, column])?;
        }
        w.node(ty, name, u64::from(id) + FIRST_OBJECT, g.sizes[id as usize], &edges)?;
    }
    let Writer { strings, nodes, edges, locations, mut written, .. } = w;
    written.strings = u64::from(strings.count);
    let mut out = nodes;
    out.text("],\n\"edges\":[")?;
    for ((&t, &name), &to) in edges.types.iter().zip(&edges.names).zip(&edges.to) {
        out.numbers(&[u64::from(t), u64::from(name), u64::from(to) * NODE_FIELDS as u64])?;
    }
    drop(edges);
    out.text("],\n\"trace_function_infos\":[],\"trace_tree\":[],\"samples\":[],\"locations\":[")?;
    locations.append_to(&mut out.w, &out.path)?;
    out.text("],\n\"strings\":[")?;
    strings.file.append_to(&mut out.w, &out.path)?;
    out.text("]}\n")?;
    let count = written.edges.to_string();
    out.w.flush().map_err(|e| io_error(&out.path, e))?;
    let file = out.w.get_mut();
    file.seek(SeekFrom::Start(blank_at))
        .and_then(|_| file.write_all(count.as_bytes()))
        .map_err(|e| io_error(&out.path, e))?;
    written.bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    std::fs::rename(&out.path, path).map_err(|e| io_error(path, e))?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::{decimal, json};

    #[test]
    fn numbers_in_decimal() {
        let mut out = [0u8; 20];
        for n in [0, 7, 10, 4096, u64::MAX] {
            let len = decimal(n, &mut out);
            assert_eq!(&out[..len], n.to_string().as_bytes());
        }
    }

    #[test]
    fn json_strings_escape_what_json_requires() {
        assert_eq!(json("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }
}
