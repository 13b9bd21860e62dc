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

/// Hostile names (quotes, backslashes, HTML entities, DOT syntax, control characters) show in
/// the picture exactly as written: what Graphviz draws, decoded, is each entity's name.
#[test]
fn hostile_names_are_drawn_as_written() {
    if Command::new("dot").arg("-V").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI installs Graphviz: `dot` must be found");
        eprintln!("note: Graphviz `dot` is not installed; skipping (apt-get install graphviz)");
        return;
    }
    let data = "tests/roundtrip/hostile_names.kg";
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("out.svg");
    let status = Command::new(env!("CARGO_BIN_EXE_claimgraph"))
        .args(["export", "dot", "--data", data, "--render", "svg", "-o"])
        .arg(&svg)
        .status()
        .unwrap();
    assert!(status.success());
    let svg = std::fs::read_to_string(&svg).unwrap();
    let drawn: Vec<String> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').and_then(|(_, rest)| rest.split_once("</text>")).map(|(s, _)| s))
        .map(|s| {
            let s = s.replace("&quot;", "\"").replace("&#39;", "'").replace("&#45;", "-");
            normalise(&s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        })
        .collect();
    let mut graph = claimgraph::model::Graph::new();
    let file = claimgraph::load::DataFile::read(std::path::Path::new(data)).unwrap();
    claimgraph::load::load_files(&mut graph, &[file]).unwrap();
    let mut checked = 0;
    for ix in graph.entities() {
        // DOT drops control characters and breaks lines at newlines.
        let name: String = graph.display_name(ix).chars().filter(|c| !c.is_control() || *c == '\n').collect();
        for line in name.split('\n') {
            assert!(drawn.contains(&normalise(line)), "{line:?} is not drawn; drawn: {drawn:#?}");
            checked += 1;
        }
    }
    assert!(checked >= 7, "{checked}");
}

fn normalise(s: &str) -> String {
    s.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
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
