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
        "SPEAKS FOR",
        "VOICE",
        "PARTS",
        "BOUND",
        "AT MOST (OBJECT)",
        "(SUBJECT)",
        " OVER ",
        "~100..200",
        "RESOLVE",
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
    // The bundled dataset's text may be absent (a checkout without ../shared): as for the
    // bundled file itself, its quotes then load unverified.
    let reloaded = load(&[
        DataFile::new("printed.kg", printed.clone(), bundled_dataset().base_dir).with_optional_texts()
    ]);
    assert_eq!(print_graph(&reloaded), printed);
    assert_eq!(reloaded.summary(), original.summary());
    let corpus =
        DataFile::read(std::path::Path::new("tests/roundtrip/every_declaration.kg")).expect("corpus");
    let g = load(&[corpus]);
    let printed = print_graph(&g);
    let reloaded = load(&[DataFile::new("printed.kg", printed.clone(), Some("tests/roundtrip".into()))]);
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
        let restored = load(&[DataFile {
            optional_texts: file.optional_texts,
            ..DataFile::new("export.json", json.clone(), file.base_dir.clone())
        }]);
        assert_eq!(print_graph(&restored), print_graph(&original));
        let json_again = serde_json::to_string_pretty(&export_json(&restored)).expect("serialises");
        assert_eq!(json_again, json);
    }
}

#[test]
fn document_texts_resolve_from_where_the_file_is_written() {
    use claimgraph::load::json::export_json_at;
    use claimgraph::load::print::print_graph_at;
    let scratch = tempfile::tempdir().expect("scratch folder");
    let (source_dir, out_dir) = (scratch.path().join("sources"), scratch.path().join("elsewhere/deeper"));
    std::fs::create_dir_all(&source_dir).expect("sources");
    std::fs::create_dir_all(&out_dir).expect("out");
    std::fs::write(source_dir.join("article.txt"), "The minister said five died.").expect("text");
    let data = "DOCUMENT (doc {text: 'article.txt'}); SOURCE (m:Person);\n\
                CLAIM (m)-[:SAID]->(doc) BY m IN doc QUOTE 'five died';";
    std::fs::write(source_dir.join("data.kg"), data).expect("data");
    let g = load(&[DataFile::read(&source_dir.join("data.kg")).expect("read")]);
    let doc = g.find_entity("doc").expect("doc");
    assert!(g.document_text(doc).is_some_and(|t| t.verified));
    // Written elsewhere, the file names the same text, and finds it.
    let printed = print_graph_at(&g, Some(&out_dir));
    assert!(printed.contains("text: '../../sources/article.txt'"), "{printed}");
    std::fs::write(out_dir.join("saved.kg"), &printed).expect("save");
    let again = load(&[DataFile::read(&out_dir.join("saved.kg")).expect("read saved")]);
    let doc = again.find_entity("doc").expect("doc");
    assert!(again.document_text(doc).is_some_and(|t| t.verified), "the saved file's quotes are verified");
    let json = serde_json::to_string(&export_json_at(&g, Some(&out_dir))).expect("json");
    std::fs::write(out_dir.join("saved.json"), &json).expect("save json");
    let from_json = load(&[DataFile::read(&out_dir.join("saved.json")).expect("read json")]);
    let doc = from_json.find_entity("doc").expect("doc");
    assert!(
        from_json.document_text(doc).is_some_and(|t| t.verified),
        "the JSON export's quotes are verified"
    );
    // A quote changed in the saved file is caught: the text really is checked.
    let tampered = printed.replace("'five died'", "'six died'");
    std::fs::write(out_dir.join("tampered.kg"), tampered).expect("tampered");
    let mut g2 = Graph::new();
    assert!(load_files(&mut g2, &[DataFile::read(&out_dir.join("tampered.kg")).expect("read")]).is_err());
}
