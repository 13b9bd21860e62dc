//! No input panics the loader: truncated and mutated copies of the bundled dataset either
//! load or fail with an error.

use claimgraph::bundled::bundled_dataset;
// A fixed-seed generator, so failures reproduce.
use claimgraph::gen::SplitMix64;
use claimgraph::load::{load_files, DataFile};
use claimgraph::model::Graph;

fn try_load(text: &str) {
    let file = DataFile::new("mutant.kg", text.to_string(), None);
    let mut g = Graph::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load_files(&mut g, &[file])));
    if result.is_err() {
        std::fs::write("target/panicking-input.kg", text).ok();
        panic!("the loader panicked; input saved to target/panicking-input.kg");
    }
}

fn char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[test]
fn truncated_datasets_do_not_panic() {
    let text = bundled_dataset().source.text.to_string();
    let mut rng = SplitMix64::new(7);
    for _ in 0..120 {
        let cut = char_boundary(&text, rng.below(text.len()));
        try_load(&text[..cut]);
    }
}

#[test]
fn mutated_datasets_do_not_panic() {
    let text = bundled_dataset().source.text.to_string();
    let tokens = [
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ";",
        ":",
        "'",
        "\"",
        "~",
        "..",
        "@",
        "-",
        "->",
        "<-",
        ",",
        "BY",
        "VIA",
        "CLAIM",
        "DENY",
        "@-99999999999months",
        "9999999999999999999999",
        "\\u12",
        "`",
        "/*",
        "\u{0}",
        "é",
    ];
    let mut rng = SplitMix64::new(42);
    for _ in 0..120 {
        let mut t = text.clone();
        for _ in 0..1 + rng.below(4) {
            let at = char_boundary(&t, rng.below(t.len()));
            match rng.below(3) {
                0 => t.insert_str(at, tokens[rng.below(tokens.len())]),
                1 => {
                    let end = char_boundary(&t, (at + 1 + rng.below(20)).min(t.len()));
                    t.replace_range(at..end, "");
                }
                _ => {
                    let end = char_boundary(&t, (at + 1 + rng.below(40)).min(t.len()));
                    let piece = t[at..end].to_string();
                    t.insert_str(at, &piece);
                }
            }
        }
        try_load(&t);
    }
}

#[test]
fn pathological_inputs_do_not_panic() {
    let deep_list = format!("ENTITY (a {{x: {}1{}}});", "[".repeat(5000), "]".repeat(5000));
    let long_name = format!("ENTITY ({});", "a".repeat(100_000));
    for text in [
        deep_list.as_str(),
        long_name.as_str(),
        "",
        ";;;;",
        "\u{FEFF}ENTITY (a);",
        "ENTITY (a {d: @-100000years});",
    ] {
        try_load(text);
    }
}
