//! Corrupted variants of a core file, for the bad-input tests and the corruption campaign
//! (tests/stress.rs): every kind of damage, chosen and placed by a seed, lives here.

use std::path::Path;

/// A 64-bit ELF program header, as the core's table has it.
#[derive(Clone, Copy, Debug)]
pub struct Phdr {
    /// Byte offset of the header in the file.
    pub at: usize,
    pub p_type: u32,
    pub p_flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
}

pub const PT_LOAD: u32 = 1;
pub const PT_NOTE: u32 = 4;
pub const PF_W: u32 = 2;
/// Offsets of the program header fields that the campaign rewrites.
pub const P_OFFSET: usize = 8;
pub const P_VADDR: usize = 16;
pub const P_FILESZ: usize = 32;
pub const P_MEMSZ: usize = 40;

fn u16_at(b: &[u8], at: usize) -> u64 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap()).into()
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

pub fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// The program headers of an intact core.
pub fn phdrs(core: &[u8]) -> Vec<Phdr> {
    let (phoff, phentsize, phnum) = (u64_at(core, 0x20) as usize, u16_at(core, 0x36) as usize, u16_at(core, 0x38));
    (0..phnum as usize)
        .map(|i| {
            let at = phoff + i * phentsize;
            Phdr {
                at,
                p_type: u32_at(core, at),
                p_flags: u32_at(core, at + 4),
                offset: u64_at(core, at + P_OFFSET),
                vaddr: u64_at(core, at + P_VADDR),
                filesz: u64_at(core, at + P_FILESZ),
                memsz: u64_at(core, at + P_MEMSZ),
            }
        })
        .collect()
}

/// V8's heap chunk alignment (2^kPageSizeBits for node 18 to 26).
const CHUNK: u64 = 1 << 18;

impl Phdr {
    /// Where its bytes are in the file: offset and length.
    fn file_range(&self) -> (u64, u64) {
        (self.offset, self.filesz)
    }
}

/// File offsets of the V8 heap chunks in `loads`: whole [`CHUNK`]-aligned blocks whose
/// header (first 16 words) holds their own address.
fn heap_chunks(core: &[u8], loads: &[Phdr]) -> Vec<u64> {
    let mut chunks = Vec::new();
    for p in loads {
        for addr in
            (p.vaddr.next_multiple_of(CHUNK)..p.vaddr + p.filesz.saturating_sub(CHUNK - 1)).step_by(CHUNK as usize)
        {
            let offset = p.offset + (addr - p.vaddr);
            if (0..16).any(|i| u64_at(core, offset as usize + 8 * i) == addr) {
                chunks.push(offset);
            }
        }
    }
    assert!(!chunks.is_empty(), "no V8 heap chunk in the core");
    chunks
}

/// `core` without the data of its all-zero `PT_LOAD` segments (unused reservations, most of
/// a node core), which become not dumped (`p_filesz` 0): the same process in a fraction of
/// the bytes. The section headers, which nothing reads, are dropped.
pub fn compact(core: &[u8]) -> Vec<u8> {
    let mut headers = phdrs(core);
    headers.sort_by_key(|p| p.offset);
    let data_start = headers.iter().filter(|p| p.filesz > 0).map(|p| p.offset).min().unwrap() as usize;
    let mut out = core[..data_start].to_vec();
    out[0x28..0x30].fill(0); // e_shoff
    out[0x3c..0x40].fill(0); // e_shnum, e_shstrndx
    for p in headers.iter().filter(|p| p.filesz > 0) {
        let data = &core[p.offset as usize..(p.offset + p.filesz) as usize];
        let dropped = p.p_type == PT_LOAD && data.iter().all(|&b| b == 0);
        if !dropped {
            out.resize(out.len().next_multiple_of(if p.p_type == PT_LOAD { 4096 } else { 4 }), 0);
        }
        let (offset, filesz) = (out.len() as u64, if dropped { 0 } else { p.filesz });
        out[p.at + P_OFFSET..p.at + P_OFFSET + 8].copy_from_slice(&offset.to_le_bytes());
        out[p.at + P_FILESZ..p.at + P_FILESZ + 8].copy_from_slice(&filesz.to_le_bytes());
        if !dropped {
            out.extend_from_slice(data);
        }
    }
    out
}

/// The PT_LOAD segment with the highest address below the kernel half (the stack, vdso or
/// vvar): making it larger overlaps no other segment.
pub fn last_user_load(core: &[u8]) -> Phdr {
    phdrs(core).into_iter().filter(|p| p.p_type == PT_LOAD && p.vaddr < 1 << 47).max_by_key(|p| p.vaddr).unwrap()
}

/// splitmix64: a small seeded generator, the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (> 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The kinds of damage, one per seed (seed % KINDS.len()).
pub const KINDS: &[&str] = &[
    "byte flips",
    "zeroed pages",
    "map words",
    "length fields",
    "chunk headers",
    "notes",
    "program headers",
    "truncation",
];

/// Values that break arithmetic on addresses and sizes.
fn nasty(r: &mut Rng) -> u64 {
    let random = r.next();
    *r.pick(&[
        0,
        1,
        u64::MAX,
        u64::MAX - 0xfff,
        1 << 63,
        0xff82_8df8_1000,
        0x7fff_ffff << 32,
        0xffff_ffff << 32,
        random,
    ])
}

/// A corrupted copy of a core: writes over the original's bytes, then a length.
pub struct Variant {
    writes: Vec<(usize, Vec<u8>)>,
    len: usize,
    /// The kind of damage and where it is.
    pub what: String,
}

