//! Shared machinery for the end-to-end tests: node versions, fixture processes, cores
//! (made once per fixture, node version and fixture content, cached under target/cores),
//! and running the host with the built module.
#![allow(dead_code)]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

pub mod corrupt;
pub mod snapshot;

/// The node versions under test, the latest release of each line (installed by `make nodes`).
pub const NODE_LINES: &[&str] = &[
    "12.22.12", "13.14.0", "14.21.3", "15.14.0", "16.20.2", "17.9.1", "18.20.8", "19.8.1", "20.20.2", "21.7.3",
    "22.23.5", "23.11.1", "24.22.3", "25.9.0", "26.12.1",
];

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// tests/fixtures/retainers.js's classes, and how many objects of each it keeps.
pub const RETAINERS_CLASSES: &[(&str, u64)] = &[
    ("CacheEntry", 100),
    ("ListenerItem", 1000),
    ("TimerState", 1),
    ("PendingThing", 1),
    ("RegistryItem", 1),
    ("GlobalItem", 1),
];

/// The node that runs memlab (npm @memlab/core) in the tests, whatever node made the
/// snapshot it reads: memlab's dependencies need a recent one.
pub const MEMLAB_NODE: &str = "20.20.2";

/// Debian 12's own node 18 (`make debian-node`): a PIE executable whose V8, and so every
/// `v8dbg_*` symbol, is in libnode.so.108. A "version" for the functions below.
pub const DEBIAN_NODE: &str = "debian-18";

/// Where `make debian-node` unpacks Debian's packages.
fn debian_root() -> PathBuf {
    root().join(".cache/debian-node/root")
}

/// The node binary of `version` (or of [`DEBIAN_NODE`]).
pub fn node(version: &str) -> PathBuf {
    let (p, make) = match version {
        DEBIAN_NODE => (debian_root().join("usr/bin/node"), "make debian-node"),
        _ => (root().join(".cache/node").join(version).join("bin/node"), "make nodes"),
    };
    assert!(p.is_file(), "node {version} is not installed at {}: run `{make}`", p.display());
    p
}

/// A command running node `version`; Debian's finds its libnode through `LD_LIBRARY_PATH`.
pub fn node_command(version: &str) -> Command {
    let mut command = Command::new(node(version));
    if version == DEBIAN_NODE {
        command.env("LD_LIBRARY_PATH", debian_root().join("usr/lib/x86_64-linux-gnu"));
    }
    command
}

/// `process.versions.v8` of node `version`.
pub fn v8_version(version: &str) -> String {
    let out = node_command(version).args(["-p", "process.versions.v8"]).output().expect("run node");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The built host and module.
pub fn host() -> PathBuf {
    let p = root().join("target/release/mdb");
    assert!(p.is_file(), "{} is missing: run `make build`", p.display());
    p
}

/// The module, refreshed from cargo's `libv8.so` when that is newer.
pub fn module() -> PathBuf {
    let lib = root().join("target/release/libv8.so");
    let module = root().join("target/release/v8.so");
    let newer = |a: &Path, b: &Path| {
        let m = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
        m(a) > m(b)
    };
    if !module.exists() || newer(&lib, &module) {
        std::fs::copy(&lib, &module).expect("copy libv8.so to v8.so (run `make build`)");
    }
    module
}

/// The result of one host run.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Assert success and no warnings, and return stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(self.status, 0, "mdb failed:\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        &self.stdout
    }
}

/// Run the host with these arguments (e.g. `["-e", "::load v8.so", "-e", "::v8layout", node, core]`).
pub fn mdb<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    mdb_with(args, "", &[])
}

/// How long one run of the host may take before it counts as hung (and is killed).
const HUNG_AFTER_SECONDS: &str = "300";

