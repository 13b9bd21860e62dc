//! The DOT export of the bundled dataset, rendered by the real Graphviz `dot`.

use std::process::Command;

#[test]
fn bundled_dataset_renders_with_graphviz() {
    if Command::new("dot").arg("-V").output().is_err() {
        eprintln!("note: Graphviz `dot` is not installed; skipping (apt-get install graphviz)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--chains", "--clusters", "location"][..], &["--clusters", "document"][..]] {
        let svg = dir.path().join("out.svg");
        let status = Command::new(env!("CARGO_BIN_EXE_claimgraph"))
            .args(["export", "dot", "--render", "svg", "-o"])
            .arg(&svg)
            .args(extra)
            .status()
            .unwrap();
        assert!(status.success(), "{extra:?}");
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.contains("<svg") && text.contains("Wagner"), "{extra:?}");
    }
}
