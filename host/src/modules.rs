//! Loading dmods the way mdb does: `dlopen(RTLD_NOW|RTLD_LOCAL)`, `_mdb_init`, then checks
//! on the returned `mdb_modinfo_t` (API version 1–5, legal names, required functions).
//! A module that fails a check is closed again and nothing of it is registered.

use std::cell::RefCell;
use std::ffi::{c_void, CStr, CString};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use mdb_sys as sys;

/// The oldest and newest module API versions mdb accepts.
const API_VERSIONS: std::ops::RangeInclusive<u16> = 1..=5;

/// A dcmd registered by a module. Everything points into the module, which stays loaded
/// while it is registered.
#[derive(Clone)]
pub struct DcmdEntry {
    pub module: String,
    pub name: String,
    pub usage: String,
    pub descr: String,
    pub func: unsafe extern "C" fn(usize, u32, i32, *const sys::mdb_arg_t) -> i32,
    pub help: Option<unsafe extern "C" fn()>,
}

/// A walker registered by a module.
#[derive(Clone)]
pub struct WalkerEntry {
    pub module: String,
    pub name: String,
    pub descr: String,
    pub init: Option<unsafe extern "C" fn(*mut sys::mdb_walk_state_t) -> i32>,
    pub step: unsafe extern "C" fn(*mut sys::mdb_walk_state_t) -> i32,
    pub fini: Option<unsafe extern "C" fn(*mut sys::mdb_walk_state_t)>,
    pub init_arg: *mut c_void,
}

struct Module {
    name: String,
    handle: *mut c_void,
}

#[derive(Default)]
struct Registry {
    modules: Vec<Module>,
    /// Newest registration last: a later module's dcmd of the same name wins.
    dcmds: Vec<DcmdEntry>,
    walkers: Vec<WalkerEntry>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry { walkers: target_walkers(), ..Registry::default() });
}

/// The walkers mdb's proc target provides itself, before any module is loaded.
fn target_walkers() -> Vec<WalkerEntry> {
    vec![WalkerEntry {
        module: "mdb".into(),
        name: "thread".into(),
        descr: "walk list of all threads".into(),
        init: None,
        step: crate::api::thread_walk_step,
        fini: None,
        init_arg: std::ptr::null_mut(),
    }]
}

/// Where `::load NAME` looks: the current directory, the host's own directory, then each
/// directory of `$MDB_MODULE_PATH`, then illumos' default for 64-bit process modules.
pub fn search_path() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(".")];
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        dirs.push(dir);
    }
    if let Ok(p) = std::env::var("MDB_MODULE_PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    dirs.push(PathBuf::from("/usr/lib/mdb/proc/amd64"));
    dirs
}

/// Resolve `::load NAME` to a file and a module name, as mdb does.
fn find(name: &str) -> Result<(PathBuf, String)> {
    if name.contains('/') {
        let path = PathBuf::from(name);
        let base = path.file_name().and_then(|b| b.to_str()).unwrap_or(name);
        let module = base.strip_suffix(".so").unwrap_or(base).to_string();
        return Ok((path, module));
    }
    let candidates: Vec<String> =
        if name.ends_with(".so") { vec![name.to_string(), format!("{name}.so")] } else { vec![format!("{name}.so")] };
    for dir in search_path() {
        for c in &candidates {
            let path = dir.join(c);
            if path.is_file() {
                return Ok((path, name.to_string()));
            }
        }
    }
    bail!("no module '{name}' could be found")
}

fn legal_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || "#%^&*-+=,:$/\\?<>;|!`'\"[](){}".contains(c))
}