/// Run the host with these arguments, `input` on standard input (commands, when there is
/// no `-e`), and these environment variables (the host's test knobs). A run that hangs is
/// killed and fails the test.
pub fn mdb_with<S: AsRef<std::ffi::OsStr>>(args: &[S], input: &str, env: &[(&str, &str)]) -> Run {
    use std::io::Write;
    module();
    let mut child = Command::new("timeout")
        .arg(HUNG_AFTER_SECONDS)
        .arg(host())
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root().join("target/release"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mdb");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).expect("write mdb's input");
    drop(stdin);
    let out = child.wait_with_output().expect("run mdb");
    assert_ne!(out.status.code(), Some(124), "mdb hung: killed after {HUNG_AFTER_SECONDS} s");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run `-e` commands against a core of `node`.
pub fn mdb_core(node: &Path, core: &Path, commands: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["-e".into(), "::load v8.so".into()];
    for c in commands {
        args.push("-e".into());
        args.push(c.to_string());
    }
    args.push(node.display().to_string());
    args.push(core.display().to_string());
    mdb(&args)
}

/// A running fixture process, killed on drop.
pub struct Fixture {
    child: Child,
    /// Its standard output, where it says "ready".
    stdout: BufReader<std::process::ChildStdout>,
}

impl Fixture {
    /// Start `program args...` and wait for it to print "ready".
    pub fn start(program: &Path, args: &[&str]) -> Fixture {
        Fixture::spawn(Command::new(program).args(args))
    }

    /// Start `command` and wait for it to print "ready".
    pub fn spawn(command: &mut Command) -> Fixture {
        let program = command.get_program().to_string_lossy().into_owned();
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start {program}: {e}"));
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut f = Fixture { child, stdout };
        f.wait_ready(&program);
        f
    }

    fn wait_ready(&mut self, program: &str) {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "fixture {program} did not get ready");
    }

    /// Send SIGUSR2 (a fixture's cue to take its next step) and wait for "ready" again.
    pub fn advance(&mut self) {
        let pid = libc::pid_t::try_from(self.pid()).unwrap();
        // SAFETY: kill(2) on the pid of a child this Fixture owns and has not reaped.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGUSR2) }, 0, "signal the fixture");
        self.wait_ready("after SIGUSR2");
    }

    /// A node fixture from tests/fixtures.
    pub fn node(version: &str, fixture: &str) -> Fixture {
        let script = root().join("tests/fixtures").join(fixture);
        Fixture::spawn(node_command(version).args(["--expose-gc", script.to_str().unwrap()]))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Dump the process with gcore into `path`.
    pub fn gcore(&self, path: &Path) {
        let prefix = path.with_extension("tmp");
        let out = Command::new("gcore").arg("-o").arg(&prefix).arg(self.pid().to_string()).output().expect("run gcore");
        let made = PathBuf::from(format!("{}.{}", prefix.display(), self.pid()));
        assert!(made.is_file(), "gcore failed: {}", String::from_utf8_lossy(&out.stderr));
        // Most of a node core is zeros (untouched reservations): punch holes, so that a
        // cached 1.4 GB core takes about 60 MB of disk. (Best effort: fallocate is util-linux.)
        let _ = Command::new("fallocate").arg("--dig-holes").arg(&made).status();
        std::fs::rename(&made, path).unwrap();
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static CORE_LOCK: Mutex<()> = Mutex::new(());

fn path_hash(path: &Path) -> u64 {
    let mut h = DefaultHasher::new();
    path.hash(&mut h);
    h.finish()
}

fn content_hash(path: &Path) -> u64 {
    let mut h = DefaultHasher::new();
    std::fs::read(path).expect("read fixture").hash(&mut h);
    h.finish()
}

/// Where cores are cached: target/cores, or `$V8_TEST_CORE_DIR` (one cache shared by
/// several checkouts; cores of other fixture contents are then left alone).
fn core_dir() -> (PathBuf, bool) {
    match std::env::var_os("V8_TEST_CORE_DIR") {
        Some(d) => (PathBuf::from(d), true),
        None => (root().join("target/cores"), false),
    }
}

/// A gcore'd core of `fixture` under node `version`, made once and cached (see
/// [`core_dir`]), keyed by fixture content (stale cores of the fixture are removed from
/// a private cache). Test processes sharing the cache take turns through a file lock.
pub fn core(version: &str, fixture: &str) -> PathBuf {
    cached_core(version, fixture, "", |path| Fixture::node(version, fixture).gcore(path))
}

/// The kernel's core of `fixture` run by node `version` with `node_args` before the script
/// (the fixture must die of a signal that dumps core), cached as [`core`] caches gcores.
pub fn kernel_core(version: &str, fixture: &str, node_args: &[&str]) -> PathBuf {
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    assert_eq!(pattern.trim(), "core", "kernel cores must be written to ./core here (core_pattern {pattern:?})");
    cached_core(version, fixture, "-kernel", |path| {
        let dir = path.with_extension("dir");
        std::fs::create_dir_all(&dir).unwrap();
        let script = root().join("tests/fixtures").join(fixture);
        let mut command = node_command(version);
        command.args(node_args).arg(&script).current_dir(&dir).stdout(Stdio::null()).stderr(Stdio::null());
        // SAFETY: the child only raises its own core size limit before exec.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut command, || {
                let unlimited = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
                match libc::setrlimit(libc::RLIMIT_CORE, &unlimited) {
                    0 => Ok(()),
                    _ => Err(std::io::Error::last_os_error()),
                }
            })
        };
        let status = command.status().expect("run node");
        assert!(!status.success(), "{fixture} should have died of a signal");
        let made = dir.join("core");
        assert!(made.is_file(), "no kernel core written for {fixture} in {}", dir.display());
        let _ = Command::new("fallocate").arg("--dig-holes").arg(&made).status();
        std::fs::rename(&made, path).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    })
}

/// The cached core `<fixture>-<version><kind>-<hash>.core`, made by `make` when missing.
fn cached_core(version: &str, fixture: &str, kind: &str, make: impl FnOnce(&Path)) -> PathBuf {
    let _guard = CORE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (dir, shared) = core_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let lock = std::fs::File::create(dir.join(".lock")).unwrap();
    // SAFETY: flock on a file descriptor this function owns; released when `lock` closes.
    assert_eq!(unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) }, 0, "lock the core cache");
    // The checkout's path is part of the key: a core names its scripts by their paths.
    let hash = content_hash(&root().join("tests/fixtures").join(fixture)) ^ path_hash(&root());
    let stem = format!("{}-{version}{kind}", fixture.trim_end_matches(".js"));
    let path = dir.join(format!("{stem}-{hash:016x}.core"));
    if path.is_file() {
        return path;
    }
    for old in std::fs::read_dir(&dir).unwrap().flatten().filter(|_| !shared) {
        let name = old.file_name().to_string_lossy().into_owned();
        // `<stem>-<hash>.<ext>` only: not another kind's `<stem>-<kind>-<hash>`.
        let rest = name.strip_prefix(&format!("{stem}-")).unwrap_or_default();
        if rest.split('.').next().is_some_and(|h| h.len() == 16 && h.chars().all(|c| c.is_ascii_hexdigit())) {
            let _ = std::fs::remove_file(old.path());
        }
    }
    make(&path);
    path
}

