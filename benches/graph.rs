//! Criterion benchmarks on synthetic data from `claimgraph gen` (see `src/gen.rs`): loading
//! from the declaration language and the graph-level operations that queries and the
//! contradiction check are built from, at 10k and 100k claims (1M with
//! `CLAIMGRAPH_BENCH_1M=1`). Each benchmark calls one public entry point of the crate.

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::path::Path;

use claimgraph::load::{load_files, DataFile};
use claimgraph::model::{ClaimIx, ConstraintKind, EntityIx, Graph, SourceRef, Status};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use petgraph::visit::NodeIndexable;
use petgraph::Direction;

fn scales() -> Vec<usize> {
    let mut s = vec![10_000, 100_000];
    if std::env::var("CLAIMGRAPH_BENCH_1M").is_ok_and(|v| v == "1") {
        s.push(1_000_000);
    }
    s
}

/// Generated data for one scale, kept for the whole run.
struct Data {
    _dir: tempfile::TempDir,
    file: DataFile,
    graph: Graph,
    pairs: Vec<(EntityIx, EntityIx)>,
}

fn data(claims: usize) -> Data {
    let dir = tempfile::tempdir().expect("temporary folder");
    claimgraph::gen::generate(claims, 42, dir.path()).expect("generate data");
    let file = DataFile::read(&dir.path().join("graph.kg")).expect("read data");
    let mut graph = Graph::new();
    load_files(&mut graph, std::slice::from_ref(&file)).expect("load data");
    let pairs = read_pairs(&graph, &dir.path().join("ids.txt"));
    Data { _dir: dir, file, graph, pairs }
}

fn read_pairs(graph: &Graph, path: &Path) -> Vec<(EntityIx, EntityIx)> {
    let text = std::fs::read_to_string(path).expect("ids.txt");
    text.lines()
        .filter_map(|l| {
            let (a, b) = l.split_once(' ')?;
            Some((graph.find_entity(a)?, graph.find_entity(b)?))
        })
        .collect()
}

/// Id lookup, then every claim leaving or entering the entity and the entity at its other end.
fn lookup_one_hop(g: &Graph, id: &str) -> usize {
    let Some(ix) = g.find_entity(id) else { return 0 };
    let mut n = 0;
    for dir in [Direction::Outgoing, Direction::Incoming] {
        for c in g.claims_at(ix, dir) {
            if let Some((s, o)) = g.endpoints(c) {
                n += black_box(g.display_name(if s == ix { o } else { s })).len();
            }
        }
    }
    n
}

fn neighbours(g: &Graph, ix: EntityIx) -> impl Iterator<Item = EntityIx> + '_ {
    g.petgraph().neighbors_undirected(ix)
}

/// Entities two hops away (either direction), distinct.
fn two_hop(g: &Graph, ix: EntityIx) -> usize {
    let mut seen = HashSet::new();
    for a in neighbours(g, ix) {
        for b in neighbours(g, a) {
            seen.insert(b);
        }
    }
    seen.len()
}

/// Length of a shortest directed path, if any: breadth first from both ends at once,
/// always growing the smaller frontier.
fn shortest_path(g: &Graph, from: EntityIx, to: EntityIx) -> Option<usize> {
    if from == to {
        return Some(0);
    }
    let pg = g.petgraph();
    let bound = pg.node_bound();
    let (mut fwd, mut bwd) = (vec![u32::MAX; bound], vec![u32::MAX; bound]);
    fwd[from.index()] = 0;
    bwd[to.index()] = 0;
    let (mut ff, mut fb) = (vec![from], vec![to]);
    while !ff.is_empty() && !fb.is_empty() {
        let forward = ff.len() <= fb.len();
        let (frontier, mine, other, dir) = if forward {
            (&mut ff, &mut fwd, &bwd, Direction::Outgoing)
        } else {
            (&mut fb, &mut bwd, &fwd, Direction::Incoming)
        };
        let mut next = Vec::new();
        let mut best: Option<u32> = None;
        for x in frontier.drain(..) {
            let d = mine[x.index()] + 1;
            for y in pg.neighbors_directed(x, dir) {
                if other[y.index()] != u32::MAX {
                    best = Some(best.map_or(d + other[y.index()], |b| b.min(d + other[y.index()])));
                }
                if mine[y.index()] == u32::MAX {
                    mine[y.index()] = d;
                    next.push(y);
                }
            }
        }
        if let Some(b) = best {
            return Some(b as usize);
        }
        *frontier = next;
    }
    None
}

