//! The memory and symbols of the Node process being debugged, as the host's mdb API sees them.
//!
//! A [`Target`] is either an ELF core file plus the node binary it was made with
//! ([`open_core`], see `core.rs`), or a live process read through `/proc` ([`open_process`], see
//! `process.rs`). Both give the same three things:
//!
//! - **memory**: [`Target::read`] fills a buffer or fails with a [`ReadError`]; a read may span
//!   several adjacent mappings;
//! - **mappings**: [`Target::mappings`], what illumos libproc's `Pmapping_iter` would report;
//! - **load objects**: the executable and every shared library the process mapped
//!   ([`LoadObject`]), each with its load bias and its symbols, relocated to run-time
//!   addresses ([`Symbols`]). A library's symbol tables are read on first use (libnode's
//!   `.dynsym` alone has some 100,000 entries); the executable's at open time.
//!
//! Differences from the interface first sketched for this module:
//! - `open_core` and `open_process` return `Box<dyn Target>`; the concrete types
//!   ([`CoreTarget`], [`ProcessTarget`]) are public too, with the same constructors.
//! - [`Symbols::iter`] returns a slice iterator (an `impl Iterator<Item = &Symbol>`).
//! - For cores, [`Target::mappings`] lists the core's `PT_LOAD` segments **and** the NT_FILE
//!   ranges that no segment covers: gdb's `gcore` writes no segment at all for file mappings it
//!   considers unchanged (node's `.text` and `.rodata`, the shared libraries' text), while the
//!   kernel writes one with no data. Both kinds of core thus list the same address ranges.
//! - [`Perms`] implements `Display` (`r-x`), and [`ReadError`] implements `std::error::Error`.

mod core;
mod elf;
mod process;
mod threads;

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Result;

use self::elf::ElfImage;

pub use self::core::{parse_core_bytes, CoreBytes, CoreTarget};
pub use self::process::ProcessTarget;
pub use self::threads::{Signal, Thread, REGISTERS};

/// Access permissions of a mapping.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Perms {
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub exec: bool,
}

impl Perms {
    /// Permissions from ELF `p_flags` (`PF_R` = 4, `PF_W` = 2, `PF_X` = 1).
    pub fn from_elf_flags(flags: u32) -> Perms {
        Perms { read: flags & 4 != 0, write: flags & 2 != 0, exec: flags & 1 != 0 }
    }
}

impl fmt::Display for Perms {
    /// `rwx` with `-` for a missing permission, as in `/proc/PID/maps`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = |on, c| if on { c } else { '-' };
        write!(f, "{}{}{}", flag(self.read, 'r'), flag(self.write, 'w'), flag(self.exec, 'x'))
    }
}

/// One memory region of the process as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// First address of the region.
    pub start: u64,
    /// Size of the region in bytes.
    pub size: u64,
    /// Access permissions.
    pub perms: Perms,
    /// The backing file (from NT_FILE or `/proc/PID/maps`); `None` for anonymous memory.
    pub path: Option<String>,
    /// Offset in the backing file of `start` when file-backed, else 0.
    pub offset: u64,
    /// This is the brk heap (`[heap]`); only known for a live process.
    pub brk: bool,
}

#[cfg(test)]
impl Mapping {
    /// One past the last address of the region (saturating).
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.size)
    }
}

/// One ELF symbol of a load object, with its value relocated to the run-time address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// Symbol name as in the string table (mangled for C++).
    pub name: String,
    /// Run-time address (file value plus load bias for defined, non-absolute, non-TLS symbols).
    pub value: u64,
    /// Size in bytes (0 when unknown).
    pub size: u64,
    /// `st_info`: binding in the high nibble, type in the low nibble.
    pub info: u8,
    /// `st_other`: visibility.
    pub other: u8,
    /// `st_shndx`: section index, `SHN_UNDEF` (0) for an undefined reference, `SHN_ABS`...
    pub shndx: u16,
}

/// `STT_OBJECT`
const STT_OBJECT: u8 = 1;
/// `STT_FUNC`
const STT_FUNC: u8 = 2;
/// `STB_LOCAL`
const STB_LOCAL: u8 = 0;
/// `SHN_UNDEF`
const SHN_UNDEF: u16 = 0;
/// `STT_TLS`
const STT_TLS: u8 = 6;
/// `SHN_LORESERVE`: section indices from here on are special (`SHN_ABS`, `SHN_COMMON`...).
const SHN_LORESERVE: u16 = 0xff00;
/// `SHN_XINDEX`: the real section index is elsewhere; still an ordinary section.
const SHN_XINDEX: u16 = 0xffff;