/// A gcore'd core of `fixture` under node `version` and V8's own heap snapshot of the
/// same process just before it (the fixture writes it to `$SNAPSHOT`), made once and
/// cached as [`core`] caches cores, for the tests that compare against that snapshot.
/// (Writing it leaves native handles to a few objects, which changes retaining paths:
/// node 13's ListenerItem; tests of paths take [`core`].)
pub fn core_and_snapshot(version: &str, fixture: &str) -> (PathBuf, PathBuf) {
    let snapshot = |core: &Path| core.with_extension("heapsnapshot");
    let core = cached_core(version, fixture, "-snapshot", |path| {
        let (core, snapshot) = fresh_core_and_snapshot(version, fixture, &[], path.parent().unwrap());
        std::fs::rename(snapshot, path.with_extension("heapsnapshot")).unwrap();
        std::fs::rename(core, path).unwrap();
    });
    assert!(snapshot(&core).is_file(), "{fixture} wrote no heap snapshot to $SNAPSHOT");
    let snapshot = snapshot(&core);
    (core, snapshot)
}

/// A gcore'd core of `fixture` under node `version` in `dir`, with `env` for the
/// fixture and `$SNAPSHOT` naming where it writes V8's own heap snapshot just before it
/// is dumped. Returns the core and the snapshot. Not cached: each call is a fresh run.
pub fn fresh_core_and_snapshot(version: &str, fixture: &str, env: &[(&str, &Path)], dir: &Path) -> (PathBuf, PathBuf) {
    let (core, snapshot) = (dir.join(format!("{fixture}.core")), dir.join(format!("{fixture}.heapsnapshot")));
    let script = root().join("tests/fixtures").join(fixture);
    let mut command = node_command(version);
    command.args(["--expose-gc", script.to_str().unwrap()]).env("SNAPSHOT", &snapshot).envs(env.iter().copied());
    Fixture::spawn(&mut command).gcore(&core);
    (core, snapshot)
}

