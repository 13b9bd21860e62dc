//! (in progress) Value layer: aggregate.

// Nothing calls this layer until the executor (branch query-syntax) lands.
#![allow(dead_code)]