impl Symbol {
    /// `STT_*` type from `st_info`.
    pub fn kind(&self) -> u8 {
        self.info & 0xf
    }

    /// `STB_*` binding from `st_info`.
    pub fn binding(&self) -> u8 {
        self.info >> 4
    }

    /// Defined in this file (not an undefined reference to another object).
    pub fn is_defined(&self) -> bool {
        self.shndx != SHN_UNDEF
    }

    /// Its value is an address in the object's image, and so moves with the load bias
    /// (defined in an ordinary section, not absolute, not a TLS offset).
    pub fn moves(&self) -> bool {
        self.is_defined() && (self.shndx < SHN_LORESERVE || self.shndx == SHN_XINDEX) && self.kind() != STT_TLS
    }
}

/// One ELF object mapped in the process: the executable or a shared library.
pub struct LoadObject {
    /// The file as the process mapped it (NT_FILE or `/proc/PID/maps`), or as given.
    pub path: PathBuf,
    /// Run-time minus link-time address (0 for a non-PIE executable).
    pub bias: u64,
    /// `ET_DYN` (a PIE executable or a shared library): its symbols' file values are
    /// link-time addresses, `bias` away from the run-time ones.
    pub dynamic: bool,
    image: ElfImage,
    page: u64,
    symbols: OnceLock<Symbols>,
}

impl LoadObject {
    /// The object of `image`, whose first byte (file offset 0) is mapped at `base`; `None`
    /// if it has no loadable segments.
    pub(crate) fn new(path: PathBuf, image: ElfImage, base: u64, page: u64) -> Option<LoadObject> {
        let bias = base.wrapping_sub(image.link_range(page)?.start);
        let dynamic = image.e_type == object::elf::ET_DYN;
        Some(LoadObject { path, bias, dynamic, image, page, symbols: OnceLock::new() })
    }

    /// Read the symbol tables now, failing on malformed ones (for the executable).
    pub(crate) fn with_symbols(self) -> Result<LoadObject> {
        let symbols = self.image.symbols(self.bias, self.page)?;
        let _ = self.symbols.set(symbols);
        Ok(self)
    }

    /// Its symbol tables, read on first use; malformed ones read as empty.
    pub fn symbols(&self) -> &Symbols {
        self.symbols.get_or_init(|| self.image.symbols(self.bias, self.page).unwrap_or_default())
    }

    /// The mapped file.
    pub(crate) fn image(&self) -> &ElfImage {
        &self.image
    }

    /// The file name without its directory, as mdb names objects (`libc.so.6`).
    pub fn basename(&self) -> &str {
        self.path.file_name().and_then(|n| n.to_str()).unwrap_or_default()
    }

    /// Whether `name` names this object: its path, its basename, or its basename up to
    /// the first dot (`libnode` for `libnode.so.108`), as libproc matches object names.
    pub fn is_named(&self, name: &str) -> bool {
        let base = self.basename();
        self.path.as_os_str() == name || base == name || base.split('.').next() == Some(name)
    }
}

impl fmt::Debug for LoadObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LoadObject({}, bias {:#x})", self.path.display(), self.bias)
    }
}

/// Which ELF symbol table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymTable {
    /// `.symtab`, the full table (absent from stripped binaries).
    Symtab,
    /// `.dynsym`, the exported symbols.
    Dynsym,
}

/// The symbol tables of one load object, with indexes by name and by address.
#[derive(Debug, Default)]
pub struct Symbols {
    /// `.symtab` followed by `.dynsym`, each in file order.
    all: Vec<Symbol>,
    /// Index in `all` of the first `.dynsym` symbol.
    dynsym_start: usize,
    /// Defined symbols by name; `.symtab` first, global definitions over local ones.
    by_name: HashMap<Box<str>, u32, BuildHasherDefault<NameHasher>>,
    /// Defined functions and objects of one table (`.symtab`, else `.dynsym`), sorted by value,
    /// the preferred symbol first among equal values. Built on first use: most sessions
    /// never look up an address.
    by_addr: OnceLock<Vec<u32>>,
    /// Addresses the object occupies at run time; `by_addr` answers only inside it.
    image: Range<u64>,
}

