#!/usr/bin/env python3
"""Writes the seed inputs under seeds/<target>/ (committed; `make fuzz` passes them to each
target beside its corpus). Run it again after changing the input format of src/lib.rs.

Heap seeds are small node 20 heaps in that format: 3 control bytes (root offset u16, knob),
then the heap at address 0, whose first 17 slots of 0x50 bytes are maps (slot 0 the meta map).
Offsets and type numbers are node 20's (v8dbg-node20.txt). The core seed is a minimal ELF core.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
META = {}
for line in open(os.path.join(HERE, "v8dbg-node20.txt")):
    if line.startswith("v8dbg_"):
        name, value = line.split("\t")[:2]
        META[name[len("v8dbg_"):]] = int(value)


def field(cls, f):
    return next(v for k, v in sorted(META.items()) if k.startswith(f"class_{cls}__{f}__"))


def ty(enum):
    return next(v for k, v in sorted(META.items()) if k.startswith("type_") and k.endswith("__" + enum))


MAP_STRIDE, MAPS = 0x50, 16


def smi(n):
    return (n << 32) & (2**64 - 1)


def ptr(addr):
    return addr | 1


class Heap:
    def __init__(self):
        self.b = bytearray((MAPS + 1) * MAP_STRIDE)
        self.maps = 1
        self.w(0, ptr(0))
        self.u16(field("Map", "instance_type"), ty("MAP_TYPE"))

    def w(self, at, v):
        self.b[at:at + 8] = struct.pack("<Q", v)

    def u16(self, at, v):
        self.b[at:at + 2] = struct.pack("<H", v)

    def length(self, string, n):
        at = string + field("String", "length")
        self.b[at:at + 4] = struct.pack("<i", n)

    def new_map(self, enum, words=0, inobject_start=0, bf2=0, bf3=0, descriptors=None, proto=None, ctor=None):
        at = self.maps * MAP_STRIDE
        self.maps += 1
        self.w(at, ptr(0))
        self.b[at + field("Map", "instance_size_in_words")] = words
        self.b[at + field("Map", "inobject_properties_start_or_constructor_function_index")] = inobject_start
        self.u16(at + field("Map", "instance_type"), ty(enum))
        self.b[at + field("Map", "bit_field2")] = bf2
        self.b[at + field("Map", "bit_field3"):at + field("Map", "bit_field3") + 4] = struct.pack("<I", bf3)
        for name, v in (("instance_descriptors", descriptors), ("prototype", proto), ("constructor_or_back_pointer", ctor)):
            self.w(at + field("Map", name), ptr(v) if v is not None else smi(0))
        return at

    def alloc(self, words, map_at):
        at = len(self.b)
        self.b += bytes(8 * words)
        self.w(at, ptr(map_at))
        return at

    def seq_string(self, text, two_byte=False):
        enc = text.encode("utf-16-le" if two_byte else "latin-1")
        m = self.new_map("STRING_TYPE" if two_byte else "ONE_BYTE_STRING_TYPE")
        at = self.alloc(2 + (len(enc) + 7) // 8, m)
        self.length(at, len(text))
        chars = field("SeqTwoByteString" if two_byte else "SeqOneByteString", "chars")
        self.b[at + chars:at + chars + len(enc)] = enc
        return at

    def fixed_array(self, values, enum="FIXED_ARRAY_TYPE"):
        at = self.alloc(2 + len(values), self.new_map(enum))
        self.w(at + field("FixedArrayBase", "length"), smi(len(values)))
        for i, v in enumerate(values):
            self.w(at + field("FixedArray", "data") + 8 * i, v)
        return at

    def seed(self, target, name, root, knob=0):
        d = os.path.join(HERE, "seeds", target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(struct.pack("<HB", root, knob) + bytes(self.b))


def strings():
    for name, build in (
        ("seq-one-byte", lambda h: h.seq_string("hello, world")),
        ("seq-two-byte", lambda h: h.seq_string("h\u00e9llo \u263a", two_byte=True)),
        ("cons", lambda h: cons(h, h.seq_string("left "), h.seq_string("right"))),
        ("sliced", lambda h: sliced(h, h.seq_string("a long parent string"), 2, 6)),
        ("thin", lambda h: thin(h, h.seq_string("actual"))),
    ):
        h = Heap()
        root = build(h)
        h.seed("string", name, root, 12)
        h.seed("jsprint", "string-" + name, root, 2)


def cons(h, a, b):
    m = h.new_map("CONS_ONE_BYTE_STRING_TYPE")
    at = h.alloc(4, m)
    h.length(at, 10)
    h.w(at + field("ConsString", "first"), ptr(a))
    h.w(at + field("ConsString", "second"), ptr(b))
    return at


def sliced(h, parent, offset, length):
    at = h.alloc(4, h.new_map("SLICED_ONE_BYTE_STRING_TYPE"))
    h.length(at, length)
    h.w(at + field("SlicedString", "parent"), ptr(parent))
    h.w(at + field("SlicedString", "offset"), smi(offset))
    return at


def thin(h, actual):
    m = h.new_map("ONE_BYTE_STRING_TYPE")
    h.u16(m + field("Map", "instance_type"), 45)  # THIN_ONE_BYTE_STRING_TYPE, not exported
    at = h.alloc(3, m)
    h.length(at, 6)
    h.w(at + field("ThinString", "actual"), ptr(actual))
    return at


def objects():
    """A fast-mode object with one in-object and one descriptor property, elements [1, 2];
    a dictionary-mode object; a Map and a Set."""
    h = Heap()
    key_a, key_b = h.seq_string("a"), h.seq_string("b")
    details_field = 0  # location Field, index 0, data, enumerable
    details_const = 1 << META["prop_location_shift"]  # location Descriptor
    hdr = field("DescriptorArray", "header_size")
    descs = h.alloc(hdr // 8 + 2 * META["prop_desc_size"], h.new_map("DESCRIPTOR_ARRAY_TYPE"))
    for i, (k, d, v) in enumerate(((key_a, details_field, smi(0)), (key_b, details_const, smi(7)))):
        base = descs + hdr + 8 * META["prop_desc_size"] * i
        h.w(base + 8 * META["prop_desc_key"], ptr(k))
        h.w(base + 8 * META["prop_desc_details"], smi(d))
        h.w(base + 8 * META["prop_desc_value"], v)
    elements = h.fixed_array([smi(1), smi(2)])
    bf3 = 2 << META["bit_field3_number_of_own_descriptors_shift"]
    m = h.new_map("JS_OBJECT_TYPE", words=4, inobject_start=3, bf3=bf3, descriptors=descs)
    obj = h.alloc(4, m)
    h.w(obj + field("JSReceiver", "raw_properties_or_hash"), smi(0))
    h.w(obj + field("JSObject", "elements"), ptr(elements))
    h.w(obj + 24, smi(42))
    for t in ("properties", "jsprint"):
        h.seed(t, "fast-object", obj, 2)

    h = Heap()
    key = h.seq_string("k")
    # NameDictionary slots: elements, deleted, capacity, 3 prefix slots, then (key, value, details).
    dictionary = h.fixed_array([smi(1), smi(0), smi(2), smi(0), smi(0), smi(0), ptr(key), smi(5), smi(1 << 8)]
                               + [smi(0)] * 3)
    m = h.new_map("JS_OBJECT_TYPE", words=3, bf3=1 << META["bit_field3_is_dictionary_map_shift"])
    obj = h.alloc(3, m)
    h.w(obj + field("JSReceiver", "raw_properties_or_hash"), ptr(dictionary))
    h.w(obj + field("JSObject", "elements"), ptr(h.fixed_array([])))
    for t in ("properties", "jsprint"):
        h.seed(t, "dictionary-object", obj, 2)

    for enum, knob, entry in (("JS_MAP_TYPE", 0, 3), ("JS_SET_TYPE", 1, 2)):
        h = Heap()
        key = h.seq_string("key")
        # OrderedHashTable: elements, deleted, buckets, bucket heads, then entries.
        entries = [ptr(key), smi(9), smi(-1)][:entry] + [smi(3), smi(4), smi(-1)][:entry]
        table = h.fixed_array([smi(2), smi(0), smi(1), smi(0)] + entries)
        obj = h.alloc(4, h.new_map(enum, words=4))
        h.w(obj + field("JSReceiver", "raw_properties_or_hash"), smi(0))
        h.w(obj + 24, ptr(table))
        for t in ("collections", "jsprint"):
            h.seed(t, enum.lower(), obj, knob)


def functions():
    """A JSFunction with a SharedFunctionInfo naming it through a ScopeInfo, and a Script."""
    h = Heap()
    name, source, file = h.seq_string("leak"), h.seq_string("a\nb\nfunction leak() {}\n"), h.seq_string("x.js")
    si_map = h.new_map("SCOPE_INFO_TYPE")
    si = h.alloc(10, si_map)
    for i, v in enumerate([smi(0), smi(0), smi(0), smi(4), smi(20), ptr(name), smi(0), smi(0), smi(0)]):
        h.w(si + 8 * (i + 1), v)
    script = h.alloc(13, h.new_map("SCRIPT_TYPE"))
    h.w(script + field("Script", "source"), ptr(source))
    h.w(script + field("Script", "name"), ptr(file))
    h.w(script + field("Script", "line_ends"), smi(0))
    sfi = h.alloc(8, h.new_map("SHARED_FUNCTION_INFO_TYPE"))
    h.w(sfi + field("SharedFunctionInfo", "name_or_scope_info"), ptr(si))
    h.w(sfi + field("SharedFunctionInfo", "script_or_debug_info"), ptr(script))
    f = h.alloc(8, h.new_map("JS_FUNCTION_TYPE", words=8))
    h.w(f + field("JSFunction", "shared"), ptr(sfi))
    for t in ("scopeinfo", "jsprint"):
        h.seed(t, "function", f, 2)


def core():
    """ET_CORE with a PT_NOTE (NT_PRPSINFO, NT_AUXV, NT_FILE) and a PT_LOAD holding the
    executable's first bytes: an ELF header with a GNU BuildID note."""
    def note(name, n_type, desc):
        pad = lambda b: b + bytes(-len(b) % 4)
        return struct.pack("<III", len(name) + 1, len(desc), n_type) + pad(name + b"\0") + pad(desc)

    exe_path = b"/usr/bin/node"
    base, entry = 0x400000, 0x401000
    nt_file = struct.pack("<QQ", 2, 4096) + struct.pack("<QQQ", base, base + 0x1000, 0) \
        + struct.pack("<QQQ", base + 0x1000, base + 0x2000, 1) + exe_path + b"\0" + exe_path + b"\0"
    notes = note(b"CORE", 3, bytes(40) + b"node".ljust(16, b"\0")) \
        + note(b"CORE", 6, struct.pack("<QQQQ", 9, entry, 0, 0)) + note(b"CORE", 0x46494c45, nt_file)
    # The executable's header as dumped: ELF header, one PT_NOTE phdr, the BuildID note.
    build_id = note(b"GNU", 3, bytes(range(20)))
    exe = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, bytes(7), 3, 62, 1, entry, 64, 0, 0,
                      64, 56, 1, 64, 0, 0)
    exe += struct.pack("<IIQQQQQQ", 4, 4, 120, 0, 0, len(build_id), len(build_id), 4) + build_id
    ph_at, n_ph = 64, 2
    notes_at = ph_at + 56 * n_ph
    load_at = notes_at + len(notes)
    header = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, bytes(7), 4, 62, 1, 0, ph_at, 0, 0,
                         64, 56, n_ph, 64, 0, 0)
    phdrs = struct.pack("<IIQQQQQQ", 4, 0, notes_at, 0, 0, len(notes), 0, 4) \
        + struct.pack("<IIQQQQQQ", 1, 5, load_at, base, 0, len(exe), 0x1000, 4096)
    d = os.path.join(HERE, "seeds", "core")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "minimal-core"), "wb") as f:
        f.write(header + phdrs + notes + exe)


def lang():
    d = os.path.join(HERE, "seeds", "lang")
    os.makedirs(d, exist_ok=True)
    for i, line in enumerate([
        "::load v8.so", "::findjsobjects -c CacheEntry | ::findjsobjects -r",
        "0x3f73d8cfc8b1::jsprint -d 0t3 -N 40 body.payload[2]", "sym+10-.::walk jsprop ! sort",
        "$[0x1000+8]::v8print JSObject; ::help jsprint", "-a -d1 a.b[3].c 'quoted \"x\"' \"y\"",
    ]):
        with open(os.path.join(d, f"line-{i}"), "w") as f:
            f.write(line)


if __name__ == "__main__":
    strings()
    objects()
    functions()
    core()
    lang()
