//! V8's heap layout for one target, loaded once from node's postmortem metadata.
//!
//! Node exports V8's layout as `v8dbg_*` symbols (4-byte ints): constants
//! (`v8dbg_HeapObjectTag`), class field offsets (`v8dbg_class_Map__instance_type__uint16_t`)
//! and instance types (`v8dbg_type_JSObject__JS_OBJECT_TYPE`). Names drift between
//! versions, so the table below lists alternatives, matches class fields by
//! `Class__field__` ignoring the type suffix, and matches types by their enum name.
//!
//! A few facts are not exported at all. Each such entry says how it is obtained instead:
//! derived from exported values (preferred: it follows the target), or a value from V8's
//! sources with the V8 versions it holds for. Every value remembers its origin, and
//! `::v8layout` prints them all. No offset, type number or mask appears elsewhere in the
//! code: everything reads it from [`Layout`].

use std::collections::HashMap;
use std::fmt;

use crate::target::{Error, Result, Target};

/// V8's version, from `v8::internal::Version::{major_,minor_,build_,patch_}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub build: u32,
    pub patch: u32,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}.{}", self.major, self.minor, self.build, self.patch)
    }
}

impl Version {
    fn load(t: &dyn Target) -> Result<Version> {
        let part = |name: &str| -> Result<u32> {
            let sym = format!("_ZN2v88internal7Version{}{name}_E", name.len() + 1);
            let addr = t.symbol(&sym).ok_or(Error::NoSymbol(format!("v8::internal::Version::{name}_")))?;
            t.read_u32(addr)
        };
        Ok(Version { major: part("major")?, minor: part("minor")?, build: part("build")?, patch: part("patch")? })
    }
}

/// Every `v8dbg_*` value of the target, by name without the prefix.
pub struct Metadata {
    values: HashMap<String, i64>,
}

