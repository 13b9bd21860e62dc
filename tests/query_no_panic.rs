//! Robustness: mutated TCK queries must never make the parser or the engine panic or hang.
//!
//! Takes every query text in the TCK (`executing query:` and `having executed:` docstrings),
//! derives mutants (truncated at every k-th byte; a random token deleted, duplicated, or
//! swapped with another), and feeds each to `claimgraph::syntax::parse_script` and to
//! `claimgraph::query::execute` on a small graph, under `catch_unwind`. Mutation is
//! deterministic (a fixed-seed splitmix64); the work is bounded by a mutant cap and a time
//! budget, so coverage on a slow machine is a prefix of coverage on a fast one. Skips when
//! the TCK is absent (see `tests/tck.rs` for how it is found).

#[path = "tck/panic_capture.rs"]
mod panic_capture;
#[path = "tck/scenarios.rs"]
mod scenarios;
#[path = "support/shared.rs"]
mod shared;

use claimgraph::gen::SplitMix64;
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use claimgraph::model::Graph;
use claimgraph::query::{self, Params};

/// Wall-clock budget for running mutants; `CLAIMGRAPH_NO_PANIC_SECS` sets another (a
/// longer local hunt: a debug build gets through only a few hundred mutants in 4 s).
const BUDGET: Duration = Duration::from_secs(4);
/// At most this many mutants, whatever the machine's speed (unless a budget is set).
const MAX_MUTANTS: usize = 20_000;
/// Truncation points: every k-th byte of each query.
const TRUNCATE_EVERY: usize = 7;
/// Token mutants per query.
const TOKEN_MUTANTS: usize = 6;
/// A mutant that makes no progress this long has its cancel flag set...
const STALL: Duration = Duration::from_secs(5);
/// ...and if it still makes none after this much more, the test fails as a hang.
const HANG: Duration = Duration::from_secs(5);
/// The graph is rebuilt this often, so mutated writes cannot grow it without bound.
const REBUILD_EVERY: usize = 64;
const SETUP: &str = "CREATE (a:A {name: 'a', num: 1})-[:T {w: 1}]->(b:B {name: 'b', num: 2}), \
                     (b)-[:T {w: 2}]->(c:C {name: 'c'}), (c)-[:S]->(a)";

