//! The dcmds, one file each. A file holds the dcmd's manual (its `::help` text), its
//! options, and its `run`, which computes the output without printing anything.

use std::ffi::CStr;

use crate::mdb::args::{Opts, Spec};
use crate::mdb::io::Output;
use crate::mdb::{Call, Session};
use crate::target::Result;

pub mod findjsobjects;
pub mod v8layout;

/// A dcmd as the module registers it with mdb.
pub struct Dcmd {
    pub name: &'static CStr,
    /// mdb's usage string: `:` = needs an address, `?` = takes one optionally.
    pub usage: &'static CStr,
    /// One line for `::dcmds`.
    pub descr: &'static CStr,
    /// The manual printed by `::help NAME`.
    pub help: &'static str,
    /// Accepted options, getopt-style.
    pub options: Spec,
    pub run: fn(&Session, &Call, &Opts, &mut Output) -> Result<()>,
}