fn c_string(p: *const std::ffi::c_char) -> Option<String> {
    // SAFETY: the module's strings are NUL-terminated and 'static.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// `::load NAME`: open, initialise, validate and register a module.
pub fn load(name: &str) -> Result<String> {
    let (path, module) = find(name)?;
    if REGISTRY.with(|r| r.borrow().modules.iter().any(|m| m.name == module)) {
        bail!("{module} module is already loaded");
    }
    let cpath = CString::new(path.as_os_str().as_encoded_bytes())?;
    // SAFETY: dlopen with a valid path; the handle is closed on every failure below.
    let handle = unsafe { libc::dlopen(cpath.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if handle.is_null() {
        bail!("{}", dl_error());
    }
    match register(handle, &module) {
        Ok(()) => Ok(module),
        Err(e) => {
            // SAFETY: the handle came from dlopen and nothing of it is registered.
            unsafe { libc::dlclose(handle) };
            Err(e)
        }
    }
}

fn dl_error() -> String {
    // SAFETY: dlerror returns a thread-local NUL-terminated string or NULL.
    c_string(unsafe { libc::dlerror() }).unwrap_or_else(|| "unknown dlopen error".into())
}

fn register(handle: *mut c_void, module: &str) -> Result<()> {
    // SAFETY: looking up a symbol in a valid handle.
    let init = unsafe { libc::dlsym(handle, c"_mdb_init".as_ptr()) };
    if init.is_null() {
        bail!("{module} module is missing _mdb_init definition");
    }
    // SAFETY: _mdb_init has this signature by the dmod ABI.
    let init: extern "C" fn() -> *const sys::mdb_modinfo_t = unsafe { std::mem::transmute(init) };
    let info = init();
    if info.is_null() {
        bail!("{module} module failed to initialize");
    }
    // SAFETY: a non-NULL modinfo stays valid while the module is loaded.
    let info = unsafe { &*info };
    if !API_VERSIONS.contains(&info.mi_dvers) {
        bail!("module {module} requires API version {}, which this host does not support (1-5)", info.mi_dvers);
    }
    let dcmds = read_dcmds(info, module)?;
    let walkers = read_walkers(info, module)?;
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        r.modules.push(Module { name: module.to_string(), handle });
        r.dcmds.extend(dcmds);
        r.walkers.extend(walkers);
    });
    Ok(())
}

/// Read the zero-terminated dcmd table. Versions below 4 use the 40-byte entry without
/// `dc_tabp`.
fn read_dcmds(info: &sys::mdb_modinfo_t, module: &str) -> Result<Vec<DcmdEntry>> {
    let mut out = Vec::new();
    if info.mi_dcmds.is_null() {
        return Ok(out);
    }
    let stride = if info.mi_dvers >= 4 { std::mem::size_of::<sys::mdb_dcmd_t>() } else { 40 };
    for i in 0.. {
        // SAFETY: the table is terminated by an entry with a NULL name; entries before it
        // are complete at the version's stride.
        let d = unsafe { &*(info.mi_dcmds.cast::<u8>().add(i * stride).cast::<sys::mdb_dcmd_t>()) };
        let Some(name) = c_string(d.dc_name) else { break };
        if !legal_name(&name) {
            bail!("module {module}: dcmd name \"{name}\" is not legal");
        }
        let descr = c_string(d.dc_descr).ok_or_else(|| anyhow!("module {module}: dcmd {name} has no description"))?;
        let func = d.dc_funcp.ok_or_else(|| anyhow!("module {module}: dcmd {name} has no function"))?;
        out.push(DcmdEntry {
            module: module.to_string(),
            usage: c_string(d.dc_usage).unwrap_or_default(),
            name,
            descr,
            func,
            help: d.dc_help,
        });
    }
    Ok(out)
}

fn read_walkers(info: &sys::mdb_modinfo_t, module: &str) -> Result<Vec<WalkerEntry>> {
    let mut out = Vec::new();
    if info.mi_walkers.is_null() {
        return Ok(out);
    }
    for i in 0.. {
        // SAFETY: the table is terminated by an entry with a NULL name.
        let w = unsafe { &*info.mi_walkers.add(i) };
        let Some(name) = c_string(w.walk_name) else { break };
        if !legal_name(&name) {
            bail!("module {module}: walker name \"{name}\" is not legal");
        }
        let descr =
            c_string(w.walk_descr).ok_or_else(|| anyhow!("module {module}: walker {name} has no description"))?;
        let step = w.walk_step.ok_or_else(|| anyhow!("module {module}: walker {name} has no step function"))?;
        out.push(WalkerEntry {
            module: module.to_string(),
            name,
            descr,
            init: w.walk_init,
            step,
            fini: w.walk_fini,
            init_arg: w.walk_init_arg,
        });
    }
    Ok(out)
}

/// `::unload NAME`: `_mdb_fini`, unregister, `dlclose`.
pub fn unload(name: &str) -> Result<()> {
    let module = REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        let i = r.modules.iter().position(|m| m.name == name || m.name.strip_suffix(".so") == Some(name))?;
        let m = r.modules.remove(i);
        r.dcmds.retain(|d| d.module != m.name);
        r.walkers.retain(|w| w.module != m.name);
        Some(m)
    });
    let module = module.ok_or_else(|| anyhow!("failed to unload {name}: specified module is not loaded"))?;
    // SAFETY: looking up an optional symbol, then calling it with its ABI signature.
    let fini = unsafe { libc::dlsym(module.handle, c"_mdb_fini".as_ptr()) };
    if !fini.is_null() {
        // SAFETY: _mdb_fini takes no arguments and returns nothing (the dmod ABI).
        let fini: extern "C" fn() = unsafe { std::mem::transmute(fini) };
        fini();
    }
    // SAFETY: nothing of the module is registered any more.
    unsafe { libc::dlclose(module.handle) };
    Ok(())
}

/// Unload every module (at exit), newest first.
pub fn unload_all() {
    let names: Vec<String> = REGISTRY.with(|r| r.borrow().modules.iter().rev().map(|m| m.name.clone()).collect());
    for n in names {
        let _ = unload(&n);
    }
}

/// Split `` mod`name `` into an optional module and a name.
fn qualified(name: &str) -> (Option<&str>, &str) {
    match name.split_once('`') {
        Some((m, n)) => (Some(m), n),
        None => (None, name),
    }
}

/// The dcmd called `name` (possibly `` mod`name ``), newest registration first.
pub fn dcmd(name: &str) -> Option<DcmdEntry> {
    let (module, name) = qualified(name);
    REGISTRY.with(|r| {
        r.borrow()
            .dcmds
            .iter()
            .rev()
            .find(|d| d.name == name && module.is_none_or(|m| d.module == m || d.module.strip_suffix(".so") == Some(m)))
            .cloned()
    })
}

/// The walker called `name` (possibly `` mod`name ``).
pub fn walker(name: &str) -> Option<WalkerEntry> {
    let (module, name) = qualified(name);
    REGISTRY.with(|r| {
        r.borrow()
            .walkers
            .iter()
            .rev()
            .find(|w| w.name == name && module.is_none_or(|m| w.module == m || w.module.strip_suffix(".so") == Some(m)))
            .cloned()
    })
}

/// Every registered dcmd and walker, for `::dcmds` and `::walkers`.
pub fn all_dcmds() -> Vec<DcmdEntry> {
    REGISTRY.with(|r| r.borrow().dcmds.clone())
}

pub fn all_walkers() -> Vec<WalkerEntry> {
    REGISTRY.with(|r| r.borrow().walkers.clone())
}
