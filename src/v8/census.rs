//! The census behind `::findjsobjects`: every JavaScript object of the heap, grouped by
//! constructor and property names in order (so that objects of one shape group together
//! across map transitions and deprecations, as mdb_v8 grouped them). Arrays group by
//! length, as in mdb_v8.
//!
//! Built once per target; instances are stored per group, in address order, so that the
//! first one (the lowest address) is the group's representative.

use std::collections::HashMap;

use super::heap::Heap;
use super::object::{Elements, MapInfo};
use super::scan::{self, FastMap, Memo, Progress, ScanStats};
use super::value::Value;
use crate::target::{Addr, Region, Result};

bitflags::bitflags! {
    /// What kinds of properties a group's objects have (`::findjsobjects -k`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct Kinds: u8 {
        /// Indexed (numeric-named) properties.
        const NUMERIC = 1;
        /// Dictionary-mode properties.
        const DICT = 2;
        /// Properties stored inside the object.
        const INOBJECT = 4;
        /// Properties stored in the out-of-object property array.
        const PROPS = 8;
        /// Properties we could not read: possibly garbage.
        const BADPROP = 16;
    }
}

impl Kinds {
    /// The names `-k` matches, as mdb_v8 spelled them.
    pub const NAMES: &'static [(&'static str, Kinds)] = &[
        ("numeric", Kinds::NUMERIC),
        ("dict", Kinds::DICT),
        ("inobject", Kinds::INOBJECT),
        ("props", Kinds::PROPS),
        ("badprop", Kinds::BADPROP),
    ];
}

/// What makes two objects the same kind.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    constructor: String,
    /// For functions, their name: closures of one function group together.
    function: Option<String>,
    props: Vec<String>,
    /// The number of properties, or an array's length.
    nprops: u64,
    malformed: bool,
}

/// One kind of object.
#[derive(Clone, Debug)]
pub struct Group {
    pub constructor: String,
    /// For functions, the function's name ("" when anonymous).
    pub function: Option<String>,
    pub props: Vec<String>,
    pub nprops: u64,
    pub kinds: Kinds,
    /// Whether its objects are JSArrays (grouped by length).
    pub array: bool,
    /// Its objects in address order: the first is the representative.
    instances: Vec<u64>,
}

impl Group {
    pub fn count(&self) -> usize {
        self.instances.len()
    }

    /// Objects whose properties could not be read: likely garbage or a corrupt heap.
    pub fn malformed(&self) -> bool {
        self.kinds.contains(Kinds::BADPROP)
    }

    /// The constructor as printed: functions add their name, `Function (handler)`.
    pub fn label(&self) -> String {
        match &self.function {
            Some(name) if name.is_empty() => format!("{} (<anonymous>)", self.constructor),
            Some(name) => format!("{} ({name})", self.constructor),
            None => self.constructor.clone(),
        }
    }
}

/// Counters for `-v`.
#[derive(Clone, Debug, Default)]
pub struct CensusStats {
    pub scan: ScanStats,
    pub processed: u64,
    pub arrays: u64,
    pub functions: u64,
    pub garbage: u64,
    pub seconds: f64,
}

/// Every JavaScript object, grouped.
pub struct Census {
    /// Groups in mdb_v8's print order: ascending by instances × properties, then
    /// instances, then properties (the biggest last).
    pub groups: Vec<Group>,
    pub stats: CensusStats,
    /// The functions grouped by SharedFunctionInfo, made on first use.
    functions: std::cell::OnceCell<Functions>,
}

/// One function (a SharedFunctionInfo): its name and its closures, in address order.
pub struct Function {
    pub name: String,
    pub closures: Vec<Addr>,
}

/// The census's functions, in census order, and each's index by SharedFunctionInfo.
pub struct Functions {
    pub list: Vec<Function>,
    pub by_shared: HashMap<u64, usize>,
}

/// What the census remembers about one map while grouping.
struct MapFacts {
    info: MapInfo,
    constructor: String,
    /// Named properties and their kinds, when the map alone determines them (fast mode).
    named: Option<(Vec<String>, Kinds)>,
    /// The group of this map's objects that have no elements, once known: most objects
    /// are grouped without building a key.
    plain_group: Option<u32>,
}

