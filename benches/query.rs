//! Criterion benchmarks of the query operations through the public query language
//! (`claimgraph::query::execute`) and of the full contradiction check
//! (`claimgraph::check::check`), on synthetic data from `claimgraph gen` (`src/gen.rs`) at
//! 10k and 100k claims (1M with `CLAIMGRAPH_BENCH_1M=1`).
//!
//! The statements are the ones a user would write, and the same as
//! `benches/compare/compare.py` runs through `claimgraph run` (see `docs/performance.md`):
//! ids are passed as parameters, so the id index anchors each match.

use std::hint::black_box;
use std::sync::atomic::AtomicBool;

use claimgraph::load::{load_files, DataFile};
use claimgraph::model::Graph;
use claimgraph::query::{execute, Caller, Params, QueryValue, StatementCache};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// 100 lookups by stable id, then every claim at the entity (either direction) and the
/// entity at its other end.
pub const LOOKUP_1HOP: &str = "MATCH (a)-[r]-(b) WHERE key(a) = $id RETURN b.name, type(r)";
/// [`LOOKUP_1HOP`] and [`EXPAND_2HOP`] with the id written in (`compare.py`'s form).
pub const LOOKUP_LITERAL: &str = "MATCH (a)-[r]-(b) WHERE key(a) = '{id}' RETURN b.name, type(r)";
pub const EXPAND_LITERAL: &str = "MATCH (a)--()--(c) WHERE key(a) = '{id}' RETURN count(DISTINCT c)";
/// 100 distinct two-hop neighbourhoods (either direction).
pub const EXPAND_2HOP: &str = "MATCH (a)--()--(c) WHERE key(a) = $id RETURN count(DISTINCT c)";
/// 100 shortest directed paths (Kùzu's `SHORTEST 1..30`, networkx's shortest_path_length).
pub const SHORTEST_PATH: &str =
    "MATCH p = shortestPath((a)-[*..30]->(b)) WHERE key(a) = $a AND key(b) = $b RETURN length(p)";
/// Claims attested by source s7 with status reported, with the attestation's quote.
pub const PROVENANCE: &str = "MATCH (a)-[r]->(b) UNWIND attestations(r) AS at \
     WITH a, r, b, at WHERE at.source = 's7' AND at.status = 'reported' \
     RETURN key(a), type(r), key(b), at.quote";
/// The same filter through `sources(r)` and `status(r)` (the strongest status).
pub const PROVENANCE_SOURCES: &str =
    "MATCH (a)-[r]->(b) WHERE 's7' IN sources(r) AND status(r) = 'reported' RETURN key(a), type(r), key(b)";
/// The peers' contradiction group-by written in the query language (SINGLE on killed).
pub const GROUP_BY: &str = "MATCH (a)-[r:CASUALTIES]->(b) WITH a, b, count(DISTINCT r.killed) AS n \
     WHERE n > 1 RETURN count(*)";
/// The whole-graph questions of `compare.py` (issue 18): two group-bys (by interned
/// label and type), a top-k over a group-by, a count over a two-hop chain (counted at its
/// middle node) and a count under a property filter.
pub const GROUP_BY_LABEL: &str =
    "MATCH (n) RETURN labels(n) AS labels, count(*) AS n ORDER BY n DESC LIMIT 3";
pub const GROUP_BY_TYPE: &str =
    "MATCH (a)-[r]->(b) RETURN type(r) AS type, count(*) AS n ORDER BY n DESC LIMIT 3";
pub const TOP_IN_DEGREE: &str =
    "MATCH (a)-[r]->(b) WITH b, count(r) AS indeg ORDER BY indeg DESC LIMIT 5 RETURN key(b) AS b, indeg";
pub const COUNT_2HOP: &str = "MATCH (a)-[r]->(b)-[r2]->(c) RETURN count(*) AS n";
pub const COUNT_KILLED: &str = "MATCH (a)-[r]->(b) WHERE r.killed > 50 RETURN count(*) AS n";

fn scales() -> Vec<usize> {
    let mut s = vec![10_000, 100_000];
    if std::env::var("CLAIMGRAPH_BENCH_1M").is_ok_and(|v| v == "1") {
        s.push(1_000_000);
    }
    s
}

fn params(pairs: &[(&str, &str)]) -> Params {
    pairs.iter().map(|(k, v)| (k.to_string(), QueryValue::String(v.to_string()))).collect()
}

