//! V8 heap introspection, generic over [`Target`](crate::target::Target): no mdb here.
//!
//! - [`layout`]: the target's V8 layout from its postmortem metadata;
//! - [`value`], [`heap`]: tagged words and typed object access;
//! - [`string`], [`object`], [`function`]: strings, properties and elements, functions;
//! - [`scan`]: finding every object; [`census`]: grouping them for `::findjsobjects`;
//! - [`graph`]: every heap object with its references and roots; [`refs`]: their names;
//! - [`dominators`]: immediate dominators and retained sizes over a graph in CSR form.

pub mod buffer;
pub mod callsite;
pub mod census;
pub mod collections;
pub mod dominators;
pub mod frames;
pub mod function;
pub mod graph;
pub mod heap;
pub mod heapsnapshot;
pub mod layout;
pub mod malloc;
pub mod object;
pub mod print;
pub mod refs;
pub mod scan;
pub mod string;
pub mod value;

use std::cell::RefCell;
use std::rc::Rc;

use crate::target::{Addr, Result, Target};
use census::Census;
use layout::Layout;

/// What the module knows about the target's V8.
pub struct V8 {
    pub layout: Layout,
    /// Every `v8dbg_*` value, for `::v8print`.
    pub metadata: layout::Metadata,
    /// The census, once a scan has completed (an interrupted scan leaves it empty).
    census: RefCell<Option<Rc<Census>>>,
    /// The heap graph, once built (an interrupted build leaves it empty).
    graph: RefCell<Option<Rc<graph::Graph>>>,
    /// Objects marked with `::findjsobjects -m`, for the next `-r`.
    pub marks: RefCell<Vec<Addr>>,
    /// What the heap readers decode once per session.
    pub cache: heap::HeapCache,
}

impl V8 {
    /// Configure from the target's metadata.
    pub fn load(t: &dyn Target) -> Result<V8> {
        let (layout, metadata) = layout::load(t)?;
        Ok(V8 {
            layout,
            metadata,
            census: RefCell::new(None),
            graph: RefCell::new(None),
            marks: RefCell::new(Vec::new()),
            cache: heap::HeapCache::default(),
        })
    }

    /// The census if one was built.
    pub fn census(&self) -> Option<Rc<Census>> {
        self.census.borrow().clone()
    }

    /// The graph if one was built.
    pub fn graph(&self) -> Option<Rc<graph::Graph>> {
        self.graph.borrow().clone()
    }

    /// Keep a completed graph for every later command.
    pub fn set_graph(&self, g: Rc<graph::Graph>) {
        *self.graph.borrow_mut() = Some(g);
    }

    /// Keep a completed census for every later command.
    pub fn set_census(&self, c: Rc<Census>) {
        *self.census.borrow_mut() = Some(c);
    }
}
