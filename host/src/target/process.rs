//! A live process, read through `/proc/PID/{maps,exe,mem}`.
//!
//! The process keeps running: reads see memory as it is at that moment. Reading another
//! process's memory needs ptrace access to it (same user and a permissive
//! `kernel.yama.ptrace_scope`, or root), as for a debugger.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use super::elf::{build_id, open_library, ElfImage};
use super::threads::live_threads;
use super::{LoadObject, Mapping, Perms, ReadError, Target, Thread};

/// How much of a library's first mapping we read to find its BuildID.
const HEADER_PREFIX: u64 = 64 * 1024;

/// The kernel appends this to `/proc/PID/exe` and `/proc/PID/maps` paths of deleted files.
const DELETED: &str = " (deleted)";

/// A live process opened for reading.
pub struct ProcessTarget {
    pid: i32,
    /// `/proc/PID/mem`, opened read-only.
    mem: File,
    /// The executable first, then the shared libraries.
    objects: Vec<LoadObject>,
    /// Why mapped ELF objects were left out.
    warnings: Vec<String>,
    mappings: Vec<Mapping>,
    /// The threads' registers, read once, when first asked for.
    threads: std::sync::OnceLock<Result<Vec<Thread>, String>>,
}

impl ProcessTarget {
    /// Open process `pid`: its mappings, its executable's symbols, and its memory.
    pub fn open(pid: i32) -> Result<ProcessTarget> {
        let proc = PathBuf::from(format!("/proc/{pid}"));
        if pid <= 0 || !proc.exists() {
            bail!("no such process: {pid}");
        }
        let maps_path = proc.join("maps");
        let maps = fs::read_to_string(&maps_path).map_err(|e| access_error(pid, "read the mappings of", e))?;
        let mappings = maps
            .lines()
            .map(|line| {
                parse_maps_line(line).with_context(|| format!("cannot parse {}: {line:?}", maps_path.display()))
            })
            .collect::<Result<Vec<_>>>()?;

        // The link names the file as the maps do; /proc/PID/exe itself is the very file the
        // process runs, even when it has been deleted or replaced since.
        let link = fs::read_link(proc.join("exe")).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => {
                anyhow!("process {pid} has no executable (a kernel thread?)")
            }
            _ => access_error(pid, "find the executable of", e),
        })?;
        let link = link.to_string_lossy().into_owned();
        let exe = PathBuf::from(link.strip_suffix(DELETED).unwrap_or(&link));
        let image = ElfImage::open(&proc.join("exe")).with_context(|| format!("executable {}", exe.display()))?;

        let base = mappings
            .iter()
            .find(|m| m.path.as_deref() == Some(link.as_str()) && m.offset == 0)
            .with_context(|| format!("process {pid}: {} is not mapped at file offset 0", exe.display()))?
            .start;
        let page = page_size();
        let exe = LoadObject::new(exe, image, base, page)
            .with_context(|| format!("{} has no loadable segments", link))?
            .with_symbols()?;

        let mem = File::open(proc.join("mem")).map_err(|e| access_error(pid, "read the memory of", e))?;
        let mut target =
            ProcessTarget { pid, mem, objects: vec![exe], warnings: Vec::new(), mappings, threads: Default::default() };
        target.open_libraries(&link, page);
        Ok(target)
    }

    /// Add the shared libraries: every other file mapped at offset 0 whose file has the
    /// BuildID of the ELF header in memory there.
    fn open_libraries(&mut self, exe_link: &str, page: u64) {
        let mut seen = std::collections::HashSet::from([exe_link.to_string()]);
        let heads: Vec<(String, u64, u64)> = self
            .mappings
            .iter()
            .filter(|m| m.offset == 0)
            .filter_map(|m| Some((m.path.clone()?, m.start, m.size)))
            .filter(|(path, _, _)| seen.insert(path.clone()))
            .collect();
        for (path, start, size) in heads {
            let mut head = vec![0; size.min(HEADER_PREFIX) as usize];
            let in_memory = self.read(start, &mut head).ok().and_then(|()| build_id(&head));
            let file = Path::new(path.strip_suffix(DELETED).unwrap_or(&path));
            match open_library(file, start, page, in_memory, "process") {
                Ok(Some(object)) => self.objects.push(object),
                Ok(None) => {}
                Err(warning) => self.warnings.push(warning),
            }
        }
    }
}

impl Target for ProcessTarget {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        let mut done = 0;
        while done < buf.len() {
            let Some(at) = addr.checked_add(done as u64) else {
                break;
            };
            // A read stops short at the end of a mapping; the next one fails with EIO.
            match self.mem.read_at(&mut buf[done..], at) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
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
        format!("live process {} ({})", self.pid, self.executable().display())
    }

    fn is_live(&self) -> bool {
        true
    }