impl Symbols {
    /// Index the two tables. `image` is the run-time address range of the object.
    pub(crate) fn new(symtab: Vec<Symbol>, dynsym: Vec<Symbol>, image: Range<u64>) -> Symbols {
        let dynsym_start = symtab.len();
        let mut all = symtab;
        all.extend(dynsym);

        let mut by_name = HashMap::with_capacity_and_hasher(all.len(), BuildHasherDefault::default());
        for (i, sym) in all.iter().enumerate() {
            if !sym.is_defined() {
                continue;
            }
            let Ok(index) = u32::try_from(i) else { break };
            match by_name.get_mut(sym.name.as_str()) {
                None => {
                    by_name.insert(sym.name.as_str().into(), index);
                }
                // A later global definition beats an earlier local one (a static of the same
                // name in some other file); otherwise the first one stays.
                Some(old) => {
                    if all[*old as usize].binding() == STB_LOCAL && sym.binding() != STB_LOCAL {
                        *old = index;
                    }
                }
            }
        }
        Symbols { all, dynsym_start, by_name, by_addr: OnceLock::new(), image }
    }

    /// The indices of the defined functions and objects of one table (`.symtab`, else
    /// `.dynsym`) inside the image, by value; among equal values, a symbol with a size
    /// first, then a global one.
    fn by_addr_index(&self) -> &[u32] {
        self.by_addr.get_or_init(|| {
            let have_symtab = self.dynsym_start > 0;
            let mut index: Vec<u32> = (0..self.all.len())
                .filter(|&i| {
                    let sym = &self.all[i];
                    (i < self.dynsym_start) == have_symtab
                        && sym.is_defined()
                        && matches!(sym.kind(), STT_FUNC | STT_OBJECT)
                        && self.image.contains(&sym.value)
                })
                .filter_map(|i| u32::try_from(i).ok())
                .collect();
            index.sort_by_key(|&i| {
                let s = &self.all[i as usize];
                (s.value, s.size == 0, s.binding() == STB_LOCAL)
            });
            index
        })
    }

    /// The defined symbol called `name`, from `.symtab` if it is there, else from `.dynsym`.
    pub fn by_name(&self, name: &str) -> Option<&Symbol> {
        self.by_name.get(name).map(|&i| &self.all[i as usize])
    }

    /// The function or object at or below `addr`, and `addr`'s offset from it.
    ///
    /// A symbol with a size must contain `addr`; a symbol without one matches any address up to
    /// the next symbol (within the object's image).
    pub fn by_addr(&self, addr: u64) -> Option<(&Symbol, u64)> {
        if !self.image.contains(&addr) {
            return None;
        }
        let sym = |i: u32| &self.all[i as usize];
        let by_addr = self.by_addr_index();
        let below = by_addr.partition_point(|&i| sym(i).value <= addr);
        let value = sym(*by_addr.get(below.checked_sub(1)?)?).value;
        // The first (preferred) symbol with that value.
        let first = by_addr.partition_point(|&i| sym(i).value < value);
        let found = sym(by_addr[first]);
        let offset = addr - found.value;
        (found.size == 0 || offset < found.size).then_some((found, offset))
    }

    /// The symbols of one table, in file order (undefined ones included).
    pub fn iter(&self, table: SymTable) -> std::slice::Iter<'_, Symbol> {
        match table {
            SymTable::Symtab => self.all[..self.dynsym_start].iter(),
            SymTable::Dynsym => self.all[self.dynsym_start..].iter(),
        }
    }
}

/// An FxHash-style hasher for symbol names: SipHash's resistance to chosen keys buys
/// nothing here, and a node binary has some 180,000 names to index at startup.
#[derive(Default)]
pub struct NameHasher(u64);

impl NameHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Why target memory could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Not a single byte at `addr` is available.
    NoMap {
        /// The address asked for.
        addr: u64,
    },
    /// The first `got` of the `want` bytes at `addr` were available, the rest not.
    Partial {
        /// The address asked for.
        addr: u64,
        /// Bytes that could be read.
        got: usize,
        /// Bytes asked for.
        want: usize,
    },
}