/// Runs one statement and returns its number of rows.
fn run(graph: &mut Graph, text: &str, params: &Params) -> usize {
    let cancel = AtomicBool::new(false);
    match execute(graph, text, params, &cancel) {
        Ok(out) => black_box(out.rows).len(),
        Err(e) => panic!("{text}: {}", e.message),
    }
}

fn benches(c: &mut Criterion) {
    for n in scales() {
        let dir = tempfile::tempdir().expect("temporary folder");
        claimgraph::gen::generate(n, 42, dir.path()).expect("generate data");
        let file = DataFile::read(&dir.path().join("graph.kg")).expect("read data");
        let mut graph = Graph::new();
        load_files(&mut graph, std::slice::from_ref(&file)).expect("load data");
        drop(file);
        let ids = std::fs::read_to_string(dir.path().join("ids.txt")).expect("ids.txt");
        let pairs: Vec<(String, String)> = ids
            .lines()
            .filter_map(|l| l.split_once(' ').map(|(a, b)| (a.to_string(), b.to_string())))
            .collect();
        let one: Vec<Params> = pairs.iter().map(|(a, _)| params(&[("id", a)])).collect();
        let two: Vec<Params> = pairs.iter().map(|(a, b)| params(&[("a", a), ("b", b)])).collect();
        let none = Params::new();
        let g = &mut graph;

        let mut group = c.benchmark_group("query");
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("lookup_1hop_x100", n), |b| {
            b.iter(|| one.iter().map(|p| run(g, LOOKUP_1HOP, p)).sum::<usize>())
        });
        group.bench_function(BenchmarkId::new("expand_2hop_x100", n), |b| {
            b.iter(|| one.iter().map(|p| run(g, EXPAND_2HOP, p)).sum::<usize>())
        });
        group.bench_function(BenchmarkId::new("shortest_path_x100", n), |b| {
            b.iter(|| two.iter().map(|p| run(g, SHORTEST_PATH, p)).sum::<usize>())
        });
        group.bench_function(BenchmarkId::new("provenance", n), |b| b.iter(|| run(g, PROVENANCE, &none)));
        group.bench_function(BenchmarkId::new("provenance_sources", n), |b| {
            b.iter(|| run(g, PROVENANCE_SOURCES, &none))
        });
        group.bench_function(BenchmarkId::new("contradiction_group_by", n), |b| {
            b.iter(|| run(g, GROUP_BY, &none))
        });
        for (name, text) in [
            ("group_by_label", GROUP_BY_LABEL),
            ("group_by_type", GROUP_BY_TYPE),
            ("top_in_degree", TOP_IN_DEGREE),
            ("count_2hop", COUNT_2HOP),
            ("count_killed", COUNT_KILLED),
        ] {
            group.bench_function(BenchmarkId::new(name, n), |b| b.iter(|| run(g, text, &none)));
        }
        group.bench_function(BenchmarkId::new("check_full", n), |b| {
            b.iter(|| black_box(claimgraph::check::check(g)).len())
        });
        group.finish();

        // The statement cache (issue 14): the same 100 lookups with their ids as literals,
        // as scripts write them, parsed each time or taken from the cache (all hits but the
        // first); and one statement's hit against its parse.
        let literal: Vec<String> = pairs.iter().map(|(a, _)| LOOKUP_LITERAL.replace("{id}", a)).collect();
        let expand: Vec<String> = pairs.iter().map(|(a, _)| EXPAND_LITERAL.replace("{id}", a)).collect();
        let caller = Caller::default();
        let cache = StatementCache::new(1000);
        let cached = |g: &mut Graph, text: &str| {
            let cancel = AtomicBool::new(false);
            black_box(cache.execute(&caller, g, text, &none, &cancel).expect("runs").rows).len()
        };
        let mut group = c.benchmark_group("statement_cache");
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("lookup_1hop_x100/parsed", n), |b| {
            b.iter(|| literal.iter().map(|t| run(g, t, &none)).sum::<usize>())
        });
        group.bench_function(BenchmarkId::new("lookup_1hop_x100/cached", n), |b| {
            b.iter(|| literal.iter().map(|t| cached(g, t)).sum::<usize>())
        });
        group.bench_function(BenchmarkId::new("expand_2hop_x100/parsed", n), |b| {
            b.iter(|| expand.iter().map(|t| run(g, t, &none)).sum::<usize>())
        });
        group.bench_function(BenchmarkId::new("expand_2hop_x100/cached", n), |b| {
            b.iter(|| expand.iter().map(|t| cached(g, t)).sum::<usize>())
        });
        group.finish();
    }
}

criterion_group!(query_benches, benches);
criterion_main!(query_benches);
