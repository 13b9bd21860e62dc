//! The JSON importer: any bytes import or are refused with a located error; what imports
//! round-trips through both printers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = claimgraph_fuzz::text(data);
    let mut graph = claimgraph::model::Graph::new();
    let file = claimgraph::load::DataFile::new("fuzz.json", text, None);
    match claimgraph::load::load_files(&mut graph, &[file]) {
        Ok(()) => claimgraph_fuzz::check_round_trips(&graph),
        Err(failure) => {
            for report in &failure.reports {
                let shown = claimgraph::diagnostics::render_plain(report);
                assert!(shown.contains("[fuzz.json:"), "an error without its location:\n{shown}");
            }
        }
    }
});
