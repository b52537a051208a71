//! JavaScript objects: maps, own properties (fast, out-of-object and dictionary mode) and
//! elements of every kind.

use std::rc::Rc;

use super::heap::{Heap, MAX_ARRAY_LENGTH};
use super::value::Value;
use crate::target::{Addr, Error, Result};

/// The most properties one object may have before we call it corrupt.
pub const MAX_PROPERTIES: u64 = 1 << 20;

/// What a map says about its objects.
#[derive(Clone, Debug)]
pub struct MapInfo {
    pub addr: Addr,
    pub instance_type: u16,
    /// Instance size in words (0 for variable-sized objects).
    pub size_words: u64,
    /// Where in-object properties begin, in words.
    pub inobject_start: u64,
    pub elements_kind: u64,
    pub dictionary: bool,
    pub own_descriptors: u64,
    pub descriptors: Value,
    pub prototype: Value,
    pub constructor: Value,
}

impl MapInfo {
    /// How many properties live inside the object.
    pub fn inobject_properties(&self) -> u64 {
        self.size_words.saturating_sub(self.inobject_start)
    }
}

/// Where a fast-mode property's value lives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Location {
    /// In the object (`true`) or its PropertyArray (`false`), at this field index.
    Field { index: u64, inobject: bool },
    /// In the descriptor itself (a constant, e.g. a method on a prototype).
    Descriptor,
    /// In the object as a raw float64 at this field index, not a tagged word (V8 before
    /// 8.0 unboxes in-object double fields).
    UnboxedDouble { index: u64 },
}

/// One own property.
#[derive(Clone, Debug)]
pub struct Property {
    pub key: Value,
    pub value: Value,
    /// An accessor (getter/setter pair or native accessor), not a data property.
    pub accessor: bool,
    pub enumerable: bool,
}

/// One descriptor of a fast-mode map.
#[derive(Clone, Debug)]
pub struct Descriptor {
    pub key: Value,
    pub location: Location,
    pub accessor: bool,
    pub enumerable: bool,
    /// The descriptor's value slot (the constant or accessor for `Location::Descriptor`).
    pub value: Value,
}

/// An object's elements (indexed properties).
#[derive(Clone, Debug)]
pub enum Elements {
    /// Tagged values; holes included as the hole value.
    Tagged(Vec<Value>),
    /// Unboxed doubles; `None` for holes.
    Double(Vec<Option<f64>>),
    /// A NumberDictionary: (index, value) in index order.
    Dictionary(Vec<(u64, Value)>),
    /// Kinds we do not read (typed arrays, sloppy arguments, string wrappers).
    Other,
}