impl Metadata {
    /// Read all `v8dbg_*` symbols. An unreadable one is left out (and so looks absent).
    pub fn load(t: &dyn Target) -> Metadata {
        let mut names = Vec::new();
        t.symbols_with_prefix("v8dbg_", &mut |name, addr| names.push((name.to_string(), addr)));
        let values = names
            .into_iter()
            .filter_map(|(name, addr)| Some((name["v8dbg_".len()..].to_string(), i64::from(t.read_i32(addr).ok()?))))
            .collect();
        Metadata { values }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Find a value for `source`, returning it and the symbol it came from.
    fn find(&self, source: &Source) -> Option<(i64, String)> {
        let hit = |key: String| self.values.get(&key).map(|v| (*v, format!("v8dbg_{key}")));
        match source {
            Source::Const(names) => names.iter().find_map(|n| hit(n.to_string())),
            Source::Field(class, fields) => fields.iter().find_map(|f| {
                let prefix = format!("class_{class}__{f}__");
                let exact = format!("class_{class}__{f}");
                // Exported under several type suffixes at times: any one will do, but
                // take the alphabetically first so that the reported source is stable.
                let mut keys: Vec<&String> =
                    self.values.keys().filter(|k| k.starts_with(&prefix) || **k == exact).collect();
                keys.sort();
                keys.first().and_then(|k| hit(k.to_string()))
            }),
            Source::Type(enums) => enums.iter().find_map(|e| {
                let suffix = format!("__{e}");
                let mut keys: Vec<&String> =
                    self.values.keys().filter(|k| k.starts_with("type_") && k.ends_with(&suffix)).collect();
                keys.sort();
                keys.first().and_then(|k| hit(k.to_string()))
            }),
            Source::None => None,
        }
    }

    /// The fields the metadata exports for `class`: (offset, field, type), by offset.
    pub fn class_fields(&self, class: &str) -> Vec<(u64, String, String)> {
        let prefix = format!("class_{class}__");
        let mut fields: Vec<(u64, String, String)> = self
            .values
            .iter()
            .filter_map(|(k, &v)| {
                let rest = k.strip_prefix(&prefix)?;
                let (field, ty) = rest.split_once("__").unwrap_or((rest, ""));
                Some((u64::try_from(v).ok()?, field.to_string(), ty.to_string()))
            })
            .collect();
        fields.sort();
        fields.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        fields
    }

    /// The parent class the metadata names for `class` (`parent_<Class>__<Parent>`;
    /// exported until V8 11).
    fn parent(&self, class: &str) -> Option<String> {
        let prefix = format!("parent_{class}__");
        self.values.keys().find_map(|k| k.strip_prefix(&prefix).map(str::to_string))
    }

    /// `class` and its ancestors, nearest first: those the metadata names, then the
    /// classes every JavaScript object (if `js_object`) and every heap object derive from.
    pub fn class_chain(&self, class: &str, js_object: bool) -> Vec<String> {
        let mut chain = vec![class.to_string()];
        while let Some(p) = self.parent(chain.last().map_or("", |c| c)).filter(|_| chain.len() < MAX_PARENTS) {
            chain.push(p);
        }
        let shared: &[&str] = if js_object { &["JSObject", "JSReceiver", "HeapObject"] } else { &["HeapObject"] };
        for c in shared {
            if !chain.iter().any(|k| k == c) {
                chain.push(c.to_string());
            }
        }
        chain
    }

    /// Every frame type name, by number (`EntryFrame` for 1, …; `v8dbg_frametype_*`).
    pub fn frame_types(&self) -> HashMap<i64, String> {
        self.values.iter().filter_map(|(k, &v)| Some((v, k.strip_prefix("frametype_")?.to_string()))).collect()
    }

    /// Every instance type name, by number (`JSObject` for 1057, …).
    pub fn type_names(&self) -> HashMap<u16, String> {
        let mut names = HashMap::new();
        let mut keys: Vec<(&String, &i64)> = self.values.iter().filter(|(k, _)| k.starts_with("type_")).collect();
        keys.sort();
        for (k, v) in keys {
            let class = k["type_".len()..].split("__").next().unwrap_or_default();
            if let Ok(n) = u16::try_from(*v) {
                names.entry(n).or_insert_with(|| class.to_string());
            }
        }
        names
    }
}

/// Where the metadata keeps an entry.
enum Source {
    /// `v8dbg_<name>`, the first of the alternatives present.
    Const(&'static [&'static str]),
    /// `v8dbg_class_<Class>__<field>__<type>` for any type suffix; alternative field names.
    Field(&'static str, &'static [&'static str]),
    /// `v8dbg_type_<Class>__<ENUM>`; alternative enum names.
    Type(&'static [&'static str]),
    /// Never exported.
    None,
}

/// What to use when the metadata lacks an entry.
enum Otherwise {
    /// Nothing: a required entry fails the load, an optional one stays absent.
    Nothing,
    /// Computed from entries above it in the table; the text says how.
    Derived(&'static str, fn(&Resolved) -> Option<i64>),
    /// A value from V8's sources, for V8 versions from `since` on (newest rule first).
    Known(&'static str, &'static [((u32, u32), i64)]),
}

/// How an entry got its value, for `::v8layout`.
#[derive(Clone, Debug)]
pub enum Origin {
    Symbol(String),
    Fallback(&'static str),
    Absent,
}

/// Entries resolved so far, by name, for derived fallbacks.
pub struct Resolved {
    values: HashMap<&'static str, i64>,
}

impl Resolved {
    fn get(&self, name: &str) -> Option<i64> {
        self.values.get(name).copied()
    }
}

/// Conversion from a raw metadata value to a layout field's type.
trait FieldValue: Sized {
    fn from_raw(name: &'static str, raw: Option<i64>) -> Result<Self>;
}

fn missing(name: &'static str) -> Error {
    Error::Unsupported(format!("the V8 metadata lacks {name}, which this module needs (unsupported V8 version?)"))
}

impl FieldValue for u64 {
    fn from_raw(name: &'static str, raw: Option<i64>) -> Result<Self> {
        let raw = raw.ok_or_else(|| missing(name))?;
        u64::try_from(raw).map_err(|_| Error::Unsupported(format!("the V8 metadata has a negative {name} ({raw})")))
    }
}

impl FieldValue for i64 {
    fn from_raw(name: &'static str, raw: Option<i64>) -> Result<Self> {
        raw.ok_or_else(|| missing(name))
    }
}

impl FieldValue for Option<u64> {
    fn from_raw(name: &'static str, raw: Option<i64>) -> Result<Self> {
        raw.map(|r| u64::from_raw(name, Some(r))).transpose()
    }
}

macro_rules! layout {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty = $source:expr, $otherwise:expr; )*) => {
        /// The target's V8 layout. Offsets are byte offsets from an object's untagged start.
        #[derive(Clone, Debug)]
        pub struct Layout {
            pub version: Version,
            /// Names of instance types, by number.
            pub type_names: HashMap<u16, String>,
            /// Names of stack frame types, by number.
            pub frame_types: HashMap<i64, String>,
            /// Each entry's name, value and origin, in table order.
            pub origins: Vec<(&'static str, Option<i64>, Origin)>,
            $( $(#[doc = $doc])* pub $name: $ty, )*
        }

        impl Layout {
            /// Build the layout from the metadata, applying fallbacks in table order.
            pub fn from_metadata(meta: &Metadata, version: Version) -> Result<Layout> {
                let mut resolved = Resolved { values: HashMap::new() };
                let mut origins = Vec::new();
                $( let $name: $ty = {
                    let (raw, origin) = resolve(meta, version, &resolved, &$source, &$otherwise);
                    if let Some(v) = raw {
                        resolved.values.insert(stringify!($name), v);
                    }
                    origins.push((stringify!($name), raw, origin));
                    FieldValue::from_raw(stringify!($name), raw)?
                }; )*
                Ok(Layout { version, type_names: meta.type_names(), frame_types: meta.frame_types(), origins, $($name,)* })
            }
        }
    };
}

fn resolve(
    meta: &Metadata,
    version: Version,
    done: &Resolved,
    source: &Source,
    otherwise: &Otherwise,
) -> (Option<i64>, Origin) {
    if let Some((v, sym)) = meta.find(source) {
        return (Some(v), Origin::Symbol(sym));
    }
    match otherwise {
        Otherwise::Nothing => (None, Origin::Absent),
        Otherwise::Derived(how, f) => match f(done) {
            Some(v) => (Some(v), Origin::Fallback(how)),
            None => (None, Origin::Absent),
        },
        Otherwise::Known(how, rules) => {
            let at = (version.major, version.minor);
            match rules.iter().find(|(since, _)| at >= *since) {
                Some((_, v)) => (Some(*v), Origin::Fallback(how)),
                None => (None, Origin::Absent),
            }
        }
    }
}

const fn c(names: &'static [&'static str]) -> Source {
    Source::Const(names)
}
const fn f(class: &'static str, fields: &'static [&'static str]) -> Source {
    Source::Field(class, fields)
}
const fn ty(enums: &'static [&'static str]) -> Source {
    Source::Type(enums)
}
const NONE: Otherwise = Otherwise::Nothing;
/// The most ancestors [`Metadata::class_chain`] follows (the metadata could name a cycle).
const MAX_PARENTS: usize = 16;

/// A collection type where the metadata lacks it: `after_typed_array` past
/// JS_TYPED_ARRAY_TYPE where typed arrays are numbered below JS_OBJECT_TYPE, else
/// `anchor + delta` (V8 7.8's alphabetical order).
fn collection_type(r: &Resolved, after_typed_array: i64, anchor: &str, delta: i64) -> Option<i64> {
    let typed_array = r.get("type_js_typed_array")?;
    if typed_array < r.get("type_js_object")? {
        Some(typed_array + after_typed_array)
    } else {
        Some(r.get(anchor)? + delta)
    }
}

layout! {
    // --- Tagging and word sizes.
    heap_object_tag: u64 = c(&["HeapObjectTag"]), NONE;
    heap_object_tag_mask: u64 = c(&["HeapObjectTagMask"]), NONE;
    smi_tag: u64 = c(&["SmiTag"]), NONE;
    smi_tag_mask: u64 = c(&["SmiTagMask"]), NONE;
    smi_shift_size: u64 = c(&["SmiShiftSize"]), NONE;
    smi_value_shift: u64 = c(&["SmiValueShift"]), NONE;
    /// Size of a tagged slot: 8 without pointer compression (the only build supported).
    tagged_size: u64 = c(&["TaggedSize"]), Otherwise::Derived("SystemPointerSize (V8 before pointer compression)", |r| r.get("pointer_size"));
    pointer_size: u64 = c(&["SystemPointerSize"]), NONE;

    // --- String instance-type bits.
    first_nonstring_type: u64 = c(&["FirstNonstringType"]), NONE;
    is_not_string_mask: i64 = c(&["IsNotStringMask"]), NONE;
    string_encoding_mask: u64 = c(&["StringEncodingMask"]), NONE;
    one_byte_string_tag: u64 = c(&["OneByteStringTag", "AsciiStringTag"]), NONE;
    two_byte_string_tag: u64 = c(&["TwoByteStringTag"]), NONE;
    string_representation_mask: u64 = c(&["StringRepresentationMask"]), NONE;
    seq_string_tag: u64 = c(&["SeqStringTag"]), NONE;
    cons_string_tag: u64 = c(&["ConsStringTag"]), NONE;
    external_string_tag: u64 = c(&["ExternalStringTag"]), NONE;
    sliced_string_tag: u64 = c(&["SlicedStringTag"]), NONE;
    thin_string_tag: u64 = c(&["ThinStringTag"]), Otherwise::Known("kThinStringTag (src/objects/instance-type.h)", &[((6, 0), 5)]);
    // --- Oddball kinds (Oddball::kind is a Smi).
    oddball_false: u64 = c(&["OddballFalse"]), NONE;
    oddball_true: u64 = c(&["OddballTrue"]), NONE;
    oddball_null: u64 = c(&["OddballNull"]), NONE;
    oddball_undefined: u64 = c(&["OddballUndefined"]), NONE;
    /// Until V8 12 the hole is an Oddball of this kind; later it has its own type.
    oddball_the_hole: Option<u64> = c(&["OddballTheHole"]), NONE;
    /// Until V8 12 these sentinels are Oddballs too (object-literal boilerplates hold
    /// `uninitialized`); later they are holes.
    oddball_uninitialized: Option<u64> = c(&["OddballUninitialized"]), NONE;
    oddball_arguments_marker: Option<u64> = c(&["OddballArgumentsMarker"]), NONE;
    oddball_exception: Option<u64> = c(&["OddballException"]), NONE;

    // --- Map.
    heap_object_map: u64 = f("HeapObject", &["map"]), NONE;
    map_instance_size_in_words: u64 = f("Map", &["instance_size_in_words"]), NONE;
    map_inobject_start: u64 = f("Map", &["inobject_properties_start_or_constructor_function_index"]), NONE;
    map_instance_type: u64 = f("Map", &["instance_type"]), NONE;
    map_bit_field: u64 = f("Map", &["bit_field"]), NONE;
    map_bit_field2: u64 = f("Map", &["bit_field2"]), NONE;
    map_bit_field3: u64 = f("Map", &["bit_field3"]), NONE;
    map_prototype: u64 = f("Map", &["prototype"]), NONE;
    map_constructor: u64 = f("Map", &["constructor_or_back_pointer", "constructor_or_backpointer", "constructor"]), NONE;
    map_descriptors: u64 = f("Map", &["instance_descriptors", "instance_descriptors_offset"]), NONE;
    elements_kind_mask: u64 = c(&["bit_field2_elements_kind_mask"]), NONE;
    elements_kind_shift: u64 = c(&["bit_field2_elements_kind_shift"]), NONE;
    dictionary_map_shift: u64 = c(&["bit_field3_is_dictionary_map_shift", "bit_field3_dictionary_map_shift"]), NONE;
    own_descriptors_mask: u64 = c(&["bit_field3_number_of_own_descriptors_mask"]), NONE;
    own_descriptors_shift: u64 = c(&["bit_field3_number_of_own_descriptors_shift"]), NONE;

    // --- Descriptor arrays and property details.
    descriptors_header_size: u64 = f("DescriptorArray", &["header_size"]), NONE;
    desc_key: u64 = c(&["prop_desc_key"]), NONE;
    desc_details: u64 = c(&["prop_desc_details"]), NONE;
    desc_value: u64 = c(&["prop_desc_value"]), NONE;
    desc_size: u64 = c(&["prop_desc_size"]), NONE;
    prop_kind_mask: u64 = c(&["prop_kind_mask"]), NONE;
    prop_kind_accessor: u64 = c(&["prop_kind_Accessor"]), NONE;
    prop_location_mask: u64 = c(&["prop_location_mask"]), NONE;
    prop_location_shift: u64 = c(&["prop_location_shift"]), NONE;
    prop_location_field: u64 = c(&["prop_location_Field"]), NONE;
    prop_representation_mask: u64 = c(&["prop_representation_mask"]), NONE;
    prop_representation_shift: u64 = c(&["prop_representation_shift"]), NONE;
    prop_representation_double: u64 = c(&["prop_representation_double"]), NONE;
    /// 1 where in-object double fields hold a raw float64 (FLAG_unbox_double_fields).
    double_fields_unboxed: u64 = Source::None, Otherwise::Known(
        "V8 unboxed in-object doubles on 64-bit builds before 8.0 (measured: node 12, 13; node 14 boxes them)",
        &[((8, 0), 0), ((0, 0), 1)]);
    prop_index_mask: u64 = c(&["prop_index_mask"]), NONE;
    prop_index_shift: u64 = c(&["prop_index_shift"]), NONE;
    prop_attributes_mask: u64 = c(&["prop_attributes_mask"]), NONE;
    prop_attributes_shift: u64 = c(&["prop_attributes_shift"]), NONE;
    prop_attributes_dont_enum: u64 = c(&["prop_attributes_DONT_ENUM"]), NONE;
    /// Dictionary-mode details keep the enumeration index above the attributes and a
    /// PropertyCellType of 3 bits, or of 2 before V8 9.5 moved the location field above
    /// the attributes (src/objects/property-details.h).
    dictionary_index_shift: u64 = Source::None, Otherwise::Derived(
        "PropertyDetails::DictionaryStorageField = attributes shift + 3 attribute bits + 3 cell-type bits (2 where the location field is below the attributes)",
        |r| {
            let attributes = r.get("prop_attributes_shift")?;
            Some(attributes + if r.get("prop_location_shift")? > attributes { 6 } else { 5 })
        });

    // --- Hash tables (FixedArray-shaped: a prefix, then entries).
    /// HashTable::kNumberOfElementsIndex, then deleted count and capacity.
    hash_table_nof_index: u64 = Source::None, Otherwise::Known("HashTable::kNumberOfElementsIndex (src/objects/hash-table.h)", &[((0, 0), 0)]);
    hash_table_capacity_index: u64 = Source::None, Otherwise::Known("HashTable::kCapacityIndex (src/objects/hash-table.h)", &[((0, 0), 2)]);
    name_dictionary_prefix_start: u64 = c(&["namedictionary_prefix_start_index"]), NONE;
    name_dictionary_prefix_size: u64 = c(&["namedictionaryshape_prefix_size"]), NONE;
    name_dictionary_entry_size: u64 = c(&["namedictionaryshape_entry_size"]), NONE;
    global_dictionary_entry_size: u64 = c(&["globaldictionaryshape_entry_size"]), NONE;
    number_dictionary_prefix_size: u64 = c(&["numberdictionaryshape_prefix_size"]), NONE;
    number_dictionary_entry_size: u64 = c(&["numberdictionaryshape_entry_size"]), NONE;

    // --- Elements kinds (src/objects/elements-kind.h).
    elements_fast: u64 = c(&["elements_fast_elements"]), NONE;
    elements_fast_holey: u64 = c(&["elements_fast_holey_elements"]), NONE;
    elements_dictionary: u64 = c(&["elements_dictionary_elements"]), NONE;
    /// PACKED_SMI_ELEMENTS and HOLEY_SMI_ELEMENTS precede PACKED_ELEMENTS.
    elements_smi: u64 = Source::None, Otherwise::Derived("PACKED_SMI_ELEMENTS = PACKED_ELEMENTS - 2", |r| r.get("elements_fast").map(|v| v - 2));
    /// PACKED_DOUBLE_ELEMENTS and HOLEY_DOUBLE_ELEMENTS follow HOLEY_ELEMENTS.
    elements_double: u64 = Source::None, Otherwise::Derived("PACKED_DOUBLE_ELEMENTS = HOLEY_ELEMENTS + 1", |r| r.get("elements_fast_holey").map(|v| v + 1));

    // --- Objects and arrays.
    js_properties: u64 = f("JSReceiver", &["raw_properties_or_hash", "properties"]), NONE;
    js_elements: u64 = f("JSObject", &["elements"]), NONE;
    /// A free-list block's size (a Smi), the word after its map.
    free_space_size: u64 = f("FreeSpace", &["size"]), Otherwise::Derived(
        "FreeSpace::kSizeOffset = HeapObject::kHeaderSize (src/objects/free-space.h)", |r| r.get("tagged_size"));
    /// The bytes one unit of that size stands for: it counts bytes until V8 12.9 (node
    /// 23), tagged words from V8 13.6 (node 24) on. No node line ships the V8s between.
    free_space_size_unit: u64 = Source::None, Otherwise::Known(
        "FreeSpace::size_in_tagged_ (src/objects/free-space.h; checked on node 23 and 24's cores: each block then ends where the next object starts)",
        &[((13, 0), 8), ((0, 0), 1)]);
    /// JSObject::kHeaderSize: where in-object fields (and subclass fields) begin.
    js_object_header_size: u64 = f("JSObject", &["internal_fields"]), Otherwise::Derived(
        "JSObject.elements + TaggedSize", |r| Some(r.get("js_elements")? + r.get("tagged_size")?));
    js_array_length: u64 = f("JSArray", &["length"]), Otherwise::Derived(
        "JSArray::kLengthOffset = JSObject header size", |r| r.get("js_object_header_size"));
    /// JSCollection::kTableOffset (Map, Set, WeakMap, WeakSet).
    js_collection_table: u64 = f("JSCollection", &["table"]), Otherwise::Derived(
        "JSCollection::kTableOffset = JSObject header size", |r| r.get("js_object_header_size"));
    fixed_array_length: u64 = f("FixedArrayBase", &["length"]), NONE;
    /// The bit pattern of a hole in a FixedDoubleArray (a signalling NaN).
    double_hole_bits: i64 = Source::None, Otherwise::Known(
        "kHoleNanInt64 (src/common/globals.h)", &[((0, 0), 0xFFF7_FFFF_FFF7_FFFF_u64 as i64)]);
    /// OrderedHashTable (Map and Set storage) slots before the buckets: element count,
    /// deleted count, bucket count.
    ordered_hash_table_prefix: u64 = Source::None, Otherwise::Known(
        "OrderedHashTable: elements, deleted, buckets (src/objects/ordered-hash-table.h)", &[((0, 0), 3)]);
    /// OrderedHashMap entries are key, value, chain; OrderedHashSet entries key, chain.
    ordered_hash_map_entry_size: u64 = Source::None, Otherwise::Known(
        "OrderedHashMap::kEntrySize (src/objects/ordered-hash-table.h)", &[((0, 0), 3)]);
    ordered_hash_set_entry_size: u64 = Source::None, Otherwise::Known(
        "OrderedHashSet::kEntrySize (src/objects/ordered-hash-table.h)", &[((0, 0), 2)]);
    fixed_array_data: u64 = f("FixedArray", &["data"]), NONE;
    /// PropertyArray keeps its length in the low bits of a Smi at the FixedArray length slot.
    property_array_length_bits: u64 = Source::None, Otherwise::Known(
        "PropertyArray::LengthField is 10 bits (src/objects/property-array.h)", &[((0, 0), 10)]);
    heap_number_value: u64 = f("HeapNumber", &["value"]), NONE;
    oddball_kind: u64 = f("Oddball", &["kind", "kind_offset"]), NONE;

    // --- Strings and symbols.
    string_length: u64 = f("String", &["length"]), NONE;
    seq_one_byte_chars: u64 = f("SeqOneByteString", &["chars"]), NONE;
    seq_two_byte_chars: u64 = f("SeqTwoByteString", &["chars"]), NONE;
    cons_first: u64 = f("ConsString", &["first", "first_offset"]), NONE;
    cons_second: u64 = f("ConsString", &["second", "second_offset"]), NONE;
    sliced_parent: u64 = f("SlicedString", &["parent"]), NONE;
    sliced_offset: u64 = f("SlicedString", &["offset", "offset_offset"]), NONE;
    thin_actual: u64 = f("ThinString", &["actual", "actual_offset"]), NONE;
    external_resource: u64 = f("ExternalString", &["resource"]), NONE;
    /// The cached pointer to an external string's characters follows the resource.
    external_data: u64 = f("ExternalString", &["resource_data"]), Otherwise::Derived(
        "ExternalString.resource + pointer size", |r| Some(r.get("external_resource")? + r.get("pointer_size")?));
    symbol_name: u64 = f("Symbol", &["name", "description"]), Otherwise::Derived(
        "Symbol::kDescriptionOffset = map, hash and flags: 2 tagged words (src/objects/name.tq; node 13 omits it)",
        |r| Some(r.get("tagged_size")? * 2));
    /// Symbol::IsPrivateBit: V8-internal symbols, never shown as property names.
    symbol_private_mask: u64 = Source::None, Otherwise::Known("Symbol::IsPrivateBit (src/objects/name.h)", &[((0, 0), 1)]);
    /// Symbol flags (a u32) share the Name header slot that holds String.length.
    symbol_flags: u64 = f("Symbol", &["flags"]), Otherwise::Derived(
        "Symbol::kFlagsOffset = String.length (Name header)", |r| r.get("string_length"));

    // --- Functions and scripts.
    js_function_shared: u64 = f("JSFunction", &["shared"]), NONE;
    js_function_context: u64 = f("JSFunction", &["context"]), NONE;
    sfi_name_or_scope_info: u64 = f("SharedFunctionInfo", &["name_or_scope_info"]), NONE;
    sfi_script: u64 = f("SharedFunctionInfo", &["script", "raw_script", "script_or_debug_info"]), NONE;
    script_name: u64 = f("Script", &["name"]), NONE;
    sfi_flags: Option<u64> = f("SharedFunctionInfo", &["flags"]), NONE;
    /// The first class-constructor FunctionKind (a SharedFunctionInfo's low flag bits):
    /// base, default base, default derived and derived constructors follow normal
    /// functions and the two module kinds. Only where V8 (10+) types a call on a class
    /// by the class's name in a stack.
    function_kind_first_class_constructor: Option<u64> = Source::None, Otherwise::Known(
        "FunctionKind::kBaseConstructor (src/objects/function-kind.h; measured on node 20.20.2: a \
         default base constructor's kind is 4)",
        &[((10, 0), 3)]);
    script_source: u64 = f("Script", &["source"]), Otherwise::Derived(
        "Script's first field, one slot before name (src/objects/script.tq; node 16 exports only name)",
        |r| Some(r.get("script_name")? - r.get("tagged_size")?)
    );
    script_line_ends: u64 = f("Script", &["line_ends"]), NONE;
    script_id: u64 = f("Script", &["id"]), Otherwise::Derived(
        "Script::kIdOffset, after line_ends (src/objects/script.tq; node 12 and 13 export it: 64)",
        |r| Some(r.get("script_line_ends")? + r.get("tagged_size")?));
    /// Where a function not yet compiled starts in its script (a character position).
    uncompiled_start_position: u64 = f("UncompiledData", &["start_position"]), NONE;
    context_idx_scope_info: u64 = c(&["context_idx_scope_info"]), NONE;
    context_idx_prev: u64 = c(&["context_idx_prev"]), NONE;
    /// A context's extension and native context slots, in its header before V8 8.x
    /// (later V8 keeps them elsewhere, and exports neither index).
    context_idx_ext: Option<u64> = c(&["context_idx_ext"]), NONE;
    context_idx_native: Option<u64> = c(&["context_idx_native"]), NONE;
    context_min_slots: u64 = c(&["context_min_slots"]), NONE;
    scopeinfo_idx_nparams: u64 = c(&["scopeinfo_idx_nparams"]), NONE;
    scopeinfo_idx_ncontextlocals: u64 = c(&["scopeinfo_idx_ncontextlocals"]), NONE;
    scopeinfo_idx_first_vars: u64 = c(&["scopeinfo_idx_first_vars"]), NONE;
    /// Present (0) where a ScopeInfo is a FixedArray (V8 up to 8.x; its slots follow the
    /// length); later ones are HeapObjects whose slots follow the map.
    scope_info_is_fixed_array: Option<u64> = c(&["parent_ScopeInfo__FixedArray"]), NONE;
    /// Where a ScopeInfo's slots (`scopeinfo_idx_*`) start.
    scope_info_slots: u64 = Source::None, Otherwise::Derived(
        "FixedArray data where ScopeInfo is a FixedArray (parent_ScopeInfo__FixedArray), else the HeapObject header",
        |r| match r.get("scope_info_is_fixed_array") {
            Some(_) => r.get("fixed_array_data"),
            None => r.get("tagged_size"),
        });
    first_context_type: u64 = c(&["FirstContextType"]), NONE;
    last_context_type: u64 = c(&["LastContextType"]), NONE;

    // --- Stack frames (src/execution/frame-constants.h): slots at fixed offsets from a
    // frame pointer. A JavaScript frame keeps its context and function below the saved fp;
    // any other V8 frame keeps a frame-type marker where the context would be.
    fp_context_or_frame_type: i64 = c(&["off_fp_context_or_frame_type", "off_fp_context"]), NONE;
    fp_function: i64 = c(&["off_fp_function"]), NONE;
    /// Where the caller's stack pointer was: the receiver, then the arguments above it.
    fp_args: i64 = c(&["off_fp_args"]), NONE;
    /// An interpreted frame's bytecode array and offset, below the function and (since V8
    /// 8.9) the argument count (InterpreterFrameConstants; exported since V8 9.5).
    fp_bytecode_array: i64 = c(&["off_fp_bytecode_array"]), Otherwise::Known(
        "InterpreterFrameConstants::kBytecodeArrayFromFp (src/execution/frame-constants.h)", &[((8, 9), -32), ((0, 0), -24)]);
    fp_bytecode_offset: i64 = c(&["off_fp_bytecode_offset"]), Otherwise::Known(
        "InterpreterFrameConstants::kBytecodeOffsetFromFp (src/execution/frame-constants.h)", &[((8, 9), -40), ((0, 0), -32)]);
    /// 1 where a JavaScript frame's receiver is just above the return address with the
    /// arguments above it in order, and the frame keeps the argument count (V8 8.9 reversed
    /// the arguments on the stack); before, the receiver is above the arguments, which
    /// were pushed first to last, as many as the function's formal parameters (an
    /// arguments adaptor frame made up any difference).
    js_args_reversed: u64 = Source::None, Otherwise::Known(
        "V8_REVERSE_JSARGS, on since V8 8.9 (src/execution/frame-constants.h)", &[((8, 9), 1), ((0, 0), 0)]);
    /// StandardFrameConstants::kArgCOffset: a JavaScript frame's argument count, the slot
    /// below the function (where the arguments are reversed).
    fp_argc: i64 = Source::None, Otherwise::Derived(
        "StandardFrameConstants::kArgCOffset = function slot - pointer size",
        |r| Some(r.get("fp_function")? - r.get("pointer_size")?));
    /// 1 where that count includes the receiver (kJSArgcIncludesReceiver, V8 10 on).
    js_argc_includes_receiver: u64 = Source::None, Otherwise::Known(
        "kJSArgcIncludesReceiver (src/common/globals.h)", &[((10, 0), 1), ((0, 0), 0)]);
    /// SharedFunctionInfo's formal parameter count, a u16 (the argument count of a frame
    /// before V8 8.9).
    sfi_formal_parameter_count: u64 = f("SharedFunctionInfo", &["internal_formal_parameter_count", "formal_parameter_count"]), NONE;

    // --- Other JavaScript objects.
    js_date_value: u64 = f("JSDate", &["value"]), NONE;
    /// 1 where JSDate's value is a raw float64 rather than a tagged Number (the metadata
    /// still says Object there).
    js_date_value_is_double: u64 = Source::None, Otherwise::Known(
        "JSDate keeps a raw float64 value since V8 12.9 (src/objects/js-date.h; measured on node 22.23.5 and 23.11.1)",
        &[((12, 9), 1), ((0, 0), 0)]);
    js_regexp_source: u64 = f("JSRegExp", &["source"]), NONE;
    js_array_buffer_backing_store: u64 = f("JSArrayBuffer", &["backing_store"]), NONE;
    js_array_buffer_byte_length: u64 = f("JSArrayBuffer", &["byte_length"]), NONE;
    js_view_byte_offset: u64 = f("JSArrayBufferView", &["byte_offset"]), NONE;
    js_view_byte_length: u64 = f("JSArrayBufferView", &["byte_length"]), NONE;
    /// JSArrayBufferView::kBufferOffset; V8 12.9 inserted a raw slot before it (the C++
    /// heap wrapper of JSAPIObjectWithEmbedderSlots; node 23 has it, node 22's 12.4 not).
    js_view_buffer: u64 = f("JSArrayBufferView", &["buffer"]), Otherwise::Known(
        "JSArrayBufferView::kBufferOffset (src/objects/js-array-buffer.tq; measured on node 22.23.5 and 23.11.1)",
        &[((12, 9), 32), ((0, 0), 24)]);
    js_typed_array_length: Option<u64> = f("JSTypedArray", &["length"]), NONE;
    js_typed_array_external_pointer: u64 = f("JSTypedArray", &["external_pointer"]), NONE;
    js_typed_array_base_pointer: u64 = f("JSTypedArray", &["base_pointer"]), Otherwise::Derived(
        "JSTypedArray::kBasePointerOffset = external_pointer + pointer size (src/objects/js-array-buffer.tq; node 14, 15 omit it)",
        |r| Some(r.get("js_typed_array_external_pointer")? + r.get("pointer_size")?));
    js_global_object_dictionary: u64 = f("JSGlobalObject", &["global_dictionary"]), Otherwise::Derived(
        "the global object's properties slot holds its GlobalDictionary (exported from node 16 on)", |r| r.get("js_properties"));
    /// PropertyCell (the global object's properties): name, details, value.
    property_cell_name: u64 = f("PropertyCell", &["name"]), Otherwise::Derived(
        "PropertyCell::kNameOffset = HeapObject header (src/objects/property-cell.tq)", |r| r.get("tagged_size"));
    property_cell_details: u64 = f("PropertyCell", &["property_details_raw"]), Otherwise::Derived(
        "PropertyCell::kPropertyDetailsRawOffset = name + TaggedSize (src/objects/property-cell.tq)",
        |r| Some(r.get("property_cell_name")? + r.get("tagged_size")?));
    property_cell_value: u64 = f("PropertyCell", &["value"]), Otherwise::Derived(
        "PropertyCell::kValueOffset = details + TaggedSize (src/objects/property-cell.tq)",
        |r| Some(r.get("property_cell_details")? + r.get("tagged_size")?));

    /// JSRegExp::kFlagsOffset: a Smi right after the source.
    js_regexp_flags: u64 = f("JSRegExp", &["flags"]), Otherwise::Derived(
        "JSRegExp.source + TaggedSize (src/objects/js-regexp.tq)", |r| Some(r.get("js_regexp_source")? + r.get("tagged_size")?));
    accessor_pair_getter: u64 = f("AccessorPair", &["getter"]), Otherwise::Derived(
        "AccessorPair::kGetterOffset = HeapObject header (src/objects/accessors.tq)", |r| r.get("tagged_size"));
    accessor_pair_setter: u64 = f("AccessorPair", &["setter"]), Otherwise::Derived(
        "AccessorPair::kSetterOffset = getter + TaggedSize", |r| Some(r.get("accessor_pair_getter")? + r.get("tagged_size")?));
    /// JSPrimitiveWrapper::kValueOffset (boxed primitives).
    js_primitive_wrapper_value: u64 = f("JSPrimitiveWrapper", &["value"]), Otherwise::Derived(
        "JSPrimitiveWrapper::kValueOffset = JSObject header size", |r| r.get("js_object_header_size"));
    /// JSBoundFunction's target, this and arguments follow the JSObject header.
    js_bound_function_target: u64 = f("JSBoundFunction", &["bound_target_function"]), Otherwise::Derived(
        "JSBoundFunction::kBoundTargetFunctionOffset = JSObject header size", |r| r.get("js_object_header_size"));
    js_bound_function_this: u64 = f("JSBoundFunction", &["bound_this"]), Otherwise::Derived(
        "JSBoundFunction::kBoundThisOffset = target + TaggedSize (src/objects/js-function.tq)",
        |r| Some(r.get("js_bound_function_target")? + r.get("tagged_size")?));
    /// A FixedArray of the arguments bound after `this`.
    js_bound_function_arguments: u64 = f("JSBoundFunction", &["bound_arguments"]), Otherwise::Derived(
        "JSBoundFunction::kBoundArgumentsOffset = this + TaggedSize",
        |r| Some(r.get("js_bound_function_this")? + r.get("tagged_size")?));
    js_proxy_target: u64 = f("JSProxy", &["target"]), Otherwise::Derived(
        "JSProxy::kTargetOffset = HeapObject header + properties (src/objects/js-proxy.tq)", |r| Some(r.get("tagged_size")? * 2));
    js_proxy_handler: u64 = f("JSProxy", &["handler"]), Otherwise::Derived(
        "JSProxy::kHandlerOffset = target + TaggedSize", |r| Some(r.get("js_proxy_target")? + r.get("tagged_size")?));
    /// JSPromise: reactions-or-result, then flags (a Smi; status in the low 2 bits), right
    /// after the JSObject header (node's embedder slot follows them).
    js_promise_result: u64 = f("JSPromise", &["reactions_or_result"]), Otherwise::Derived(
        "JSPromise::kReactionsOrResultOffset = JSObject header size (src/objects/js-promise.tq)",
        |r| r.get("js_object_header_size"));
    js_promise_flags: u64 = f("JSPromise", &["flags"]), Otherwise::Derived(
        "JSPromise::kFlagsOffset = reactions_or_result + TaggedSize", |r| Some(r.get("js_promise_result")? + r.get("tagged_size")?));
    /// JSPromise::StatusBits: pending 0, fulfilled 1, rejected 2.
    js_promise_status_mask: u64 = Source::None, Otherwise::Known(
        "JSPromise::StatusBits, the low 2 bits of flags (src/objects/js-promise.h)", &[((0, 0), 3)]);
    /// EphemeronHashTable (WeakMap and WeakSet storage): entries of key and value after
    /// the HashTable prefix.
    ephemeron_table_entries_start: u64 = Source::None, Otherwise::Derived(
        "HashTable::kElementsStartIndex = capacity index + 1 (EphemeronHashTableShape has no prefix)",
        |r| Some(r.get("hash_table_capacity_index")? + 1));
    /// BigInt: a u32 bitfield (sign in bit 0, length above) then 64-bit digits.
    bigint_bitfield: u64 = f("BigIntBase", &["bitfield"]), Otherwise::Derived(
        "BigInt::kBitfieldOffset = HeapObject header (src/objects/bigint.tq)", |r| r.get("tagged_size"));
    bigint_digits: u64 = f("BigIntBase", &["digits"]), Otherwise::Derived(
        "BigInt::kDigitsOffset = bitfield + 8 (u32 and padding)", |r| Some(r.get("bigint_bitfield")? + 8));

    // --- Object sizes of variable-size types (HeapObject::SizeFromMap, src/objects/objects.cc).
    /// DescriptorArray::kNumberOfAllDescriptorsOffset: an int16 after the map word.
    descriptors_number_of_all: u64 = f("DescriptorArray", &["number_of_all_descriptors"]), Otherwise::Known(
        "DescriptorArray::kNumberOfAllDescriptorsOffset = HeapObject header (src/objects/descriptor-array.tq)", &[((0, 0), 8)]);
    /// WeakArrayList: capacity (a Smi), length, then the slots (src/objects/fixed-array.tq).
    weak_array_list_capacity: u64 = f("WeakArrayList", &["capacity"]), Otherwise::Derived(
        "WeakArrayList::kCapacityOffset = HeapObject header", |r| r.get("tagged_size"));
    weak_array_list_data: u64 = f("WeakArrayList", &["objects"]), Otherwise::Derived(
        "WeakArrayList::kHeaderSize = capacity + length", |r| Some(r.get("weak_array_list_capacity")? + 2 * r.get("tagged_size")?));
    /// BigInt::LengthBits start after the sign bit (src/objects/bigint.h).
    bigint_length_shift: u64 = Source::None, Otherwise::Known("BigInt::LengthBits = SignBits::Next (src/objects/bigint.h)", &[((0, 0), 1)]);

    // --- Instance types.
    type_map: u64 = ty(&["MAP_TYPE"]), NONE;
    type_fixed_array: u64 = ty(&["FIXED_ARRAY_TYPE"]), NONE;
    type_fixed_double_array: u64 = ty(&["FIXED_DOUBLE_ARRAY_TYPE"]), NONE;
    type_byte_array: u64 = ty(&["BYTE_ARRAY_TYPE"]), NONE;
    /// Anchors for the fallbacks of their neighbours (V8 numbers these alphabetically).
    type_preparse_data: u64 = ty(&["PREPARSE_DATA_TYPE"]), NONE;
    type_interceptor_info: Option<u64> = ty(&["INTERCEPTOR_INFO_TYPE"]), NONE;
    type_internal_class: Option<u64> = ty(&["INTERNAL_CLASS_TYPE"]), NONE;
    type_property_array: u64 = ty(&["PROPERTY_ARRAY_TYPE"]), Otherwise::Derived(
        "PREPARSE_DATA_TYPE + 1 (src/objects/instance-type.h lists these types alphabetically; node 12, 13 omit it)",
        |r| Some(r.get("type_preparse_data")? + 1));
    type_descriptor_array: u64 = ty(&["DESCRIPTOR_ARRAY_TYPE"]), NONE;
    type_swiss_name_dictionary: Option<u64> = ty(&["SWISS_NAME_DICTIONARY_TYPE"]), NONE;
    type_heap_number: u64 = ty(&["HEAP_NUMBER_TYPE"]), NONE;
    type_oddball: u64 = ty(&["ODDBALL_TYPE"]), NONE;
    /// The hole's own type (V8 12+); not exported from V8 14 on.
    type_hole: Option<u64> = ty(&["HOLE_TYPE"]), Otherwise::Derived(
        "where the hole is no Oddball kind: the type before INTERCEPTOR_INFO_TYPE (V8 14), else before INTERNAL_CLASS_TYPE (src/objects/instance-type.h: FREE_SPACE, HOLE, INTERCEPTOR_INFO, INTERNAL_CLASS)",
        |r| match r.get("oddball_the_hole") {
            Some(_) => None,
            None => Some(r.get("type_interceptor_info").or(r.get("type_internal_class"))? - 1),
        });
    type_symbol: u64 = ty(&["SYMBOL_TYPE"]), NONE;
    /// BIGINT_TYPE is not exported; V8 numbers it right after SYMBOL_TYPE.
    type_bigint: u64 = ty(&["BIGINT_TYPE", "BIG_INT_BASE_TYPE"]), Otherwise::Derived(
        "SYMBOL_TYPE + 1, or + 2 past HEAP_NUMBER_TYPE (V8 7.8) (src/objects/instance-type.h)",
        |r| {
            let next = r.get("type_symbol")? + 1;
            Some(if r.get("type_heap_number")? == next { next + 1 } else { next })
        });
    type_external_one_byte_string: Option<u64> = ty(&["EXTERNAL_ONE_BYTE_STRING_TYPE"]), NONE;
    type_uncached_external_one_byte_string: Option<u64> = ty(&["UNCACHED_EXTERNAL_ONE_BYTE_STRING_TYPE"]), NONE;
    type_shared_function_info: u64 = ty(&["SHARED_FUNCTION_INFO_TYPE"]), NONE;
    type_feedback_vector: Option<u64> = ty(&["FEEDBACK_VECTOR_TYPE"]), NONE;
    /// What an interpreted or baseline frame's bytecode-array slot holds.
    type_bytecode_array: u64 = ty(&["BYTECODE_ARRAY_TYPE"]), NONE;
    /// FREE_SPACE_TYPE (free-list blocks: what they hold is dead) is not exported by V8
    /// 7.8, 7.9 and 13+. Torque numbers it two after FEEDBACK_VECTOR_TYPE, with
    /// FOREIGN_TYPE between, in every V8 that exports both (8.4, 10.2, 11.3, 12.4: 166,
    /// 247, 251, 260). V8 7.9 (alphabetical order, maps numbered above FixedArray) puts it
    /// just before MAP_TYPE; V8 7.8 between BYTECODE_ARRAY_TYPE and FIXED_DOUBLE_ARRAY_TYPE.
    /// Each checked on a core: the map of the first object in read-only space
    /// (free_space_map) has this type (161 on node 13, 73 on node 12).
    type_free_space: Option<u64> = ty(&["FREE_SPACE_TYPE"]), Otherwise::Derived(
        "FEEDBACK_VECTOR_TYPE + 2 (torque's order); else MAP_TYPE - 1 where maps follow FIXED_ARRAY_TYPE (V8 7.9); else BYTECODE_ARRAY_TYPE + 1 (V8 7.8)",
        |r| {
            if let Some(feedback) = r.get("type_feedback_vector") {
                return Some(feedback + 2);
            }
            let (map, fixed, bytecode) = (r.get("type_map")?, r.get("type_fixed_array")?, r.get("type_bytecode_array")?);
            let fixed_double = r.get("type_fixed_double_array")?;
            if map > fixed {
                Some(map - 1)
            } else {
                (fixed_double == bytecode + 2).then_some(bytecode + 1)
            }
        });
    type_scope_info: u64 = ty(&["SCOPE_INFO_TYPE"]), NONE;
    /// The last FixedArray subtype that can hold properties or elements: V8 numbers the
    /// hash tables right after FIXED_ARRAY_TYPE, up to BYTE_ARRAY_TYPE; V8 7.8 numbers
    /// BYTE_ARRAY_TYPE below them, and they end before SCOPE_INFO_TYPE.
    last_backing_store_fixed_array_type: u64 = Source::None, Otherwise::Derived(
        "BYTE_ARRAY_TYPE where it follows FIXED_ARRAY_TYPE, else SCOPE_INFO_TYPE - 1 (src/objects/instance-type.h, V8 7.8)",
        |r| {
            let (fixed, byte) = (r.get("type_fixed_array")?, r.get("type_byte_array")?);
            if byte > fixed { Some(byte) } else { Some(r.get("type_scope_info")? - 1) }
        });
    type_script: u64 = ty(&["SCRIPT_TYPE"]), NONE;
    /// V8 14 keeps a mutable `let` of a context in a ContextCell (src/objects/contexts.h).
    type_context_cell: Option<u64> = ty(&["CONTEXT_CELL_TYPE"]), NONE;
    /// Its tagged value follows the map (not exported); a double or int32 state keeps the
    /// number in a raw field instead, which is not read.
    context_cell_value: u64 = Source::None, Otherwise::Known(
        "ContextCell's tagged value, after the map (measured on node 26.10.0, V8 14.6)", &[((0, 0), 8)]);
    // --- Optimized code (V8 12+): a JavaScript frame's pc is inside an InstructionStream,
    // whose Code says which compiler made it.
    type_instruction_stream: Option<u64> = ty(&["INSTRUCTION_STREAM_TYPE"]), NONE;
    type_code: Option<u64> = ty(&["CODE_TYPE"]), NONE;
    /// An InstructionStream's Code (not exported): the field after the map.
    instruction_stream_code: u64 = Source::None, Otherwise::Derived(
        "InstructionStream::kCodeOffset = HeapObject header (src/objects/instruction-stream.h)", |r| r.get("tagged_size"));
    code_instruction_stream: Option<u64> = f("Code", &["instruction_stream"]), NONE;
    code_flags: Option<u64> = f("Code", &["flags"]), NONE;
    code_kind_mask: Option<u64> = c(&["CodeKindFieldMask"]), NONE;
    code_kind_shift: Option<u64> = c(&["CodeKindFieldShift"]), NONE;
    code_kind_baseline: Option<u64> = c(&["CodeKindBaseline"]), NONE;
    /// CodeKind::MAGLEV and TURBOFAN_JS follow BASELINE (not exported).
    code_kind_maglev: Option<u64> = Source::None, Otherwise::Derived(
        "CodeKind::BASELINE + 1 (src/objects/code-kind.h)", |r| Some(r.get("code_kind_baseline")? + 1));
    code_kind_turbofan: Option<u64> = Source::None, Otherwise::Derived(
        "CodeKind::BASELINE + 2 (src/objects/code-kind.h)", |r| Some(r.get("code_kind_baseline")? + 2));
    type_accessor_pair: u64 = ty(&["ACCESSOR_PAIR_TYPE"]), NONE;
    type_accessor_info: u64 = ty(&["ACCESSOR_INFO_TYPE"]), Otherwise::Derived(
        "ACCESSOR_PAIR_TYPE - 1 (alphabetical struct types until V8 10; node 12, 13 omit it)",
        |r| Some(r.get("type_accessor_pair")? - 1));
    type_error_stack_data: Option<u64> = ty(&["ERROR_STACK_DATA_TYPE"]), NONE;
    /// ErrorStackData's first field: the call sites, or the formatted stack once read.
    error_stack_data_stack: u64 = f("ErrorStackData", &["call_site_infos_or_formatted_stack"]), Otherwise::Derived(
        "ErrorStackData::kCallSiteInfosOrFormattedStackOffset = HeapObject header (src/objects/struct.tq)",
        |r| r.get("tagged_size"));
    /// An unformatted Error's call sites, V8 9.4 to 12: one CallSiteInfo a frame, which
    /// V8 9.4 to 9.6 name StackFrameInfo (node 16, 17: the call sites' maps have the
    /// exported STACK_FRAME_INFO_TYPE). Where V8 10+ exports CALL_SITE_INFO_TYPE its
    /// StackFrameInfo is another object; so it is before V8 9.4 (node 14, 15: a frame of a
    /// detailed stack trace), whose call sites hold StackTraceFrames instead.
    type_call_site_info: Option<u64> = ty(&["CALL_SITE_INFO_TYPE", "STACK_FRAME_INFO_TYPE"]), NONE;
    /// CallSiteInfo's `function` (not exported): after the receiver, and from V8 12 after
    /// the code object moved first too.
    call_site_info_function: u64 = Source::None, Otherwise::Known(
        "CallSiteInfo::kFunctionOffset (src/objects/call-site-info.tq; StackFrameInfo's in \
         src/objects/stack-frame-info.tq before V8 10; measured on node 16.20.2, 17.9.1, 18.20.8 \
         and 20.20.2: 16, 22.23.5: 24)",
        &[((12, 0), 24), ((0, 0), 16)]);
    /// SourcePositionTableWithFrameCache, exported by node 12 and 13 only: the struct types
    /// are numbered alphabetically, so StackTraceFrame is found from it there.
    type_source_position_table_with_frame_cache: Option<u64> = ty(&["SOURCE_POSITION_TABLE_WITH_FRAME_CACHE_TYPE"]), NONE;
    /// An unformatted Error's call sites, V8 7.8 to 8.6 (node 12 to 15): one StackTraceFrame
    /// a frame, each naming its frame of one FrameArray.
    type_stack_trace_frame: Option<u64> = ty(&["STACK_TRACE_FRAME_TYPE"]), Otherwise::Derived(
        "SOURCE_POSITION_TABLE_WITH_FRAME_CACHE_TYPE + 3: SourceTextModuleInfoEntry, StackFrameInfo, \
         then StackTraceFrame follow it (src/objects/objects-definitions.h; measured on node 12.22.12: \
         100, 13.14.0: 110)",
        |r| Some(r.get("type_source_position_table_with_frame_cache")? + 3));
    /// StackTraceFrame's FrameArray and the frame's index in it (not exported): the first
    /// two fields.
    stack_trace_frame_array: u64 = Source::None, Otherwise::Derived(
        "StackTraceFrame::kFrameArrayOffset = HeapObject header (src/objects/stack-frame-info.h; \
         measured on node 12.22.12 to 15.14.0)",
        |r| r.get("tagged_size"));
    stack_trace_frame_index: u64 = Source::None, Otherwise::Derived(
        "StackTraceFrame::kFrameIndexOffset, after the FrameArray (src/objects/stack-frame-info.h; \
         measured on node 12.22.12 to 15.14.0)",
        |r| Some(r.get("stack_trace_frame_array")? + r.get("tagged_size")?));
    /// A raw frame array: before V8 9.4 the FrameArray StackTraceFrames point into, from
    /// V8 13 the call sites themselves (the raw capture array). This many slots a frame
    /// (receiver, function, code, offset, flags, parameters before V8 9.4; code, receiver,
    /// function, offset, parameters, flags from V8 13); 0 where there is none.
    call_sites_raw_frame_slots: u64 = Source::None, Otherwise::Known(
        "FrameArray::kElementsPerFrame (src/objects/frame-array.h; measured on node 12.22.12 to \
         15.14.0), the raw capture array of src/execution/isolate.cc (measured on node 24.22.3 and 26.12.1)",
        &[((13, 0), 6), ((9, 4), 0), ((0, 0), 6)]);
    /// Slots before a raw array's first frame: the FrameArray's frame count (which its
    /// length gives too: V8 shrinks it to fit, 1 + 7 * 6 slots for 7 frames on node 12.22.12).
    call_sites_raw_header_slots: u64 = Source::None, Otherwise::Known(
        "FrameArray::kFirstIndex (src/objects/frame-array.h; measured on node 12.22.12 to 15.14.0); \
         none in the raw capture array (measured on node 24.22.3 and 26.12.1)",
        &[((13, 0), 0), ((0, 0), 1)]);
    /// Which of a raw frame's slots holds the function.
    call_sites_raw_function: u64 = Source::None, Otherwise::Known(
        "FrameArray::kFunctionOffset (src/objects/frame-array.h; measured on node 12.22.12 to 15.14.0), \
         the raw capture array's function slot (measured on node 24.22.3 and 26.12.1)",
        &[((13, 0), 2), ((0, 0), 1)]);
    /// Which of a raw frame's slots holds the code, and which the code offset.
    call_sites_raw_code: u64 = Source::None, Otherwise::Known(
        "FrameArray::kCodeOffset (src/objects/frame-array.h; measured on node 12.22.12 to 15.14.0), \
         the raw capture array's code slot (measured on node 24.22.3 and 26.12.1)",
        &[((13, 0), 0), ((0, 0), 2)]);
    call_sites_raw_offset: u64 = Source::None, Otherwise::Known(
        "FrameArray::kOffsetOffset (src/objects/frame-array.h; measured on node 12.22.12 to 15.14.0), \
         the raw capture array's offset slot (measured on node 24.22.3 and 26.12.1)",
        &[((0, 0), 3)]);
    /// CallSiteInfo's code object and code offset (not exported): the code object moved
    /// first in V8 12.
    call_site_info_code: u64 = Source::None, Otherwise::Known(
        "CallSiteInfo::kCodeObjectOffset (src/objects/call-site-info.tq; measured on node 16.20.2 \
         to 21.7.3: 24, 22.23.5, 23.11.1 and 25.9.0: 8)",
        &[((12, 0), 8), ((0, 0), 24)]);
    call_site_info_receiver: u64 = Source::None, Otherwise::Known(
        "CallSiteInfo::kReceiverOrInstanceOffset (src/objects/call-site-info.tq; measured on node \
         16.20.2 to 21.7.3: 8, 22.23.5, 23.11.1 and 25.9.0: 16)",
        &[((12, 0), 16), ((0, 0), 8)]);
    call_site_info_offset: u64 = Source::None, Otherwise::Known(
        "CallSiteInfo::kCodeOffsetOrSourcePositionOffset (src/objects/call-site-info.tq; measured on \
         node 16.20.2 to 25.9.0)",
        &[((0, 0), 32)]);
    call_site_info_flags: u64 = Source::None, Otherwise::Derived(
        "CallSiteInfo::kFlagsOffset, after the code offset (src/objects/call-site-info.tq)",
        |r| Some(r.get("call_site_info_offset")? + r.get("tagged_size")?));
    /// Which of a raw frame's slots holds `this`, and which the flags.
    call_sites_raw_receiver: u64 = Source::None, Otherwise::Known(
        "FrameArray::kReceiverOffset (src/objects/frame-array.h), the raw capture array's receiver \
         slot (measured on node 24.22.3 and 26.12.1)",
        &[((13, 0), 1), ((0, 0), 0)]);
    call_sites_raw_flags: u64 = Source::None, Otherwise::Known(
        "FrameArray::kFlagsOffset (src/objects/frame-array.h), the raw capture array's flags slot \
         (measured on node 24.22.3 and 26.12.1)",
        &[((13, 0), 5), ((0, 0), 4)]);
    /// The flag bit of a constructor's frame: FrameArray::kIsConstructor, bit 4 in V8 7
    /// (after wasm, interpreted wasm, asm.js and strict), bit 3 from V8 8 (interpreted
    /// wasm gone), as CallSiteInfo's is_constructor is from V8 9.4.
    call_site_constructor_bit: u64 = Source::None, Otherwise::Known(
        "FrameArray::kIsConstructor (src/objects/frame-array.h), CallSiteInfoFlags::is_constructor \
         (src/objects/call-site-info.tq); measured on node 12.22.12 and 13.14.0: 4, 14.21.3 to 26.12.1: 3",
        &[((8, 0), 3), ((0, 0), 4)]);
    /// How V8 writes a method call's type before the function's name in a stack: 0,
    /// unless the name starts with the type; 1, where the name is an identifier other
    /// than the type (AppendMethodCall, src/objects/call-site-info.cc).
    stack_type_prefix_identifiers: u64 = Source::None, Otherwise::Known(
        "AppendMethodCall (src/objects/call-site-info.cc; measured on node 16.20.2: 0, 18.20.8: 1)",
        &[((10, 0), 1), ((0, 0), 0)]);
    /// The flag bit of an async frame (an awaiting function's: `async F`): after the
    /// constructor bit and asm.js's number conversion.
    call_site_async_bit: u64 = Source::None, Otherwise::Known(
        "FrameArray::kIsAsync (src/objects/frame-array.h), CallSiteInfoFlags::is_async \
         (src/objects/call-site-info.tq)",
        &[((8, 0), 5), ((0, 0), 6)]);
    /// A BytecodeArray's source position table: a ByteArray (a TrustedByteArray from V8
    /// 12, behind a SourcePositionTableWithFrameCache at times in V8 7), or undefined
    /// until V8 collects the positions.
    bytecode_array_source_positions: u64 = f("BytecodeArray", &["source_position_table"]), Otherwise::Known(
        "BytecodeArray::kSourcePositionTableOffset (src/objects/code.h, src/objects/bytecode-array.h \
         from V8 12; measured on node 16.20.2 to 21.7.3: 32, 22.23.5 to 26.12.1: 24)",
        &[((12, 0), 24), ((0, 0), 32)]);
    /// Where a BytecodeArray's bytecodes start (its header size).
    bytecode_array_data: u64 = f("BytecodeArray", &["data"]), Otherwise::Known(
        "BytecodeArray::kHeaderSize (src/objects/code.h; measured on node 12.22.12 and 16.20.2)",
        &[((0, 0), 54)]);
    type_bytecode_wrapper: Option<u64> = ty(&["BYTECODE_WRAPPER_TYPE"]), NONE;
    /// BytecodeWrapper's bytecode (V8 12+: what tagged slots hold for trusted bytecode).
    bytecode_wrapper_bytecode: u64 = Source::None, Otherwise::Derived(
        "BytecodeWrapper::kBytecodeOffset = HeapObject header (src/objects/bytecode-array.h; \
         measured on node 24.22.3)",
        |r| r.get("tagged_size"));
    type_trusted_byte_array: Option<u64> = ty(&["TRUSTED_BYTE_ARRAY_TYPE"]), NONE;
    source_position_table_with_frame_cache_table: u64 = Source::None, Otherwise::Derived(
        "SourcePositionTableWithFrameCache::kSourcePositionTableOffset = HeapObject header \
         (src/objects/code.h, V8 7)",
        |r| r.get("tagged_size"));
    /// How many flag bits sit below a source position table's code offset deltas: none
    /// before V8 14 (the delta's sign marks an expression), two from V8 14 (breakable
    /// and statement).
    source_positions_delta_flags: u64 = Source::None, Otherwise::Known(
        "EncodeEntry (src/codegen/source-position-table.cc; measured on node 24.22.3: 0, 25.9.0 \
         and 26.12.1: 2)",
        &[((14, 0), 2), ((0, 0), 0)]);
    /// The code offset a source position table's deltas start from: V8's function-entry
    /// offset (kFunctionEntryBytecodeOffset), where its tables record the function entry.
    source_positions_first_offset: i64 = Source::None, Otherwise::Known(
        "PositionTableEntry's initial code_offset (src/codegen/source-position-table.h): \
         kFunctionEntryBytecodeOffset from V8 8.4, 0 in V8 7",
        &[((8, 4), -1), ((0, 0), 0)]);
    type_js_global_object: u64 = ty(&["JS_GLOBAL_OBJECT_TYPE"]), NONE;
    type_js_proxy: u64 = ty(&["JS_PROXY_TYPE"]), Otherwise::Derived(
        "JS_GLOBAL_OBJECT_TYPE - 1 (src/objects/instance-type.h, V8 7-13; node 12, 13 omit it)",
        |r| Some(r.get("type_js_global_object")? - 1));
    type_property_cell: u64 = ty(&["PROPERTY_CELL_TYPE"]), Otherwise::Derived(
        "PROPERTY_ARRAY_TYPE + 1 (alphabetical; node 12, 13 omit it)", |r| Some(r.get("type_property_array")? + 1));
    type_js_global_proxy: u64 = ty(&["JS_GLOBAL_PROXY_TYPE"]), NONE;
    type_js_special_api_object: u64 = c(&["SpecialAPIObjectType"]), NONE;
    type_js_api_object: u64 = c(&["APIObjectType"]), NONE;
    type_js_primitive_wrapper: u64 = ty(&["JS_PRIMITIVE_WRAPPER_TYPE"]), NONE;
    type_js_object: u64 = ty(&["JS_OBJECT_TYPE"]), NONE;
    type_js_arguments_object: u64 = ty(&["JS_ARGUMENTS_OBJECT_TYPE"]), Otherwise::Derived(
        "JS_OBJECT_TYPE + 1 (src/objects/instance-type.h, V8 7.8-8.6; node 12, 13, 15 omit it)",
        |r| Some(r.get("type_js_object")? + 1));
    type_js_array: u64 = ty(&["JS_ARRAY_TYPE"]), NONE;
    type_js_function: u64 = ty(&["JS_FUNCTION_TYPE"]), NONE;
    /// JSFunction and its subtypes (class constructors, async, generator functions...).
    first_js_function_type: u64 = c(&["FirstJSFunctionType"]), Otherwise::Derived(
        "JS_FUNCTION_TYPE (the first of the function types)", |r| r.get("type_js_function"));
    last_js_function_type: u64 = c(&["LastJSFunctionType"]), Otherwise::Derived(
        "first function type + 16 (V8 12-14 export 16 subtypes; a function is also checked to have a SharedFunctionInfo)",
        |r| Some(r.get("first_js_function_type")? + 16));
    type_js_bound_function: u64 = ty(&["JS_BOUND_FUNCTION_TYPE"]), NONE;
    type_js_date: u64 = ty(&["JS_DATE_TYPE"]), NONE;
    type_js_regexp: u64 = ty(&["JS_REG_EXP_TYPE", "JS_REGEXP_TYPE"]), NONE;
    type_js_error: u64 = ty(&["JS_ERROR_TYPE"]), NONE;
    type_js_promise: u64 = ty(&["JS_PROMISE_TYPE"]), NONE;
    type_weak_fixed_array: Option<u64> = ty(&["WEAK_FIXED_ARRAY_TYPE"]), NONE;
    type_weak_array_list: Option<u64> = ty(&["WEAK_ARRAY_LIST_TYPE"]), NONE;
    type_strong_descriptor_array: Option<u64> = ty(&["STRONG_DESCRIPTOR_ARRAY_TYPE"]), NONE;
    type_cell: Option<u64> = ty(&["CELL_TYPE"]), NONE;
    /// V8 12+'s arrays numbered outside the FixedArray range (trusted and protected space,
    /// and TaggedArrayBase's subclasses): a length or capacity Smi after the map, then
    /// `array_list_header` or `boilerplate_description_header` bytes, then tagged slots
    /// (src/objects/trusted-object.h, fixed-array.h, literal-objects.h).
    type_trusted_fixed_array: Option<u64> = ty(&["TRUSTED_FIXED_ARRAY_TYPE"]), NONE;
    type_protected_fixed_array: Option<u64> = ty(&["PROTECTED_FIXED_ARRAY_TYPE"]), NONE;
    type_trusted_weak_fixed_array: Option<u64> = ty(&["TRUSTED_WEAK_FIXED_ARRAY_TYPE"]), NONE;
    type_protected_weak_fixed_array: Option<u64> = ty(&["PROTECTED_WEAK_FIXED_ARRAY_TYPE"]), NONE;
    type_closure_feedback_cell_array: Option<u64> = ty(&["CLOSURE_FEEDBACK_CELL_ARRAY_TYPE"]), NONE;
    type_array_list: Option<u64> = ty(&["ARRAY_LIST_TYPE"]), NONE;
    type_object_boilerplate_description: Option<u64> = ty(&["OBJECT_BOILERPLATE_DESCRIPTION_TYPE"]), NONE;
    /// ArrayListShape: capacity, then length (src/objects/fixed-array.h, V8 12+).
    array_list_header: u64 = Source::None, Otherwise::Known(
        "ArrayList::kHeaderSize (src/objects/fixed-array.h; sizes checked against the next object's start on node 22-26)",
        &[((0, 0), 24)]);
    /// ObjectBoilerplateDescriptionShape: capacity, backing store size, flags
    /// (src/objects/literal-objects.h, V8 12+).
    boilerplate_description_header: u64 = Source::None, Otherwise::Known(
        "ObjectBoilerplateDescription::kHeaderSize (src/objects/literal-objects.h; checked as array_list_header is)",
        &[((0, 0), 32)]);
    /// PreparseData's int32 data_length and children_length after the map; its bytes,
    /// then (pointer-aligned) its children's slots (src/objects/shared-function-info.h).
    preparse_data_lengths: u64 = Source::None, Otherwise::Derived(
        "PreparseData::kDataLengthOffset = HeapObject header (src/objects/shared-function-info.tq)",
        |r| r.get("tagged_size"));
    /// BytecodeArray's length Smi (FixedArrayBase's before V8 12).
    bytecode_array_length: u64 = f("BytecodeArray", &["length"]), Otherwise::Derived(
        "FixedArrayBase::length (BytecodeArray derives from it before V8 12)",
        |r| r.get("fixed_array_length"));
    type_js_typed_array: u64 = ty(&["JS_TYPED_ARRAY_TYPE"]), NONE;
    /// Node 12 and 13 export no collection types. V8 7.9 to 9.x number Map, Set, WeakMap
    /// and WeakSet right after JS_TYPED_ARRAY_TYPE, below JS_OBJECT_TYPE; V8 7.8 numbers
    /// them alphabetically above it (src/objects/instance-type.h).
    type_js_map: u64 = ty(&["JS_MAP_TYPE"]), Otherwise::Derived(
        "JS_TYPED_ARRAY_TYPE + 1 where typed arrays precede JS_OBJECT_TYPE, else JS_ERROR_TYPE + 2 (after JS_GENERATOR_OBJECT_TYPE)",
        |r| collection_type(r, 1, "type_js_error", 2));
    type_js_set: u64 = ty(&["JS_SET_TYPE"]), Otherwise::Derived(
        "JS_TYPED_ARRAY_TYPE + 2 where typed arrays precede JS_OBJECT_TYPE, else JS_REG_EXP_TYPE + 2 (after JS_REG_EXP_STRING_ITERATOR_TYPE)",
        |r| collection_type(r, 2, "type_js_regexp", 2));
    type_js_weak_map: u64 = ty(&["JS_WEAK_MAP_TYPE"]), Otherwise::Derived(
        "JS_TYPED_ARRAY_TYPE + 3 where typed arrays precede JS_OBJECT_TYPE, else JS_TYPED_ARRAY_TYPE - 2",
        |r| collection_type(r, 3, "type_js_typed_array", -2));
    type_js_weak_set: u64 = ty(&["JS_WEAK_SET_TYPE"]), Otherwise::Derived(
        "JS_TYPED_ARRAY_TYPE + 4 where typed arrays precede JS_OBJECT_TYPE, else JS_TYPED_ARRAY_TYPE - 1",
        |r| collection_type(r, 4, "type_js_typed_array", -1));
    type_js_array_buffer: u64 = ty(&["JS_ARRAY_BUFFER_TYPE"]), NONE;
    type_js_data_view: u64 = ty(&["JS_DATA_VIEW_TYPE"]), NONE;

    /// Instance-type bit of external strings without a cached data pointer.
    uncached_external_string_mask: u64 = Source::None, Otherwise::Derived(
        "UNCACHED_EXTERNAL_ONE_BYTE_STRING_TYPE - EXTERNAL_ONE_BYTE_STRING_TYPE, else kUncachedExternalStringMask 0x10",
        |r| Some(match (r.get("type_uncached_external_one_byte_string"), r.get("type_external_one_byte_string")) {
            (Some(u), Some(e)) => u - e,
            _ => 0x10,
        }));

    // --- Heap pages (never exported; src/heap/memory-chunk.h and build_config.h).
    /// Regular pages are 2^kPageSizeBits bytes and aligned to that size.
    page_size_bits: u64 = Source::None, Otherwise::Known("kPageSizeBits (src/base/build_config.h)", &[((0, 0), 18)]);
    /// MemoryChunk::FROM_PAGE: a semispace page holding stale copies after a scavenge.
    page_flag_from_page: u64 = Source::None, Otherwise::Known("MemoryChunk::FROM_PAGE = 1 << 3 (src/heap/memory-chunk.h)", &[((0, 0), 1 << 3)]);
    /// MemoryChunk::TO_PAGE: a semispace page of the young generation's active half.
    page_flag_to_page: u64 = Source::None, Otherwise::Known("MemoryChunk::TO_PAGE = 1 << 4 (src/heap/memory-chunk.h)", &[((0, 0), 1 << 4)]);
    /// The words of a LinearAllocationArea: {start, top, limit} from V8 8.6 on, {top, limit}
    /// before (checked on node 12-26's cores: the area found in each is unique).
    allocation_area_words: u64 = Source::None, Otherwise::Known(
        "LinearAllocationArea (src/heap/spaces.h, later src/heap/linear-allocation-area.h)",
        &[((8, 6), 3), ((0, 0), 2)]);
    /// How many bytes ahead of its Heap (the chunks' heap pointer) to look for the main
    /// thread's linear allocation areas, which the Isolate keeps there (see scan.rs).
    allocation_areas_window: u64 = Source::None, Otherwise::Known(
        "measured: Heap - 0xdf30 (node 12), - 0x50fd8 (node 16), - 0x50 (node 18), - 0xd208 (node 20), - 0xf2f8 (node 26); LinearAllocationArea in src/heap/linear-allocation-area.h",
        &[((0, 0), 0x60000)]);
    /// How many bytes around its Heap the Isolate's own words (roots of the heap graph,
    /// see graph.rs) are taken to lie where the Isolate's malloc chunk cannot be found
    /// (an allocator other than glibc's). At 0x60000 node 21's `process` retains a third
    /// less than in V8's snapshot: words that far from the Heap make roots V8 does not have.
    isolate_roots_window: u64 = Source::None, Otherwise::Known(
        "measured against V8's snapshots of node 12-26 (tests/graph.rs retained_oracle)", &[((0, 0), 0x40000)]);

    /// kIsNotInternalizedMask: the instance-type bit of strings not in the string table.
    string_not_internalized_mask: u64 = Source::None, Otherwise::Known("kIsNotInternalizedMask (src/objects/instance-type.h)", &[((0, 0), 0x20)]);

    // --- Global handles (never exported; src/handles/global-handles.cc, the same since V8 7).
    /// GlobalHandles::NodeBlock holds this many nodes, at its start.
    global_handle_block_nodes: u64 = Source::None, Otherwise::Known("kBlockSize (src/handles/global-handles.cc)", &[((0, 0), 256)]);
    /// sizeof(GlobalHandles::Node): object_, class_id_, index_, flags_, data_, weak_callback_.
    global_handle_node_size: u64 = Source::None, Otherwise::Known("sizeof(GlobalHandles::Node) (src/handles/global-handles.cc)", &[((0, 0), 32)]);
    /// NodeBase::index_, the node's index in its block.
    global_handle_node_index: u64 = Source::None, Otherwise::Known("offsetof(NodeBase, index_) (src/handles/global-handles.cc)", &[((0, 0), 10)]);
    /// NodeBase::flags_, whose low bits are the node's state.
    global_handle_node_flags: u64 = Source::None, Otherwise::Known("offsetof(NodeBase, flags_) (src/handles/global-handles.cc)", &[((0, 0), 11)]);
    /// Node::NodeState, the low three bits of flags_.
    global_handle_state_mask: u64 = Source::None, Otherwise::Known("Node::NodeState = BitField8<State, 0, 3> (src/handles/global-handles.cc)", &[((0, 0), 7)]);
    /// Node::NORMAL: a strong handle (FREE is 0, WEAK 2, PENDING 3, NEAR_DEATH 4).
    global_handle_state_normal: u64 = Source::None, Otherwise::Known("Node::State::NORMAL (src/handles/global-handles.cc)", &[((0, 0), 1)]);
}

impl Layout {
    pub fn is_string_type(&self, ty: u16) -> bool {
        u64::from(ty) < self.first_nonstring_type
    }

    pub fn is_internalized_string_type(&self, ty: u16) -> bool {
        self.is_string_type(ty) && u64::from(ty) & self.string_not_internalized_mask == 0
    }

    /// The class whose fields an object of type `ty` has: the metadata's name for the
    /// type, else JSFunction for a function type it names no class for (class
    /// constructors on V8 9), JSObject for other JavaScript object types (API objects:
    /// node's `process`), FixedArray for the hash tables and other FixedArray kinds.
    pub fn class_of(&self, ty: u16) -> Option<&str> {
        match self.type_names.get(&ty) {
            Some(name) => Some(name),
            None if self.is_js_function_type(ty) => Some("JSFunction"),
            None if self.is_js_object_type(ty) => Some("JSObject"),
            None if (self.type_fixed_array..=self.last_backing_store_fixed_array_type).contains(&u64::from(ty)) => {
                Some("FixedArray")
            }
            None => None,
        }
    }

    /// How commands name instance type `ty`: its metadata name, else the class it is of
    /// with its number (`JSObject (instance type 1058)`: an API object type the metadata
    /// leaves unnamed), else its number alone.
    pub fn type_label(&self, ty: u16) -> String {
        match (self.type_names.get(&ty), self.class_of(ty)) {
            (Some(name), _) => name.clone(),
            (None, Some(class)) => format!("{class} (instance type {ty})"),
            (None, None) => format!("instance type {ty}"),
        }
    }

    /// Types of the objects `::findjsobjects` reports: ordinary JavaScript objects of
    /// every kind (V8 numbers them from JS_SPECIAL_API_OBJECT_TYPE up).
    pub fn is_js_object_type(&self, ty: u16) -> bool {
        u64::from(ty) >= self.type_js_special_api_object
    }

    /// How the target's source position tables pack code offsets.
    pub fn source_position_deltas(&self) -> super::callsite::CodeDeltas {
        match self.source_positions_delta_flags {
            0 => super::callsite::CodeDeltas::Signed,
            _ => super::callsite::CodeDeltas::Flagged,
        }
    }

    /// Whether `ty` is one of the JSFunction types (see [`Heap::is_function`](super::heap::Heap::is_function) for a check
    /// that also holds where the range is a fallback).
    pub fn is_js_function_type(&self, ty: u16) -> bool {
        (self.first_js_function_type..=self.last_js_function_type).contains(&u64::from(ty))
    }

    /// Whether `ty` can hold an object's properties or elements: FixedArray and its
    /// subclasses (the hash tables), FixedDoubleArray, ByteArray, PropertyArray,
    /// SwissNameDictionary.
    pub fn is_backing_store_type(&self, ty: u16) -> bool {
        let ty = u64::from(ty);
        let l = self;
        (l.type_fixed_array..=l.last_backing_store_fixed_array_type).contains(&ty)
            || ty == l.type_fixed_double_array
            || ty == l.type_byte_array
            || ty == l.type_property_array
            || Some(ty) == l.type_swiss_name_dictionary
    }

    /// One line on how the layout was obtained, for `::load`.
    pub fn summary(&self) -> String {
        let fallbacks = self.origins.iter().filter(|(_, _, o)| matches!(o, Origin::Fallback(_))).count();
        let symbols = self.origins.iter().filter(|(_, _, o)| matches!(o, Origin::Symbol(_))).count();
        format!(
            "Autoconfigured V8 support from target: {symbols} layout values from v8dbg metadata, {fallbacks} fallbacks ({}-bit tagged words, no pointer compression)",
            self.tagged_size * 8
        )
    }

    /// The layout of `meta`, its fallbacks checked against it.
    pub fn checked(meta: &Metadata, version: Version) -> Result<Layout> {
        let mut layout = Layout::from_metadata(meta, version)?;
        layout.check_fallbacks()?;
        layout.name_context_types();
        Ok(layout)
    }

    /// The metadata bounds the context types (First/LastContextType) without naming them:
    /// V8 7.8 to 14 number the same ten in this order (torque-generated
    /// instance-types.h: the classes of src/objects/contexts.tq by name). Named only
    /// where the range has exactly ten.
    fn name_context_types(&mut self) {
        const CONTEXT_TYPES: [&str; 10] = [
            "AwaitContext",
            "BlockContext",
            "CatchContext",
            "DebugEvaluateContext",
            "EvalContext",
            "FunctionContext",
            "ModuleContext",
            "NativeContext",
            "ScriptContext",
            "WithContext",
        ];
        let (first, last) = (self.first_context_type, self.last_context_type);
        if last.checked_sub(first) != Some(CONTEXT_TYPES.len() as u64 - 1) {
            return;
        }
        for (ty, name) in (first..=last).zip(CONTEXT_TYPES) {
            if let Ok(ty) = u16::try_from(ty) {
                self.type_names.entry(ty).or_insert_with(|| name.to_string());
            }
        }
    }

    /// Check fallback instance types against the target's own: a number the metadata
    /// gives another type is wrong. The hole's (optional) is then dropped; any other
    /// fails the load, naming both.
    fn check_fallbacks(&mut self) -> Result<()> {
        let Layout { origins, type_names, type_hole, .. } = self;
        for (name, value, origin) in origins.iter_mut() {
            if !name.starts_with("type_") || !matches!(origin, Origin::Fallback(_)) {
                continue;
            }
            let Some(other) = value.and_then(|v| u16::try_from(v).ok()).and_then(|t| type_names.get(&t)) else {
                continue;
            };
            if *name != "type_hole" {
                return Err(Error::Unsupported(format!(
                    "the fallback for {name} ({}) is {other}'s number in this V8's metadata: its instance types are not numbered as the table expects",
                    value.unwrap_or_default()
                )));
            }
            (*value, *origin, *type_hole) = (None, Origin::Absent, None);
        }
        // A type known by a fallback is named after its entry (type_js_map: JSMap), for
        // the commands that print V8 type names.
        for (name, value, origin) in origins.iter() {
            if let (Some(ty), Origin::Fallback(_)) = (value.and_then(|v| u16::try_from(v).ok()), origin) {
                if let Some(words) = name.strip_prefix("type_") {
                    type_names.entry(ty).or_insert_with(|| class_name(words));
                }
            }
        }
        Ok(())
    }

    /// For a V8 the table was never checked on: a warning naming the values that then
    /// are guesses (the fallbacks; values from the metadata follow the target anyway).
    pub fn unverified(&self) -> Option<String> {
        let v = (self.version.major, self.version.minor);
        if VERIFIED_V8.contains(&v) {
            return None;
        }
        let guesses: Vec<&str> =
            self.origins.iter().filter(|(_, _, o)| matches!(o, Origin::Fallback(_))).map(|(n, _, _)| *n).collect();
        Some(format!(
            "V8 {}.{} is not among the versions this module was checked on ({}): these {} values are fallbacks, unverified for it: {} (see ::v8layout)",
            v.0,
            v.1,
            VERIFIED_V8.iter().map(|(a, b)| format!("{a}.{b}")).collect::<Vec<_>>().join(" "),
            guesses.len(),
            guesses.join(", ")
        ))
    }

    /// Bits to shift a tagged word right to get a Smi's value.
    pub fn smi_shift(&self) -> u32 {
        (self.smi_shift_size + self.smi_value_shift) as u32
    }
}

/// A V8 class name from a layout entry's words: `js_weak_map` is `JSWeakMap`.
fn class_name(words: &str) -> String {
    words
        .split('_')
        .map(|w| match w {
            "js" => "JS".to_string(),
            w => w[..1].to_uppercase() + &w[1..],
        })
        .collect()
}

/// How a heap chunk's header is laid out. No metadata describes chunks, and the layout
/// changed twice between V8 10 and 14, so pages are recognised by which of these headers
/// is self-consistent (see `v8::scan`). Indices are in words.
#[derive(Debug)]
pub struct ChunkHeader {
    pub name: &'static str,
    /// The V8 versions known to use it (documentation only: detection does not use it).
    pub seen_in: &'static str,
    /// The chunk's word holding a pointer to a separate metadata block, which then holds
    /// the fields below; `None` when they are in the chunk itself.
    pub metadata: Option<usize>,
    /// The word that holds the chunk's own base address, if any.
    pub self_word: Option<usize>,
    /// The word with the chunk's flags (always in the chunk itself).
    pub flags: usize,
    pub size: usize,
    pub area_start: usize,
    pub area_end: usize,
    /// The word pointing to the owning Heap: 0 for read-only space.
    pub heap: usize,
}

/// Known chunk headers, in the order they are tried.
pub const CHUNK_HEADERS: &[ChunkHeader] = &[
    ChunkHeader {
        name: "MemoryChunkMetadata embedding MemoryChunk",
        seen_in: "V8 12 (node 22)",
        metadata: None,
        self_word: Some(1),
        flags: 0,
        size: 2,
        area_start: 4,
        area_end: 5,
        heap: 3,
    },
    ChunkHeader {
        name: "MemoryChunk {flags, metadata*} with out-of-line metadata",
        seen_in: "V8 13-14 (node 24, 26)",
        metadata: Some(1),
        self_word: Some(1),
        flags: 0,
        size: 6,
        area_start: 9,
        area_end: 7,
        heap: 8,
    },
    ChunkHeader {
        name: "BasicMemoryChunk",
        seen_in: "V8 8.6-11 (node 15-21)",
        metadata: None,
        self_word: None,
        flags: 1,
        size: 0,
        area_start: 3,
        area_end: 4,
        heap: 2,
    },
    // Tried after the above: each of them is implausible on these older chunks (their
    // area_start words hold the heap pointer), while these match nothing newer.
    ChunkHeader {
        name: "MemoryChunk {size, flags, marking bitmap, heap, tagged base, area}",
        seen_in: "V8 7.8-7.9 (node 12, 13)",
        metadata: None,
        self_word: None,
        flags: 1,
        size: 0,
        area_start: 5,
        area_end: 6,
        heap: 3,
    },
    ChunkHeader {
        name: "BasicMemoryChunk {size, flags, marking bitmap, heap, area}",
        seen_in: "V8 8.4 (node 14)",
        metadata: None,
        self_word: None,
        flags: 1,
        size: 0,
        area_start: 4,
        area_end: 5,
        heap: 3,
    },
];

/// The V8 versions (major, minor) whose layout has been checked end to end: node 12 to 26
/// (tests/metadata holds each one's metadata; a unit test keeps the two lists equal).
pub const VERIFIED_V8: &[(u32, u32)] = &[
    (7, 8),
    (7, 9),
    (8, 4),
    (8, 6),
    (9, 4),
    (9, 6),
    (10, 2),
    (10, 8),
    (11, 3),
    (11, 8),
    (12, 4),
    (12, 9),
    (13, 6),
    (14, 1),
    (14, 6),
];

/// Check the build is one we can read: 64-bit words, no pointer compression.
pub fn check_supported(meta: &Metadata) -> Result<()> {
    let get = |k: &str| meta.values.get(k).copied();
    if let Some(size) = get("SystemPointerSize") {
        if size != 8 {
            return Err(Error::Unsupported(format!("{}-bit targets are not supported (64-bit x86 only)", size * 8)));
        }
    }
    match get("TaggedSize") {
        Some(8) | None => {}
        Some(n) => {
            return Err(Error::Unsupported(format!(
            "this V8 uses pointer compression (TaggedSize={n}), which is not supported; official node binaries do not"
        )))
        }
    }
    if get("SmiShiftSize").is_some_and(|s| s != 31) {
        return Err(Error::Unsupported("31-bit Smis on a 64-bit build are not supported".into()));
    }
    Ok(())
}

/// Load the version, metadata and layout of a target.
pub fn load(t: &dyn Target) -> Result<(Layout, Metadata)> {
    if t.symbol("v8dbg_SmiTag").is_none() {
        return Err(Error::Unsupported(
            "no V8 postmortem metadata (v8dbg_* symbols) in this target: is it a node process, and is the node binary the right one?"
                .into(),
        ));
    }
    let meta = Metadata::load(t);
    check_supported(&meta)?;
    let version = Version::load(t).unwrap_or_default();
    Ok((Layout::checked(&meta, version)?, meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, i64)]) -> Metadata {
        Metadata { values: pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect() }
    }

    #[test]
    fn fields_ignore_type_suffixes_and_take_alternatives() {
        let m = meta(&[
            ("class_Map__instance_descriptors__Tagged_DescriptorArray_", 40),
            ("class_Oddball__kind_offset__int", 40),
            ("type_SeqOneByteString__ONE_BYTE_STRING_TYPE", 40),
        ]);
        let field = m.find(&Source::Field("Map", &["instance_descriptors"])).unwrap();
        assert_eq!(field, (40, "v8dbg_class_Map__instance_descriptors__Tagged_DescriptorArray_".into()));
        assert_eq!(m.find(&Source::Field("Oddball", &["kind", "kind_offset"])).unwrap().0, 40);
        assert!(m.find(&Source::Field("Map", &["instance"])).is_none(), "a prefix of a field name is not the field");
        assert_eq!(m.find(&Source::Type(&["SEQ_ONE_BYTE_STRING_TYPE", "ONE_BYTE_STRING_TYPE"])).unwrap().0, 40);
        assert_eq!(m.type_names().get(&40).map(String::as_str), Some("SeqOneByteString"));
    }

    #[test]
    fn fallbacks_follow_versions_and_derivations() {
        let m = meta(&[]);
        let v = |major, minor| Version { major, minor, build: 0, patch: 0 };
        let rules: &[((u32, u32), i64)] = &[((13, 0), 32), ((0, 0), 24)];
        let known = Otherwise::Known("test", rules);
        let none = Resolved { values: HashMap::new() };
        assert_eq!(resolve(&m, v(11, 3), &none, &Source::None, &known).0, Some(24));
        assert_eq!(resolve(&m, v(13, 6), &none, &Source::None, &known).0, Some(32));
        let derived = Otherwise::Derived("test", |r| Some(r.get("a")? + 8));
        let with_a = Resolved { values: HashMap::from([("a", 16)]) };
        assert_eq!(resolve(&m, v(11, 3), &with_a, &Source::None, &derived).0, Some(24));
        assert_eq!(resolve(&m, v(11, 3), &none, &Source::None, &derived).0, None);
    }

    /// A committed metadata table (tests/metadata/node-VERSION.tsv, written by
    /// tests/metadata/extract.py): `# V8 a.b.c.d`, then `symbol<TAB>value` lines.
    fn committed(text: &str) -> (Metadata, Version) {
        let v8 = text.lines().find_map(|l| l.strip_prefix("# V8 ")).expect("a `# V8` line");
        let parts: Vec<u32> = v8.split('.').map(|p| p.parse().unwrap()).collect();
        let version = Version { major: parts[0], minor: parts[1], build: parts[2], patch: parts[3] };
        let values = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let (name, value) = l.split_once('\t').unwrap();
                (name.strip_prefix("v8dbg_").unwrap().to_string(), value.parse().unwrap())
            })
            .collect();
        (Metadata { values }, version)
    }

