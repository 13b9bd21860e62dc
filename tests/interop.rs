//! Every interchange export, loaded by the real tool it is for and compared with
//! claimgraph's own answers: Kùzu (COPY FROM, then Cypher), pyoxigraph (SPARQL over RDF 1.2),
//! networkx (read_graphml), followthemoney (schema validation), the cypher-shell script run
//! by claimgraph itself, the neo4j-admin CSV checked against the documented header format,
//! and the claims CSV round trip. Each runs on the bundled dataset, on the file with every
//! declaration form and on a file of hostile names (quotes, line breaks, backslashes,
//! `<>&`, RTL marks, emoji, 10 kB strings).
//!
//! The Python peers run in the interpreter `CLAIMGRAPH_PYTHON` names (`.ci/run` makes a venv
//! with kuzu, pyoxigraph, networkx and followthemoney). Without it the peer tests say so and
//! pass locally; under CI (`CI` set) they fail.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn claimgraph(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_claimgraph")).args(args).output().expect("claimgraph runs");
    assert!(
        out.status.success(),
        "claimgraph {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr).chars().take(4000).collect::<String>()
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The Python with the peers installed, or `None` (with a note) outside CI.
fn python(test: &str) -> Option<PathBuf> {
    match std::env::var_os("CLAIMGRAPH_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("CI").is_some() => {
            panic!("{test}: CLAIMGRAPH_PYTHON is not set; .ci/run makes the venv with the peers and sets it")
        }
        None => {
            eprintln!("note: {test} skipped: set CLAIMGRAPH_PYTHON to a Python with kuzu, pyoxigraph, networkx and followthemoney (see .ci/run)");
            None
        }
    }
}

