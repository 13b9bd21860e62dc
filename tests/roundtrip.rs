//! Round trips: declarations parse → print → parse to the same AST; a graph prints to a
//! data file that loads back to the same graph; the JSON export imports back exactly.

use claimgraph::bundled::bundled_dataset;
use claimgraph::load::json::export_json;
use claimgraph::load::print::print_graph;
use claimgraph::load::{load_files, parse_decls, DataFile};
use claimgraph::model::Graph;

fn load(files: &[DataFile]) -> Graph {
    let mut g = Graph::new();
    if let Err(e) = load_files(&mut g, files) {
        panic!("load failed:\n{e}");
    }
    g
}

fn corpus() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir("tests/roundtrip")
        .expect("tests/roundtrip exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "kg"))
        .collect();
    files.sort();
    let mut out: Vec<(String, String)> = files
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(p).expect("readable")))
        .collect();
    let bundled = bundled_dataset();
    out.push((bundled.source.name.clone(), bundled.source.text.to_string()));
    out
}

#[test]
fn declarations_round_trip_through_the_printer() {
    for (name, text) in corpus() {
        let first = parse_decls(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!first.is_empty(), "{name} holds statements");
        for (decl, _) in &first {
            let printed = format!("{decl};");
            let again =
                parse_decls(&printed).unwrap_or_else(|e| panic!("{name}: reprinted {printed:?}: {e}"));
            assert_eq!(again.len(), 1, "{printed}");
            assert_eq!(&again[0].0, decl, "{name}: {printed}");
        }
    }
}

#[test]
fn the_corpus_covers_every_declaration_form() {
    let text = std::fs::read_to_string("tests/roundtrip/every_declaration.kg").expect("corpus");
    let printed: String =
        parse_decls(&text).expect("parses").iter().map(|(d, _)| format!("{d}\n")).collect::<String>();
    for form in [
        "DOCUMENT",
        "SOURCE",
        "ENTITY",
        "VIA",
        "USE DOCUMENT",
        "CLAIM",
        "BY USER",
        "REPORTED",
        "UNCONFIRMED",
        "ALLEGED",
        "BELIEVED",
        "DENIED",
        "ASSERTED",
        " IN ",
        " AT ",
        " ON @",
        "QUOTE",
        "ATTEST",
        "DENY",
        "SINGLE",
        "SUM",
        "EXCLUSIVE",
        "TEMPORAL",
        " PER ",
        "TOLERANCE",
        "SEVERITY",
        "~",
        "<=",
        ">=",
        "..",
        "@-",
        "@+",
        "NaN",
        "Infinity",
        "`",
    ] {
        assert!(printed.contains(form), "the round-trip corpus lacks {form:?}");
    }
}

#[test]
fn a_printed_graph_loads_back_to_the_same_graph() {
    let original = load(&[bundled_dataset()]);
    let printed = print_graph(&original);
    let reloaded = load(&[DataFile::new("printed.kg", printed.clone(), bundled_dataset().base_dir)]);
    assert_eq!(print_graph(&reloaded), printed);
    assert_eq!(reloaded.summary(), original.summary());
    let corpus =
        DataFile::read(std::path::Path::new("tests/roundtrip/every_declaration.kg")).expect("corpus");
    let g = load(&[corpus]);
    let printed = print_graph(&g);
    let reloaded = load(&[DataFile::new("printed.kg", printed.clone(), None)]);
    assert_eq!(print_graph(&reloaded), printed);
}

#[test]
fn the_json_export_imports_back_exactly() {
    for file in [
        bundled_dataset(),
        DataFile::read(std::path::Path::new("tests/roundtrip/every_declaration.kg")).expect("corpus"),
    ] {
        let original = load(std::slice::from_ref(&file));
        let json = serde_json::to_string_pretty(&export_json(&original)).expect("serialises");
        let restored = load(&[DataFile::new("export.json", json.clone(), file.base_dir.clone())]);
        assert_eq!(print_graph(&restored), print_graph(&original));
        let json_again = serde_json::to_string_pretty(&export_json(&restored)).expect("serialises");
        assert_eq!(json_again, json);
    }
}
