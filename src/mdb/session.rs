//! The module's state for one loaded instance: the target and what we learned about it.
//!
//! Created by `_mdb_init`, dropped by `_mdb_fini`. It lives in a thread-local slot (mdb is
//! single-threaded); callers get an `Rc` clone and never hold a `RefCell` borrow across a
//! call into mdb.

use std::cell::RefCell;
use std::rc::Rc;

use std::time::{Duration, Instant};

use super::{io, MdbTarget};
use crate::target::{Cached, Error, Result, Target};
use crate::v8::census::Census;
use crate::v8::graph::Graph;
use crate::v8::heap::Heap;
use crate::v8::V8;

/// Scans slower than this report progress on standard error.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

/// Everything a dcmd needs: the target (its small reads cached: for the session on a
/// core, for one command on a live process) and, when it is a node process, its V8.
pub struct Session {
    pub target: Cached<MdbTarget>,
    v8: std::result::Result<V8, Error>,
}

thread_local! {
    static SESSION: RefCell<Option<Rc<Session>>> = const { RefCell::new(None) };
}

/// A progress callback for long work (`done` of `total`): "WHO: WHAT: N% done" on standard
/// error once the work takes over a second, and `Interrupted` after a ^C.
pub fn progress(who: &str, what: &str) -> impl FnMut(u64, u64) -> Result<()> {
    let (who, what) = (who.to_string(), what.to_string());
    let started = Instant::now();
    let mut reported = started;
    move |done: u64, total: u64| {
        if super::interrupt_pending() {
            return Err(Error::Interrupted);
        }
        let now = Instant::now();
        if now.duration_since(started) > PROGRESS_AFTER && now.duration_since(reported) > PROGRESS_AFTER {
            reported = now;
            io::warn(&format!("{who}: {what}: {}% done", (done * 100 / total.max(1)).min(100)));
        }
        Ok(())
    }
}

impl Session {
    /// Configure from the target. Failure to find V8 is kept and reported by each dcmd.
    pub fn load() -> Session {
        let target = Cached::new(MdbTarget);
        let v8 = V8::load(&target);
        Session { target, v8 }
    }

    /// A command (or walk) starts: a live process may have run since the last one, so
    /// the memory read then is forgotten; a core's never changes, and stays cached.
    pub fn command_starts(&self) {
        if !super::postmortem() {
            self.target.clear();
        }
    }

    /// The target's V8, or why it has none.
    pub fn v8(&self) -> Result<&V8> {
        self.v8.as_ref().map_err(Clone::clone)
    }

    /// The heap, as the layout describes it.
    pub fn heap(&self) -> Result<Heap<'_>> {
        let v8 = self.v8()?;
        Ok(Heap::new(&self.target, &v8.layout, &v8.cache))
    }

    /// The census, scanning the heap the first time. Returns it and whether this call
    /// did the scan. Progress goes to standard error once a scan takes over a second;
    /// a ^C ends the scan at the next page; the census is kept only when the scan completes.
    pub fn census(&self, who: &str) -> Result<(Rc<Census>, bool)> {
        let v8 = self.v8()?;
        if let Some(c) = v8.census() {
            return Ok((c, false));
        }
        let regions = self.target.regions()?;
        let census = Rc::new(Census::build(&self.heap()?, &regions, &mut progress(who, "scanning the heap"))?);
        v8.set_census(census.clone());
        Ok((census, true))
    }

    /// The heap graph, built the first time (progress and ^C as for the census).
    pub fn graph(&self, who: &str) -> Result<Rc<Graph>> {
        let v8 = self.v8()?;
        if let Some(g) = v8.graph() {
            return Ok(g);
        }
        let regions = self.target.regions()?;
        let g = Rc::new(Graph::build(&self.heap()?, &regions, &mut progress(who, "building the heap graph"))?);
        if g.stats.unreadable_bytes > 0 {
            io::warn(&format!(
                "{who}: {} bytes of heap pages could not be read: the graph leaves them out",
                g.stats.unreadable_bytes
            ));
        }
        v8.set_graph(g.clone());
        Ok(g)
    }

    /// Install `s` as the current session (or clear it with `None`).
    pub fn install(s: Option<Session>) {
        let s = s.map(Rc::new);
        SESSION.with(|slot| *slot.borrow_mut() = s);
    }

    /// The current session.
    pub fn current() -> Result<Rc<Session>> {
        SESSION.with(|slot| slot.borrow().clone()).ok_or_else(|| Error::Msg("the v8 module is not initialised".into()))
    }
}
