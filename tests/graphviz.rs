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

/// The dispute view of the bundled dataset with the second example document: every
/// dispute, its positions as boxes, rendered by Graphviz.
#[test]
fn the_dispute_view_renders_with_graphviz() {
    if Command::new("dot").arg("-V").output().is_err() {
        eprintln!("note: Graphviz `dot` is not installed; skipping (apt-get install graphviz)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("disputes.svg");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(env!("CARGO_BIN_EXE_claimgraph"))
        .args(["export", "dot", "--disputes", "--render", "svg", "-o"])
        .arg(&svg)
        .arg(root.join("data/khusham_2018.kg"))
        .arg(root.join("docs/examples/khusham_encyclopedia.kg"))
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&svg).unwrap();
    for expected in ["position 1", "Russian government", "BBC Russian", "~100..200", "48308eba19"] {
        assert!(text.contains(expected), "the picture lacks {expected}");
    }
}