/// Splits a query into tokens: identifier/number runs, whitespace runs, single other chars.
/// Rough on purpose: mutants only need to be plausible, not lexically exact.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let class = |c: char| {
        if c.is_alphanumeric() || c == '_' {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        }
    };
    let mut prev: Option<u8> = None;
    for (i, c) in text.char_indices() {
        let k = class(c);
        if prev.is_some_and(|p| p != k || k == 2) && i > start {
            out.push(&text[start..i]);
            start = i;
        }
        prev = Some(k);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn mutants(queries: &[String], rng: &mut SplitMix64) -> Vec<String> {
    let mut out = Vec::new();
    for q in queries {
        let mut cut = TRUNCATE_EVERY;
        while cut < q.len() {
            if q.is_char_boundary(cut) {
                out.push(q[..cut].to_string());
            }
            cut += TRUNCATE_EVERY;
        }
        let toks = tokens(q);
        if toks.is_empty() {
            continue;
        }
        for _ in 0..TOKEN_MUTANTS {
            let mut t = toks.clone();
            let i = rng.below(t.len());
            match rng.below(3) {
                0 => {
                    t.remove(i);
                }
                1 => t.insert(i, toks[i]),
                _ => {
                    let j = rng.below(t.len());
                    t.swap(i, j);
                }
            }
            out.push(t.concat());
        }
    }
    // Interleave queries' mutants so a time-bounded run samples the whole TCK.
    let mut order: Vec<usize> = (0..out.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order.into_iter().map(|i| std::mem::take(&mut out[i])).collect()
}

#[test]
fn mutated_tck_queries_do_not_panic() {
    let (tck, found) = scenarios::tck_dir();
    if !found {
        eprintln!("query_no_panic: TCK not found at {}; skipping", tck.display());
        return;
    }
    let (all, _) = scenarios::load(&tck);
    let queries: Vec<String> = all
        .iter()
        .flat_map(|sc| &sc.steps)
        .filter(|s| s.text.contains("executing") && s.docstring.is_some())
        .filter_map(|s| s.docstring.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut rng = SplitMix64::new(0x5EED_C1A1_6A4F);
    let custom: Option<u64> =
        std::env::var("CLAIMGRAPH_NO_PANIC_SECS").ok().and_then(|s| s.trim().parse().ok());
    let budget = custom.map_or(BUDGET, Duration::from_secs);
    let mut work = mutants(&queries, &mut rng);
    if custom.is_none() {
        work.truncate(MAX_MUTANTS);
    }

    // Panics on the worker are recorded, not printed; others go to the default hook.
    panic_capture::install_panic_hook();

    let progress = Arc::new(AtomicUsize::new(0));
    let cancel = Arc::new(AtomicBool::new(false));
    let current = Arc::new(Mutex::new(String::new()));
    let done = Arc::new(AtomicBool::new(false));
    let (p, c, cur, d) =
        (Arc::clone(&progress), Arc::clone(&cancel), Arc::clone(&current), Arc::clone(&done));
    let worker = std::thread::Builder::new()
        .name("no-panic".into())
        .stack_size(64 << 20)
        .spawn(move || {
            panic_capture::guard_this_thread();
            let start = Instant::now();
            let mut panics: Vec<(String, String)> = Vec::new();
            let mut graph = Graph::new();
            let params = Params::new();
            for (n, m) in work.iter().enumerate() {
                if start.elapsed() > budget {
                    break;
                }
                *cur.lock().unwrap_or_else(|e| e.into_inner()) = m.clone();
                c.store(false, Ordering::SeqCst);
                if n % REBUILD_EVERY == 0 {
                    graph = Graph::new();
                    // Setup may fail while the engine is incomplete; the mutants still run.
                    let _ = catch_unwind(AssertUnwindSafe(|| query::execute(&mut graph, SETUP, &params, &c)));
                }
                if catch_unwind(|| claimgraph::syntax::parse_script(m)).is_err() {
                    panics.push((
                        "parse_script".into(),
                        format!("{m:?}: {}", panic_capture::take_panic_message()),
                    ));
                }
                // `execute` catches an engine panic itself and returns an `InternalError`: that
                // is a panic all the same.
                let outcome = catch_unwind(AssertUnwindSafe(|| query::execute(&mut graph, m, &params, &c)));
                let panicked = match outcome {
                    Err(_) => true,
                    Ok(Err(e)) => e.class == claimgraph::query::ErrorClass::InternalError,
                    Ok(Ok(_)) => false,
                };
                if panicked {
                    panics
                        .push(("execute".into(), format!("{m:?}: {}", panic_capture::take_panic_message())));
                    // A panic may have left the graph half-updated; start clean.
                    graph = Graph::new();
                }
                p.fetch_add(1, Ordering::SeqCst);
            }
            d.store(true, Ordering::SeqCst);
            panics
        })
        .expect("spawn the mutation worker");

    // Watchdog: cancel a stalled mutant, then give up on it.
    let mut last = (0, Instant::now());
    let mut cancelled = false;
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
        let now = progress.load(Ordering::SeqCst);
        if now != last.0 {
            last = (now, Instant::now());
            cancelled = false;
        } else if !cancelled && last.1.elapsed() > STALL {
            cancel.store(true, Ordering::SeqCst);
            cancelled = true;
        } else if cancelled && last.1.elapsed() > STALL + HANG {
            let q = current.lock().unwrap_or_else(|e| e.into_inner()).clone();
            panic!("hang: no progress for {:?} even after cancellation, on {q:?}", STALL + HANG);
        }
    }
    let panics = worker.join().expect("the mutation worker itself does not panic");
    let ran = progress.load(Ordering::SeqCst);
    eprintln!("query_no_panic: {ran} mutants of {} TCK queries, {} panics", queries.len(), panics.len());
    if !panics.is_empty() {
        let shown: Vec<String> = panics.iter().take(20).map(|(f, m)| format!("  {f}: {m}")).collect();
        panic!("{} panics on mutated queries, first ones:\n{}", panics.len(), shown.join("\n"));
    }
}

#[test]
fn tokens_cover_the_text() {
    let q = "MATCH (n:A {k: 'x y'})-[:T*1..2]->(m) RETURN n.k AS k";
    assert_eq!(tokens(q).concat(), q);
    assert!(tokens(q).contains(&"MATCH"));
    let mut a = SplitMix64::new(1);
    let mut b = SplitMix64::new(1);
    assert_eq!((a.next_u64(), a.next_u64()), (b.next_u64(), b.next_u64()), "deterministic");
}
