//! ELF files as the targets need them: the executable's load segments, BuildID and symbol tables,
//! for 64-bit little-endian ELF (the `object` crate's raw ELF API does the parsing).

use std::fs::{self, File};
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use memmap2::Mmap;
use object::elf;
use object::read::elf::{FileHeader, ProgramHeader, Sym};
use object::LittleEndian;

use super::{LoadObject, Perms, Symbol, Symbols};

/// The ELF header type of every file we read.
pub(crate) type Header = elf::FileHeader64<LittleEndian>;

/// The `object` endianness value that goes with [`Header`].
pub(crate) const LE: LittleEndian = LittleEndian;

/// mmap a whole regular file read-only (opening anything else could block, e.g. a FIFO).
pub(crate) fn map_file(path: &Path) -> Result<Mmap> {
    let meta = fs::metadata(path).with_context(|| format!("cannot open {}", path.display()))?;
    if !meta.is_file() {
        bail!("{} is not a regular file", path.display());
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    // SAFETY: a private read-only map. Like any debugger we assume nobody truncates or rewrites
    // the file while we look at it.
    unsafe { Mmap::map(&file) }.with_context(|| format!("cannot map {}", path.display()))
}

/// The ELF header at the start of `data`, checking that it is a 64-bit little-endian ELF file.
/// The error says which of those it is not; `what` names the file in it.
pub(crate) fn parse_header<'a>(data: &'a [u8], what: &Path) -> Result<&'a Header> {
    if !data.starts_with(&elf::ELFMAG) {
        bail!("{} is not an ELF file", what.display());
    }
    match Header::parse(data) {
        Ok(h) if h.endian().is_ok() => Ok(h),
        _ => bail!("{} is not a 64-bit little-endian ELF file", what.display()),
    }
}

/// `e_type` as readelf names it.
pub(crate) fn type_name(e_type: u16) -> &'static str {
    match e_type {
        elf::ET_NONE => "NONE",
        elf::ET_REL => "REL (relocatable object)",
        elf::ET_EXEC => "EXEC (executable)",
        elf::ET_DYN => "DYN (shared object or PIE)",
        elf::ET_CORE => "CORE",
        _ => "unknown",
    }
}

/// The GNU BuildID of the ELF image whose first bytes are `prefix`, from its `PT_NOTE` segments.
/// The headers and the note must lie inside `prefix`, which may be just the first page of the
/// file as a core keeps it; `None` if they do not or there is no BuildID.
pub(crate) fn build_id(prefix: &[u8]) -> Option<&[u8]> {
    let header = Header::parse(prefix).ok()?;
    for phdr in header.program_headers(LE, prefix).ok()? {
        let Ok(Some(mut notes)) = phdr.notes(LE, prefix) else {
            continue;
        };
        while let Ok(Some(note)) = notes.next() {
            if note.name() == elf::ELF_NOTE_GNU && note.n_type(LE) == elf::NT_GNU_BUILD_ID {
                return Some(note.desc());
            }
        }
    }
    None
}

/// Lower-case hex of `bytes`, the way BuildIDs are printed.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The lowest address above x86-64's user address space (4-level paging; node never asks for
/// the 57-bit addresses of 5-level paging) and the start of the kernel half, which holds the
/// one page (`[vsyscall]`) that cores may also dump.
const USER_END: u64 = 1 << 47;
const KERNEL_START: u64 = 0u64.wrapping_sub(1 << 47);