/// How often [`Census::group_sizes`] reports progress, in objects.
pub const SIZE_PROGRESS_EVERY: u64 = 1 << 16;

/// Longest property name kept in a group's signature.
const MAX_PROP_NAME: u64 = 128;

impl Census {
    /// Scan the heap and group every object.
    pub fn build(h: &Heap, regions: &[Region], progress: Progress) -> Result<Census> {
        let started = std::time::Instant::now();
        let mut maps: FastMap<MapFacts> = FastMap::default();
        let mut keys: HashMap<Key, u32> = HashMap::new();
        let mut key_list: Vec<(Key, Kinds)> = Vec::new();
        let mut names: FastMap<String> = FastMap::default();
        // Objects of each group, in the (ascending) order the scan finds them.
        let mut members: Vec<Vec<u64>> = Vec::new();
        let mut stats = CensusStats::default();
        let mut zero_length_stores: Vec<u64> = Vec::new();

        // Each map's plain group (see `MapFacts::plain_group`), for the fast path.
        let mut plain_groups: Memo<u32> = Memo::new(10);

        stats.scan = scan::objects(h, regions, progress, &mut |page_objects| {
            for found in page_objects {
                let (obj, ty) = (found.addr, found.instance_type);
                stats.processed += 1;
                // Fast path: an object without elements, of a map whose group is known.
                let plain = zero_length_stores.contains(&found.elements)
                    && !h.l.is_js_function_type(ty)
                    && u64::from(ty) != h.l.type_js_array;
                if let Some(gid) = plain.then(|| plain_groups.get(found.map)).flatten() {
                    members[gid as usize].push(obj.0);
                    continue;
                }
                let facts =
                    maps.entry(found.map).or_insert_with(|| map_facts(h, Addr(found.map - h.l.heap_object_tag)));
                let plain = plain && facts.named.is_some();
                if let (true, Some(gid)) = (plain, facts.plain_group) {
                    plain_groups.insert(found.map, gid);
                    members[gid as usize].push(obj.0);
                    continue;
                }
                let (mut key, kinds) = object_key(h, obj, facts, ty, &mut zero_length_stores);
                if ty as u64 == h.l.type_js_array {
                    stats.arrays += 1;
                }
                if h.l.is_js_function_type(ty) {
                    stats.functions += 1;
                    key.function = Some(function_name(h, obj, &mut names));
                }
                let malformed = key.malformed;
                if malformed {
                    stats.garbage += 1;
                }
                let gid = *keys.entry(key).or_insert_with_key(|k| {
                    key_list.push((k.clone(), Kinds::empty()));
                    members.push(Vec::new());
                    (key_list.len() - 1) as u32
                });
                key_list[gid as usize].1 |= kinds;
                if plain && !malformed {
                    facts.plain_group = Some(gid);
                    plain_groups.insert(found.map, gid);
                }
                members[gid as usize].push(obj.0);
            }
        })?;

        let mut groups: Vec<Group> = key_list
            .into_iter()
            .zip(members)
            .map(|((k, kinds), mut instances)| Group {
                array: k.constructor == "Array" && k.props.is_empty() && !k.malformed,
                constructor: k.constructor,
                function: k.function,
                props: k.props,
                nprops: k.nprops,
                kinds: if k.malformed { kinds | Kinds::BADPROP } else { kinds },
                instances: {
                    instances.shrink_to_fit();
                    instances
                },
            })
            .collect();
        groups.sort_by(|a, b| {
            let weight = |g: &Group| (g.count() as u64).saturating_mul(g.nprops);
            (weight(a), a.count(), a.nprops, &a.constructor, &a.function, &a.props).cmp(&(
                weight(b),
                b.count(),
                b.nprops,
                &b.constructor,
                &b.function,
                &b.props,
            ))
        });
        stats.seconds = started.elapsed().as_secs_f64();
        Ok(Census { groups, stats, functions: Default::default() })
    }

    /// The closures of the census grouped by function (one read each, the first time).
    pub fn functions(&self, h: &Heap) -> &Functions {
        self.functions.get_or_init(|| {
            let mut f = Functions { list: Vec::new(), by_shared: HashMap::new() };
            for group in self.groups.iter().filter(|g| g.function.is_some()) {
                for &closure in self.instances(group) {
                    let Ok(shared) = h.word(Addr(closure), h.l.js_function_shared) else { continue };
                    let i = *f.by_shared.entry(shared).or_insert_with(|| {
                        let name = group.function.clone().unwrap_or_default();
                        f.list.push(Function { name, closures: Vec::new() });
                        f.list.len() - 1
                    });
                    f.list[i].closures.push(Addr(closure));
                }
            }
            f
        })
    }

