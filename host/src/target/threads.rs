//! The threads of the process and their registers, as mdb's proc target names them.
//!
//! A Linux core has one `NT_PRSTATUS` note per thread (the thread that dumped it first,
//! with the signal it took); a live process's threads are stopped for an instant with
//! ptrace to read their registers. Thread ids are mdb's: illumos mdb reading a Linux core
//! calls the thread whose tid is the pid lwp 1 and keeps the other tids, and so does the
//! host, for cores and processes alike (`mdb_getareg(1, "rbp")` is the main thread).

use std::fmt;

/// The x86-64 `user_regs_struct` registers, in their order there.
pub const REGISTERS: [&str; 27] = [
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax",
    "rip", "cs", "rflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
];

/// Where `struct elf_prstatus` (x86-64) keeps what we use.
const PR_CURSIG: usize = 12;
const PR_PID: usize = 32;
const PR_REG: usize = 112;

/// One thread: mdb's id for it, the kernel's, its registers, and the signal it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thread {
    /// mdb's `mdb_tid_t`: 1 for the main thread (tid == pid), else the kernel's tid.
    pub id: u64,
    /// The kernel's thread id.
    pub lwp: i32,
    /// `user_regs_struct`, in [`REGISTERS`] order.
    pub regs: [u64; 27],
    /// The signal being delivered when the core was made (0: none).
    pub signal: i32,
}

impl Thread {
    /// A thread of process `pid`: the main one is lwp 1.
    pub fn new(pid: i32, lwp: i32, regs: [u64; 27], signal: i32) -> Thread {
        let id = if lwp == pid { 1 } else { u64::try_from(lwp).unwrap_or(0) };
        Thread { id, lwp, regs, signal }
    }

    /// Register `name` (mdb's names: `rip`, `rsp`, `rbp`, ...; `pc`, `sp` and `fp` too).
    pub fn register(&self, name: &str) -> Option<u64> {
        let name = match name {
            "pc" => "rip",
            "sp" => "rsp",
            "fp" => "rbp",
            "eflags" => "rflags",
            n => n,
        };
        REGISTERS.iter().position(|r| *r == name).map(|i| self.regs[i])
    }

    /// The threads of a core, from the descriptions of its `NT_PRSTATUS` notes in order, for
    /// process `pid` (`None` when the core does not say: the lowest tid is the pid, as
    /// illumos mdb takes it). A note too short for its registers is skipped.
    pub fn from_prstatus(notes: &[&[u8]], pid: Option<i32>) -> Vec<Thread> {
        let parsed: Vec<(i32, [u64; 27], i32)> = notes.iter().filter_map(|d| prstatus(d)).collect();
        let pid = pid.or_else(|| parsed.iter().map(|p| p.0).min()).unwrap_or(0);
        parsed.into_iter().map(|(lwp, regs, sig)| Thread::new(pid, lwp, regs, sig)).collect()
    }
}

/// The tid, registers and current signal of one `NT_PRSTATUS` description.
fn prstatus(desc: &[u8]) -> Option<(i32, [u64; 27], i32)> {
    let i32_at = |at: usize| Some(i32::from_le_bytes(desc.get(at..at + 4)?.try_into().ok()?));
    let sig = i16::from_le_bytes(desc.get(PR_CURSIG..PR_CURSIG + 2)?.try_into().ok()?);
    let mut regs = [0u64; 27];
    for (i, r) in regs.iter_mut().enumerate() {
        let at = PR_REG + 8 * i;
        *r = u64::from_le_bytes(desc.get(at..at + 8)?.try_into().ok()?);
    }
    Some((i32_at(PR_PID)?, regs, i32::from(sig)))
}

/// A signal's name and description, as mdb's `::status` prints them.
pub struct Signal(pub i32);

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(i32, &str); 12] = [
            (libc::SIGABRT, "ABRT"),
            (libc::SIGSEGV, "SEGV"),
            (libc::SIGBUS, "BUS"),
            (libc::SIGILL, "ILL"),
            (libc::SIGFPE, "FPE"),
            (libc::SIGTRAP, "TRAP"),
            (libc::SIGSYS, "SYS"),
            (libc::SIGQUIT, "QUIT"),
            (libc::SIGKILL, "KILL"),
            (libc::SIGTERM, "TERM"),
            (libc::SIGINT, "INT"),
            (libc::SIGXCPU, "XCPU"),
        ];
        // SAFETY: strsignal returns a string that stays valid until the next call.
        let descr = unsafe { std::ffi::CStr::from_ptr(libc::strsignal(self.0)) }.to_string_lossy().into_owned();
        match NAMES.iter().find(|(n, _)| *n == self.0) {
            Some((_, name)) => write!(f, "SIG{name} ({descr})"),
            None => write!(f, "signal {} ({descr})", self.0),
        }
    }
}

