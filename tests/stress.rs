//! The corruption campaign: seeded variants of a small real core (values.js under node 20,
//! without its all-zero segments; tests/common/corrupt.rs makes them), each opened by the host with every dcmd and walker run on it, under a
//! CPU-time limit, a timeout and an address-space limit. No run may crash (die of a signal), panic, hang or
//! exceed the limit.
//!
//! `make test` runs 100 variants (each now also builds the heap graph and walks the stacks); `make stress` runs 10,000 (`STRESS_VARIANTS`).
//! `STRESS_SEED=N` runs only variant N and keeps it under target/stress. `STRESS_FROM=N`
//! starts at seed N (a long campaign split into runs). `STRESS_JOBS` sets the parallelism (2).

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::corrupt::{compact, variant};

/// What each variant is given, one `-e` each: every dcmd and walker, on the objects the
/// scan finds.
const COMMANDS: &[&str] = &[
    "::v8layout",
    "::findjsobjects -v",
    "::findjsobjects -a",
    "::findjsobjects -c Object",
    "::findjsobjects -p name | ::findjsobjects",
    "::findjsobjects -b | ::findjsobjects -l",
    "::walk findjsobjects | ::jsprint -d 3",
    "::walk findjsobjects | ::jsprint -ab -N 40",
    "::walk findjsobjects | ::jsconstructor -v",
    "::walk findjsobjects | ::v8type",
    "::walk findjsobjects | ::v8print",
    "::walk findjsobjects | ::walk jsprop",
    "::walk findjsobjects | ::walk jselement",
    "::walk findjsobjects | ::jsarray -i",
    "::walk findjsobjects | ::nodebuffer -f",
    "::walk findjsobjects | ::findjsobjects -r",
    "::jsgraph",
    "::walk findjsobjects | ::jsretainers",
    "::walk findjsobjects | ::jsretainers -n 3",
    "::walk findjsobjects | ::jsfindrefs -v",
    "::jsstack -v -T",
    "::walk jsframe | ::jsframe -v",
    "::walk findjsobjects | ::jsfunction",
    "::walk findjsobjects | ::jsclosure",
    "::walk findjsobjects | ::jssource",
    "::walk findjsobjects | ::v8str -v",
    "::walk findjsobjects | ::jsfunctions -l",
    // Last, as before: the exit status the baseline run checks is this command's.
    "::walk jsobj | ::v8type",
];

/// The CPU time one host run may use before it counts as hung (`RLIMIT_CPU`: a busy
/// machine slows a run down, it does not make it spin).
const CPU_LIMIT: Duration = Duration::from_secs(60);
/// How long one host run may take on the clock before it counts as hung (one blocked,
/// not spinning).
const TIMEOUT: Duration = Duration::from_secs(600);
/// The address-space limit of a host run (`RLIMIT_AS`).
const ADDRESS_SPACE: u64 = 4 << 30;

/// How one host run ended.
struct Outcome {
    /// The signal that killed it, if one did.
    signal: Option<i32>,
    exit: Option<i32>,
    hung: bool,
    peak_kib: u64,
    output: String,
}

impl Outcome {
    fn panicked(&self) -> bool {
        self.output.contains("panicked") || self.output.contains("internal error")
    }
}

