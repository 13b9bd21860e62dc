//! Finding the openCypher TCK and turning its `.feature` files into runnable scenarios:
//! Gherkin parsing (the `gherkin` crate), Background steps prepended, Scenario Outlines
//! expanded into one scenario per Examples row.
//!
//! Shared by the `tck` and `query_no_panic` test targets; each uses a different subset,
//! hence the `dead_code` allowance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use gherkin::{GherkinEnv, StepType};

/// Where the TCK is: `$CLAIMGRAPH_TCK_DIR` if set, else `../shared/opencypher-tck` next to
/// the repository (the layout of the development machines). Returns the path looked at
/// and whether it holds a TCK (a `features/` folder).
pub fn tck_dir() -> (PathBuf, bool) {
    match std::env::var_os("CLAIMGRAPH_TCK_DIR") {
        Some(d) if !d.is_empty() => {
            let dir = PathBuf::from(d);
            let found = super::shared::require(&dir, dir.join("features").is_dir());
            (dir, found)
        }
        _ => match super::shared::shared_input("opencypher-tck/features") {
            Some(features) => (features.parent().map_or(features.clone(), Path::to_path_buf), true),
            None => (Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/opencypher-tck"), false),
        },
    }
}

/// One step, with Outline placeholders already substituted.
#[derive(Debug, Clone)]
pub struct Step {
    pub ty: StepType,
    /// The text after the keyword (`executing query:`).
    pub text: String,
    pub docstring: Option<String>,
    /// Raw cells (Gherkin cell escapes not yet undone).
    pub table: Option<Vec<Vec<String>>>,
    /// 1-based line in the feature file.
    pub line: usize,
}

/// One runnable scenario: a plain Scenario, or one Examples row of a Scenario Outline.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The trial name: `features/<dir>/<File>.feature: <scenario name>[ (example N)]`,
    /// placeholders in the scenario name substituted.
    pub name: String,
    /// `features/<dir>/<File>.feature: <scenario name as written>`: what a skip-list entry
    /// names to skip every example of an Outline.
    pub base_name: String,
    /// `features/clauses/match/Match1.feature`, relative to the TCK folder.
    pub feature: String,
    /// The folder under `features/`: `clauses/match`.
    pub dir: String,
    pub steps: Vec<Step>,
    /// Tagged `@ignore` in the TCK itself.
    pub tck_ignored: bool,
}

fn collect_features(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_features(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "feature") {
            out.push(path);
        }
    }
    Ok(())
}

fn substitute(text: &str, header: &[String], row: &[String]) -> String {
    let mut out = text.to_string();
    for (h, v) in header.iter().zip(row) {
        out = out.replace(&format!("<{h}>"), v);
    }
    out
}

fn convert_step(step: &gherkin::Step, header: &[String], row: &[String]) -> Step {
    Step {
        ty: step.ty,
        text: substitute(step.value.trim(), header, row),
        docstring: step.docstring.as_ref().map(|d| substitute(d, header, row)),
        table: step
            .table
            .as_ref()
            .map(|t| t.rows.iter().map(|r| r.iter().map(|c| substitute(c, header, row)).collect()).collect()),
        line: step.position.line,
    }
}

/// Parses a feature file. The `gherkin` crate rejects a scenario whose first step is an
/// `And` (legal in Gherkin, used by the TCK to continue a Background, e.g. Match5 [25]);
/// on failure we retry with such a step's keyword read as `Given`, which is what `And`
/// means there. Line numbers are unchanged.
fn parse_feature(file: &Path) -> Result<gherkin::Feature, String> {
    let first = match gherkin::Feature::parse_path(file, GherkinEnv::default()) {
        Ok(f) => return Ok(f),
        Err(e) => e.to_string(),
    };
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let mut fixed = String::with_capacity(text.len());
    let mut expect_first_step = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if trimmed.starts_with("Scenario") {
            expect_first_step = true;
        } else if expect_first_step
            && !trimmed.is_empty()
            && !trimmed.starts_with('#')
            && !trimmed.starts_with('@')
        {
            expect_first_step = false;
            if let Some(rest) = trimmed.strip_prefix("And ").or_else(|| trimmed.strip_prefix("But ")) {
                fixed.push_str(indent);
                fixed.push_str("Given ");
                fixed.push_str(rest);
                fixed.push('\n');
                continue;
            }
        }
        fixed.push_str(line);
        fixed.push('\n');
    }
    gherkin::Feature::parse(&fixed, GherkinEnv::default()).map_err(|e| format!("{first} ({e})"))
}

/// Loads every scenario of the TCK, sorted by feature path then position. Features that
/// fail to parse are returned as errors (path, message) rather than aborting the run.
pub fn load(tck: &Path) -> (Vec<Scenario>, Vec<(String, String)>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    if let Err(e) = collect_features(&tck.join("features"), &mut files) {
        errors.push(("features".to_string(), e.to_string()));
    }
    files.sort();
    let mut scenarios = Vec::new();
    for file in files {
        let rel = file.strip_prefix(tck).unwrap_or(&file).to_string_lossy().replace('\\', "/");
        let dir = Path::new(&rel)
            .parent()
            .and_then(|p| p.strip_prefix("features").ok())
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let feature = match parse_feature(&file) {
            Ok(f) => f,
            Err(e) => {
                errors.push((rel.clone(), e));
                continue;
            }
        };
        let feature_tags_ignore = feature.tags.iter().any(|t| t == "ignore");
        let mut groups: Vec<(Option<&gherkin::Background>, &gherkin::Scenario, bool)> = Vec::new();
        for sc in &feature.scenarios {
            groups.push((feature.background.as_ref(), sc, false));
        }
        for rule in &feature.rules {
            let rule_ignored = rule.tags.iter().any(|t| t == "ignore");
            for sc in &rule.scenarios {
                // A rule's background runs after the feature's; both are rare in the TCK,
                // and never combined, so the rule's (if any) replaces the feature's here.
                groups.push((rule.background.as_ref().or(feature.background.as_ref()), sc, rule_ignored));
            }
        }
        for (background, sc, rule_ignored) in groups {
            let tck_ignored = feature_tags_ignore || rule_ignored || sc.tags.iter().any(|t| t == "ignore");
            let base_name = format!("{rel}: {}", sc.name.trim());
            let bg_steps: Vec<Step> = background
                .map(|b| b.steps.iter().map(|s| convert_step(s, &[], &[])).collect())
                .unwrap_or_default();
            if sc.examples.is_empty() {
                let mut steps = bg_steps.clone();
                steps.extend(sc.steps.iter().map(|s| convert_step(s, &[], &[])));
                scenarios.push(Scenario {
                    name: base_name.clone(),
                    base_name,
                    feature: rel.clone(),
                    dir: dir.clone(),
                    steps,
                    tck_ignored,
                });
                continue;
            }
            let mut index = 0;
            for ex in &sc.examples {
                let ex_ignored = ex.tags.iter().any(|t| t == "ignore");
                let Some(table) = &ex.table else { continue };
                let Some((header, rows)) = table.rows.split_first() else {
                    continue;
                };
                for row in rows {
                    index += 1;
                    let mut steps = bg_steps.clone();
                    steps.extend(sc.steps.iter().map(|s| convert_step(s, header, row)));
                    let name = substitute(sc.name.trim(), header, row);
                    scenarios.push(Scenario {
                        name: format!("{rel}: {name} (example {index})"),
                        base_name: base_name.clone(),
                        feature: rel.clone(),
                        dir: dir.clone(),
                        steps,
                        tck_ignored: tck_ignored || ex_ignored,
                    });
                }
            }
        }
    }
    (scenarios, errors)
}
