//! Tidy tests, in the manner of rust-analyzer's: the invariants README's Architecture
//! section states about the code itself, checked by reading the source. Each test names the
//! invariant it guards; a failure says which file breaks it and how.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted, as paths relative to the repository.
fn rust_files(dir: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("readable directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join(dir), &mut out);
    out.sort();
    out.into_iter().map(|p| p.strip_prefix(root()).expect("under the root").to_path_buf()).collect()
}

fn read(path: &Path) -> String {
    fs::read_to_string(root().join(path)).expect("readable file")
}

/// The code of a file without its unit tests: what comes before its `#[cfg(test)]` module,
/// which by this project's convention ends the file.
fn code_part(text: &str) -> &str {
    match text.find("\n#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The code of a source file without its unit tests ([`code_part`]); nothing for a module's
/// tests kept in a file of their own (`tests.rs`, declared `#[cfg(test)] mod tests;`: see
/// [`unit_test_files_are_declared_as_tests`]).
fn code_of(file: &Path) -> String {
    if is_unit_test_file(file) {
        return String::new();
    }
    code_part(&read(file)).to_string()
}

fn is_unit_test_file(file: &Path) -> bool {
    file.file_name().is_some_and(|n| n == "tests.rs")
}

/// The text with `//` comments (and doc comments) removed, so that prose naming a path is
/// not mistaken for a use of it.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module path of a source file: `src/query/exec/eval.rs` is `query::exec::eval`,
/// `src/query/mod.rs` is `query`, `src/lib.rs` is the crate root (empty).
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix("src").expect("a file under src");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().to_string()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// Splits a use tree (`a::{b, c::{d, self}}`) into its paths.
fn expand_use_tree(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else { return vec![tree] };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|i| !i.is_empty())
        .flat_map(|item| {
            expand_use_tree(item).into_iter().map(|p| {
                if p == "self" {
                    prefix.trim_end_matches("::").to_string()
                } else {
                    format!("{prefix}{p}")
                }
            })
        })
        .collect()
}

/// Every path into this crate that a file's code names (`use` statements and inline paths
/// such as `crate::check::check(..)`), resolved to absolute module paths.
fn crate_references(file: &Path) -> Vec<Vec<String>> {
    let here = module_path(file);
    let code = without_comments(&code_of(file));
    let mut raw: Vec<String> = Vec::new();
    let use_statement =
        regex::Regex::new(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);").expect("valid regex");
    for m in use_statement.captures_iter(&code) {
        raw.extend(expand_use_tree(&m[1]));
    }
    let inline = regex::Regex::new(r"\b(?:crate|super|self)(?:::\w+)+").expect("valid regex");
    let without_uses = use_statement.replace_all(&code, "");
    raw.extend(inline.find_iter(&without_uses).map(|m| m.as_str().to_string()));
    let mut out = Vec::new();
    for path in raw {
        let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty() && *s != "*").collect();
        let mut resolved: Vec<String> = match segments.first() {
            Some(&"crate") => {
                segments.remove(0);
                Vec::new()
            }
            Some(&"super") | Some(&"self") => {
                let mut base = here.clone();
                while let Some(&s) = segments.first() {
                    match s {
                        "super" => {
                            base.pop();
                        }
                        "self" => {}
                        _ => break,
                    }
                    segments.remove(0);
                }
                base
            }
            // A path from an extern crate or a local name.
            _ => continue,
        };
        resolved.extend(segments.iter().map(|s| s.to_string()));
        out.push(resolved);
    }
    out
}

/// The rows of the README table that follows `heading`: each row's layer and the module
/// names in backticks in its second column.
fn layer_table(heading: &str) -> BTreeMap<String, usize> {
    let readme = read(Path::new("README.md"));
    let at = readme.find(heading).unwrap_or_else(|| panic!("README has no '{heading}'"));
    let mut layers = BTreeMap::new();
    for line in readme[at..].lines().skip(1).skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Ok(layer) = cells[1].parse::<usize>() else { continue };
        for name in cells[2].split('`').skip(1).step_by(2) {
            assert!(
                layers.insert(name.to_string(), layer).is_none(),
                "{name} is listed twice under '{heading}'"
            );
        }
    }
    assert!(!layers.is_empty(), "no layer rows under '{heading}'");
    layers
}

