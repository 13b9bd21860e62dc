//! Shared workspaces on PostgreSQL as a team meets them: the program run as separate
//! processes against a real server.
//!
//! * `copy` from SQLite to PostgreSQL and back gives the same rows, journal included;
//! * roles: a reader's `CLAIM` and a writer's `CONSTRAINT` are refused with a permission
//!   error and write nothing (the grants are `docs/examples/postgres_roles.sql`);
//! * passwords appear in no output and no journal;
//! * N writer processes and readers for a bounded time: no claim lost or doubled, a
//!   journal without gaps, throughput printed (docs/performance.md).
//!
//! The server comes from `CLAIMGRAPH_TEST_POSTGRES` (`.ci/postgres start DIR` prints one);
//! without it these tests say so and pass, except under CI, where they fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_claimgraph"));
    cmd.env("NO_COLOR", "1").env("USER", "tester").env_remove("CLAIMGRAPH_DATABASE_URL");
    cmd
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("claimgraph runs")
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn manifest(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn server(test: &str) -> Option<String> {
    match std::env::var("CLAIMGRAPH_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) {
        Some(url) => Some(url),
        // CI as `tests/support/shared.rs` reads it.
        None if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0") => {
            panic!("{test}: CI must run the PostgreSQL tests: set CLAIMGRAPH_TEST_POSTGRES (`.ci/postgres start DIR`)")
        }
        None => {
            eprintln!("{test}: no PostgreSQL server (CLAIMGRAPH_TEST_POSTGRES is not set); skipped");
            None
        }
    }
}

/// `url` with another user (and password) and database.
fn url_for(url: &str, user: Option<&str>, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let authority = rest.split('/').next().unwrap_or(rest);
    let (old_user, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    match user.or(old_user) {
        Some(u) => format!("{scheme}://{u}@{host}/{database}"),
        None => format!("{scheme}://{host}/{database}"),
    }
}

/// A database for one test, dropped at the end (with the roles the test made).
struct Database {
    server: String,
    name: String,
    url: String,
    roles: Vec<String>,
}

impl Database {
    fn new(server: &str, tag: &str) -> Self {
        let name = format!("cg_{tag}_{}", std::process::id());
        let mut c = Client::connect(server, NoTls).expect("the test server accepts connections");
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).expect("drops");
        c.batch_execute(&format!("CREATE DATABASE {name}")).expect("creates");
        Database { server: server.to_string(), url: url_for(server, None, &name), name, roles: Vec::new() }
    }

    fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("connects")
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(&self.server, NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
            for role in self.roles.iter().rev() {
                let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS {role}"));
            }
        }
    }
}

/// Every row of every table of a SQLite workspace, as text.
fn sqlite_rows(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).expect("opens");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("prepares")
        .query_map([], |r| r.get(0))
        .expect("lists")
        .collect::<Result<_, _>>()
        .expect("reads");
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2")).expect("selects");
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| {
                        r.get_ref(i).map(|v| match v {
                            rusqlite::types::ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
                            v => format!("{v:?}"),
                        })
                    })
                    .collect::<Result<_, _>>()?;
                Ok(format!("{t}: {}", cells.join(" | ")))
            })
            .expect("rows")
            .collect::<Result<Vec<_>, _>>()
            .expect("reads");
        out.push(format!("{t}: {} rows", rows.len()));
        out.extend(rows);
    }
    out
}

