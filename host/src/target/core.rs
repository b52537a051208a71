//! ELF core files (from the kernel or gdb's `gcore`) plus the node binary they were made with.
//!
//! The core is mmapped, never copied: cores reach a gigabyte and kernel cores are sparse (a
//! touched 510 MiB code range is dumped whole, mostly holes). Memory is an overlay:
//!
//! 1. bytes a core `PT_LOAD` segment holds (`p_filesz`), else
//! 2. bytes of a file mapping (NT_FILE note) read from the file itself: the executable, and
//!    shared libraries whose BuildID matches the core's copy of their first page. This is how
//!    node's `.text` and `.rodata` become readable; no default core holds them, and node's builtin
//!    JavaScript sources are external strings in `.rodata`.
//! 3. Anything else (e.g. a segment's `p_memsz` beyond `p_filesz`) was not dumped: unavailable.
//!
//! All of this is flattened at open time into one sorted table of disjoint extents, so a read
//! is a binary search and a `memcpy` per extent it touches.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{bail, Context, Result};
use memmap2::Mmap;
use object::elf;
use object::read::elf::{FileHeader, NoteIterator, ProgramHeader};

use super::elf::{
    build_id, check_disjoint, check_load, hex, map_file, open_library, parse_header, type_name, ElfImage, Header, LE,
};
use super::{LoadObject, Mapping, Perms, ReadError, Target, Thread};

/// `AT_ENTRY` in the auxiliary vector: the program's entry point.
const AT_ENTRY: u64 = 9;
/// Reads of at least this many bytes from the core use `pread` rather than the mapping.
const BULK_READ: usize = 64 * 1024;
/// How much of an image's first mapping we read from the core to find its BuildID.
const HEADER_PREFIX: usize = 64 * 1024;

/// A core file opened for reading, with its load objects' symbols.
pub struct CoreTarget {
    path: PathBuf,
    core: Mmap,
    /// The core again, for bulk reads: `pread` copies from the page cache without the
    /// page faults that touching a fresh mapping costs (a heap scan reads gigabytes).
    core_file: std::fs::File,
    /// The load objects, whose files reads fall back on; `objects[0]` is the executable.
    objects: Vec<LoadObject>,
    /// Why mapped ELF objects were left out.
    warnings: Vec<String>,
    /// Every readable address range, sorted and disjoint.
    extents: Vec<Extent>,
    mappings: Vec<Mapping>,
    threads: Vec<Thread>,
    /// Index of the extent the last read ended in: reads tend to stay in one place.
    last: AtomicUsize,
}

/// A range of target addresses whose bytes lie contiguously in the core or in a file image.
#[derive(Clone, Copy, Debug)]
struct Extent {
    start: u64,
    end: u64,
    source: Source,
    /// Offset in the source of the byte at `start`.
    offset: u64,
}

/// Where an extent's bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Core,
    /// The file of `CoreTarget::objects[i]`.
    Image(usize),
}

/// A `PT_LOAD` segment of the core: one memory region of the process.
#[derive(Clone, Copy, Debug)]
struct Segment {
    vaddr: u64,
    memsz: u64,
    offset: u64,
    /// Bytes present in the core, at most `memsz`.
    filesz: u64,
    perms: Perms,
    /// Its program header's number, for errors.
    index: usize,
}

/// One entry of the NT_FILE note: a file mapping of the process.
#[derive(Clone, Debug)]
struct FileMap {
    start: u64,
    end: u64,
    /// File offset of `start`, in bytes.
    offset: u64,
    path: String,
}