/// An npm package installed by `make npm-packages` into .cache/npm.
pub fn npm_package(name: &str) -> PathBuf {
    let p = root().join(".cache/npm/node_modules").join(name);
    assert!(
        p.join("package.json").is_file(),
        "npm package {name} is missing at {}: run `make npm-packages`",
        p.display()
    );
    p
}

/// A scratch directory under target/, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        let p = root().join("target/scratch").join(format!("{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The release of node line `major` in [`NODE_LINES`] (`line(20)` is "20.20.2").
pub fn line(major: u32) -> &'static str {
    let found = NODE_LINES.iter().find(|v| v.split('.').next() == Some(&major.to_string()));
    found.unwrap_or_else(|| panic!("no node {major} in NODE_LINES"))
}

/// One `#[test]` per node line of [`NODE_LINES`] and one for Debian's node, each calling
/// `check(version)`; `test_every_version!(check, #[test] #[ignore = "why"])` gives each
/// test more attributes.
#[macro_export]
macro_rules! test_every_version {
    ($check:ident) => {
        $crate::test_every_version!($check, #[test]);
    };
    ($check:ident, $(#[$attr:meta])+) => {
        $crate::test_every_version!(@each $check, [$(#[$attr])+],
            node12 12, node13 13, node14 14, node15 15, node16 16, node17 17, node18 18, node19 19,
            node20 20, node21 21, node22 22, node23 23, node24 24, node25 25, node26 26);
        /// Debian's packaged node 18: PIE, its V8 and metadata in libnode.so.108.
        $(#[$attr])+
        fn node18_debian() {
            $check($crate::common::DEBIAN_NODE);
        }
    };
    (@each $check:ident, $attrs:tt, $($name:ident $major:literal),+) => {
        $($crate::test_every_version!(@one $check, $attrs, $name, $major);)+
    };
    (@one $check:ident, [$(#[$attr:meta])+], $name:ident, $major:literal) => {
        $(#[$attr])+
        fn $name() {
            $check($crate::common::line($major));
        }
    };
}

/// The one object in `fixture`'s core under node `version` that has the property
/// `marker`, as `::findjsobjects` prints it. Node 12-15 also keep the object literal's
/// boilerplate, which has the marker too but `uninitialized` in the fields not known when
/// the literal was compiled: the one whose `probe` member is that is left out.
pub fn marked_object(version: &str, fixture: &str, marker: &str, probe: &str) -> String {
    let (node, core) = (node(version), core(version, fixture));
    let r = mdb_core(&node, &core, &[&format!("::findjsobjects -p {marker} | ::findjsobjects")]);
    let candidates: Vec<String> = r.ok().lines().skip(2).map(str::to_string).collect();
    let found: Vec<String> = candidates
        .into_iter()
        .filter(|a| {
            let r = mdb_core(&node, &core, &[&format!("{a}::jsprint -d 0 {probe}")]);
            r.ok().lines().nth(2) != Some("uninitialized")
        })
        .collect();
    assert_eq!(found.len(), 1, "one object has the property {marker} on node {version}: {found:?}");
    found[0].clone()
}