    /// The objects of group `g`, representative first.
    pub fn instances<'a>(&self, g: &'a Group) -> &'a [u64] {
        &g.instances
    }

    /// Each group's shallow size: the sum of its objects' sizes, each its map's instance
    /// size (an array's elements and an object's out-of-object properties are objects of
    /// their own, not counted). One read per object, one per map; `progress` is called
    /// every [`SIZE_PROGRESS_EVERY`] objects with the objects done and the total, and an
    /// error from it ends the work.
    pub fn group_sizes(&self, h: &Heap, progress: Progress) -> Result<Vec<u64>> {
        let mut map_sizes: FastMap<u64> = FastMap::default();
        let (total, mut done) = (self.len() as u64, 0u64);
        let mut sizes = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            let mut sum = 0u64;
            for &obj in &g.instances {
                if done % SIZE_PROGRESS_EVERY == 0 {
                    progress(done, total)?;
                }
                done += 1;
                let map = h.map(Addr(obj))?;
                let size = match map_sizes.get(&map.0) {
                    Some(&s) => s,
                    None => {
                        let s = h.map_info(map)?.size_words.saturating_mul(h.l.tagged_size);
                        *map_sizes.entry(map.0).or_insert(s)
                    }
                };
                sum = sum.saturating_add(size);
            }
            sizes.push(sum);
        }
        Ok(sizes)
    }

    /// The census of the objects `keep(group, object)` accepts: each group with its
    /// instances that `keep` accepts (in address order still), groups left empty
    /// dropped, the rest in the same order. The counters are the whole census's.
    pub fn retain(&self, keep: impl Fn(&Group, Addr) -> bool) -> Census {
        let groups = self
            .groups
            .iter()
            .filter_map(|g| {
                let instances: Vec<u64> = g.instances.iter().copied().filter(|&a| keep(g, Addr(a))).collect();
                (!instances.is_empty()).then(|| Group {
                    constructor: g.constructor.clone(),
                    function: g.function.clone(),
                    props: g.props.clone(),
                    nprops: g.nprops,
                    kinds: g.kinds,
                    array: g.array,
                    instances,
                })
            })
            .collect();
        Census { groups, stats: self.stats.clone(), functions: Default::default() }
    }

    /// The group holding the object at `addr`.
    pub fn group_of(&self, addr: Addr) -> Option<&Group> {
        self.groups.iter().find(|g| self.instances(g).binary_search(&addr.0).is_ok())
    }

    /// Every object of the census, group by group.
    pub fn all(&self) -> impl Iterator<Item = Addr> + '_ {
        self.groups.iter().flat_map(|g| g.instances.iter().map(|&a| Addr(a)))
    }

    /// The number of objects in the census.
    pub fn len(&self) -> usize {
        self.groups.iter().map(Group::count).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

fn map_facts(h: &Heap, map: Addr) -> MapFacts {
    let info = match h.map_info(map) {
        Ok(i) => i,
        Err(_) => {
            return MapFacts {
                info: broken_map(map),
                constructor: String::new(),
                named: Some((Vec::new(), Kinds::BADPROP)),
                plain_group: None,
            }
        }
    };
    let constructor =
        if info.instance_type as u64 == h.l.type_js_array { "Array".into() } else { h.constructor_name(&info) };
    let named = if info.dictionary { None } else { Some(fast_names(h, &info).unwrap_or((Vec::new(), Kinds::BADPROP))) };
    MapFacts { info, constructor, named, plain_group: None }
}

fn broken_map(map: Addr) -> MapInfo {
    MapInfo {
        addr: map,
        instance_type: 0,
        size_words: 0,
        inobject_start: 0,
        elements_kind: 0,
        dictionary: false,
        own_descriptors: 0,
        descriptors: Value::Smi(0),
        prototype: Value::Smi(0),
        constructor: Value::Smi(0),
    }
}

/// Names of a fast-mode map's own data properties (accessors are left out, as mdb_v8
/// did), with where they are stored.
fn fast_names(h: &Heap, m: &MapInfo) -> Result<(Vec<String>, Kinds)> {
    let mut kinds = Kinds::empty();
    let mut names = Vec::new();
    for d in h.descriptors(m)?.iter() {
        if d.accessor || h.is_internal_key(d.key) {
            continue;
        }
        if let super::object::Location::Field { inobject, .. } = d.location {
            kinds |= if inobject { Kinds::INOBJECT } else { Kinds::PROPS };
        }
        names.push(h.name_text(d.key, MAX_PROP_NAME)?);
    }
    Ok((names, kinds))
}

/// The name of a function, cached by SharedFunctionInfo (closures share one).
fn function_name(h: &Heap, f: Addr, names: &mut FastMap<String>) -> String {
    let Ok(sfi) = h.word(f, h.l.js_function_shared) else { return String::new() };
    names.entry(sfi).or_insert_with(|| h.function_name(f).unwrap_or_default()).clone()
}

/// Group key of one object, and the kinds of its properties.
fn object_key(h: &Heap, obj: Addr, facts: &MapFacts, ty: u16, zero_length: &mut Vec<u64>) -> (Key, Kinds) {
    let l = h.l;
    let key = |props: Vec<String>, nprops: u64, malformed: bool| Key {
        constructor: facts.constructor.clone(),
        function: None,
        props,
        nprops,
        malformed,
    };
    if ty as u64 == l.type_js_array {
        return match h.smi(obj, l.js_array_length) {
            Ok(n) if n >= 0 => (key(Vec::new(), n as u64, false), Kinds::empty()),
            _ => (key(Vec::new(), 0, true), Kinds::empty()),
        };
    }
    match object_names(h, obj, facts, ty, zero_length) {
        Ok((props, kinds)) => {
            let n = props.len() as u64;
            (key(props, n, false), kinds)
        }
        Err(_) => (key(Vec::new(), 0, true), Kinds::empty()),
    }
}

/// Property names of one object: its indexed elements, then its named properties.
fn object_names(
    h: &Heap,
    obj: Addr,
    facts: &MapFacts,
    ty: u16,
    zero_length: &mut Vec<u64>,
) -> Result<(Vec<String>, Kinds)> {
    let l = h.l;
    let mut names = Vec::new();
    let mut kinds = Kinds::empty();
    // Typed arrays keep their data elsewhere; other objects may have indexed properties.
    if ty as u64 != l.type_js_typed_array {
        let store = h.word(obj, l.js_elements)?;
        if !zero_length.contains(&store) {
            let elements = h.elements(obj, &facts.info)?;
            let indices: Vec<u64> = match &elements {
                Elements::Tagged(v) => {
                    v.iter().enumerate().filter(|(_, x)| !h.is_hole(**x)).map(|(i, _)| i as u64).collect()
                }
                Elements::Double(v) => {
                    v.iter().enumerate().filter(|(_, x)| x.is_some()).map(|(i, _)| i as u64).collect()
                }
                Elements::Dictionary(v) => v.iter().map(|e| e.0).collect(),
                Elements::Other => Vec::new(),
            };
            let empty = match &elements {
                Elements::Tagged(v) => v.is_empty(),
                Elements::Double(v) => v.is_empty(),
                _ => false,
            };
            if empty && zero_length.len() < 16 {
                zero_length.push(store);
            }
            if !indices.is_empty() {
                kinds |= Kinds::NUMERIC;
            }
            if matches!(elements, Elements::Dictionary(_)) {
                kinds |= Kinds::DICT;
            }
            names.extend(indices.into_iter().map(|i| i.to_string()));
        }
    }
    match &facts.named {
        Some((named, k)) => {
            names.extend(named.iter().cloned());
            kinds |= *k;
        }
        None => {
            kinds |= Kinds::DICT;
            for p in h.named_properties(obj, &facts.info)? {
                if !p.accessor && !h.is_internal_key(p.key) {
                    names.push(h.name_text(p.key, MAX_PROP_NAME)?);
                }
            }
        }
    }
    if kinds.contains(Kinds::BADPROP) {
        return Err(crate::target::Error::Msg("unreadable map".into()));
    }
    Ok((names, kinds))
}
