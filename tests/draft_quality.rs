//! The drafter measured against hand encodings: each `tests/draft/quality/<case>/case` names
//! an article, its gold `.kg` file, the article's date and the floors below which the test
//! fails. Prints the scores (see docs/draft.md for the latest numbers).

use std::collections::BTreeMap;
use std::path::Path;

use claimgraph::draft::{draft, score, DraftOptions, Lexicon};
use claimgraph::load::{load_files, DataFile};
use claimgraph::model::{DateValue, Graph, Value};

#[test]
fn draft_quality_meets_its_floors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/draft/quality");
    let mut cases: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    let mut failures = Vec::new();
    let mut ran = 0;
    for dir in cases {
        let spec = std::fs::read_to_string(dir.join("case")).unwrap();
        let mut fields = BTreeMap::new();
        let mut floors = Vec::new();
        for line in spec.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (k, v) = line.split_once('=').expect("key = value");
            match k.trim().strip_prefix("floor ") {
                Some(name) => floors.push((name.trim().to_string(), v.trim().parse::<f64>().unwrap())),
                None => {
                    fields.insert(k.trim().to_string(), v.trim().to_string());
                }
            }
        }
        let article_path = dir.join(&fields["article"]);
        let Ok(article) = std::fs::read_to_string(&article_path) else {
            eprintln!("note: {} is absent; case {} skipped", article_path.display(), dir.display());
            continue;
        };
        let published = match claimgraph::syntax::decl::parse_value(&format!("@{}", fields["published"])) {
            Ok(Value::Date(DateValue::Absolute(d))) => Some(d),
            other => panic!("published: {other:?}"),
        };
        let options = DraftOptions {
            document_id: "drafted_article".into(),
            document_name: "drafted article".into(),
            text_path: std::fs::canonicalize(&article_path).unwrap().display().to_string(),
            published,
            rejected: Default::default(),
        };
        let drafted = draft(&article, &Graph::new(), &Lexicon::bundled(), &options);
        let kg = drafted.to_kg(&article_path.display().to_string());
        // The draft loads with the loader, quotes verified against the article.
        let mut draft_graph = Graph::new();
        if let Err(e) = load_files(&mut draft_graph, &[DataFile::new("<draft>", kg, None)]) {
            failures.push(format!("{}: the draft does not load:\n{e}", dir.display()));
            continue;
        }
        let mut gold = Graph::new();
        load_files(&mut gold, &[DataFile::read(&dir.join(&fields["gold"])).unwrap()]).unwrap();
        let scores = score::score(&article, &gold, &draft_graph);
        println!("{}\n{}", dir.file_name().unwrap().to_string_lossy(), scores.table());
        let measured: BTreeMap<_, _> = scores.fields().into_iter().collect();
        for (name, floor) in floors {
            let Some(value) = measured.get(name.as_str()) else {
                failures.push(format!("{}: unknown field `{name}`", dir.display()));
                continue;
            };
            if *value + 1e-9 < floor {
                failures.push(format!("{}: {name} {value:.3} is below its floor {floor}", dir.display()));
            }
        }
        ran += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ran > 0, "no case ran");
}
