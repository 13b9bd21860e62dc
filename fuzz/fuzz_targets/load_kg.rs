//! The declaration parser and the loader: any text loads or is refused with an error that
//! renders with its location; nothing panics or overflows the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = claimgraph_fuzz::text(data);
    let mut graph = claimgraph::model::Graph::new();
    let file = claimgraph::load::DataFile::new("fuzz.kg", text, None);
    if let Err(failure) = claimgraph::load::load_files(&mut graph, &[file]) {
        for report in &failure.reports {
            let shown = claimgraph::diagnostics::render_plain(report);
            assert!(shown.contains("[fuzz.kg:"), "an error without its location:\n{shown}");
        }
    }
});