/// Check one `PT_LOAD` program header (number `index`) of `what` (a file of `file_len` bytes)
/// against what a process can have: at most as many bytes in the file as in memory, all of
/// them in the file, and an address range that does not wrap and lies in one half of the
/// address space. The error is one line naming the segment.
pub(crate) fn check_load(
    what: &Path,
    file_len: u64,
    index: usize,
    phdr: &elf::ProgramHeader64<LittleEndian>,
) -> Result<()> {
    let (vaddr, memsz, offset, filesz) = (phdr.p_vaddr(LE), phdr.p_memsz(LE), phdr.p_offset(LE), phdr.p_filesz(LE));
    let segment = || format!("{}: program header {index} (PT_LOAD at {vaddr:#x}, {memsz:#x} bytes)", what.display());
    if filesz > memsz {
        bail!("{}: holds {filesz:#x} bytes in the file, more than in memory", segment());
    }
    if offset.checked_add(filesz).filter(|&end| end <= file_len).is_none() {
        bail!(
            "{} is truncated: needs file bytes up to {:#x}, the file has {file_len:#x}",
            segment(),
            offset.saturating_add(filesz)
        );
    }
    let Some(end) = vaddr.checked_add(memsz) else {
        bail!("{}: ends past the top of the address space", segment());
    };
    if !(end <= USER_END || vaddr >= KERNEL_START) {
        bail!("{}: lies outside the x86-64 address space (user addresses end at {USER_END:#x})", segment());
    }
    Ok(())
}

/// The first two of these address ranges (sorted by start, each with its program header
/// number) that overlap: no process maps an address twice.
pub(crate) fn check_disjoint(what: &Path, ranges: &[(usize, Range<u64>)]) -> Result<()> {
    for pair in ranges.windows(2) {
        let [(i, a), (j, b)] = pair else { continue };
        if b.start < a.end {
            bail!(
                "{}: program headers {i} ({:#x}-{:#x}) and {j} ({:#x}-{:#x}) overlap",
                what.display(),
                a.start,
                a.end,
                b.start,
                b.end
            );
        }
    }
    Ok(())
}

/// One `PT_LOAD` segment of an executable or library.
#[derive(Clone, Copy, Debug)]
struct Load {
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
    perms: Perms,
}

/// An executable or shared library, mmapped.
pub(crate) struct ElfImage {
    /// Where it was opened.
    pub path: PathBuf,
    map: Mmap,
    /// `e_type` (`ET_EXEC`, `ET_DYN`, ...).
    pub e_type: u16,
    /// `e_machine`.
    pub machine: u16,
    loads: Vec<Load>,
    /// Its GNU BuildID, if it has one.
    pub build_id: Option<Vec<u8>>,
    /// `PT_INTERP`: the dynamic linker an executable asks for.
    interpreter: Option<PathBuf>,
}

impl ElfImage {
    /// mmap and check the ELF file at `path`.
    pub fn open(path: &Path) -> Result<ElfImage> {
        let map = map_file(path)?;
        let header = parse_header(&map, path)?;
        let phdrs =
            header.program_headers(LE, &*map).with_context(|| format!("{}: bad program headers", path.display()))?;
        let interpreter = phdrs.iter().find(|p| p.p_type(LE) == elf::PT_INTERP).and_then(|p| {
            let bytes = p.data(LE, &*map).ok()?;
            let name = bytes.split(|&b| b == 0).next()?;
            Some(PathBuf::from(String::from_utf8_lossy(name).into_owned()))
        });
        let mut loads = Vec::new();
        for (index, p) in phdrs.iter().enumerate().filter(|(_, p)| p.p_type(LE) == elf::PT_LOAD) {
            check_load(path, map.len() as u64, index, p)?;
            loads.push((
                index,
                Load {
                    offset: p.p_offset(LE),
                    vaddr: p.p_vaddr(LE),
                    filesz: p.p_filesz(LE),
                    memsz: p.p_memsz(LE),
                    perms: Perms::from_elf_flags(p.p_flags(LE)),
                },
            ));
        }
        loads.sort_by_key(|(_, l)| l.vaddr);
        let ranges: Vec<_> = loads.iter().map(|(i, l)| (*i, l.vaddr..l.vaddr + l.memsz)).collect();
        check_disjoint(path, &ranges)?;
        let loads = loads.into_iter().map(|(_, l)| l).collect();
        Ok(ElfImage {
            path: path.to_owned(),
            e_type: header.e_type(LE),
            machine: header.e_machine(LE),
            loads,
            build_id: build_id(&map).map(<[u8]>::to_vec),
            interpreter,
            map,
        })
    }

