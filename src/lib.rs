//! `v8.so`: an illumos mdb module (dmod) for postmortem analysis of Node.js heaps.
//!
//! mdb loads the module with `::load v8.so`; `_mdb_init` finds node's postmortem metadata
//! (`v8dbg_*` symbols) through the mdb API and configures a [`v8::layout::Layout`] for the
//! target's V8 version. The dcmds then read the heap through that layout.
//!
//! Modules:
//! - [`target`]: the `Target` trait (memory, symbols, regions), `Addr`, `Error`;
//! - [`mdb`]: the only code that calls mdb: entry points, panic guard, session, output,
//!   argument parsing;
//! - [`v8`]: heap introspection over any `Target`;
//! - [`helper`]: the thread that a heap scan's computation runs on;
//! - [`dcmds`] and [`walkers`]: one file per command, each with its manual.
//!
//! The same module runs in the Linux host (`host/`), which exports the mdb API over ELF
//! cores and live processes.

pub mod dcmds;
pub mod helper;
pub mod mdb;
pub mod target;
pub mod v8;
pub mod walkers;