impl Variant {
    /// Write the variant of `original` to `path` (a kernel-side copy, then the writes).
    pub fn write(&self, original: &Path, path: &Path) {
        use std::os::unix::fs::FileExt;
        std::fs::copy(original, path).unwrap();
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        for (at, bytes) in &self.writes {
            file.write_all_at(bytes, *at as u64).unwrap();
        }
        file.set_len(self.len as u64).unwrap();
    }
}

/// Variant `seed` of `core`.
pub fn variant(core: &[u8], seed: u64) -> Variant {
    let mut r = Rng::new(seed);
    let mut b = Patched { core, writes: Vec::new() };
    let mut len = core.len();
    let headers = phdrs(core);
    let loads: Vec<Phdr> = headers.iter().copied().filter(|p| p.p_type == PT_LOAD && p.filesz >= 4096).collect();
    let kind = KINDS[(seed % KINDS.len() as u64) as usize];
    // A random file offset inside some segment's data, 8-byte aligned, with `room` bytes after it.
    let chunks = heap_chunks(core, &loads);
    // A random file offset, 8-byte aligned with `room` bytes after it: three times in four
    // inside a heap chunk (a tenth of the core), else anywhere in a segment's data.
    let in_segment = |r: &mut Rng, room: u64| {
        let (offset, len) = match r.below(4) {
            0 => r.pick(&loads).file_range(),
            _ => (*r.pick(&chunks), CHUNK),
        };
        offset + (r.below(len.saturating_sub(room).max(1)) & !7)
    };
    let mut what = Vec::new();
    match kind {
        "byte flips" => {
            for _ in 0..1 + r.below(64) {
                let at = in_segment(&mut r, 1) as usize + r.below(8) as usize;
                b.set(at, &[core[at] ^ 1 << r.below(8)]);
                what.push(format!("{at:#x}"));
            }
        }
        "zeroed pages" => {
            for _ in 0..1 + r.below(8) {
                let at = in_segment(&mut r, 4096) as usize & !4095;
                b.set(at, &[0; 4096]);
                what.push(format!("{at:#x}"));
            }
        }
        // Tagged words that point into dumped memory (maps among them, as they are the most
        // common), replaced by another such word, a neighbour or a nasty value.
        "map words" | "length fields" => {
            let mut done = 0;
            for _ in 0..100_000 {
                if done == 1 + seed % 16 {
                    break;
                }
                let at = in_segment(&mut r, 8) as usize;
                let w = u64_at(core, at);
                let is_pointer = w & 1 == 1 && loads.iter().any(|p| (p.vaddr..p.vaddr + p.memsz).contains(&w));
                // An untagged Smi (value << 32) small enough to be a length.
                let is_length = w & 0xffff_ffff == 0 && w != 0 && w >> 32 < 1 << 20;
                let (bit, bad) = (1 << (1 + r.below(40)), nasty(&mut r));
                let new = match (kind, is_pointer, is_length) {
                    ("map words", true, _) => *r.pick(&[w + 8, w - 8, w ^ bit, bad | 1]),
                    ("length fields", _, true) => *r.pick(&[0, 1 << 32, ((w >> 32) * 2) << 32, (1 << 31) << 32, bad]),
                    _ => continue,
                };
                b.set_u64(at, new);
                what.push(format!("{at:#x}: {w:#x} -> {new:#x}"));
                done += 1;
            }
        }
        // The first words of a heap chunk (its header).
        "chunk headers" => {
            let at = *r.pick(&chunks) as usize;
            for _ in 0..1 + r.below(4) {
                let word = at + 8 * r.below(16) as usize;
                let new = nasty(&mut r);
                b.set_u64(word, new);
                what.push(format!("{word:#x} -> {new:#x}"));
            }
        }
        "notes" => {
            let notes: Vec<&Phdr> = headers.iter().filter(|p| p.p_type == PT_NOTE).collect();
            let p = r.pick(&notes);
            for _ in 0..1 + r.below(8) {
                let at = (p.offset + r.below(p.filesz)) as usize;
                let new = if r.below(2) == 0 { 0xff } else { r.next() as u8 };
                b.set(at, &[new]);
                what.push(format!("{at:#x} -> {new:#x}"));
            }
        }
        "program headers" => {
            let p = r.pick(&headers);
            let field = *r.pick(&[0, 4, P_OFFSET, P_VADDR, P_FILESZ, P_MEMSZ]);
            let old = u64_at(core, p.at + field);
            let new = match r.below(4) {
                0 => old ^ (1 << r.below(64)),
                1 => old.wrapping_add(r.below(1 << 20) << 12),
                _ => nasty(&mut r),
            };
            b.set_u64(p.at + field, new);
            what.push(format!("header at {:#x} field {field}: {old:#x} -> {new:#x}", p.at));
        }
        "truncation" => {
            len = r.below(core.len() as u64) as usize;
            what.push(format!("to {len:#x} bytes"));
        }
        _ => unreachable!("every kind is handled"),
    }
    Variant { writes: b.writes, len, what: format!("{kind}: {}", what.join(", ")) }
}

/// Writes over a core, in order.
struct Patched<'a> {
    core: &'a [u8],
    writes: Vec<(usize, Vec<u8>)>,
}

impl Patched<'_> {
    fn set(&mut self, at: usize, bytes: &[u8]) {
        assert!(at + bytes.len() <= self.core.len(), "a write beyond the core");
        self.writes.push((at, bytes.to_vec()));
    }

    fn set_u64(&mut self, at: usize, v: u64) {
        self.set(at, &v.to_le_bytes());
    }
}
