//! (in progress) Value layer: functions.

// Nothing calls this layer until the executor (branch query-syntax) lands.
#![allow(dead_code)]