impl Heap<'_> {
    /// What a map says about its objects (read once a session).
    pub fn map_info(&self, map: Addr) -> Result<MapInfo> {
        self.cache.map_info(map, || self.read_map_info(map))
    }

    fn read_map_info(&self, map: Addr) -> Result<MapInfo> {
        let l = self.l;
        let byte = |off: u64| self.t.read_u8(map.offset(off)?);
        let bf2 = u64::from(byte(l.map_bit_field2)?);
        let bf3 = u64::from(self.t.read_u32(map.offset(l.map_bit_field3)?)?);
        Ok(MapInfo {
            addr: map,
            instance_type: self.map_type(map)?,
            size_words: u64::from(byte(l.map_instance_size_in_words)?),
            inobject_start: u64::from(byte(l.map_inobject_start)?),
            elements_kind: (bf2 & l.elements_kind_mask) >> l.elements_kind_shift,
            dictionary: (bf3 >> l.dictionary_map_shift) & 1 == 1,
            own_descriptors: (bf3 & l.own_descriptors_mask) >> l.own_descriptors_shift,
            descriptors: self.value(map, l.map_descriptors)?,
            prototype: self.value(map, l.map_prototype)?,
            constructor: self.value(map, l.map_constructor)?,
        })
    }

    /// The own descriptors of a fast-mode map, in property order (read once a session).
    pub fn descriptors(&self, m: &MapInfo) -> Result<Rc<[Descriptor]>> {
        self.cache.descriptors(m.addr, || self.read_descriptors(m))
    }

    fn read_descriptors(&self, m: &MapInfo) -> Result<Vec<Descriptor>> {
        let l = self.l;
        if m.own_descriptors == 0 {
            return Ok(Vec::new());
        }
        let arr = m.descriptors.heap().ok_or(Error::NotA { addr: m.addr, what: "a map with descriptors" })?;
        let stride = l.desc_size * l.tagged_size;
        let bytes = self.t.read_vec(arr.offset(l.descriptors_header_size)?, (m.own_descriptors * stride) as usize)?;
        let word = |i: u64, field: u64| {
            let at = (i * l.desc_size + field) as usize * 8;
            Value::decode(u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default()), l)
        };
        (0..m.own_descriptors)
            .map(|i| {
                let details = word(i, l.desc_details)
                    .smi()
                    .ok_or(Error::Corrupt { addr: arr, why: format!("descriptor {i} has no details") })?
                    as u64;
                let location = if (details & l.prop_location_mask) >> l.prop_location_shift == l.prop_location_field {
                    let index = (details & l.prop_index_mask) >> l.prop_index_shift;
                    let inobject = index < m.inobject_properties();
                    let double = (details & l.prop_representation_mask) >> l.prop_representation_shift
                        == l.prop_representation_double;
                    if inobject && double && l.double_fields_unboxed == 1 {
                        Location::UnboxedDouble { index }
                    } else {
                        Location::Field { index, inobject }
                    }
                } else {
                    Location::Descriptor
                };
                Ok(Descriptor {
                    key: word(i, l.desc_key),
                    location,
                    accessor: details & l.prop_kind_mask == l.prop_kind_accessor,
                    enumerable: self.enumerable(details),
                    value: word(i, l.desc_value),
                })
            })
            .collect()
    }

    fn enumerable(&self, details: u64) -> bool {
        let attrs = (details & self.l.prop_attributes_mask) >> self.l.prop_attributes_shift;
        attrs & self.l.prop_attributes_dont_enum == 0
    }

    /// The value of a field-located property.
    pub fn field_value(&self, obj: Addr, m: &MapInfo, index: u64) -> Result<Value> {
        let l = self.l;
        let inobject = m.inobject_properties();
        if index < inobject {
            return self.value(obj, (m.inobject_start + index) * l.tagged_size);
        }
        let props = self.pointer(obj, l.js_properties, "an object with a property array")?;
        let len = (self.smi(props, l.fixed_array_length)? as u64) & ((1 << l.property_array_length_bits) - 1);
        let i = index - inobject;
        if i >= len {
            return Err(Error::Corrupt { addr: obj, why: format!("field {index} beyond its property array") });
        }
        self.slot(props, i)
    }

    /// Entries of a NameDictionary or NumberDictionary: (key, value, details), skipping
    /// empty and deleted slots. `entry_size` and `prefix_size` come from the layout.
    fn dictionary(&self, dict: Addr, prefix_size: u64, entry_size: u64) -> Result<Vec<(Value, Value, u64)>> {
        let l = self.l;
        let slots = self.slots(dict)?;
        let at = |i: u64| slots.get(i as usize).copied();
        let capacity = self.hash_table_capacity(dict, &slots)?;
        // The live entries: once that many are found the rest are empty. An empty table
        // need not have this shape (V8 gives some dictionary-mode objects an empty
        // table of another kind).
        let live = at(l.hash_table_nof_index)
            .and_then(Value::smi)
            .and_then(|n| u64::try_from(n).ok())
            .filter(|&n| n <= capacity)
            .ok_or(Error::Corrupt { addr: dict, why: "hash table without an element count".into() })?;
        let start = l.name_dictionary_prefix_start + prefix_size;
        let mut out = Vec::new();
        for i in 0..capacity {
            if out.len() as u64 == live {
                break;
            }
            let base = start + i * entry_size;
            let (Some(key), Some(value)) = (at(base), at(base + 1)) else {
                return Err(Error::Corrupt { addr: dict, why: "dictionary shorter than its capacity".into() });
            };
            let details = if entry_size > 2 { at(base + 2).and_then(Value::smi).unwrap_or(0) as u64 } else { 0 };
            if self.is_empty_key(key) {
                continue;
            }
            out.push((key, value, details));
        }
        Ok(out)
    }

    /// The capacity of a HashTable (dictionaries, WeakMap tables) whose slots are read.
    pub fn hash_table_capacity(&self, table: Addr, slots: &[Value]) -> Result<u64> {
        slots
            .get(self.l.hash_table_capacity_index as usize)
            .and_then(|v| v.smi())
            .and_then(|c| u64::try_from(c).ok())
            .filter(|&c| c <= MAX_ARRAY_LENGTH)
            .ok_or(Error::Corrupt { addr: table, why: "hash table without a capacity".into() })
    }

    /// Empty and deleted hash table slots hold undefined or the hole.
    pub fn is_empty_key(&self, key: Value) -> bool {
        match key {
            Value::Smi(_) => false,
            Value::Heap(a) => {
                self.is_hole(key) || self.oddball_kind(a).ok().flatten() == i64::try_from(self.l.oddball_undefined).ok()
            }
            Value::Weak(_) | Value::Double(_) => true,
        }
    }

    /// The properties of the global object: a GlobalDictionary of PropertyCells.
    fn global_properties(&self, obj: Addr) -> Result<Vec<Property>> {
        let l = self.l;
        let dict = self.pointer(obj, l.js_global_object_dictionary, "the global object's dictionary")?;
        let slots = self.slots(dict)?;
        let capacity = self.hash_table_capacity(dict, &slots)?;
        // The entries end the table. (A GlobalDictionary's prefix is shorter than a
        // NameDictionary's, and no metadata gives its size.)
        let start = (slots.len() as u64)
            .checked_sub(capacity * l.global_dictionary_entry_size)
            .ok_or(Error::Corrupt { addr: dict, why: "global dictionary shorter than its capacity".into() })?;
        let mut out = Vec::new();
        for i in 0..capacity {
            let Some(cell) = slots.get((start + i * l.global_dictionary_entry_size) as usize).and_then(|v| v.heap())
            else {
                continue;
            };
            if self.type_of(cell).map(u64::from).ok() != Some(l.type_property_cell) {
                continue;
            }
            let value = self.value(cell, l.property_cell_value)?;
            if self.is_hole(value) {
                continue;
            }
            let details = self.smi(cell, l.property_cell_details)? as u64;
            out.push(Property {
                key: self.value(cell, l.property_cell_name)?,
                value,
                accessor: details & l.prop_kind_mask == l.prop_kind_accessor,
                enumerable: self.enumerable(details),
            });
        }
        Ok(out)
    }

    /// The named own properties of an object, in enumeration order.
    pub fn named_properties(&self, obj: Addr, m: &MapInfo) -> Result<Vec<Property>> {
        let l = self.l;
        if u64::from(m.instance_type) == l.type_js_global_object {
            return self.global_properties(obj);
        }
        if m.dictionary {
            let dict = self.pointer(obj, l.js_properties, "an object with a property dictionary")?;
            let mut entries = self.dictionary(dict, l.name_dictionary_prefix_size, l.name_dictionary_entry_size)?;
            if entries.len() as u64 > MAX_PROPERTIES {
                return Err(Error::Corrupt { addr: obj, why: "too many properties".into() });
            }
            entries.sort_by_key(|&(_, _, details)| details >> l.dictionary_index_shift);
            return Ok(entries
                .into_iter()
                .map(|(key, value, details)| Property {
                    key,
                    value,
                    accessor: details & l.prop_kind_mask == l.prop_kind_accessor,
                    enumerable: self.enumerable(details),
                })
                .collect());
        }
        self.fast_properties(obj, m, &self.descriptors(m)?)
    }

    /// Whether an object of map `m` keeps its named properties as its map describes
    /// them (fast mode), so that `fast_properties` applies.
    pub fn is_fast_mode(&self, m: &MapInfo) -> bool {
        !m.dictionary && u64::from(m.instance_type) != self.l.type_js_global_object
    }

    /// The named own properties of a fast-mode object from its map's descriptors: callers
    /// visiting many objects of one map read the descriptors once.
    pub fn fast_properties(&self, obj: Addr, m: &MapInfo, descriptors: &[Descriptor]) -> Result<Vec<Property>> {
        descriptors
            .iter()
            .map(|d| {
                let value = match d.location {
                    Location::Field { index, .. } => self.field_value(obj, m, index)?,
                    Location::Descriptor => d.value,
                    Location::UnboxedDouble { index } => {
                        Value::Double(self.word(obj, (m.inobject_start + index) * self.l.tagged_size)?)
                    }
                };
                Ok(Property { key: d.key, value, accessor: d.accessor, enumerable: d.enumerable })
            })
            .collect()
    }

    /// An object's elements, as its elements kind stores them.
    pub fn elements(&self, obj: Addr, m: &MapInfo) -> Result<Elements> {
        let l = self.l;
        let store = self.pointer(obj, l.js_elements, "an object with elements")?;
        let kind = m.elements_kind;
        if kind == l.elements_dictionary {
            let mut entries: Vec<(u64, Value)> = self
                .dictionary(store, l.number_dictionary_prefix_size, l.number_dictionary_entry_size)?
                .into_iter()
                .filter_map(|(k, v, _)| Some((u64::try_from(k.smi()?).ok()?, v)))
                .collect();
            entries.sort_by_key(|e| e.0);
            return Ok(Elements::Dictionary(entries));
        }
        if (l.elements_double..=l.elements_double + 1).contains(&kind) {
            let len = self.array_length(store)?;
            let bytes = self.t.read_vec(store.offset(l.fixed_array_data)?, (len * 8) as usize)?;
            return Ok(Elements::Double(
                bytes
                    .chunks_exact(8)
                    .map(|c| {
                        let bits = u64::from_le_bytes(c.try_into().unwrap_or_default());
                        (bits != l.double_hole_bits as u64).then(|| f64::from_bits(bits))
                    })
                    .collect(),
            ));
        }
        // PACKED/HOLEY SMI and object kinds, and their frozen/sealed/non-extensible
        // variants, which V8 numbers between them and DICTIONARY_ELEMENTS.
        if kind < l.elements_double || (l.elements_double + 2..l.elements_dictionary).contains(&kind) {
            return Ok(Elements::Tagged(self.slots(store)?));
        }
        Ok(Elements::Other)
    }
}