impl ReadError {
    /// How a read of `want` bytes at `addr` ended when its first `got` succeeded.
    pub(crate) fn unless_whole(addr: u64, got: usize, want: usize) -> Result<(), ReadError> {
        match got {
            _ if got == want => Ok(()),
            0 => Err(ReadError::NoMap { addr }),
            _ => Err(ReadError::Partial { addr, got, want }),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ReadError::NoMap { addr } => write!(f, "no mapping for address {addr:#x}"),
            ReadError::Partial { addr, got, want } => {
                write!(f, "only {got} of {want} bytes could be read at {addr:#x}")
            }
        }
    }
}

impl std::error::Error for ReadError {}

/// A process to debug: a core file or a live process.
pub trait Target {
    /// Fill all of `buf` from target memory at `addr`; error if any byte is unavailable.
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), ReadError>;
    /// Memory regions in address order (what illumos libproc's `Pmapping_iter` would report).
    fn mappings(&self) -> &[Mapping];
    /// The executable (first) and the shared libraries whose files the host could use.
    fn objects(&self) -> &[LoadObject];
    /// Why some mapped ELF objects are left out (a missing or different file), one line each.
    fn warnings(&self) -> &[String];
    /// One line describing the target for the user.
    fn describe(&self) -> String;
    /// This is a live process (memory may change between reads).
    fn is_live(&self) -> bool;
    /// The threads and their registers, in the order the core lists them (the thread that
    /// took a fatal signal first) or, for a live process, the main thread first; why not.
    fn threads(&self) -> Result<&[Thread], String>;

    /// The thread mdb calls `id`.
    fn thread(&self, id: u64) -> Option<&Thread> {
        self.threads().ok()?.iter().find(|t| t.id == id)
    }

    /// Path of the executable (the node binary) in use.
    fn executable(&self) -> &Path {
        &self.objects()[0].path
    }

    /// The defined symbol `name` of the first object that has one, relocated.
    fn lookup(&self, name: &str) -> Option<&Symbol> {
        self.objects().iter().find_map(|o| o.symbols().by_name(name))
    }

    /// The function or object at or below `addr` in the object containing it, and the offset.
    fn symbol_at(&self, addr: u64) -> Option<(&Symbol, u64)> {
        self.objects().iter().find_map(|o| o.symbols().by_addr(addr))
    }

    /// The object `name` names (see [`LoadObject::is_named`]).
    fn object(&self, name: &str) -> Option<&LoadObject> {
        self.objects().iter().find(|o| o.is_named(name))
    }

    /// The dynamic linker: the object the executable names as its interpreter, by file name
    /// (`/lib64/ld-linux-x86-64.so.2` is mapped as `/usr/lib/x86_64-linux-gnu/...`).
    fn rtld(&self) -> Option<&LoadObject> {
        let interp = self.objects()[0].image().interpreter()?.file_name()?;
        self.objects().iter().find(|o| o.path.file_name() == Some(interp))
    }
}

/// Open an ELF core file. `binary` is the node binary it was made with; `None` means the path
/// recorded in the core. The binary must have the core's BuildID when the core records one.
pub fn open_core(core: &Path, binary: Option<&Path>) -> anyhow::Result<Box<dyn Target>> {
    Ok(Box::new(CoreTarget::open(core, binary)?))
}