/// Stop every thread of live process `pid` for as long as it takes to read its registers
/// (`PTRACE_SEIZE` + `PTRACE_INTERRUPT`, `PTRACE_GETREGS`, `PTRACE_DETACH`), main thread first.
pub fn live_threads(pid: i32) -> Result<Vec<Thread>, String> {
    let task = format!("/proc/{pid}/task");
    let mut lwps: Vec<i32> = std::fs::read_dir(&task)
        .map_err(|e| format!("cannot list the threads of process {pid}: {e}"))?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    lwps.sort_by_key(|&l| (l != pid, l));
    let mut seized = Vec::new();
    let mut result = Ok(());
    for &lwp in &lwps {
        match seize(lwp) {
            Ok(()) => seized.push(lwp),
            // A thread that exited since the listing is simply gone.
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {}
            Err(e) => {
                result = Err(format!("cannot stop thread {lwp} of process {pid} to read its registers: {e}"));
                break;
            }
        }
    }
    let threads = result
        .map(|()| seized.iter().filter_map(|&lwp| Some(Thread::new(pid, lwp, registers(lwp).ok()?, 0))).collect());
    for &lwp in &seized {
        // SAFETY: detaching a tracee of ours; errors (it exited) leave nothing to undo.
        unsafe { libc::ptrace(libc::PTRACE_DETACH, lwp, 0, 0) };
    }
    threads
}

/// Attach to `lwp` without signalling it, stop it, and wait until it is stopped.
fn seize(lwp: i32) -> std::io::Result<()> {
    // SAFETY: ptrace requests on a thread id, with no memory passed.
    let ok = unsafe {
        libc::ptrace(libc::PTRACE_SEIZE, lwp, 0, 0) == 0 && libc::ptrace(libc::PTRACE_INTERRUPT, lwp, 0, 0) == 0
    };
    if !ok {
        return Err(std::io::Error::last_os_error());
    }
    let mut status = 0;
    // SAFETY: waiting for our own tracee; status is a valid out-parameter.
    if unsafe { libc::waitpid(lwp, &mut status, libc::__WALL) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The registers of stopped tracee `lwp`.
fn registers(lwp: i32) -> std::io::Result<[u64; 27]> {
    // SAFETY: user_regs_struct is plain data; PTRACE_GETREGS fills all of it.
    let mut regs: libc::user_regs_struct = unsafe { std::mem::zeroed() };
    // SAFETY: regs is a valid user_regs_struct out-parameter.
    if unsafe { libc::ptrace(libc::PTRACE_GETREGS, lwp, 0, &mut regs as *mut libc::user_regs_struct) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    const _: () = assert!(std::mem::size_of::<libc::user_regs_struct>() == 27 * 8);
    // SAFETY: user_regs_struct is 27 u64 fields in REGISTERS order, no padding (asserted).
    Ok(unsafe { std::mem::transmute::<libc::user_regs_struct, [u64; 27]>(regs) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(pid: i32, sig: i16, rip: u64) -> Vec<u8> {
        let mut d = vec![0u8; 336];
        d[PR_CURSIG..PR_CURSIG + 2].copy_from_slice(&sig.to_le_bytes());
        d[PR_PID..PR_PID + 4].copy_from_slice(&pid.to_le_bytes());
        d[PR_REG + 16 * 8..PR_REG + 17 * 8].copy_from_slice(&rip.to_le_bytes());
        d
    }

    #[test]
    fn prstatus_notes_become_threads() {
        let (a, b) = (desc(12, 6, 0x1234), desc(10, 0, 0x5678));
        let threads = Thread::from_prstatus(&[&a, &b, &[0; 100]], None);
        assert_eq!(threads.len(), 2, "a short note is skipped");
        assert_eq!((threads[0].id, threads[0].lwp, threads[0].signal), (12, 12, 6));
        assert_eq!((threads[1].id, threads[1].register("pc")), (1, Some(0x5678)), "lowest tid is the pid");
        assert_eq!(threads[0].register("rip"), Some(0x1234));
        assert_eq!(threads[0].register("xmm0"), None);
        let with_pid = Thread::from_prstatus(&[&a], Some(12));
        assert_eq!(with_pid[0].id, 1);
        assert_eq!(Signal(6).to_string(), "SIGABRT (Aborted)");
    }
}