    /// The registers of the moment they were first asked for: the process runs on.
    fn threads(&self) -> Result<&[Thread], String> {
        self.threads.get_or_init(|| live_threads(self.pid)).as_deref().map_err(Clone::clone)
    }
}

/// The error for failing to `what` process `pid`, explaining a permission problem.
fn access_error(pid: i32, what: &str, e: io::Error) -> anyhow::Error {
    match e.kind() {
        io::ErrorKind::NotFound => anyhow!("no such process: {pid}"),
        io::ErrorKind::PermissionDenied => anyhow!(
            "permission denied: cannot {what} process {pid} (this needs ptrace access to it: \
             the same user and kernel.yama.ptrace_scope 0, or root)"
        ),
        _ => anyhow!("cannot {what} process {pid}: {e}"),
    }
}

/// One line of `/proc/PID/maps`: `start-end perms offset dev inode [path]`.
fn parse_maps_line(line: &str) -> Option<Mapping> {
    let mut fields = line.splitn(6, ' ');
    let (start, end) = fields.next()?.split_once('-')?;
    let (start, end) = (u64::from_str_radix(start, 16).ok()?, u64::from_str_radix(end, 16).ok()?);
    let perms = fields.next()?.as_bytes();
    let offset = u64::from_str_radix(fields.next()?, 16).ok()?;
    let name = fields.nth(2).unwrap_or_default().trim_start();
    Some(Mapping {
        start,
        size: end.checked_sub(start)?,
        perms: Perms {
            read: perms.first() == Some(&b'r'),
            write: perms.get(1) == Some(&b'w'),
            exec: perms.get(2) == Some(&b'x'),
        },
        path: name.starts_with('/').then(|| name.to_owned()),
        offset: if name.starts_with('/') { offset } else { 0 },
        brk: name == "[heap]",
    })
}

/// The system page size.
fn page_size() -> u64 {
    // SAFETY: sysconf only reads a configuration value.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).ok().filter(|s| s.is_power_of_two()).unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{build_pie, check_pie, node20, read_u32, symbol_value, TempDir, Waiting};
    use super::*;

    #[test]
    fn maps_lines() {
        let m = parse_maps_line("00400000-00b6f000 r--p 00001000 fe:01 1234                       /usr/bin/node")
            .expect("parse");
        assert_eq!((m.start, m.size, m.offset), (0x400000, 0x76f000, 0x1000));
        assert_eq!(m.perms.to_string(), "r--");
        assert_eq!(m.path.as_deref(), Some("/usr/bin/node"));
        let heap =
            parse_maps_line("0565d000-0592f000 rw-p 00000000 00:00 0                          [heap]").expect("parse");
        assert!(heap.brk && heap.path.is_none());
        let anon = parse_maps_line("7f0000000000-7f0000001000 ---p 00000000 00:00 0 ").expect("parse");
        assert_eq!((anon.perms, anon.path), (Perms::default(), None));
        assert!(parse_maps_line("garbage").is_none());
    }

    #[test]
    fn missing_process() {
        let err = ProcessTarget::open(i32::MAX).err().expect("no such pid");
        assert_eq!(err.to_string(), format!("no such process: {}", i32::MAX));
    }

    #[test]
    fn live_node() {
        let Some(node) = node20() else { return };
        let child = Waiting::node(&node);
        let target = ProcessTarget::open(child.pid()).expect("open process");
        assert!(target.is_live());
        assert_eq!(target.executable(), node);
        assert_eq!(target.describe(), format!("live process {} ({})", child.pid(), node.display()));
        assert_eq!(
            read_u32(&target, symbol_value(&target, "_ZN2v88internal7Version6major_E")),
            11,
            "V8 11 is in node 20"
        );
        assert_eq!(read_u32(&target, symbol_value(&target, "v8dbg_type_JSObject__JS_OBJECT_TYPE")), 1057);
        assert!(target.mappings().iter().any(|m| m.brk));
        assert!(target.mappings().windows(2).all(|w| w[0].start < w[1].start));
        assert_eq!(target.read(0, &mut [0; 8]), Err(ReadError::NoMap { addr: 0 }));
        // A read running off the end of the executable's last mapping.
        let last = target.mappings().iter().rfind(|m| m.path.as_deref() == Some("/usr/bin/node")).expect("node mapped");
        let gap_follows = !target.mappings().iter().any(|m| m.start == last.end());
        if gap_follows {
            let err = target.read(last.end() - 4, &mut [0; 8]).expect_err("runs off the mapping");
            assert_eq!(err, ReadError::Partial { addr: last.end() - 4, got: 4, want: 8 });
        }
    }

    #[test]
    fn live_pie() {
        let dir = TempDir::new("livepie");
        let Some(pie) = build_pie(&dir.0) else { return };
        let child = Waiting::start(&mut std::process::Command::new(&pie));
        let target = ProcessTarget::open(child.pid()).expect("open process");
        assert_eq!(target.executable(), pie);
        check_pie(&target);
    }
}