    /// The dynamic linker it names (`PT_INTERP`), for an executable.
    pub fn interpreter(&self) -> Option<&Path> {
        self.interpreter.as_deref()
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// An executable or position-independent executable (or a shared library: also `ET_DYN`).
    pub fn is_program(&self) -> bool {
        matches!(self.e_type, elf::ET_EXEC | elf::ET_DYN)
    }

    /// The link-time address range the image occupies: lowest `PT_LOAD` address rounded down to
    /// `page`, up to the highest segment end.
    pub fn link_range(&self, page: u64) -> Option<Range<u64>> {
        let start = self.loads.iter().map(|l| l.vaddr).min()? & !page.wrapping_sub(1);
        let end = self.loads.iter().map(|l| l.vaddr.saturating_add(l.memsz)).max()?;
        Some(start..end)
    }

    /// Permissions of the segment that maps file offset `offset`.
    pub fn perms_at(&self, offset: u64) -> Option<Perms> {
        let load = self.loads.iter().find(|l| (l.offset..l.offset.saturating_add(l.filesz)).contains(&offset))?;
        Some(load.perms)
    }

    /// The image's symbol tables, relocated by `bias` (run-time minus link-time address) and
    /// indexed; `page` is the page size used to align the image's range.
    pub fn symbols(&self, bias: u64, page: u64) -> Result<Symbols> {
        let data = self.bytes();
        let context = || format!("{}: bad section headers", self.path.display());
        let header = parse_header(data, &self.path)?;
        let sections = header.sections(LE, data).with_context(context)?;
        let table = |kind| -> Result<Vec<Symbol>> {
            let table = sections.symbols(LE, data, kind).with_context(context)?;
            Ok(table
                .iter()
                .filter_map(|sym| {
                    let name = table.symbol_name(LE, sym).ok().filter(|n| !n.is_empty())?;
                    let mut symbol = Symbol {
                        name: String::from_utf8_lossy(name).into_owned(),
                        value: sym.st_value(LE),
                        size: sym.st_size(LE),
                        info: sym.st_info(),
                        other: sym.st_other(),
                        shndx: sym.st_shndx(LE),
                    };
                    // Only addresses in the image move with it.
                    if symbol.moves() {
                        symbol.value = symbol.value.wrapping_add(bias);
                    }
                    Some(symbol)
                })
                .collect())
        };
        let image = self.link_range(page).map_or(0..0, |r| r.start.wrapping_add(bias)..r.end.wrapping_add(bias));
        Ok(Symbols::new(table(elf::SHT_SYMTAB)?, table(elf::SHT_DYNSYM)?, image))
    }
}

/// The shared library `path` mapped at `base`, if its file is the one the process mapped:
/// `in_memory` is the BuildID of the copy of its first page that the core or process holds
/// (`None`: not an ELF object with a BuildID, such as a data file, so nothing to use or
/// check). `Err` is a one-line warning: the file is missing or is another build.
pub(crate) fn open_library(
    path: &Path,
    base: u64,
    page: u64,
    in_memory: Option<&[u8]>,
    source: &str,
) -> Result<Option<LoadObject>, String> {
    let Some(in_memory) = in_memory else { return Ok(None) };
    let image = ElfImage::open(path)
        .map_err(|e| format!("shared library left out, its symbols and read-only data are unavailable: {e:#}"))?;
    if image.build_id.as_deref() != Some(in_memory) {
        return Err(format!(
            "shared library {} left out: it does not match the {source}: BuildID {} in the {source}, {} in the file",
            path.display(),
            hex(in_memory),
            image.build_id.as_deref().map_or("none".into(), hex)
        ));
    }
    Ok(LoadObject::new(path.to_owned(), image, base, page))
}