/// Attach to the live process `pid` (read-only, through `/proc/PID/mem`; it is not stopped).
pub fn open_process(pid: i32) -> anyhow::Result<Box<dyn Target>> {
    Ok(Box::new(ProcessTarget::open(pid)?))
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Real node processes and cores for the tests of this module.

    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::Target;

    /// A directory under the system temp dir, removed with everything in it on drop.
    pub struct TempDir(pub PathBuf);

    impl TempDir {
        /// A fresh empty directory.
        pub fn new(tag: &str) -> TempDir {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir().join(format!("mdb-target-{tag}-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A child process that has printed "ready" and waits; killed on drop.
    pub struct Waiting(Child);

    impl Waiting {
        /// Start `command` and wait until it prints "ready".
        pub fn start(command: &mut Command) -> Waiting {
            use std::io::BufRead;
            let mut child = command.stdout(Stdio::piped()).spawn().expect("start child");
            let stdout = child.stdout.take().expect("child stdout");
            let mut line = String::new();
            std::io::BufReader::new(stdout).read_line(&mut line).expect("read child stdout");
            assert_eq!(line.trim(), "ready");
            Waiting(child)
        }

        /// A node process running `setInterval(...)`.
        pub fn node(node: &Path) -> Waiting {
            Waiting::start(Command::new(node).args(["-e", "setInterval(() => {}, 1000); console.log('ready')"]))
        }

        /// The process id.
        pub fn pid(&self) -> i32 {
            self.0.id() as i32
        }
    }

    impl Drop for Waiting {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// A C program with known data in `.data` (`answer`, 42) and `.rodata` (`greeting`).
    /// Run with no argument it prints "ready" and waits; with `abort` it dumps core.
    const PIE_SOURCE: &str = r#"
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>
        int answer = 42;
        const char greeting[] = "hello from .rodata";
        int main(int argc, char **argv) {
            if (argc > 1 && strcmp(argv[1], "abort") == 0)
                abort();
            puts("ready");
            fflush(stdout);
            pause();
            return greeting[0];
        }
    "#;

    /// Compile [`PIE_SOURCE`] into `dir/pie` as a position-independent executable; `None` with a
    /// message when there is no C compiler.
    pub fn build_pie(dir: &Path) -> Option<PathBuf> {
        let source = dir.join("pie.c");
        let binary = dir.join("pie");
        std::fs::write(&source, PIE_SOURCE).expect("write pie.c");
        match Command::new("cc").args(["-fPIE", "-pie", "-o"]).arg(&binary).arg(&source).status() {
            Ok(status) => {
                assert!(status.success(), "cc failed");
                Some(binary)
            }
            Err(_) => {
                eprintln!("SKIPPED: no C compiler (cc)");
                None
            }
        }
    }

    /// The system node (v20), or `None` (with a message) when it is not installed.
    pub fn node20() -> Option<PathBuf> {
        tool("/usr/bin/node")
    }

    /// Node binary `version` from the project's cache (`make deps`), or `None` with a message.
    pub fn cached_node(version: &str) -> Option<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/node");
        tool(&root.join(version).join("bin/node").to_string_lossy())
    }

    /// `path` if it exists, else `None` after telling why the test is skipped.
    pub fn tool(path: &str) -> Option<PathBuf> {
        let path = PathBuf::from(path);
        if path.exists() {
            Some(path)
        } else {
            eprintln!("SKIPPED: {} is not installed", path.display());
            None
        }
    }

    /// Dump `process` with gdb's gcore into `dir`; the core's path.
    pub fn gcore(process: &Waiting, dir: &Path) -> PathBuf {
        let prefix = dir.join("gcore");
        let status = Command::new("gcore")
            .arg("-o")
            .arg(&prefix)
            .arg(process.pid().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run gcore");
        assert!(status.success(), "gcore failed");
        dir.join(format!("gcore.{}", process.pid()))
    }

    /// Run `program args...` (which must abort) in `dir` with core dumps enabled; the kernel's
    /// core. `None` when the kernel did not write `dir/core` (a core_pattern other than "core").
    pub fn kernel_core(dir: &Path, program: &Path, args: &[&str]) -> Option<PathBuf> {
        let script = r#"ulimit -c unlimited; cd "$1" && shift && exec "$@""#;
        Command::new("bash")
            .args(["-c", script, "bash"])
            .arg(dir)
            .arg(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run bash");
        let core = dir.join("core");
        if core.exists() {
            Some(core)
        } else {
            let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
            eprintln!("SKIPPED: no kernel core written (core_pattern is {:?})", pattern.trim());
            None
        }
    }

    /// The run-time address of symbol `name`, which must exist.
    pub fn symbol_value(target: &dyn Target, name: &str) -> u64 {
        target.lookup(name).unwrap_or_else(|| panic!("no symbol {name}")).value
    }

    /// Check a target running the test program of `build_pie`.
    pub fn check_pie(target: &dyn Target) {
        let answer = symbol_value(target, "answer");
        let base =
            target.mappings().iter().find(|m| m.path.as_deref() == target.executable().to_str()).expect("pie mapped");
        assert!(
            base.start > 0x10000 && answer > base.start,
            "relocated: answer at {answer:#x}, base {:#x}",
            base.start
        );
        assert_eq!(read_u32(target, answer), 42);
        let mut greeting = [0; 18];
        target.read(symbol_value(target, "greeting"), &mut greeting).expect("read greeting");
        assert_eq!(&greeting, b"hello from .rodata");
        let (sym, offset) = target.symbol_at(answer + 3).expect("symbol of answer");
        assert_eq!((sym.name.as_str(), offset), ("answer", 3));
        let exe = &target.objects()[0];
        assert!(exe.dynamic && exe.bias == base.start, "a PIE linked at 0 moves by its base");
        let libc = target.object("libc").expect("libc is a load object");
        assert!(libc.dynamic && libc.bias != 0 && libc.basename().starts_with("libc.so"));
        let printf = libc.symbols().by_name("printf").expect("printf in libc");
        assert_eq!(target.lookup("printf"), Some(printf), "lookups search the libraries too");
        assert!(target.rtld().is_some_and(|o| o.basename().starts_with("ld-linux")), "the dynamic linker");
        assert!(target.warnings().is_empty(), "{:?}", target.warnings());
    }

    /// Read a little-endian u32 from the target.
    pub fn read_u32(target: &dyn Target, addr: u64) -> u32 {
        let mut b = [0; 4];
        target.read(addr, &mut b).unwrap_or_else(|e| panic!("read at {addr:#x}: {e}"));
        u32::from_le_bytes(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(name: &str, value: u64, size: u64, kind: u8, bind: u8) -> Symbol {
        Symbol { name: name.into(), value, size, info: bind << 4 | kind, other: 0, shndx: 1 }
    }

    fn table() -> Symbols {
        let symtab = vec![
            sym("local_dup", 0x1000, 0x10, STT_FUNC, 0),
            sym("f", 0x1000, 0x10, STT_FUNC, 1),
            sym("alias_f", 0x1000, 0, STT_FUNC, 1),
            sym("obj", 0x2000, 8, STT_OBJECT, 1),
            sym("label", 0x3000, 0, STT_FUNC, 0),
            sym("file.c", 0, 0, 4, 0),
            sym("local_dup", 0x4000, 4, STT_OBJECT, 1),
            Symbol { shndx: 0, ..sym("undefined", 0, 0, STT_FUNC, 1) },
        ];
        let dynsym = vec![sym("f", 0x1000, 0x10, STT_FUNC, 1), sym("only_dyn", 0x5000, 4, STT_OBJECT, 1)];
        Symbols::new(symtab, dynsym, 0x1000..0x6000)
    }

    #[test]
    fn by_name_prefers_symtab_and_globals() {
        let t = table();
        assert_eq!(t.by_name("local_dup").map(|s| s.value), Some(0x4000));
        assert_eq!(t.by_name("only_dyn").map(|s| s.value), Some(0x5000));
        assert!(t.by_name("undefined").is_none());
        assert!(t.by_name("nope").is_none());
    }

    #[test]
    fn by_addr_nearest_symbol() {
        let t = table();
        let at = |a| t.by_addr(a).map(|(s, off)| (s.name.as_str(), off));
        assert_eq!(at(0x1000), Some(("f", 0)));
        assert_eq!(at(0x100f), Some(("f", 0xf)));
        assert_eq!(at(0x1010), None, "past the end of a sized symbol");
        assert_eq!(at(0x2004), Some(("obj", 4)));
        assert_eq!(at(0x3abc), Some(("label", 0xabc)), "a symbol without size");
        assert_eq!(at(0x4003), Some(("local_dup", 3)));
        assert_eq!(at(0x5000), None, ".dynsym is not searched when .symtab exists");
        assert_eq!(at(0xfff), None);
        assert_eq!(at(0x6000), None, "outside the image");
    }

    #[test]
    fn iter_keeps_file_order() {
        let t = table();
        assert_eq!(t.iter(SymTable::Symtab).count(), 8);
        let dynsym: Vec<_> = t.iter(SymTable::Dynsym).map(|s| s.name.as_str()).collect();
        assert_eq!(dynsym, ["f", "only_dyn"]);
    }

    #[test]
    fn read_error_messages() {
        let message = |got| ReadError::unless_whole(0x10, got, 8).unwrap_err().to_string();
        assert_eq!(message(0), "no mapping for address 0x10");
        assert_eq!(message(3), "only 3 of 8 bytes could be read at 0x10");
        assert!(ReadError::unless_whole(0x10, 8, 8).is_ok());
        assert_eq!(Perms::from_elf_flags(5).to_string(), "r-x");
    }
}
