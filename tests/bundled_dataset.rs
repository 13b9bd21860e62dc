//! The bundled dataset: loads cleanly, holds what the core issue asks for, and every quote
//! is verbatim in the founding article when `../shared/seeds` is present.

#[path = "support/shared.rs"]
mod shared;

use claimgraph::bundled::bundled_dataset;
use claimgraph::load::{load_files, normalise_for_quotes};
use claimgraph::model::{Graph, SourceRef};

fn bundled() -> Graph {
    let mut g = Graph::new();
    if let Err(e) = load_files(&mut g, &[bundled_dataset()]) {
        panic!("the bundled dataset does not load:\n{e}");
    }
    g
}

#[test]
fn it_holds_enough_of_the_article() {
    let s = bundled().summary();
    assert!(s.entities >= 25, "{s}");
    assert!(s.sources >= 12, "{s}");
    assert!(s.claims >= 40, "{s}");
    assert!(s.constraints >= 1, "{s}");
    assert!(s.denials >= 1, "{s}");
}

#[test]
fn every_claim_has_a_source_a_quote_and_a_status() {
    let g = bundled();
    for c in g.stated_claims() {
        let claim = g.claim(c).expect("claim");
        assert!(!claim.attestations.is_empty());
        for a in &claim.attestations {
            assert!(matches!(a.source, SourceRef::Entity(_)), "declared source");
            assert!(
                a.quote.as_deref().is_some_and(|q| !q.trim().is_empty()),
                "quote on {}",
                g.str(claim.rel_type)
            );
            assert!(a.document.is_some(), "document");
        }
    }
}

#[test]
fn every_quote_is_verbatim_in_the_article() {
    let Some(article) = shared::shared_input("seeds/deir_ez_zor_2018.txt") else { return };
    let text = std::fs::read_to_string(&article).expect("the article is readable");
    let text = normalise_for_quotes(&text);
    let g = bundled();
    let mut checked = 0;
    for c in g.claims() {
        for a in &g.claim(c).expect("claim").attestations {
            if let Some(q) = &a.quote {
                assert!(text.contains(&normalise_for_quotes(q)), "not verbatim: {q:?}");
                checked += 1;
            }
        }
    }
    for d in g.denials() {
        for a in &d.attestations {
            if let Some(q) = &a.quote {
                assert!(text.contains(&normalise_for_quotes(q)), "not verbatim: {q:?}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "only {checked} quotes checked");
}

#[test]
fn aliases_find_entities() {
    let g = bundled();
    let wagner = g.find_by_name("wagner");
    assert_eq!(wagner.len(), 1, "one entity is called Wagner");
    assert_eq!(g.find_by_name("Wagner Group"), wagner);
}

/// Compiled into the binary, the bundled dataset may run where its article is not: its
/// quotes then load unverified, and say so; any other file with a missing text fails.
#[test]
fn without_its_article_the_bundled_dataset_loads_unverified() {
    let elsewhere = tempfile::tempdir().expect("an empty folder");
    let mut file = bundled_dataset();
    file.base_dir = Some(elsewhere.path().join("data"));
    let mut g = Graph::new();
    load_files(&mut g, std::slice::from_ref(&file)).expect("loads without its article");
    let s = g.summary();
    assert!(s.quotes >= 40, "{s}");
    assert_eq!(s.unverified_quotes, s.quotes, "{s}");
    assert_eq!(s.documents_without_text, vec!["article".to_string()]);
    let article = g.find_entity("article").expect("article");
    assert!(g.document_text(article).is_some_and(|t| !t.verified));
    let strict = claimgraph::load::DataFile { optional_texts: false, ..file };
    let err = load_files(&mut Graph::new(), &[strict]).expect_err("a missing text fails other files");
    assert!(err.to_string().contains("missing_text"), "{err}");
}
