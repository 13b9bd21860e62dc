//! Bad data files: every file in `tests/load_errors/` must fail to load, and the rendered
//! error (file:line:col, the line, a caret, the hint) is compared with its snapshot.

use claimgraph::diagnostics::render_plain;
use claimgraph::load::{load_files_checked, DataFile};
use claimgraph::model::Graph;

#[test]
fn bad_data_files_get_located_errors() {
    insta::glob!("load_errors/*.kg", |path| {
        let file = DataFile::read(path).expect("readable");
        let name = path.file_name().expect("a file").to_string_lossy().to_string();
        let file =
            DataFile { source: claimgraph::diagnostics::SourceFile::new(name, file.source.text), ..file };
        let mut graph = Graph::new();
        // As the front ends load: `RESOLVE` of a finding id is checked against the findings.
        let failure = load_files_checked(&mut graph, &[file], Some(claimgraph::check::finding_ids))
            .expect_err("bad input must not load");
        let rendered: Vec<String> = failure.reports.iter().map(render_plain).collect();
        insta::assert_snapshot!(rendered.join("\n"));
    });
}