/// The unit a module path belongs to: the longest listed prefix.
fn unit_of<'a>(path: &[String], layers: &'a BTreeMap<String, usize>) -> Option<(&'a str, usize)> {
    (1..=path.len()).rev().find_map(|n| {
        let name = path[..n].join("::");
        layers.get_key_value(&name).map(|(k, v)| (k.as_str(), *v))
    })
}

/// Checks every reference between the units of a layer table: a unit may use only units of
/// lower layers (so there can be no cycle). Returns the violations.
fn layer_violations(layers: &BTreeMap<String, usize>, files: &[PathBuf]) -> Vec<String> {
    let mut violations = BTreeSet::new();
    for file in files {
        let Some((from, from_layer)) = unit_of(&module_path(file), layers) else { continue };
        for target in crate_references(file) {
            let Some((to, to_layer)) = unit_of(&target, layers) else { continue };
            if to != from && to_layer >= from_layer {
                violations.insert(format!(
                    "{} (`{from}`, layer {from_layer}) uses `{}` (`{to}`, layer {to_layer})",
                    file.display(),
                    target.join("::"),
                ));
            }
        }
    }
    violations.into_iter().collect()
}

/// README, Invariants: "modules use only the layers below them" (the top-level table).
#[test]
fn modules_use_only_lower_layers() {
    let layers = layer_table("#### Layers");
    let files = rust_files("src");
    // Every module of the crate is in the table.
    let lib = read(Path::new("src/lib.rs"));
    let declared: BTreeSet<String> = regex::Regex::new(r"(?m)^pub(?:\(crate\))? mod (\w+);")
        .expect("valid regex")
        .captures_iter(&lib)
        .map(|c| c[1].to_string())
        .collect();
    let listed: BTreeSet<String> = layers.keys().cloned().collect();
    assert_eq!(declared, listed, "src/lib.rs's modules and README's layer table differ");
    let violations = layer_violations(&layers, &files);
    assert!(violations.is_empty(), "layering broken:\n  {}", violations.join("\n  "));
}

/// README, Invariants: "inside query, each stage uses only the stages below it" (the query
/// table: the checks never reach the executor, nothing reaches back to the contract).
#[test]
fn query_stages_use_only_lower_stages() {
    let layers = layer_table("#### Layers inside `query`");
    let files: Vec<PathBuf> = rust_files("src/query");
    for f in &files {
        assert!(
            unit_of(&module_path(f), &layers).is_some(),
            "{} is in no row of the query table",
            f.display()
        );
    }
    let violations = layer_violations(&layers, &files);
    assert!(violations.is_empty(), "query's layering broken:\n  {}", violations.join("\n  "));
}

/// README, Invariants: "`anyhow` only in the CLI".
#[test]
fn anyhow_only_in_the_cli() {
    let offenders: Vec<String> = rust_files("src")
        .into_iter()
        .filter(|f| !f.starts_with("src/cli"))
        .filter(|f| without_comments(&read(f)).contains("anyhow"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "anyhow outside src/cli/: {offenders:?}");
}

/// README, Invariants: "no `allow(dead_code)`": unused code is deleted, not hidden. The
/// TCK runner's modules are shared by two test targets that each use part of them.
#[test]
fn no_dead_code_is_hidden() {
    let shared_by_test_targets = ["tests/tck/runner.rs", "tests/tck/scenarios.rs", "tests/tck/values.rs"];
    let offenders: Vec<String> = ["src", "tests", "benches"]
        .iter()
        .flat_map(|d| rust_files(d))
        .filter(|f| !shared_by_test_targets.contains(&f.to_string_lossy().as_ref()))
        .filter(|f| without_comments(&read(f)).contains(concat!("allow(", "dead_code)")))
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "dead code hidden in {offenders:?}");
}