/// An NT_FILE entry with the image that backs it and its index in `CoreTarget::objects`.
type Backed<'a> = (&'a FileMap, Option<(usize, &'a ElfImage)>);

/// What the core's notes tell us.
#[derive(Debug, Default)]
struct Notes {
    files: Vec<FileMap>,
    page_size: Option<u64>,
    entry: Option<u64>,
    /// `pr_fname` of NT_PRPSINFO: the command name.
    command: Option<String>,
    /// `pr_pid` of NT_PRPSINFO.
    pid: Option<i32>,
    /// The threads, from the NT_PRSTATUS notes in order (the kernel writes the thread that
    /// took the fatal signal first, with the signal in `pr_cursig`).
    threads: Vec<Thread>,
}

impl CoreTarget {
    /// Open `core`, made from a process running `binary` (default: the executable the core
    /// names). The core must be complete, and the binary must match its BuildID.
    pub fn open(core_path: &Path, binary: Option<&Path>) -> Result<CoreTarget> {
        let core = map_file(core_path)?;
        let (machine, segments, mut notes) = read_headers(&core, core_path)?;
        let threads = std::mem::take(&mut notes.threads);
        let page = notes.page_size.filter(|p| p.is_power_of_two()).unwrap_or(4096);

        // Core bytes first: they are what the process had.
        let mut extents = core_extents(&segments);
        let dumped = Dumped { core: &core, extents: &extents };

        // The executable: where it was mapped, which file, and that the file is the right one.
        let exe_map = notes.executable(dumped).with_context(|| {
            format!(
                "core file {} (of command {:?}) does not say which executable it was made from \
                 (no usable NT_FILE note)",
                core_path.display(),
                notes.command.as_deref().unwrap_or("?")
            )
        })?;
        let exe_path = binary.unwrap_or(Path::new(&exe_map.path));
        if binary.is_none() && !exe_path.exists() {
            bail!(
                "cannot find the node binary the core was made with ({}); \
                 pass it before the core: mdb NODE CORE",
                exe_path.display()
            );
        }
        let exe = open_executable(exe_path, machine, dumped.build_id(exe_map.start))?;
        let exe = LoadObject::new(exe_path.to_owned(), exe, exe_map.start, page)
            .with_context(|| format!("{} has no loadable segments", exe_path.display()))?
            .with_symbols()?;

        // The shared libraries, which reads also fall back on: ELF files whose BuildID is
        // the one in the core.
        let mut objects = vec![exe];
        let mut warnings = Vec::new();
        let mut object_of = HashMap::from([(exe_map.path.as_str(), Some(0))]);
        let backing: Vec<Option<usize>> = notes
            .files
            .iter()
            .map(|f| {
                *object_of.entry(&f.path).or_insert_with(|| {
                    let base = notes.base(&f.path)?;
                    match open_library(Path::new(&f.path), base, page, dumped.build_id(base), "core") {
                        Ok(object) => {
                            objects.push(object?);
                            Some(objects.len() - 1)
                        }
                        Err(warning) => {
                            warnings.push(warning);
                            None
                        }
                    }
                })
            })
            .collect();
        // Each NT_FILE entry with the image that backs it, if any.
        let files: Vec<Backed> =
            notes.files.iter().zip(backing).map(|(f, index)| (f, index.map(|i| (i, objects[i].image())))).collect();

        // File bytes where the core has none.
        let dumped_ranges: Vec<_> = extents.iter().map(|e| e.start..e.end).collect();
        for &(f, image) in &files {
            let Some((index, image)) = image else {
                continue;
            };
            // Clip to the end of the file: the process could not have read past it either.
            let in_file = (image.bytes().len() as u64).saturating_sub(f.offset);
            let end = f.end.min(f.start.saturating_add(in_file));
            for r in uncovered(f.start..end, &dumped_ranges) {
                let offset = f.offset + (r.start - f.start);
                let source = Source::Image(index);
                extents.push(Extent { start: r.start, end: r.end, source, offset });
            }
        }
        extents.sort_by_key(|e| e.start);

        let mappings = mappings(&segments, &files);
        let core_file =
            std::fs::File::open(core_path).with_context(|| format!("cannot open {}", core_path.display()))?;
        Ok(CoreTarget {
            path: core_path.to_owned(),
            core,
            core_file,
            objects,
            warnings,
            extents,
            mappings,
            threads,
            last: AtomicUsize::new(0),
        })
    }

    /// The extent containing `addr`: the last one used, or found by binary search.
    fn extent_at(&self, addr: u64) -> Option<&Extent> {
        let last = self.last.load(Ordering::Relaxed);
        if let Some(e) = self.extents.get(last).filter(|e| (e.start..e.end).contains(&addr)) {
            return Some(e);
        }
        let i = self.extents.partition_point(|e| e.end <= addr);
        let e = self.extents.get(i).filter(|e| e.start <= addr)?;
        self.last.store(i, Ordering::Relaxed);
        Some(e)
    }

    /// The bytes of an extent's source.
    fn source(&self, source: Source) -> &[u8] {
        match source {
            Source::Core => &self.core,
            Source::Image(i) => self.objects[i].image().bytes(),
        }
    }
}

/// What the core's bytes alone say, before any file is opened: see [`parse_core_bytes`].
#[derive(Debug)]
pub struct CoreBytes {
    /// The executable's path (from the NT_FILE note) and the BuildID of its header as dumped.
    pub executable: Option<(String, Option<Vec<u8>>)>,
    /// The process's mappings, without the permissions only the files know.
    pub mappings: Vec<Mapping>,
}

/// The steps of `open` that read only the core: the checks of its headers and notes, the
/// executable's mapping and BuildID, the mappings. The fuzz target feeds it arbitrary bytes.
pub fn parse_core_bytes(core: &[u8]) -> Result<CoreBytes> {
    let (_, segments, notes) = read_headers(core, Path::new("<bytes>"))?;
    let extents = core_extents(&segments);
    let dumped = Dumped { core, extents: &extents };
    let executable = notes.executable(dumped).map(|f| (f.path.clone(), dumped.build_id(f.start).map(<[u8]>::to_vec)));
    let files: Vec<Backed> = notes.files.iter().map(|f| (f, None)).collect();
    Ok(CoreBytes { executable, mappings: mappings(&segments, &files) })
}

/// Check the core's ELF header and program headers against the file; its `e_machine`, its
/// `PT_LOAD` segments sorted by address, and what its notes say.
fn read_headers(core: &[u8], path: &Path) -> Result<(u16, Vec<Segment>, Notes)> {
    let header = parse_header(core, path)?;
    let e_type = header.e_type(LE);
    if e_type != elf::ET_CORE {
        bail!("{} is not an ELF core file (e_type {e_type}: {})", path.display(), type_name(e_type));
    }
    let phdrs = header
        .program_headers(LE, core)
        .with_context(|| format!("core file {}: bad program headers", path.display()))?;
    let file_len = core.len() as u64;
    let mut segments = Vec::new();
    let mut notes = Notes::default();
    for (index, phdr) in phdrs.iter().enumerate() {
        let p_type = phdr.p_type(LE);
        if p_type != elf::PT_LOAD && p_type != elf::PT_NOTE {
            continue;
        }
        let (offset, filesz, vaddr) = (phdr.p_offset(LE), phdr.p_filesz(LE), phdr.p_vaddr(LE));
        let Some(data) = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(filesz).ok())
            .and_then(|(offset, len)| core.get(offset..offset.checked_add(len)?))
        else {
            bail!(
                "core file {} is truncated: segment at {vaddr:#x} needs {} bytes, file has {file_len}",
                path.display(),
                offset.saturating_add(filesz)
            );
        };
        let memsz = phdr.p_memsz(LE);
        if p_type == elf::PT_NOTE {
            notes.parse(data).with_context(|| format!("core file {}", path.display()))?;
        } else if memsz > 0 {
            check_load(path, file_len, index, phdr)?;
            let perms = Perms::from_elf_flags(phdr.p_flags(LE));
            segments.push(Segment { vaddr, memsz, offset, filesz, perms, index });
        }
    }
    segments.sort_by_key(|s| s.vaddr);
    let ranges: Vec<_> = segments.iter().map(|s| (s.index, s.vaddr..s.vaddr + s.memsz)).collect();
    check_disjoint(path, &ranges)?;
    Ok((header.e_machine(LE), segments, notes))
}

