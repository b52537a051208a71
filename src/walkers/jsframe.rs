//! `::walk jsframe`: the frame pointers of a stack.

use super::{Walk, Walker};
use crate::mdb::Session;
use crate::target::{Addr, Result};

pub const WALKER: Walker = Walker {
    name: c"jsframe",
    descr: c"the frame pointers of thread 1's stack (or of the stack from frame pointer addr)",
    start,
};

/// From `rbp` of thread 1, or from `addr`, the chain of saved frame pointers as
/// `::jsstack` follows it (bounded, increasing, inside one stack mapping).
fn start(s: &Session, addr: Option<Addr>) -> Result<Walk> {
    let h = s.heap()?;
    let fp = match addr {
        Some(a) => a,
        None => Addr(h.t.register(1, "rbp")?),
    };
    let (chain, _) = h.frame_chain(fp, &h.t.regions()?);
    Ok(Box::new(chain.into_iter().map(|(fp, _)| fp).collect::<Vec<_>>().into_iter()))
}