    /// Every node version under test resolves its whole layout from its own metadata
    /// table and the fallbacks above: no version-specific value lives anywhere else.
    #[test]
    fn every_committed_version_resolves() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/metadata");
        let mut tables: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
        tables.retain(|p| p.extension().is_some_and(|e| e == "tsv"));
        tables.sort();
        assert!(tables.len() >= 15, "{tables:?}");
        let failures: Vec<String> = tables
            .iter()
            .filter_map(|p| {
                let (meta, version) = committed(&std::fs::read_to_string(p).unwrap());
                let file = p.file_name().unwrap().to_string_lossy().into_owned();
                check_supported(&meta)
                    .err()
                    .or_else(|| Layout::checked(&meta, version).err())
                    .map(|e| format!("{file}: {e}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        let mut versions: Vec<(u32, u32)> = tables
            .iter()
            .map(|p| committed(&std::fs::read_to_string(p).unwrap()).1)
            .map(|v| (v.major, v.minor))
            .collect();
        versions.sort();
        assert_eq!(versions, VERIFIED_V8, "VERIFIED_V8 lists the versions of tests/metadata");
    }

    /// A V8 newer than any checked loads (from its metadata and the fallbacks), with a
    /// warning that names every fallback.
    #[test]
    fn an_unknown_version_loads_with_a_warning() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/metadata");
        let (meta, known) = committed(&std::fs::read_to_string(dir.join("node-26.12.1.tsv")).unwrap());
        assert_eq!(Layout::checked(&meta, known).unwrap().unverified(), None);
        let future = Version { major: 15, minor: 2, build: 1, patch: 0 };
        let layout = Layout::checked(&meta, future).unwrap();
        let warning = layout.unverified().unwrap();
        assert!(
            warning.starts_with("V8 15.2 is not among the versions this module was checked on (7.8 7.9 "),
            "{warning}"
        );
        assert!(warning.contains(" values are fallbacks, unverified for it: "), "{warning}");
        assert!(warning.contains(" dictionary_index_shift, "), "{warning}");
        assert!(warning.contains(", allocation_areas_window, "), "{warning}");
        assert!(warning.contains(", global_handle_state_normal (see ::v8layout)"), "{warning}");
    }

    #[test]
    fn missing_metadata_is_a_clear_error() {
        let e = Layout::from_metadata(&meta(&[("HeapObjectTag", 1)]), Version::default()).unwrap_err();
        assert!(e.to_string().contains("lacks heap_object_tag_mask"), "{e}");
        let e = check_supported(&meta(&[("TaggedSize", 4)])).unwrap_err();
        assert!(e.to_string().contains("pointer compression"), "{e}");
    }
}