/// The extents of the bytes the segments hold (the first segment wins where they overlap).
fn core_extents(segments: &[Segment]) -> Vec<Extent> {
    let mut extents = Vec::new();
    let mut covered = 0;
    for s in segments {
        let start = s.vaddr.max(covered);
        let end = s.vaddr.saturating_add(s.filesz);
        if start < end {
            let offset = s.offset + (start - s.vaddr);
            extents.push(Extent { start, end, source: Source::Core, offset });
            covered = end;
        }
    }
    extents
}

/// Open the executable at `path` and check it against the core: an executable for the same
/// machine, with the BuildID the core recorded, if it recorded one.
fn open_executable(path: &Path, machine: u16, build_id: Option<&[u8]>) -> Result<ElfImage> {
    let exe = ElfImage::open(path)?;
    let (e_type, name) = (exe.e_type, type_name(exe.e_type));
    if !exe.is_program() {
        bail!("{} is not an executable (e_type {e_type}: {name})", path.display());
    }
    if exe.machine != machine {
        bail!(
            "{} is for another machine (e_machine {}) than the core (e_machine {machine})",
            path.display(),
            exe.machine
        );
    }
    if let (Some(in_core), Some(in_file)) = (build_id, &exe.build_id) {
        if in_core != in_file {
            bail!(
                "node binary {} does not match the core: BuildID {} in the core, {} in the binary",
                path.display(),
                hex(in_core),
                hex(in_file)
            );
        }
    }
    Ok(exe)
}

