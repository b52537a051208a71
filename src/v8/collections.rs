//! Map and Set contents: the OrderedHashMap/OrderedHashSet behind a JSMap or JSSet.

use super::heap::{Heap, MAX_ARRAY_LENGTH};
use super::value::Value;
use crate::target::{Addr, Error, Result};

/// One entry of a Map (key and value) or Set (key only), in insertion order.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Value,
    pub value: Option<Value>,
}

impl Heap<'_> {
    /// The live entries of a JSMap or JSSet, in insertion order (deleted ones skipped).
    pub fn collection_entries(&self, obj: Addr, instance_type: u16) -> Result<Vec<Entry>> {
        let l = self.l;
        let ty = u64::from(instance_type);
        let entry_size = if ty == l.type_js_map {
            l.ordered_hash_map_entry_size
        } else if ty == l.type_js_set {
            l.ordered_hash_set_entry_size
        } else {
            return Err(Error::NotA { addr: obj, what: "a Map or Set" });
        };
        let table = self.pointer(obj, l.js_collection_table, "a Map or Set with a table")?;
        let slots = self.slots(table)?;
        let count = |i: u64| {
            slots
                .get(i as usize)
                .and_then(|v| v.smi())
                .and_then(|n| u64::try_from(n).ok())
                .filter(|&n| n <= MAX_ARRAY_LENGTH)
                .ok_or(Error::Corrupt { addr: table, why: "hash table header".into() })
        };
        let (live, deleted, buckets) = (count(0)?, count(1)?, count(2)?);
        let first = l.ordered_hash_table_prefix + buckets;
        let mut out = Vec::new();
        for e in 0..live + deleted {
            let at = (first + e * entry_size) as usize;
            let key = *slots.get(at).ok_or(Error::Corrupt { addr: table, why: "entries beyond the table".into() })?;
            if self.is_hole(key) {
                continue;
            }
            let value = (entry_size > 2).then(|| slots.get(at + 1).copied()).flatten();
            out.push(Entry { key, value });
        }
        Ok(out)
    }
}