/// A workspace with every kind of row: two documents' data (texts, denials, constraints),
/// then statements that add, change and delete, resolve, and attest in several steps.
fn rich_sqlite_workspace(dir: &Path) -> PathBuf {
    let path = dir.join("a.claimgraph");
    ok(&[
        "init",
        s(&path),
        "--from",
        s(&manifest("data/khusham_2018.kg")),
        "--from",
        s(&manifest("docs/examples/khusham_encyclopedia.kg")),
    ]);
    let script = dir.join("more.kg");
    std::fs::write(
        &script,
        "SOURCE (monitor:Organization {name: 'Syrian Observatory'});
         CLAIM (wagner)-[c_new:PRESENT_IN {strength: ~100..200}]->(khusham) BY monitor REPORTED QUOTE 'tab\there, newline\\nthere, back\\\\slash';
         ATTEST c_new BY reuters QUOTE 'Reuters said so' ON @2018-02-13;
         VOICE monitor SPEAKS FOR wagner;
         MATCH (n:Organization {name: 'Syrian Observatory'}) SET n.founded = 2006;
         CREATE (:Note {text: 'O\\'Brien ∑ ünïcode'});
         MATCH (n:Note) DELETE n;
         CREATE (:Note {text: 'second'});",
    )
    .expect("writes the script");
    ok(&["run", "--workspace", s(&path), s(&script)]);
    path
}

/// `copy` from SQLite to PostgreSQL and back: the same rows in every table, the journal and
/// who entered each attestation included, and the same graph on both servers.
#[test]
fn a_workspace_copied_to_postgres_and_back_is_the_same_row_for_row() {
    let Some(server) = server("a_workspace_copied_to_postgres_and_back_is_the_same_row_for_row") else {
        return;
    };
    let db = Database::new(&server, "copy");
    let tmp = tempfile::tempdir().expect("temporary folder");
    let a = rich_sqlite_workspace(tmp.path());
    let b = tmp.path().join("b.claimgraph");
    let out = ok(&["copy", s(&a), &db.url]);
    assert!(out.starts_with(&format!("copied {} to {}: ", s(&a), db.url)), "{out}");
    ok(&["copy", &db.url, s(&b)]);
    let (rows_a, rows_b) = (sqlite_rows(&a), sqlite_rows(&b));
    assert!(
        rows_a.iter().any(|r| r.starts_with("document_texts: Integer")),
        "the copy covers document texts"
    );
    assert!(
        rows_a.iter().any(|r| r.contains("tab\\there, newline\\nthere, back\\\\slash")),
        "the copy covers escapes"
    );
    assert_eq!(rows_a, rows_b, "SQLite -> PostgreSQL -> SQLite changed rows");
    let kg = |w: &str| ok(&["export", "kg", "--workspace", w]);
    assert_eq!(kg(s(&a)), kg(&db.url), "the PostgreSQL copy reads as the same graph");
    // The target must be new.
    let again = run(&["copy", s(&a), &db.url]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("claimgraph::storage::exists"));
}

/// Who entered each attestation survives later statements on its claim, on SQLite as on
/// PostgreSQL: the attestation row names the journal entry that added it.
#[test]
fn an_attestation_keeps_the_entry_that_entered_it() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let path = tmp.path().join("w.claimgraph");
    ok(&["init", s(&path), "--from", s(&manifest("data/khusham_2018.kg"))]);
    let attest = |user: &str, statement: &str| {
        let out = bin()
            .env("USER", user)
            .args(["query", "--workspace", s(&path), statement])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    attest("alice", "ATTEST c_us_bolstering BY reuters QUOTE 'first'");
    attest("bob", "ATTEST c_us_bolstering BY pentagon_spokesman QUOTE 'second'");
    let conn = rusqlite::Connection::open(&path).expect("opens");
    let who: Vec<(String, String)> = conn
        .prepare(
            "SELECT j.user, j.origin FROM attestations a JOIN claims c ON c.key = a.claim
             JOIN journal j ON j.seq = a.journal WHERE c.id = 'c_us_bolstering' ORDER BY a.seq",
        )
        .expect("prepares")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("reads")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        who,
        [
            ("tester".into(), "init".into()),
            ("alice".into(), "<query>".into()),
            ("bob".into(), "<query>".into())
        ]
    );
}

/// Roles as PostgreSQL grants them (`docs/examples/postgres_roles.sql`): a reader queries and
/// its `CLAIM` is refused; a writer claims and resolves, and its `CONSTRAINT` is refused;
/// nothing refused is written, and the journal names who wrote.
#[test]
fn readers_read_writers_write_and_the_owner_keeps_the_constraints() {
    let Some(server) = server("readers_read_writers_write_and_the_owner_keeps_the_constraints") else {
        return;
    };
    let mut db = Database::new(&server, "roles");
    ok(&["init", &db.url, "--from", s(&manifest("data/khusham_2018.kg"))]);
    let tag = format!("cg{}", std::process::id());
    let sql = std::fs::read_to_string(manifest("docs/examples/postgres_roles.sql"))
        .expect("the roles script")
        .replace("inquiry_", &format!("{tag}_"))
        .replace("DATABASE inquiry", &format!("DATABASE {}", db.name));
    for role in ["carol", "alice", "writer", "reader"] {
        db.roles.push(format!("{tag}_{role}"));
    }
    db.client().batch_execute(&sql).expect("the roles script runs");
    let alice = url_for(&db.url, Some(&format!("{tag}_alice")), &db.name);
    let carol = url_for(&db.url, Some(&format!("{tag}_carol")), &db.name);
    let journal = |db: &Database| -> Vec<(String, String)> {
        db.client()
            .query(r#"SELECT "user", statement FROM journal ORDER BY seq"#, &[])
            .expect("journal")
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    };
    let before = journal(&db);

    // The reader reads, and may not claim.
    let count = ok(&["query", "--workspace", &carol, "--format", "csv", "MATCH (s:Source) RETURN count(s)"]);
    assert!(count.lines().nth(1).is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n > 0)), "{count}");
    let refused = run(&["query", "--workspace", &carol, "CLAIM (usa)-[:FUNDS]->(sdf) BY reuters"]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(err.contains("claimgraph::storage::permission") && err.contains("may read this"), "{err}");
    assert_eq!(journal(&db), before, "the reader's claim wrote nothing");

    // The writer claims and resolves, and may not change the constraints.
    ok(&["query", "--workspace", &alice, "CLAIM (usa)-[:FUNDS]->(sdf) BY reuters"]);
    let refused =
        run(&["query", "--workspace", &alice, "CONSTRAINT one_base: SINGLE (:Organization)-[:FUNDS]->()"]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(err.contains("claimgraph::storage::permission") && err.contains("constraints"), "{err}");
    let after = journal(&db);
    assert_eq!(after.len(), before.len() + 1, "only the writer's claim was written: {after:?}");
    assert_eq!(after.last().map(|(u, _)| u.as_str()), Some(format!("{tag}_alice").as_str()));
    // The owner may.
    ok(&["query", "--workspace", &db.url, "CONSTRAINT one_base: SINGLE (:Organization)-[:FUNDS]->()"]);
    let kg = ok(&["export", "kg", "--workspace", &carol]);
    assert!(kg.contains("CONSTRAINT one_base") && kg.contains("[:FUNDS]"), "{kg}");
}

/// A password in the URL is never printed: not by `init`, not in an error, not in the
/// shell's banner, and never journalled.
#[test]
fn passwords_are_never_shown_or_kept() {
    let Some(server) = server("passwords_are_never_shown_or_kept") else { return };
    let db = Database::new(&server, "secret");
    let with_password = db.url.replacen("@", ":s3cr3t-pw@", 1);
    let with_password = if with_password.contains("s3cr3t-pw") {
        with_password
    } else {
        db.url.replacen("://", "://postgres:s3cr3t-pw@", 1)
    };
    let mut outputs = Vec::new();
    let init = run(&["init", &with_password, "--from", s(&manifest("data/khusham_2018.kg"))]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    outputs.push(init);
    outputs.push(run(&["query", "--workspace", &with_password, "MATCH (x) RETURN x.nope.nope"]));
    // Nothing listens on port 1: the connection error names the URL without the password.
    let refused = run(&["query", "--workspace", "postgres://bob:s3cr3t-pw@127.0.0.1:1/x", "RETURN 1"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("postgres://bob@127.0.0.1:1/x"));
    outputs.push(refused);
    outputs.push(
        bin()
            .env("CLAIMGRAPH_DATABASE_URL", &with_password)
            .args(["query", "CREATE (:Seen)"])
            .output()
            .expect("runs"),
    );
    for out in &outputs {
        let text =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!text.contains("s3cr3t"), "a password was shown:\n{text}");
    }
    let rows = db.client().query("SELECT statement, origin FROM journal", &[]).expect("journal");
    assert_eq!(rows.len(), 2, "init and the CREATE");
    for r in rows {
        let (statement, origin): (String, String) = (r.get(0), r.get(1));
        assert!(!statement.contains("s3cr3t") && !origin.contains("s3cr3t"));
    }
}

/// N writer processes (4 on two cores) add claims, each to its own subject and as extra
/// attestations of one shared claim, while readers query, for a bounded time: every
/// acknowledged statement is there once, the journal has no gap and lists each statement
/// once, and the shared claim holds every writer's attestation.
#[test]
fn concurrent_writers_lose_and_double_nothing() {
    let Some(server) = server("concurrent_writers_lose_and_double_nothing") else { return };
    let db = Database::new(&server, "load");
    ok(&["init", &db.url, "--from", s(&manifest("data/khusham_2018.kg"))]);
    let writers: usize =
        std::env::var("CLAIMGRAPH_PG_WRITERS").ok().and_then(|n| n.parse().ok()).unwrap_or(4);
    let statements: usize =
        std::env::var("CLAIMGRAPH_PG_STATEMENTS").ok().and_then(|n| n.parse().ok()).unwrap_or(20);
    let tmp = tempfile::tempdir().expect("temporary folder");
    let mut scripts = Vec::new();
    for w in 0..writers {
        let mut text = format!("SOURCE (writer{w}:Person {{name: 'Writer {w}'}});\n");
        for i in 0..statements {
            if i % 2 == 0 {
                text.push_str(&format!(
                    "CLAIM (usa)-[:LOAD_TEST {{writer: {w}, n: {i}}}]->(sdf) BY writer{w} QUOTE 'w{w} n{i}';\n"
                ));
            } else {
                text.push_str(&format!("ATTEST c_us_bolstering BY writer{w} QUOTE 'w{w} n{i}';\n"));
            }
        }
        let path = tmp.path().join(format!("writer{w}.kg"));
        std::fs::write(&path, text).expect("writes a script");
        scripts.push(path);
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(120);
    let children: Vec<_> = scripts
        .iter()
        .map(|p| {
            bin()
                .args(["run", "--workspace", &db.url, s(p)])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("a writer starts")
        })
        .collect();
    // Readers query until the writers are done: each answer is a consistent snapshot.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (url, done) = (db.url.clone(), done.clone());
            std::thread::spawn(move || {
                let mut reads = 0;
                while !done.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < deadline {
                    let out = bin()
                        .args([
                            "query",
                            "--workspace",
                            &url,
                            "--format",
                            "csv",
                            "MATCH ()-[r:LOAD_TEST]->() RETURN count(r)",
                        ])
                        .output()
                        .expect("a reader runs");
                    assert!(
                        out.status.success(),
                        "a reader failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("a writer ends");
        assert!(out.status.success(), "a writer failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    let elapsed = started.elapsed();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let reads: usize = readers.into_iter().map(|r| r.join().expect("a reader thread")).sum();

    let mut c = db.client();
    let total = writers * (statements + 1);
    let seqs: Vec<i64> = c
        .query("SELECT seq FROM journal ORDER BY seq", &[])
        .expect("journal")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        seqs,
        (1..=(total as i64 + 1)).collect::<Vec<_>>(),
        "a journal without gaps: init and every statement"
    );
    let doubled: i64 = c
        .query_one(
            "SELECT count(*) FROM (SELECT statement FROM journal GROUP BY statement HAVING count(*) > 1) d",
            &[],
        )
        .expect("counts")
        .get(0);
    assert_eq!(doubled, 0, "a statement journalled twice");
    let claims: i64 =
        c.query_one("SELECT count(*) FROM claims WHERE type = 'LOAD_TEST'", &[]).expect("counts").get(0);
    assert_eq!(claims as usize, writers * statements.div_ceil(2), "claims lost or doubled");
    let quotes: Vec<String> = c
        .query(
            "SELECT a.quote FROM attestations a JOIN claims c ON c.key = a.claim
             WHERE c.id = 'c_us_bolstering' AND a.quote ~ '^w[0-9]+ n[0-9]+$' ORDER BY a.quote",
            &[],
        )
        .expect("attestations")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut expected: Vec<String> =
        (0..writers).flat_map(|w| (1..statements).step_by(2).map(move |i| format!("w{w} n{i}"))).collect();
    expected.sort();
    assert_eq!(quotes, expected, "the shared claim holds every writer's attestation once");
    // Each attestation names the journal entry that entered it, and that entry is its statement.
    let mismatched: i64 = c
        .query_one(
            "SELECT count(*) FROM attestations a JOIN journal j ON j.seq = a.journal
             WHERE a.quote ~ '^w[0-9]+ n[0-9]+$' AND position(a.quote in j.statement) = 0",
            &[],
        )
        .expect("counts")
        .get(0);
    assert_eq!(mismatched, 0, "attestations credited to another statement");
    // The workspace reads back as a graph with every claim.
    let kg = ok(&["export", "kg", "--workspace", &db.url]);
    assert_eq!(kg.matches(":LOAD_TEST").count(), claims as usize);
    eprintln!(
        "{writers} writers x {} statements in {:.1} s: {:.0} statements/s committed, {reads} reader queries meanwhile",
        statements + 1,
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
}