/// The process's mappings: the core's segments, then the file mappings the core has no segment
/// for (gcore leaves out unchanged file mappings), with permissions from the file's own
/// program headers when we have it, else read-only.
fn mappings(segments: &[Segment], files: &[Backed]) -> Vec<Mapping> {
    let file_at = |addr| files.iter().map(|f| f.0).find(|f| (f.start..f.end).contains(&addr));
    let mut mappings: Vec<Mapping> = segments
        .iter()
        .map(|s| {
            let file = file_at(s.vaddr);
            Mapping {
                start: s.vaddr,
                size: s.memsz,
                perms: s.perms,
                path: file.map(|f| f.path.clone()),
                offset: file.map_or(0, |f| f.offset.saturating_add(s.vaddr - f.start)),
                brk: false,
            }
        })
        .collect();
    let segment_ranges: Vec<_> = segments.iter().map(|s| s.vaddr..s.vaddr.saturating_add(s.memsz)).collect();
    for &(f, image) in files {
        for r in uncovered(f.start..f.end, &segment_ranges) {
            let offset = f.offset.saturating_add(r.start - f.start);
            let perms = image.and_then(|(_, image)| image.perms_at(offset));
            mappings.push(Mapping {
                start: r.start,
                size: r.end - r.start,
                perms: perms.unwrap_or(Perms { read: true, ..Perms::default() }),
                path: Some(f.path.clone()),
                offset,
                brk: false,
            });
        }
    }
    mappings.sort_by_key(|m| m.start);
    mappings
}

impl Target for CoreTarget {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        let mut done = 0;
        // Usually one extent holds the whole buffer and this loops once.
        while done < buf.len() {
            let Some(at) = addr.checked_add(done as u64) else {
                break;
            };
            let Some(extent) = self.extent_at(at) else {
                break;
            };
            // At most what is left of `buf`, so it fits a usize.
            let n = (extent.end - at).min((buf.len() - done) as u64) as usize;
            let from = usize::try_from(extent.offset + (at - extent.start)).unwrap_or(usize::MAX);
            if extent.source == Source::Core && n >= BULK_READ {
                use std::os::unix::fs::FileExt;
                if self.core_file.read_exact_at(&mut buf[done..done + n], from as u64).is_err() {
                    break;
                }
                done += n;
                continue;
            }
            let Some(bytes) = self.source(extent.source).get(from..from.saturating_add(n)) else {
                break;
            };
            buf[done..done + n].copy_from_slice(bytes);
            done += n;
        }
        ReadError::unless_whole(addr, done, buf.len())
    }

    fn mappings(&self) -> &[Mapping] {
        &self.mappings
    }

    fn objects(&self) -> &[LoadObject] {
        &self.objects
    }

    fn warnings(&self) -> &[String] {
        &self.warnings
    }

    fn describe(&self) -> String {
        format!("core file {} (node binary {})", self.path.display(), self.executable().display())
    }

    fn is_live(&self) -> bool {
        false
    }

    fn threads(&self) -> Result<&[Thread], String> {
        Ok(&self.threads)
    }
}

/// The extent containing `addr`, if any.
fn find(extents: &[Extent], addr: u64) -> Option<&Extent> {
    let i = extents.partition_point(|e| e.end <= addr);
    extents.get(i).filter(|e| e.start <= addr)
}

/// The memory the core itself holds, before any file is laid under it.
#[derive(Clone, Copy)]
struct Dumped<'a> {
    core: &'a [u8],
    /// Core extents only.
    extents: &'a [Extent],
}

impl<'a> Dumped<'a> {
    /// The bytes dumped from `addr` on (at most [`HEADER_PREFIX`], within one extent).
    fn prefix(self, addr: u64) -> &'a [u8] {
        let bytes = find(self.extents, addr).and_then(|e| {
            let from = usize::try_from(e.offset + (addr - e.start)).ok()?;
            let len = usize::try_from(e.end - addr).map_or(HEADER_PREFIX, |n| n.min(HEADER_PREFIX));
            self.core.get(from..from.checked_add(len)?)
        });
        bytes.unwrap_or_default()
    }

    /// The BuildID of the ELF image mapped at `base`, from its first page as the core has it.
    fn build_id(self, base: u64) -> Option<&'a [u8]> {
        build_id(self.prefix(base))
    }
}

