//! The printers: whatever loads prints to statements that load back the same, exports to JSON
//! that imports back the same, and exports to DOT whose strings are well formed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(graph) = claimgraph_fuzz::load("fuzz.kg", claimgraph_fuzz::text(data)) {
        claimgraph_fuzz::check_round_trips(&graph);
    }
});
