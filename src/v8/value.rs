//! Tagged words: the one place that tells Smis from heap objects.

use super::layout::Layout;
use crate::target::Addr;

/// A decoded tagged word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// A small integer.
    Smi(i64),
    /// A strong pointer to a heap object (its untagged address).
    Heap(Addr),
    /// A weak reference (to this untagged address), or a cleared one (`Addr(0)`).
    Weak(Addr),
    /// The bits of a raw float64: an in-object double field of V8 before 8.0 (never
    /// from decoding a tagged word).
    Double(u64),
}

impl Value {
    /// Decode a tagged word with the target's tagging scheme.
    pub fn decode(word: u64, l: &Layout) -> Value {
        if word & l.smi_tag_mask == l.smi_tag {
            // Arithmetic shift: Smis are signed.
            Value::Smi((word as i64) >> l.smi_shift())
        } else if word & l.heap_object_tag_mask == l.heap_object_tag {
            Value::Heap(Addr(word - l.heap_object_tag))
        } else {
            Value::Weak(Addr(word & !l.heap_object_tag_mask))
        }
    }

    /// The tagged word for this value (the inverse of `decode`).
    pub fn encode(self, l: &Layout) -> u64 {
        match self {
            Value::Smi(n) => (n << l.smi_shift()) as u64,
            Value::Heap(a) => tagged(a, l),
            Value::Weak(a) => a.0 | l.heap_object_tag_mask,
            Value::Double(bits) => bits,
        }
    }

    /// The heap object this value points to strongly, if any.
    pub fn heap(self) -> Option<Addr> {
        match self {
            Value::Heap(a) => Some(a),
            _ => None,
        }
    }

    pub fn smi(self) -> Option<i64> {
        match self {
            Value::Smi(v) => Some(v),
            _ => None,
        }
    }
}

/// The tagged form of a heap object's address: what other objects store, and what the
/// dcmds print (as mdb_v8 did).
pub fn tagged(addr: Addr, l: &Layout) -> u64 {
    addr.0 | l.heap_object_tag
}

/// The address a user gives for a heap object: mdb_v8 printed and took tagged pointers,
/// so accept those (and plain untagged addresses too).
pub fn untag(addr: Addr, l: &Layout) -> Addr {
    if addr.0 & l.heap_object_tag_mask == l.heap_object_tag {
        Addr(addr.0 - l.heap_object_tag)
    } else {
        addr
    }
}