fn peer(python: &Path, args: &[&str]) -> Json {
    let out = Command::new(python)
        .arg(root().join("tests/interop/peer_load.py"))
        .args(args)
        .output()
        .expect("python runs");
    assert!(out.status.success(), "peer_load.py {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("peer_load.py prints JSON")
}

const BIG: usize = 10 * 1024;

/// A data file whose every name and text is hostile to some format.
fn hostile_kg(dir: &Path) -> PathBuf {
    let hostile = "q\"uo'te <b>&amp; \\back\nnew\r\nline \u{200f}RTL\u{202e} emoji 🎯👩\u{200d}👩\u{200d}👧 tab\t]]> --> ;|";
    let big: String = hostile.chars().cycle().take(BIG).collect();
    let lit = |s: &str| {
        let mut out = String::from("'");
        for c in s.chars() {
            match c {
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c => out.push(c),
            }
        }
        out.push('\'');
        out
    };
    let bt = |s: &str| format!("`{}`", s.replace('`', "``"));
    let a = format!("a {hostile}");
    let src = format!("src {hostile}");
    let doc = "doc <&> \"1\" 🎯";
    let rel = "SAID <&> \"x\"";
    let text = format!(
        "DOCUMENT ({doc}:{label} {{name: {name}}});\n\
         SOURCE ({src}:Person {{name: {rname}}});\n\
         SOURCE ({relay}:{agency} {{name: 'Relay'}});\n\
         SOURCE (quoted:Person {{name: 'Quoted'}}) VIA {relay};\n\
         ENTITY ({a}:{org} {{name: {name}, aliases: [{name}, 'plain'], note: {big}}});\n\
         ENTITY (b:Person {{name: {big}}});\n\
         CONSTRAINT single_killed: SINGLE ()-[:{rel}]->() ON killed;\n\
         CLAIM ({a})-[{cid}:{rel} {{killed: ~100, {odd}: {name}, when: @2018-02}}]->(b)\n  \
           BY {src} REPORTED IN {doc} AT {name} ON @2018-02-07 QUOTE {quote}\n  \
           BY quoted ALLEGED IN {doc} ON @-4months QUOTE 'second'\n  \
           BY USER {user};\n\
         CLAIM ({a})-[:{rel} {{killed: 5}}]->(b) BY quoted QUOTE 'five';\n\
         CLAIM (b)-[:KNOWS]->({a}) BY {relay} DENIED QUOTE {name};\n\
         CLAIM (b)-[:KNOWS {{since: 2017}}]->({a}) BY quoted VIA {src};\n",
        doc = bt(doc),
        label = bt("News Article"),
        name = lit(hostile),
        src = bt(&src),
        rname = lit(&format!("Reporter {hostile}")),
        relay = bt("relay 🎯"),
        agency = bt("Agency<>"),
        a = bt(&a),
        org = bt("Org&Co"),
        big = lit(&big),
        rel = bt(rel),
        cid = bt(&format!("c {hostile}")),
        odd = bt("odd key"),
        quote = lit(&format!("{hostile}{big}")),
        user = lit(&format!("user {hostile}")),
    );
    let path = dir.join("hostile.kg");
    std::fs::write(&path, text).unwrap();
    path
}

/// The bundled dataset, every declaration form, and the hostile names.
fn datasets(dir: &Path) -> Vec<PathBuf> {
    vec![
        root().join("data/khusham_2018.kg"),
        root().join("tests/roundtrip/every_declaration.kg"),
        hostile_kg(dir),
    ]
}

/// What claimgraph itself answers, in the shape peer_load.py prints.
fn expected(data: &Path) -> Json {
    let d = data.to_str().unwrap();
    let text = claimgraph(&[
        "query",
        "--format",
        "json",
        "--data",
        d,
        "MATCH (n) RETURN count(n) AS n; \
         MATCH (s)-[r]->(o) WHERE size(attestations(r)) > 0 RETURN key(s) AS s, r, key(o) AS o",
    ]);
    let doc: Json = serde_json::from_str(&text).unwrap();
    let results = doc["results"].as_array().unwrap();
    let entities = results[0]["rows"][0][0].clone();
    let (mut claims, mut attestations) = (Vec::new(), Vec::new());
    for row in results[1]["rows"].as_array().unwrap() {
        let (s, r, o) = (&row[0], &row[1], &row[2]);
        let mut findings: Vec<Json> =
            r.get("contested").and_then(Json::as_array).cloned().unwrap_or_default();
        findings.sort_by_key(|f| f.as_str().unwrap_or_default().to_string());
        claims.push(serde_json::json!([s, r["type"], o, findings]));
        for a in r["attestations"].as_array().unwrap() {
            let get = |k: &str| a.get(k).cloned().unwrap_or(Json::Null);
            attestations.push(serde_json::json!([
                s,
                r["type"],
                o,
                get("source"),
                get("status"),
                get("quote"),
                get("document"),
                get("date"),
                get("position"),
                get("via")
            ]));
        }
    }
    claims.sort_by_key(|c| c.to_string());
    attestations.sort_by_key(|a| a.to_string());
    serde_json::json!({"entities": entities, "claims": claims, "attestations": attestations})
}

/// Sorts the peer's lists the way [`expected`] does, so both compare as JSON.
fn normalised(mut peer: Json) -> Json {
    for claim in peer["claims"].as_array_mut().into_iter().flatten() {
        if let Some(findings) = claim[3].as_array_mut() {
            findings.sort_by_key(|f| f.to_string());
        }
    }
    for key in ["claims", "attestations"] {
        if let Some(items) = peer[key].as_array_mut() {
            items.sort_by_key(|c| c.to_string());
        }
    }
    peer
}

fn assert_same(what: &str, data: &Path, peer: Json, expected: &Json) {
    let peer = normalised(peer);
    assert_eq!(peer["entities"], expected["entities"], "{what} on {}: entity count", data.display());
    let (p, e) = (peer["claims"].as_array().unwrap(), expected["claims"].as_array().unwrap());
    assert_eq!(p.len(), e.len(), "{what} on {}: claim count", data.display());
    for (x, y) in p.iter().zip(e) {
        assert_eq!(x, y, "{what} on {}: a claim or the findings that contest it differ", data.display());
    }
    let (p, e) = (peer["attestations"].as_array().unwrap(), expected["attestations"].as_array().unwrap());
    assert_eq!(p.len(), e.len(), "{what} on {}: attestation count", data.display());
    for (x, y) in p.iter().zip(e) {
        assert_eq!(x, y, "{what} on {}: an attestation differs", data.display());
    }
}

#[test]
fn kuzu_copy_from_loads_every_claim_with_its_provenance() {
    let Some(py) = python("kuzu") else { return };
    let dir = tempfile::tempdir().unwrap();
    for data in datasets(dir.path()) {
        let out = dir.path().join("kuzu");
        let _ = std::fs::remove_dir_all(&out);
        claimgraph(&["export", "kuzu", data.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        let got = peer(&py, &["kuzu", out.to_str().unwrap()]);
        assert_same("Kùzu", &data, got, &expected(&data));
    }
}

#[test]
fn oxigraph_loads_trig_and_nquads_and_sparql_returns_the_attributed_quotes() {
    let Some(py) = python("rdf") else { return };
    let dir = tempfile::tempdir().unwrap();
    let base = "http://example.org/investigation/";
    for data in datasets(dir.path()) {
        let expected = expected(&data);
        for (syntax, file) in [("trig", "graph.trig"), ("nquads", "graph.nq")] {
            let out = dir.path().join(file);
            let (d, o) = (data.to_str().unwrap(), out.to_str().unwrap());
            claimgraph(&["export", "rdf", d, "--base", base, "--syntax", syntax, "-o", o]);
            assert_same(&format!("Oxigraph ({syntax})"), &data, peer(&py, &["rdf", o, base]), &expected);
        }
    }
}

#[test]
fn networkx_reads_the_graphml_with_counts_and_attributes() {
    let Some(py) = python("graphml") else { return };
    let dir = tempfile::tempdir().unwrap();
    for data in datasets(dir.path()) {
        let out = dir.path().join("graph.graphml");
        claimgraph(&["export", "graphml", data.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert_same("networkx", &data, peer(&py, &["graphml", out.to_str().unwrap()]), &expected(&data));
    }
}

#[test]
fn followthemoney_validates_every_entity() {
    let Some(py) = python("ftm") else { return };
    let dir = tempfile::tempdir().unwrap();
    for data in datasets(dir.path()) {
        let out = dir.path().join("graph.ftm.json");
        claimgraph(&["export", "ftm", data.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        let got = peer(&py, &["ftm", out.to_str().unwrap()]);
        assert_eq!(got["errors"], serde_json::json!([]), "FtM validation on {}", data.display());
        let expected = expected(&data);
        let counts = &got["counts"];
        let n = |k: &str| counts[k].as_u64().unwrap_or(0);
        assert_eq!(
            n("UnknownLink") as usize,
            expected["claims"].as_array().unwrap().len(),
            "{}",
            data.display()
        );
        let atts = expected["attestations"].as_array().unwrap();
        assert_eq!((n("Documentation") + n("Note")) as usize, atts.len(), "{}", data.display());
        let mut quotes: Vec<&str> = atts.iter().filter_map(|a| a[5].as_str()).collect();
        quotes.sort();
        let got_quotes: Vec<&str> =
            got["quotes"].as_array().unwrap().iter().filter_map(Json::as_str).collect();
        assert_eq!(got_quotes, quotes, "FtM quotes on {}", data.display());
    }
}

/// The cypher-shell script, run by claimgraph into an empty graph, then asked the same
/// questions in the property-graph shape it builds.
#[test]
fn cypher_script_runs_in_claimgraph_and_keeps_the_provenance() {
    let dir = tempfile::tempdir().unwrap();
    for data in datasets(dir.path()) {
        let script = dir.path().join("graph.cypher");
        claimgraph(&["export", "cypher", data.to_str().unwrap(), "-o", script.to_str().unwrap()]);
        let queries = dir.path().join("ask.cgq");
        std::fs::write(
            &queries,
            "MATCH (e:Entity) RETURN count(e);\n\
             MATCH (a:Entity)-[r]->(b:Entity) RETURN a.id, type(r), b.id, r.findings, r.key;\n\
             MATCH (t:Attestation) OPTIONAL MATCH (t)-[:BY]->(s:Entity) OPTIONAL MATCH (t)-[:IN_DOCUMENT]->(d:Entity) \
               RETURN t.id, t.claim, t.speaker_kind, t.speaker, s.id, t.status, t.quote, d.id, t.date, t.position;\n\
             MATCH (t:Attestation)-[v:VIA]->(x:Entity) RETURN t.id, v.hop, x.id;\n",
        )
        .unwrap();
        let empty = dir.path().join("empty.kg");
        std::fs::write(&empty, "").unwrap();
        let text = claimgraph(&[
            "run",
            "--format",
            "json",
            "--data",
            empty.to_str().unwrap(),
            script.to_str().unwrap(),
            queries.to_str().unwrap(),
        ]);
        let doc: Json = serde_json::from_str(&text).unwrap();
        let results = doc["results"].as_array().unwrap();
        let rows = |i: usize| results[results.len() - 4 + i]["rows"].as_array().unwrap().clone();
        let entities = rows(0)[0][0].clone();
        let mut claims = Vec::new();
        let mut ends = HashMap::new();
        for r in rows(1) {
            claims.push(serde_json::json!([r[0], r[1], r[2], r[3]]));
            ends.insert(r[4].as_str().unwrap().to_string(), (r[0].clone(), r[1].clone(), r[2].clone()));
        }
        let mut via: BTreeMap<String, Vec<(i64, Json)>> = BTreeMap::new();
        for r in rows(3) {
            via.entry(r[0].as_str().unwrap().to_string())
                .or_default()
                .push((r[1].as_i64().unwrap(), r[2].clone()));
        }
        let mut attestations = Vec::new();
        for r in rows(2) {
            let (s, t, o) = ends[r[1].as_str().unwrap()].clone();
            let who = if r[2] == "source" { r[4].clone() } else { r[3].clone() };
            let mut chain = via.remove(r[0].as_str().unwrap()).unwrap_or_default();
            chain.sort_by_key(|(hop, _)| *hop);
            let chain: Vec<Json> = chain.into_iter().map(|(_, x)| x).collect();
            attestations.push(serde_json::json!([s, t, o, who, r[5], r[6], r[7], r[8], r[9], chain]));
        }
        let got = serde_json::json!({"entities": entities, "claims": claims, "attestations": attestations});
        assert_same("the Cypher script", &data, got, &expected(&data));
    }
}

/// neo4j-admin's documented header format (Operations Manual, "CSV header format"): each
/// field is `name`, `name:TYPE` or `name:TYPE[]` with TYPE one of the documented property
/// types, or a special field (`:ID` with an optional name and ID space, `:LABEL`,
/// `:START_ID`/`:END_ID` with an optional ID space, `:TYPE`, `:IGNORE`). A node file has
/// one ID field; a relationship file one START_ID, one END_ID and one TYPE.
#[derive(Debug)]
enum Header {
    Property { ty: String, array: bool },
    Id(String),
    Label,
    Start(String),
    End(String),
    Type,
}

fn parse_header(field: &str) -> Result<Header, String> {
    const TYPES: [&str; 16] = [
        "int",
        "long",
        "float",
        "double",
        "boolean",
        "byte",
        "short",
        "char",
        "string",
        "point",
        "date",
        "localtime",
        "time",
        "localdatetime",
        "datetime",
        "duration",
    ];
    let Some((name, kind)) = field.rsplit_once(':') else {
        return if field.is_empty() {
            Err("empty header".into())
        } else {
            Ok(Header::Property { ty: "string".into(), array: false })
        };
    };
    let space = |k: &str, tag: &str| -> Option<String> {
        let rest = k.strip_prefix(tag)?;
        if rest.is_empty() {
            return Some(String::new());
        }
        rest.strip_prefix('(')?.strip_suffix(')').filter(|s| !s.is_empty()).map(str::to_string)
    };
    if let Some(s) = space(kind, "ID") {
        return Ok(Header::Id(s));
    }
    if let Some(s) = space(kind, "START_ID") {
        return if name.is_empty() {
            Ok(Header::Start(s))
        } else {
            Err(format!("{field}: START_ID takes no name"))
        };
    }
    if let Some(s) = space(kind, "END_ID") {
        return if name.is_empty() {
            Ok(Header::End(s))
        } else {
            Err(format!("{field}: END_ID takes no name"))
        };
    }
    match kind {
        "LABEL" => return Ok(Header::Label),
        "TYPE" => return Ok(Header::Type),
        _ => {}
    }
    if name.is_empty() {
        return Err(format!("{field}: a property needs a name"));
    }
    let (ty, array) = match kind.strip_suffix("[]") {
        Some(t) => (t, true),
        None => (kind, false),
    };
    if TYPES.contains(&ty.to_ascii_lowercase().as_str()) {
        Ok(Header::Property { ty: ty.to_ascii_lowercase(), array })
    } else {
        Err(format!("{field}: `{ty}` is not a documented type"))
    }
}

#[test]
fn neo4j_admin_csv_follows_the_documented_header_format() {
    let dir = tempfile::tempdir().unwrap();
    for data in datasets(dir.path()) {
        let out = dir.path().join("neo4j");
        let _ = std::fs::remove_dir_all(&out);
        claimgraph(&["export", "neo4j", data.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        let script = std::fs::read_to_string(out.join("import.sh")).unwrap();
        let delimiter = script.split("--array-delimiter='").nth(1).and_then(|r| r.chars().next()).unwrap();
        let files = |flag: &str| -> Vec<String> {
            script.split_whitespace().filter_map(|w| w.strip_prefix(flag)).map(str::to_string).collect()
        };
        let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
        let mut references: Vec<(String, String, String)> = Vec::new();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for (file, node) in files("--nodes=")
            .into_iter()
            .map(|f| (f, true))
            .chain(files("--relationships=").into_iter().map(|f| (f, false)))
        {
            let mut reader = csv::Reader::from_path(out.join(&file)).unwrap();
            let headers: Vec<Header> = reader
                .headers()
                .unwrap()
                .iter()
                .map(|h| parse_header(h).unwrap_or_else(|e| panic!("{file}: {e}")))
                .collect();
            let count = |f: fn(&Header) -> bool| headers.iter().filter(|h| f(h)).count();
            if node {
                assert_eq!(count(|h| matches!(h, Header::Id(_))), 1, "{file}: one ID field");
            } else {
                assert_eq!(count(|h| matches!(h, Header::Start(_))), 1, "{file}: one START_ID");
                assert_eq!(count(|h| matches!(h, Header::End(_))), 1, "{file}: one END_ID");
                assert_eq!(count(|h| matches!(h, Header::Type)), 1, "{file}: one TYPE");
            }
            for record in reader.records() {
                let record = record.unwrap();
                *counts.entry(file.clone()).or_default() += 1;
                for (h, cell) in headers.iter().zip(record.iter()) {
                    match h {
                        Header::Id(space) => assert!(
                            ids.entry(space.clone()).or_default().insert(cell.to_string()),
                            "{file}: duplicate id in {space}"
                        ),
                        Header::Label => {
                            assert!(cell.split(delimiter).all(|l| !l.is_empty()), "{file}: empty label")
                        }
                        Header::Type => assert!(!cell.is_empty(), "{file}: empty type"),
                        Header::Start(space) | Header::End(space) => {
                            references.push((file.clone(), space.clone(), cell.to_string()))
                        }
                        Header::Property { ty, array } if !cell.is_empty() => {
                            let items: Vec<&str> =
                                if *array { cell.split(delimiter).collect() } else { vec![cell] };
                            for item in items {
                                let ok = match ty.as_str() {
                                    "long" | "int" => item.parse::<i64>().is_ok(),
                                    "double" | "float" => item.parse::<f64>().is_ok(),
                                    "boolean" => item == "true" || item == "false",
                                    _ => true,
                                };
                                assert!(ok, "{file}: `{item}` is not a {ty}");
                            }
                        }
                        Header::Property { .. } => {}
                    }
                }
            }
        }
        for (file, space, id) in references {
            assert!(
                ids.get(&space).is_some_and(|s| s.contains(&id)),
                "{file}: {id:?} is not an id in {space}"
            );
        }
        let expected = expected(&data);
        assert_eq!(
            counts.get("claims.csv").copied().unwrap_or(0),
            expected["claims"].as_array().unwrap().len()
        );
        assert_eq!(
            counts.get("attestations.csv").copied().unwrap_or(0),
            expected["attestations"].as_array().unwrap().len()
        );
        assert_eq!(Json::from(counts.get("entities.csv").copied().unwrap_or(0)), expected["entities"]);
    }
}

/// export csv → import (beside the file's other declarations) → export kg gives the file's
/// own export kg.
#[test]
fn claims_csv_round_trip_gives_the_same_graph() {
    use claimgraph::syntax::decl::DeclStatement;
    let dir = tempfile::tempdir().unwrap();
    for data in datasets(dir.path()) {
        let d = data.to_str().unwrap();
        let original = claimgraph(&["export", "kg", d]);
        let sheet = dir.path().join("claims.csv");
        claimgraph(&["export", "csv", d, "-o", sheet.to_str().unwrap()]);
        // Entities first, then the sheet's claims, then what refers to claims.
        let graph = claimgraph::cli::load(std::slice::from_ref(&data)).unwrap();
        let (mut entities, mut rest) = (String::new(), String::new());
        for decl in claimgraph::load::print::graph_to_decls(&graph) {
            match decl {
                DeclStatement::Entity(_) => entities.push_str(&format!("{decl};\n")),
                DeclStatement::Claim { .. } => {}
                other => rest.push_str(&format!("{other};\n")),
            }
        }
        let folder = beside(&data, &graph, dir.path());
        let entities_file = folder.join("entities.kg");
        std::fs::write(&entities_file, entities).unwrap();
        let rest_file = dir.path().join("rest.kg");
        std::fs::write(&rest_file, rest).unwrap();
        let result = Command::new(env!("CARGO_BIN_EXE_claimgraph"))
            .args(["export", "kg"])
            .arg(&entities_file)
            .arg(&sheet)
            .arg(&rest_file)
            .output()
            .unwrap();
        assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
        assert!(String::from_utf8(result.stdout).unwrap() == original, "round trip differs for {d}");
    }
}

/// A folder in `scratch` from which every document text path of `data` (relative to the
/// data file's folder, `../../shared/seeds/...`) reaches the same file through a symbolic
/// link, so that quotes are verified against the real texts after the move.
fn beside(data: &Path, graph: &claimgraph::model::Graph, scratch: &Path) -> PathBuf {
    use std::path::Component;
    let texts: Vec<String> = claimgraph::load::print::graph_to_decls(graph)
        .into_iter()
        .filter_map(|d| match d {
            claimgraph::syntax::decl::DeclStatement::Entity(e) => e
                .props
                .iter()
                .find(|p| p.key.text == "text")
                .and_then(|p| p.value.as_str().map(str::to_string)),
            _ => None,
        })
        .collect();
    let depth = texts
        .iter()
        .map(|t| Path::new(t).components().take_while(|c| *c == Component::ParentDir).count())
        .max()
        .unwrap_or(0);
    let mut folder = scratch.join("beside");
    for i in 0..depth {
        folder = folder.join(format!("d{i}"));
    }
    std::fs::create_dir_all(&folder).unwrap();
    for t in texts {
        let original = data.parent().unwrap().join(&t);
        let Ok(original) = original.canonicalize() else { continue };
        // The link's path, with `..` resolved lexically inside the scratch folder.
        let mut link = folder.clone();
        for c in Path::new(&t).components() {
            match c {
                Component::ParentDir => {
                    link.pop();
                }
                other => link.push(other),
            }
        }
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&link);
        #[cfg(unix)]
        std::os::unix::fs::symlink(&original, &link).unwrap();
        #[cfg(not(unix))]
        std::fs::copy(&original, &link).unwrap();
    }
    folder
}
