//! Deterministic synthetic data for benchmarks: `claimgraph gen --claims N --out DIR`.
//!
//! Writes one graph three ways so that claimgraph and its peers load the same data:
//! `graph.kg` in claimgraph's declaration language, CSV for Kùzu (one node file per label,
//! `sources.csv`, `claims.csv` with provenance columns) and `graph.nq` (N-Quads, one named
//! graph per claim carrying its provenance) for Oxigraph. `ids.txt` lists entity ids that
//! query benchmarks pick from.
//!
//! Shape: `claims / 5` entities over five labels, 50 sources (some with `VIA` chains), 12
//! relationship types, every claim with a source, a status, an ISO date and a quote of about
//! 60 characters. One claim in ten is a `CASUALTIES {killed: n}` figure on a single-valued
//! property; about 20% of the (subject, object) pairs carrying one have 2–3 conflicting
//! values from different sources. A small inline PRNG (splitmix64) keeps output stable
//! across platforms and versions.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Labels entities are spread over, in turn.
pub const LABELS: [&str; 5] = ["Person", "Organization", "Location", "Event", "Unit"];
/// Relationship types of ordinary claims (casualty figures are the twelfth type).
pub const REL_TYPES: [&str; 11] = [
    "MEMBER_OF",
    "LEADS",
    "LOCATED_IN",
    "PARTICIPATED_IN",
    "ALLIED_WITH",
    "OPPOSED",
    "COMMANDS",
    "FUNDS",
    "ATTACKED",
    "SEEN_AT",
    "SUPPLIES",
];
pub const CASUALTIES: &str = "CASUALTIES";
pub const SOURCES: usize = 50;
const STATUSES: [&str; 5] = ["ASSERTED", "REPORTED", "UNCONFIRMED", "ALLEGED", "BELIEVED"];
const WORDS: [&str; 24] = [
    "officials",
    "said",
    "that",
    "forces",
    "were",
    "seen",
    "near",
    "the",
    "river",
    "after",
    "heavy",
    "fighting",
    "reports",
    "claim",
    "local",
    "sources",
    "confirmed",
    "units",
    "moved",
    "north",
    "on",
    "tuesday",
    "according",
    "to",
];

/// splitmix64: tiny, fast and good enough for synthetic data.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n.max(1) as u64) as usize
    }
}

/// One claim of the synthetic graph.
struct GenClaim {
    subject: usize,
    rel: &'static str,
    object: usize,
    killed: Option<u32>,
    source: usize,
    status: &'static str,
    date: (u32, u32, u32),
    quote: String,
}

/// How many entities a graph of `claims` claims has.
pub fn entity_count(claims: usize) -> usize {
    (claims / 5).max(10)
}

/// The label of entity `i`.
pub fn label_of(i: usize) -> &'static str {
    LABELS[i % LABELS.len()]
}

/// A source's relay: every seventh source from the eleventh on is quoted through another.
fn via_of(s: usize) -> Option<usize> {
    (s >= 10 && s.is_multiple_of(7)).then_some(s % 10)
}

fn quote(rng: &mut SplitMix64) -> String {
    let mut q = String::with_capacity(72);
    while q.len() < 56 {
        if !q.is_empty() {
            q.push(' ');
        }
        q.push_str(WORDS[rng.below(WORDS.len())]);
    }
    q
}

/// Generates the claims, deterministically for a seed.
fn claims(n: usize, seed: u64) -> Vec<GenClaim> {
    let mut rng = SplitMix64::new(seed);
    let entities = entity_count(n);
    let casualties = n / 10;
    let mut out = Vec::with_capacity(n);
    let date = |rng: &mut SplitMix64| {
        (2015 + rng.below(8) as u32, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
    };
    // Casualty figures: an Event (subject) against a Unit (object).
    let events = entities / 5;
    while out.len() < casualties {
        let subject = 3 + 5 * rng.below(events);
        let object = 4 + 5 * rng.below(events);
        let versions = if rng.below(5) == 0 { 2 + rng.below(2) } else { 1 };
        let base = 5 + rng.below(300) as u32;
        let first_source = rng.below(SOURCES);
        for v in 0..versions {
            if out.len() >= casualties {
                break;
            }
            out.push(GenClaim {
                subject,
                rel: CASUALTIES,
                object,
                killed: Some(base + 17 * v as u32),
                source: (first_source + 7 * v) % SOURCES,
                status: STATUSES[rng.below(STATUSES.len())],
                date: date(&mut rng),
                quote: quote(&mut rng),
            });
        }
    }
    while out.len() < n {
        let subject = rng.below(entities);
        let mut object = rng.below(entities);
        if object == subject {
            object = (object + 1) % entities;
        }
        out.push(GenClaim {
            subject,
            rel: REL_TYPES[rng.below(REL_TYPES.len())],
            object,
            killed: None,
            source: rng.below(SOURCES),
            status: STATUSES[rng.below(STATUSES.len())],
            date: date(&mut rng),
            quote: quote(&mut rng),
        });
    }
    // Interleave casualty figures with the rest, as real data would be.
    for i in (1..out.len()).rev() {
        let j = rng.below(i + 1);
        out.swap(i, j);
    }
    out
}

fn create(dir: &Path, name: &str) -> std::io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(1 << 20, File::create(dir.join(name))?))
}