/// Claims attested by one source with status reported.
fn provenance_filter(g: &Graph, source: EntityIx) -> Vec<ClaimIx> {
    g.stated_claims()
        .filter(|c| {
            g.claim(*c).is_some_and(|c| {
                c.attestations
                    .iter()
                    .any(|a| a.source == SourceRef::Entity(source) && a.status == Status::Reported)
            })
        })
        .collect()
}

/// Every SINGLE constraint: (subject, object) pairs whose claims give more than one value.
fn single_value_conflicts(g: &Graph) -> usize {
    let mut conflicts = 0;
    for c in g.constraints() {
        let ConstraintKind::Single { pattern, properties } = &c.kind else { continue };
        for key in properties {
            let mut values: HashMap<(EntityIx, EntityIx), Vec<&claimgraph::model::Value>> = HashMap::new();
            for claim in g.claims_of_type(pattern.rel_type) {
                let (Some(ends), Some(v)) = (g.endpoints(claim), g.claim(claim).and_then(|c| c.prop(*key)))
                else {
                    continue;
                };
                let vs = values.entry(ends).or_default();
                if !vs.contains(&v) {
                    vs.push(v);
                }
            }
            conflicts += values.values().filter(|v| v.len() > 1).count();
        }
    }
    conflicts
}

fn benches(c: &mut Criterion) {
    for n in scales() {
        let d = data(n);
        let g = &d.graph;
        let ids: Vec<String> = d.pairs.iter().map(|(a, _)| g.entity_id(*a).to_string()).collect();
        let source = g.find_entity("s7").expect("source s7");

        let mut group = c.benchmark_group("claimgraph");
        group.sample_size(10);
        group.bench_with_input(BenchmarkId::new("load_language", n), &d.file, |b, file| {
            b.iter(|| {
                let mut graph = Graph::new();
                load_files(&mut graph, std::slice::from_ref(file)).expect("load");
                graph
            })
        });
        group.bench_function(BenchmarkId::new("lookup_1hop_x100", n), |b| {
            b.iter(|| ids.iter().map(|id| lookup_one_hop(g, id)).sum::<usize>())
        });
        group.bench_function(BenchmarkId::new("expand_2hop_x100", n), |b| {
            b.iter(|| d.pairs.iter().map(|(a, _)| two_hop(g, *a)).sum::<usize>())
        });
        group.bench_function(BenchmarkId::new("shortest_path_x100", n), |b| {
            b.iter(|| d.pairs.iter().filter_map(|(a, z)| shortest_path(g, *a, *z)).sum::<usize>())
        });
        group.bench_function(BenchmarkId::new("provenance_filter", n), |b| {
            b.iter(|| provenance_filter(g, source).len())
        });
        group.bench_function(BenchmarkId::new("single_value_conflicts", n), |b| {
            b.iter(|| single_value_conflicts(g))
        });
        // What `CONTRADICTIONS;` times: the full check over every constraint kind, and its rows.
        group.bench_function(BenchmarkId::new("check_analyse", n), |b| {
            b.iter(|| claimgraph::check::analyse(g).findings.len())
        });
        group.bench_function(BenchmarkId::new("contradictions_rows", n), |b| {
            b.iter(|| {
                let analysis = claimgraph::check::analyse(g);
                claimgraph::check::contradiction_rows(g, &analysis, None, None, false).map(|r| r.1.len())
            })
        });
        group.finish();
    }
}

criterion_group!(graph_benches, benches);
criterion_main!(graph_benches);
