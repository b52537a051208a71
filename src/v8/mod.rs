//! V8 heap introspection, generic over [`Target`](crate::target::Target): no mdb here.

pub mod layout;

use crate::target::{Result, Target};
use layout::Layout;

/// What the module knows about the target's V8.
pub struct V8 {
    pub layout: Layout,
}

impl V8 {
    /// Configure from the target's metadata.
    pub fn load(t: &dyn Target) -> Result<V8> {
        Ok(V8 { layout: layout::load(t)? })
    }
}
