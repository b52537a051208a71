//! The module's state for one loaded instance: the target and what we learned about it.
//!
//! Created by `_mdb_init`, dropped by `_mdb_fini`. It lives in a thread-local slot (mdb is
//! single-threaded); callers get an `Rc` clone and never hold a `RefCell` borrow across a
//! call into mdb.

use std::cell::RefCell;
use std::rc::Rc;

use super::MdbTarget;
use crate::target::{Error, Result};
use crate::v8::V8;

/// Everything a dcmd needs: the target and, when it is a node process, its V8.
pub struct Session {
    pub target: MdbTarget,
    v8: std::result::Result<V8, Error>,
}

thread_local! {
    static SESSION: RefCell<Option<Rc<Session>>> = const { RefCell::new(None) };
}

impl Session {
    /// Configure from the target. Failure to find V8 is kept and reported by each dcmd.
    pub fn load() -> Session {
        let target = MdbTarget;
        let v8 = V8::load(&target);
        Session { target, v8 }
    }

    /// The target's V8, or why it has none.
    pub fn v8(&self) -> Result<&V8> {
        self.v8.as_ref().map_err(Clone::clone)
    }

    /// Install `s` as the current session (or clear it with `None`).
    pub fn install(s: Option<Session>) {
        let s = s.map(Rc::new);
        SESSION.with(|slot| *slot.borrow_mut() = s);
    }

    /// The current session.
    pub fn current() -> Result<Rc<Session>> {
        SESSION
            .with(|slot| slot.borrow().clone())
            .ok_or_else(|| Error::Msg("the v8 module is not initialised".into()))
    }
}