/// README, Invariants: "no source file holds more than 1,000 lines of code" (its unit tests
/// aside), unless listed here with the reason.
#[test]
fn source_files_stay_small() {
    const LIMIT: usize = 1_000;
    let allowed: &[(&str, &str)] = &[(
        "src/query/ops.rs",
        "every operator's semantics in one table-like file; splitting it would separate the \
             comparison, ordering and arithmetic rules for uncertain numbers that must agree",
    )];
    let mut offenders = Vec::new();
    for f in rust_files("src") {
        let lines = code_of(&f).lines().count();
        let name = f.to_string_lossy().to_string();
        if lines > LIMIT && !allowed.iter().any(|(a, _)| *a == name) {
            offenders.push(format!("{name}: {lines} lines"));
        }
    }
    assert!(offenders.is_empty(), "files over {LIMIT} lines of code: {offenders:?}");
}

/// README, Invariants: "every module says what it owns": each source file opens with a
/// `//!` comment.
#[test]
fn every_source_file_says_what_it_owns() {
    let offenders: Vec<String> = rust_files("src")
        .into_iter()
        .filter(|f| f != Path::new("src/main.rs"))
        .filter(|f| !read(f).trim_start().starts_with("//!"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "no //! module comment: {offenders:?}");
}

/// README, Invariants: "syntax never looks at a graph".
#[test]
fn syntax_never_looks_at_a_graph() {
    let offenders: Vec<String> = rust_files("src/syntax")
        .into_iter()
        .filter(|f| {
            regex::Regex::new(r"\bGraph\b").expect("valid regex").is_match(&without_comments(&read(f)))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "syntax files that name the Graph: {offenders:?}");
}

/// README's code map names paths that exist, and every top-level module and `src/` file is
/// on it.
#[test]
fn the_code_map_matches_the_tree() {
    let readme = read(Path::new("README.md"));
    let start = readme.find("### Code map").expect("README has a code map");
    let end = readme[start..].find("### Invariants").map_or(readme.len(), |e| start + e);
    let map = &readme[start..end];
    let named: BTreeSet<String> = regex::Regex::new(r"`((?:src|grammar|tests|benches|data)/[\w./-]*)`")
        .expect("valid regex")
        .captures_iter(map)
        .map(|c| c[1].to_string())
        .collect();
    for path in &named {
        assert!(root().join(path).exists(), "the code map names {path}, which does not exist");
    }
    for entry in fs::read_dir(root().join("src")).expect("src").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let path = if entry.path().is_dir() { format!("src/{name}/") } else { format!("src/{name}") };
        assert!(named.contains(&path), "the code map does not mention {path}");
    }
}

#[test]
fn use_trees_expand_and_resolve() {
    assert_eq!(
        expand_use_tree("crate::query::{self, value::{Params, Value}, Caller}"),
        vec![
            "crate::query",
            "crate::query::value::Params",
            "crate::query::value::Value",
            "crate::query::Caller"
        ]
    );
    assert_eq!(module_path(Path::new("src/query/exec/eval.rs")), vec!["query", "exec", "eval"]);
    assert_eq!(module_path(Path::new("src/query/mod.rs")), vec!["query"]);
}

/// A module's unit tests may sit in a `tests.rs` of their own, which the layering and size
/// rules then skip as they skip a `#[cfg(test)]` module at the end of a file; so every such
/// file must be compiled only for tests: its parent (`mod.rs` beside it) declares it
/// `#[cfg(test)] mod tests;`.
#[test]
fn unit_test_files_are_declared_as_tests() {
    let mut offenders = Vec::new();
    for f in rust_files("src").into_iter().filter(|f| is_unit_test_file(f)) {
        let parent = f.with_file_name("mod.rs");
        let declared = root().join(&parent).exists() && read(&parent).contains("#[cfg(test)]\nmod tests;");
        if !declared {
            offenders.push(f.display().to_string());
        }
    }
    assert!(offenders.is_empty(), "tests.rs files not declared `#[cfg(test)] mod tests;`: {offenders:?}");
}
