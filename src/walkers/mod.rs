//! The walkers, one file each.

use std::ffi::CStr;

use crate::mdb::Session;

pub mod findjsobjects;
pub mod jselement;
pub mod jsframe;
pub mod jsobj;
pub mod jsprop;
use crate::target::{Addr, Result};

/// The addresses a walk yields, in order; owned so that it can live between steps.
pub type Walk = Box<dyn Iterator<Item = Addr>>;

/// A walker as the module registers it with mdb.
pub struct Walker {
    pub name: &'static CStr,
    pub descr: &'static CStr,
    /// Start a walk, from `addr` when one was given (`addr::walk NAME`).
    pub start: fn(&Session, Option<Addr>) -> Result<Walk>,
}