/// The parts of `range` that none of `covered` (sorted by start) overlaps.
fn uncovered(range: Range<u64>, covered: &[Range<u64>]) -> Vec<Range<u64>> {
    let mut gaps = Vec::new();
    let mut from = range.start;
    for c in covered.iter().take_while(|c| c.start < range.end) {
        if c.end <= from {
            continue;
        }
        if c.start > from {
            gaps.push(from..c.start);
        }
        from = c.end;
    }
    if from < range.end {
        gaps.push(from..range.end);
    }
    gaps
}

/// The little-endian u64 at byte `offset` of `bytes`.
fn u64_at(bytes: &[u8], offset: usize) -> Option<u64> {
    let b = bytes.get(offset..offset.checked_add(8)?)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

impl Notes {
    /// Take what we need from the notes of one `PT_NOTE` segment.
    fn parse(&mut self, data: &[u8]) -> Result<()> {
        // Core notes are 4-byte aligned whatever p_align says (gcore writes 1).
        let mut iter = NoteIterator::<Header>::new(LE, 4, data).context("bad PT_NOTE")?;
        let mut prstatus = Vec::new();
        while let Some(note) = iter.next().context("bad PT_NOTE")? {
            if note.name() != elf::ELF_NOTE_CORE {
                continue;
            }
            let desc = note.desc();
            match note.n_type(LE) {
                elf::NT_FILE => self.parse_file_table(desc).context("malformed NT_FILE note")?,
                elf::NT_AUXV => {
                    let mut pairs = desc.chunks_exact(16).filter_map(|p| Some((u64_at(p, 0)?, u64_at(p, 8)?)));
                    self.entry = pairs.find(|&(key, _)| key == AT_ENTRY).map(|(_, value)| value);
                }
                elf::NT_PRPSINFO => {
                    // struct elf_prpsinfo on 64-bit Linux: pr_pid at 24, pr_fname[16] at 40.
                    let fname = desc.get(40..56).unwrap_or_default();
                    let fname = fname.split(|&b| b == 0).next().unwrap_or_default();
                    self.command = Some(String::from_utf8_lossy(fname).into_owned());
                    self.pid = desc.get(24..28).and_then(|b| Some(i32::from_le_bytes(b.try_into().ok()?)));
                }
                elf::NT_PRSTATUS => prstatus.push(desc),
                _ => {}
            }
        }
        // NT_PRPSINFO (the pid) follows the first NT_PRSTATUS.
        self.threads.extend(Thread::from_prstatus(&prstatus, self.pid));
        Ok(())
    }

    /// NT_FILE: count, page size, `count` × (start, end, file offset in pages), `count` names.
    fn parse_file_table(&mut self, desc: &[u8]) -> Result<()> {
        let (Some(count), Some(page)) = (u64_at(desc, 0), u64_at(desc, 8)) else { bail!("too short") };
        let names_at = usize::try_from(count)
            .ok()
            .and_then(|n| n.checked_mul(24)?.checked_add(16))
            .filter(|&at| at <= desc.len())
            .context("entry count larger than the note")?;
        let mut names = desc[names_at..].split(|&b| b == 0);
        for entry in desc[16..names_at].chunks_exact(24) {
            let (Some(start), Some(end), Some(pages)) = (u64_at(entry, 0), u64_at(entry, 8), u64_at(entry, 16)) else {
                bail!("short entry")
            };
            let name = names.next().context("fewer names than entries")?;
            if start >= end {
                bail!("empty mapping at {start:#x}");
            }
            let offset = pages.checked_mul(page).context("file offset overflows")?;
            self.files.push(FileMap { start, end, offset, path: String::from_utf8_lossy(name).into_owned() });
        }
        self.files.sort_by_key(|f| f.start);
        self.page_size = Some(page);
        Ok(())
    }

    /// The executable's first file mapping (the one at file offset 0): the file that contains
    /// the entry point, else the first mapping at offset 0 whose dumped copy is an ELF program.
    fn executable(&self, dumped: Dumped) -> Option<&FileMap> {
        let is_program = |f: &&FileMap| {
            let header = Header::parse(dumped.prefix(f.start));
            header.is_ok_and(|h| matches!(h.e_type(LE), elf::ET_EXEC | elf::ET_DYN))
        };
        let text = self.entry.and_then(|entry| self.files.iter().find(|f| (f.start..f.end).contains(&entry)));
        match text {
            Some(text) => self.files.iter().find(|f| f.path == text.path && f.offset == 0),
            None => self.files.iter().filter(|f| f.offset == 0).find(is_program),
        }
    }

    /// Where `path` is mapped at file offset 0 (its ELF header).
    fn base(&self, path: &str) -> Option<u64> {
        self.files.iter().find(|f| f.path == path && f.offset == 0).map(|f| f.start)
    }
}

#[cfg(test)]
mod tests {
    use std::fs::{self, File};
    use std::io::{self, Read};
    use std::time::Instant;

    use object::{Object, ObjectSection};

    use super::super::testutil::{
        build_pie, cached_node, check_pie, gcore, kernel_core, node20, read_u32, symbol_value,
    };
    use super::super::testutil::{TempDir, Waiting};
    use super::super::{open_core, SymTable};
    use super::*;

    /// The fuzz target `core`'s seed (fuzz/seeds.py): an ET_CORE whose notes name the
    /// executable and whose one segment holds its header with a BuildID note.
    #[test]
    fn core_bytes_name_the_executable_and_its_mappings() {
        // Mapped, as `open` maps cores: the ELF structs must be aligned.
        let seed =
            map_file(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/seeds/core/minimal-core"))).unwrap();
        let core = parse_core_bytes(&seed).unwrap();
        let build_id: Vec<u8> = (0..20).collect();
        assert_eq!(core.executable, Some(("/usr/bin/node".to_string(), Some(build_id))));
        let ranges: Vec<_> = core.mappings.iter().map(|m| (m.start, m.size, m.path.as_deref())).collect();
        assert_eq!(ranges, [(0x400000, 0x1000, Some("/usr/bin/node")), (0x401000, 0x1000, Some("/usr/bin/node"))]);
        let e = parse_core_bytes(&seed[..300]).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn gaps_between_ranges() {
        let covered = [10..20, 30..40, 35..50];
        assert_eq!(uncovered(0..100, &covered), [0..10, 20..30, 50..100]);
        assert_eq!(uncovered(12..18, &covered), []);
        assert_eq!(uncovered(15..33, &covered), [20..30]);
        assert_eq!(uncovered(60..70, &covered), [60..70]);
    }

    #[test]
    fn file_table_note() {
        let mut desc = Vec::new();
        for word in [2u64, 0x1000, 0x400000, 0x401000, 0, 0x500000, 0x503000, 3] {
            desc.extend(word.to_le_bytes());
        }
        desc.extend(b"/bin/a\0/lib/b\0");
        let mut notes = Notes::default();
        notes.parse_file_table(&desc).expect("parse");
        assert_eq!(notes.page_size, Some(0x1000));
        let files: Vec<_> = notes.files.iter().map(|f| (f.start, f.end, f.offset, f.path.as_str())).collect();
        assert_eq!(files, [(0x400000, 0x401000, 0, "/bin/a"), (0x500000, 0x503000, 0x3000, "/lib/b")]);

        let truncated = &desc[..desc.len() - 8];
        assert!(Notes::default().parse_file_table(&truncated[..40]).is_err(), "fewer entries than the count");
        let mut huge = desc.clone();
        huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Notes::default().parse_file_table(&huge).is_err(), "absurd count");
    }

    /// An error message from opening `core` with `binary`.
    fn open_error(core: &Path, binary: Option<&Path>) -> String {
        format!("{:#}", open_core(core, binary).err().expect("open must fail"))
    }

    #[test]
    fn not_a_core() {
        let dir = TempDir::new("notcore");
        let text = dir.0.join("text");
        fs::write(&text, "hello").expect("write");
        assert_eq!(open_error(&text, None), format!("{} is not an ELF file", text.display()));
        let empty = dir.0.join("empty");
        fs::write(&empty, "").expect("write");
        assert_eq!(open_error(&empty, None), format!("{} is not an ELF file", empty.display()));
        assert_eq!(open_error(&dir.0, None), format!("{} is not a regular file", dir.0.display()));
        let Some(node) = node20() else { return };
        assert_eq!(
            open_error(&node, None),
            format!("{} is not an ELF core file (e_type 2: EXEC (executable))", node.display())
        );
        let missing = dir.0.join("missing");
        assert!(open_error(&missing, None).starts_with(&format!("cannot open {}", missing.display())));
    }

    /// Every check of a core of a `node -e 'setInterval(...)'` process of node 20 at `node`.
    fn check_node20_core(core: &Path, node: &Path) {
        let started = Instant::now();
        let target = open_core(core, None).expect("open core");
        eprintln!("{}: opened in {:?}", core.display(), started.elapsed());
        assert!(!target.is_live());
        assert_eq!(target.executable(), node);
        assert_eq!(target.describe(), format!("core file {} (node binary {})", core.display(), node.display()));

        // Metadata in .data (from the core) and the version.
        let syms = target.objects()[0].symbols();
        assert!(syms.by_name("v8dbg_SmiTag").is_some());
        assert!(syms.iter(SymTable::Dynsym).any(|s| s.name == "v8dbg_SmiTag"));
        assert!(syms.iter(SymTable::Symtab).count() > 100_000);
        assert_eq!(read_u32(&*target, symbol_value(&*target, "v8dbg_type_JSObject__JS_OBJECT_TYPE")), 1057);
        let major = symbol_value(&*target, "_ZN2v88internal7Version6major_E");
        assert_eq!(read_u32(&*target, major), 11, "V8 11 is in node 20");
        let (sym, offset) = syms.by_addr(major + 2).expect("symbol at address");
        assert_eq!((sym.name.as_str(), offset), ("_ZN2v88internal7Version6major_E", 2));

        // The ELF header at the executable's base, and .rodata, which only the binary has.
        let mut magic = [0; 4];
        target.read(0x400000, &mut magic).expect("read ELF header");
        assert_eq!(&magic, b"\x7fELF");
        let binary = fs::read(node).expect("read node");
        let file = object::File::parse(&*binary).expect("parse node");
        let rodata = file.section_by_name(".rodata").expect(".rodata");
        let (file_offset, _) = rodata.file_range().expect(".rodata file range");
        let mut bytes = vec![0; 4096];
        target.read(rodata.address() + 0x10000, &mut bytes).expect("read .rodata");
        let at = file_offset as usize + 0x10000;
        assert_eq!(bytes, binary[at..at + 4096]);

        // Mappings: sorted, disjoint, node's own ones named.
        let maps = target.mappings();
        assert!(maps.windows(2).all(|w| w[0].end() <= w[1].start), "mappings sorted and disjoint");
        let first = maps.iter().find(|m| m.start == 0x400000).expect("mapping at 0x400000");
        assert_eq!((first.path.as_deref(), first.offset), (node.to_str(), 0));
        let text = maps.iter().find(|m| m.start == rodata.address() & !0xfff).expect("mapping of .rodata");
        assert_eq!((text.perms.to_string(), text.path.as_deref()), ("r--".into(), node.to_str()));

        // A read running from the heap's first page into an unmapped address.
        let end = maps.iter().find(|m| m.path.is_none() && m.perms.write && !maps.iter().any(|n| n.start == m.end()));
        let end = end.expect("an anonymous mapping followed by a gap").end();
        let err = target.read(end - 8, &mut [0; 16]).expect_err("read past the mapping");
        assert_eq!(err, ReadError::Partial { addr: end - 8, got: 8, want: 16 });
        assert_eq!(target.read(8, &mut [0; 8]), Err(ReadError::NoMap { addr: 8 }));
        assert!(target.read(u64::MAX - 3, &mut [0; 8]).is_err());

        read_everything(&*target);
    }

    /// Read every mapping in 256 KiB blocks (no panic, no error beyond a failed read) and tell
    /// how much was readable and how long it took.
    fn read_everything(target: &dyn Target) {
        let started = Instant::now();
        let mut buf = vec![0; 256 * 1024];
        let (mut readable, mut total) = (0u64, 0u64);
        for m in target.mappings() {
            let mut at = m.start;
            while at < m.end() {
                let n = (m.end() - at).min(buf.len() as u64) as usize;
                if target.read(at, &mut buf[..n]).is_ok() {
                    readable += n as u64;
                }
                total += n as u64;
                at += n as u64;
            }
        }
        let mib = |n| n as f64 / (1 << 20) as f64;
        eprintln!(
            "read {:.1} of {:.1} MiB mapped in {} mappings in {:?}",
            mib(readable),
            mib(total),
            target.mappings().len(),
            started.elapsed()
        );
        assert!(readable > 0);
    }

    #[test]
    fn gcore_node20() {
        let Some(node) = node20() else { return };
        if which("gcore").is_none() {
            eprintln!("SKIPPED: gcore is not installed");
            return;
        }
        let dir = TempDir::new("gcore");
        let core = {
            let child = Waiting::node(&node);
            let started = Instant::now();
            let core = gcore(&child, &dir.0);
            eprintln!("gcore took {:?}", started.elapsed());
            core
        };
        check_node20_core(&core, &node);

        // Another node's binary.
        if let Some(node22) = cached_node("22.23.5") {
            let err = open_error(&core, Some(&node22));
            let expected = format!("node binary {} does not match the core: BuildID ", node22.display());
            assert!(err.starts_with(&expected), "{err}");
        }
        // The same binary under another name is fine.
        assert!(open_core(&core, Some(&node)).is_ok());

        // A truncated core: its first MiB, then a hole up to half its length.
        let truncated = dir.0.join("truncated");
        let len = fs::metadata(&core).expect("core size").len();
        let mut head = File::open(&core).expect("open core").take(1 << 20);
        let mut copy = File::create(&truncated).expect("create");
        io::copy(&mut head, &mut copy).and_then(|_| copy.set_len(len / 2)).expect("copy");
        let err = open_error(&truncated, None);
        let expected = format!("core file {} is truncated: segment at 0x", truncated.display());
        assert!(err.starts_with(&expected) && err.ends_with(&format!("file has {}", len / 2)), "{err}");
    }

    #[test]
    fn kernel_core_node20() {
        let Some(node) = node20() else { return };
        let dir = TempDir::new("kcore20");
        let Some(core) = kernel_core(&dir.0, &node, &["-e", "process.abort()"]) else {
            return;
        };
        check_node20_core(&core, &node);
    }

    /// Node 26 (a 510 MiB RWX code range dumped whole, sparse), run from a copy of the binary
    /// that is then deleted.
    #[test]
    fn kernel_core_node26() {
        let Some(cached) = cached_node("26.12.1") else {
            return;
        };
        let dir = TempDir::new("kcore26");
        let node = dir.0.join("node");
        fs::copy(&cached, &node).expect("copy node");
        let Some(core) = kernel_core(&dir.0, &node, &["-e", "process.abort()"]) else {
            return;
        };
        let target = open_core(&core, None).expect("open core");
        assert_eq!(target.executable(), node);
        assert_eq!(
            read_u32(&*target, symbol_value(&*target, "_ZN2v88internal7Version6major_E")),
            14,
            "V8 14 is in node 26"
        );
        read_everything(&*target);

        fs::remove_file(&node).expect("remove node");
        let expected = format!(
            "cannot find the node binary the core was made with ({}); pass it before the core: mdb NODE CORE",
            node.display()
        );
        assert_eq!(open_error(&core, None), expected);
        let target = open_core(&core, Some(&cached)).expect("open core with the binary given");
        assert_eq!(target.executable(), cached);
    }

    /// A position-independent executable: symbols move by the load bias, data comes from the
    /// core and read-only data from the binary.
    #[test]
    fn kernel_core_pie() {
        let dir = TempDir::new("kcorepie");
        let Some(pie) = build_pie(&dir.0) else { return };
        let Some(core) = kernel_core(&dir.0, &pie, &["abort"]) else {
            return;
        };
        let target = open_core(&core, None).expect("open core");
        assert_eq!(target.executable(), pie);
        check_pie(&*target);
        corrupted_cores_do_not_panic(&core);
    }

    /// Open copies of `core` with random bytes of its headers and notes overwritten: each
    /// gives an error or a target, never a panic, and reads from it do not panic either.
    fn corrupted_cores_do_not_panic(core: &Path) {
        let original = fs::read(core).expect("read core");
        let headers = original.len().min(0x2000);
        let copy = core.with_extension("corrupt");
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut random = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut opened = 0;
        for _ in 0..300 {
            let mut bytes = original.clone();
            for _ in 0..1 + random() % 4 {
                let at = (random() % headers as u64) as usize;
                bytes[at] = random() as u8;
            }
            fs::write(&copy, &bytes).expect("write corrupted core");
            if let Ok(target) = open_core(&copy, None) {
                opened += 1;
                for m in target.mappings() {
                    let _ = target.read(m.start, &mut [0; 64]);
                }
            }
        }
        eprintln!("{opened} of 300 corrupted cores opened");
    }

    /// The path of `tool` on `$PATH`.
    fn which(tool: &str) -> Option<PathBuf> {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path).map(|dir| dir.join(tool)).find(|p| p.exists())
    }
}