/// Writes the synthetic graph of `n` claims into `dir` (created if missing).
pub fn generate(n: usize, seed: u64, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let entities = entity_count(n);
    let claims = claims(n, seed);

    // --- claimgraph's language ---
    let mut kg = create(dir, "graph.kg")?;
    writeln!(kg, "// Synthetic claimgraph data: {n} claims, seed {seed} (claimgraph gen)")?;
    writeln!(kg, "CONSTRAINT casualty_count: SINGLE ()-[:{CASUALTIES}]->() ON killed;")?;
    for s in 0..SOURCES {
        write!(kg, "SOURCE (s{s}:NewsAgency {{name: 'Source {s}'}})")?;
        if let Some(v) = via_of(s) {
            write!(kg, " VIA s{v}")?;
        }
        writeln!(kg, ";")?;
    }
    for e in 0..entities {
        writeln!(kg, "ENTITY (e{e}:{} {{name: '{} {e}'}});", label_of(e), label_of(e))?;
    }
    for c in &claims {
        let (y, m, d) = c.date;
        write!(kg, "CLAIM (e{})-[:{}", c.subject, c.rel)?;
        if let Some(k) = c.killed {
            write!(kg, " {{killed: {k}}}")?;
        }
        writeln!(
            kg,
            "]->(e{}) BY s{} {} ON @{y:04}-{m:02}-{d:02} QUOTE '{}';",
            c.object, c.source, c.status, c.quote
        )?;
    }
    kg.flush()?;

    // --- CSV for Kùzu ---
    for label in LABELS {
        let mut f = create(dir, &format!("{label}.csv"))?;
        writeln!(f, "id,label,name")?;
        for e in (0..entities).filter(|e| label_of(*e) == label) {
            writeln!(f, "e{e},{label},{label} {e}")?;
        }
        f.flush()?;
    }
    let mut f = create(dir, "sources.csv")?;
    writeln!(f, "id,name,via")?;
    for s in 0..SOURCES {
        let via = via_of(s).map(|v| format!("s{v}")).unwrap_or_default();
        writeln!(f, "s{s},Source {s},{via}")?;
    }
    f.flush()?;
    let mut f = create(dir, "claims.csv")?;
    writeln!(f, "from,to,type,source,status,quote,date,killed")?;
    for c in &claims {
        let (y, m, d) = c.date;
        let killed = c.killed.map(|k| k.to_string()).unwrap_or_default();
        writeln!(
            f,
            "e{},e{},{},s{},{},{},{y:04}-{m:02}-{d:02},{killed}",
            c.subject,
            c.object,
            c.rel,
            c.source,
            c.status.to_lowercase(),
            c.quote
        )?;
    }
    f.flush()?;

    // --- N-Quads for Oxigraph ---
    const NS: &str = "http://example.org/cg/";
    const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
    let mut f = create(dir, "graph.nq")?;
    for e in 0..entities {
        writeln!(
            f,
            "<{NS}e/e{e}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{NS}label/{}> .",
            label_of(e)
        )?;
        writeln!(f, "<{NS}e/e{e}> <{NS}name> \"{} {e}\" .", label_of(e))?;
    }
    for (i, c) in claims.iter().enumerate() {
        let (y, m, d) = c.date;
        let g = format!("<{NS}claim/c{i}>");
        writeln!(f, "<{NS}e/e{}> <{NS}rel/{}> <{NS}e/e{}> {g} .", c.subject, c.rel, c.object)?;
        writeln!(f, "{g} <{NS}source> <{NS}e/s{}> {g} .", c.source)?;
        writeln!(f, "{g} <{NS}status> \"{}\" {g} .", c.status.to_lowercase())?;
        writeln!(f, "{g} <{NS}quote> \"{}\" {g} .", c.quote)?;
        writeln!(f, "{g} <{NS}date> \"{y:04}-{m:02}-{d:02}\"^^<{XSD}date> {g} .")?;
        if let Some(k) = c.killed {
            writeln!(f, "{g} <{NS}killed> \"{k}\"^^<{XSD}integer> {g} .")?;
        }
    }
    f.flush()?;

    // --- ids for query benchmarks ---
    let mut rng = SplitMix64::new(seed ^ 0xA5A5_A5A5);
    let mut f = create(dir, "ids.txt")?;
    for _ in 0..100 {
        writeln!(f, "e{} e{}", rng.below(entities), rng.below(entities))?;
    }
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_loadable() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        generate(500, 7, a.path()).unwrap();
        generate(500, 7, b.path()).unwrap();
        let ka = std::fs::read_to_string(a.path().join("graph.kg")).unwrap();
        assert_eq!(ka, std::fs::read_to_string(b.path().join("graph.kg")).unwrap());
        let mut g = crate::model::Graph::new();
        let file = crate::load::DataFile::read(&a.path().join("graph.kg")).unwrap();
        crate::load::load_files(&mut g, &[file]).unwrap();
        let s = g.summary();
        assert_eq!(s.sources, SOURCES);
        assert_eq!(s.entities, 100);
        assert_eq!(s.attestations, 500);
    }
}