/// Run the host on `core` with [`COMMANDS`], under [`CPU_LIMIT`], [`TIMEOUT`] and
/// [`ADDRESS_SPACE`].
// The child is reaped by wait4, for its resource usage, not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run(node: &Path, core: &Path) -> Outcome {
    common::module();
    let mut command = Command::new("prlimit");
    command
        .arg(format!("--as={ADDRESS_SPACE}"))
        .arg(format!("--cpu={}", CPU_LIMIT.as_secs()))
        .arg("--")
        .arg(common::host());
    for c in std::iter::once(&"::load v8.so").chain(COMMANDS) {
        command.arg("-e").arg(c);
    }
    let mut child = command
        .arg(node)
        .arg(core)
        .current_dir(common::root().join("target/release"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run prlimit (util-linux) with the host");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    let mut hung = false;
    let mut status = 0;
    // SAFETY: rusage is plain data, all zeroes a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let flags = if hung { 0 } else { libc::WNOHANG };
        // SAFETY: pid is our child, not yet reaped (only this loop reaps it); status and
        // usage are valid out-pointers.
        let reaped = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if reaped == pid {
            break;
        }
        assert_eq!(reaped, 0, "wait4 on the host: {}", std::io::Error::last_os_error());
        if started.elapsed() > TIMEOUT {
            hung = true;
            // SAFETY: kill has no memory effects; pid is our unreaped child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        } else {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    // RLIMIT_CPU ends a spinning run with SIGXCPU (SIGKILL at the hard limit).
    let out_of_cpu = libc::WIFSIGNALED(status)
        && [libc::SIGXCPU, libc::SIGKILL].contains(&libc::WTERMSIG(status))
        && usage_seconds(&usage) >= CPU_LIMIT.as_secs_f64();
    hung |= out_of_cpu;
    let signaled = libc::WIFSIGNALED(status) && !hung;
    Outcome {
        signal: signaled.then(|| libc::WTERMSIG(status)),
        exit: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        hung,
        peak_kib: usage.ru_maxrss as u64,
        output: stdout.join().unwrap() + &stderr.join().unwrap(),
    }
}

/// The CPU time (user and system) a run used.
fn usage_seconds(u: &libc::rusage) -> f64 {
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// The campaign's figures.
#[derive(Default)]
struct Figures {
    variants: u64,
    /// Variants the host refused to open, or the module to load on (a clean one-line error).
    refused: u64,
    crashes: u64,
    panics: u64,
    hangs: u64,
    /// The largest peak RSS of a run, and the seed of that run.
    peak_kib: u64,
    peak_seed: u64,
    failures: Vec<String>,
}

/// How often a long campaign prints its figures so far.
const REPORT_EVERY: u64 = 500;

impl Figures {
    fn report(&self, elapsed: Duration) {
        println!(
            "corruption campaign: {} variants, {} runs of {} commands ({} refused at open or ::load), {} crashes, {} panics, \
             {} hangs, peak RSS {} MiB (seed {}; limit {} GiB of address space), {:.0} s",
            self.variants,
            self.variants,
            COMMANDS.len(),
            self.refused,
            self.crashes,
            self.panics,
            self.hangs,
            self.peak_kib / 1024,
            self.peak_seed,
            ADDRESS_SPACE >> 30,
            elapsed.as_secs_f64()
        );
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

#[test]
fn corruption_campaign() {
    let version = "20.20.2";
    let (node, full) = (common::node(version), common::core(version, "values.js"));
    let original = full.with_extension("compact");
    if !original.is_file() {
        let made = full.with_extension("compact.tmp");
        std::fs::write(&made, compact(&std::fs::read(&full).unwrap())).unwrap();
        std::fs::rename(&made, &original).unwrap();
    }
    let intact = std::fs::read(&original).unwrap();
    let dir = common::root().join("target/stress");
    std::fs::create_dir_all(&dir).unwrap();

    // The commands do work on the intact core.
    let baseline = run(&node, &original);
    assert_eq!(baseline.exit, Some(0), "{}", baseline.output);
    assert!(baseline.output.contains("jsprintMarker"), "{}", baseline.output);

    let single = env_u64("STRESS_SEED");
    let from = env_u64("STRESS_FROM").unwrap_or(0);
    let seeds = single.map_or(from..from + env_u64("STRESS_VARIANTS").unwrap_or(100), |s| s..s + 1);
    println!("corruption campaign: seeds {} to {}", seeds.start, seeds.end - 1);
    let next = AtomicU64::new(seeds.start);
    let figures = Mutex::new(Figures::default());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..env_u64("STRESS_JOBS").unwrap_or(2) {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= seeds.end {
                    break;
                }
                let v = variant(&intact, seed);
                let what = &v.what;
                let path: PathBuf = dir.join(format!("variant-{seed}.core"));
                v.write(&original, &path);
                let o = run(&node, &path);
                let verdict = match (o.signal, o.panicked(), o.hung) {
                    (Some(sig), ..) => Some(format!("killed by signal {sig}")),
                    (_, true, _) => Some("panicked".to_string()),
                    (_, _, true) => {
                        Some(format!("hung (over {} s of CPU or {} s in all)", CPU_LIMIT.as_secs(), TIMEOUT.as_secs()))
                    }
                    _ => None,
                };
                let mut f = figures.lock().unwrap();
                f.variants += 1;
                f.refused += u64::from(!o.output.contains("V8 version"));
                f.crashes += u64::from(o.signal.is_some());
                f.panics += u64::from(o.panicked());
                f.hangs += u64::from(o.hung);
                if o.peak_kib > f.peak_kib {
                    (f.peak_kib, f.peak_seed) = (o.peak_kib, seed);
                }
                if f.variants % REPORT_EVERY == 0 {
                    f.report(started.elapsed());
                }
                match verdict {
                    Some(v) => {
                        let tail: String = o.output.lines().rev().take(5).collect::<Vec<_>>().join("\n");
                        eprintln!("seed {seed} ({what}): {v}\n{tail}");
                        f.failures.push(format!(
                            "seed {seed}: {v}; reproduce: STRESS_SEED={seed} cargo test --release --test stress"
                        ));
                    }
                    None if single.is_none() => std::fs::remove_file(&path).unwrap(),
                    None => eprintln!("seed {seed} ({what}): clean; kept at {}", path.display()),
                }
            });
        }
    });
    let f = figures.into_inner().unwrap();
    f.report(started.elapsed());
    assert!(f.failures.is_empty(), "{} failing variants:\n{}", f.failures.len(), f.failures.join("\n"));
}
