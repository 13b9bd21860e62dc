//! Workspaces as a user meets them: the program run as separate processes on one file.
//!
//! * text and JSON round trips through a workspace (`tests/roundtrip/*.kg` and the bundled
//!   dataset);
//! * the writer SIGKILLed at random moments (`CLAIMGRAPH_KILLS` times, 100 by default):
//!   after each kill the workspace opens, passes `PRAGMA integrity_check`, and holds every
//!   statement acknowledged before the kill; `init` killed leaves no half workspace, an
//!   export killed leaves the old file or the whole new one;
//! * a full disk (the file size limit) and a read-only file: clear errors, nothing lost;
//! * one writer and many readers: a second writer is told who writes, a reader sees the
//!   last commit while the shell writes;
//! * files that are not workspaces, or come from a newer version;
//! * the shell's default workspace (in `$CLAIMGRAPH_HOME`): typed work survives Ctrl-D
//!   and `:history` spans sessions.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use claimgraph::gen::SplitMix64;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_claimgraph"));
    cmd.env("NO_COLOR", "1").env("USER", "tester");
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

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).expect("sqlite opens");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check")
}

fn manifest(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Every data file of the round-trip tests, and the bundled dataset.
fn roundtrip_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(manifest("tests/roundtrip"))
        .expect("tests/roundtrip")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "kg"))
        .collect();
    files.sort();
    files.push(manifest("data/khusham_2018.kg"));
    files
}

#[test]
fn exports_of_a_workspace_round_trip_exactly() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    for (n, file) in roundtrip_files().iter().enumerate() {
        let name = file.display();
        let direct_kg = ok(&["export", "kg", s(file)]);
        let direct_json = ok(&["export", "json", s(file)]);
        let w1 = tmp.path().join(format!("{n}-a.claimgraph"));
        ok(&["init", s(&w1), "--from", s(file)]);
        let kg1 = ok(&["export", "kg", "--workspace", s(&w1)]);
        assert_eq!(kg1, direct_kg, "{name}: export kg of the workspace differs from the text's");
        // Written where it is loaded from, so document texts are written relative to it.
        let kg_file = tmp.path().join(format!("{n}.kg"));
        ok(&["export", "kg", "--workspace", s(&w1), "-o", s(&kg_file)]);
        let w2 = tmp.path().join(format!("{n}-b.claimgraph"));
        ok(&["init", s(&w2), "--from", s(&kg_file)]);
        assert_eq!(ok(&["export", "kg", "--workspace", s(&w2)]), kg1, "{name}: kg → workspace → kg");

        let json1 = ok(&["export", "json", "--workspace", s(&w1)]);
        assert_eq!(json1, direct_json, "{name}: export json of the workspace differs from the text's");
        let json_file = tmp.path().join(format!("{n}.json"));
        ok(&["export", "json", "--workspace", s(&w1), "-o", s(&json_file)]);
        let w3 = tmp.path().join(format!("{n}-c.claimgraph"));
        ok(&["init", s(&w3), "--from", s(&json_file)]);
        assert_eq!(ok(&["export", "json", "--workspace", s(&w3)]), json1, "{name}: json → workspace → json");
        assert_eq!(integrity(&w3), "ok");
    }
}

/// Reads a child's standard output line by line on a thread; `lines` counts them.
fn count_lines(
    child: &mut Child,
    needle: &'static str,
) -> (std::sync::Arc<std::sync::atomic::AtomicUsize>, std::thread::JoinHandle<()>) {
    let stdout = child.stdout.take().expect("piped stdout");
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = std::sync::Arc::clone(&count);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.contains(needle) {
                c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    });
    (count, reader)
}

/// The `i` of every `:K` entity created in run `it`.
fn created_in_run(path: &Path, it: i64) -> std::collections::BTreeSet<i64> {
    let mut store = claimgraph::storage::open(path).expect("the workspace opens after a kill");
    let graph = store.load().expect("the workspace reads after a kill");
    let (Some(k), Some(it_key), Some(i_key)) = (graph.sym("K"), graph.sym("it"), graph.sym("i")) else {
        return Default::default();
    };
    graph
        .entities_with_label(k)
        .filter(
            |e| matches!(graph.entity_prop(*e, it_key), Some(claimgraph::model::Value::Int(v)) if *v == it),
        )
        .filter_map(|e| match graph.entity_prop(e, i_key) {
            Some(claimgraph::model::Value::Int(i)) => Some(*i),
            _ => None,
        })
        .collect()
}

#[test]
fn a_killed_writer_loses_no_acknowledged_statement() {
    let kills: usize = std::env::var("CLAIMGRAPH_KILLS").ok().and_then(|k| k.parse().ok()).unwrap_or(100);
    let tmp = tempfile::tempdir().expect("temporary folder");
    let path = tmp.path().join("w.claimgraph");
    ok(&["init", s(&path), "--from", s(&manifest("data/khusham_2018.kg"))]);
    let mut rng = SplitMix64::new(9);
    let mut acknowledged_total = 0;
    for it in 0..kills as i64 {
        // Creations acknowledged one by one, with updates and deletions between them.
        let mut script = String::new();
        for i in 0..400 {
            script
                .push_str(&format!("CREATE (:K {{i: {i}, it: {it}, text: 'statement {i} of run {it}'}});\n"));
            if i % 7 == 3 {
                script.push_str(&format!(
                    "MATCH (k:K {{it: {it}}}) WHERE k.i = {} SET k.seen = true;\n",
                    i - 2
                ));
            }
            if i % 11 == 5 {
                script.push_str(&format!(
                    "CREATE (:Scratch {{it: {it}}}); MATCH (x:Scratch) DETACH DELETE x;\n"
                ));
            }
        }
        let script_path = tmp.path().join(format!("run{it}.cypher"));
        std::fs::write(&script_path, script).expect("writes the script");
        let mut child = bin()
            .args(["run", "--workspace", s(&path), s(&script_path)])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        // The `:K` creations' acknowledgements (scratch nodes set one property, not three).
        let (acknowledged, reader) = count_lines(&mut child, "1 node created, 3 properties set");
        std::thread::sleep(Duration::from_micros(rng.next_u64() % 300_000));
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        reader.join().expect("reader");
        let acknowledged = acknowledged.load(std::sync::atomic::Ordering::SeqCst) as i64;
        acknowledged_total += acknowledged;
        assert_eq!(integrity(&path), "ok", "run {it}: integrity after the kill");
        let present = created_in_run(&path, it);
        // Statement k+1 may have committed without being acknowledged; none may be missing.
        for i in 0..acknowledged {
            assert!(
                present.contains(&i),
                "run {it}: statement {i} was acknowledged but is missing after the kill"
            );
        }
        assert!(
            present.iter().all(|i| *i <= acknowledged),
            "run {it}: statements that never ran are present"
        );
    }
    println!("workspace: {kills} writers killed, {acknowledged_total} acknowledged statements all present");
    assert!(acknowledged_total > 0, "no statement was acknowledged before any kill: the test saw nothing");

    // `init` killed at random moments leaves either nothing or a whole workspace.
    let data = tmp.path().join("gen");
    ok(&["gen", "--claims", "3000", "--out", s(&data)]);
    let expected =
        ok(&["query", "--data", s(&data.join("graph.kg")), "MATCH ()-[r]->() RETURN count(r) AS n"]);
    for n in 0..10 {
        let w = tmp.path().join(format!("init{n}.claimgraph"));
        let mut child = bin()
            .args(["init", s(&w), "--from", s(&data.join("graph.kg"))])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        std::thread::sleep(Duration::from_micros(rng.next_u64() % 400_000));
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        if w.exists() {
            assert_eq!(integrity(&w), "ok");
            let got = ok(&["query", "--workspace", s(&w), "MATCH ()-[r]->() RETURN count(r) AS n"]);
            assert_eq!(got, expected, "a killed init left a partial workspace");
        }
    }

    // An export killed at random moments leaves the old file or the whole new one.
    let out = tmp.path().join("export.kg");
    let old = ok(&["export", "kg"]);
    let new = ok(&["export", "kg", s(&data.join("graph.kg"))]);
    // Kill times spread over a whole export's duration, writing included.
    let started = Instant::now();
    ok(&["export", "kg", s(&data.join("graph.kg")), "-o", s(&out)]);
    let whole = started.elapsed().as_micros() as u64 + 1;
    for _ in 0..10 {
        std::fs::write(&out, &old).expect("writes the old file");
        let mut child = bin()
            .args(["export", "kg", s(&data.join("graph.kg")), "-o", s(&out)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        std::thread::sleep(Duration::from_micros(rng.next_u64() % whole));
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        let now = std::fs::read_to_string(&out).expect("the export file is still there");
        assert!(now == old || now == new, "a killed export left a partial file ({} bytes)", now.len());
    }
}

#[cfg(unix)]
#[test]
fn a_full_disk_is_a_clear_error_and_loses_nothing() {
    use std::os::unix::process::CommandExt;
    let tmp = tempfile::tempdir().expect("temporary folder");
    let path = tmp.path().join("w.claimgraph");
    ok(&["init", s(&path), "--from", s(&manifest("data/khusham_2018.kg"))]);
    let mut script = String::new();
    let filler = "x".repeat(4000);
    for i in 0..2000 {
        script.push_str(&format!("CREATE (:K {{i: {i}, it: 0, filler: '{filler}'}});\n"));
    }
    let script_path = tmp.path().join("fill.cypher");
    std::fs::write(&script_path, script).expect("writes");
    // Room for about 1 MB more than the workspace holds now, in any one file.
    let limit = std::fs::metadata(&path).expect("exists").len() + (1 << 20);
    let mut cmd = bin();
    cmd.args(["run", "--workspace", s(&path), s(&script_path)]);
    // SAFETY: setrlimit only, between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let rl = libc::rlimit { rlim_cur: limit, rlim_max: limit };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rl) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(stderr.contains("claimgraph::storage::full"), "stderr:\n{stderr}");
    assert!(stderr.contains("the statement was undone"), "stderr:\n{stderr}");
    let acknowledged = stdout.matches("1 node created").count() as i64;
    assert!(acknowledged > 10 && acknowledged < 2000, "{acknowledged} statements acknowledged");
    assert_eq!(integrity(&path), "ok");
    let present = created_in_run(&path, 0);
    assert_eq!(present, (0..acknowledged).collect(), "exactly the acknowledged statements are kept");
    // With room again, work goes on.
    ok(&["query", "--workspace", s(&path), "CREATE (:K {i: -1, it: 0})"]);
}

/// Runs `args` as the unprivileged `nobody` when we are root (root writes read-only files).
#[cfg(unix)]
fn as_unprivileged(args: &[&str]) -> Output {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_claimgraph")]);
        cmd.args(args).env("NO_COLOR", "1").env("USER", "tester");
        cmd.output().expect("setpriv runs (util-linux)")
    } else {
        run(args)
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_workspace_reads_and_refuses_writes_clearly() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("temporary folder");
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let path = tmp.path().join("w.claimgraph");
    ok(&["init", s(&path), "--from", s(&manifest("data/khusham_2018.kg"))]);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let read = as_unprivileged(&["query", "--workspace", s(&path), "MATCH (n) RETURN count(n) AS n"]);
    assert!(read.status.success(), "{}", String::from_utf8_lossy(&read.stderr));
    let write = as_unprivileged(&["query", "--workspace", s(&path), "CREATE (:K {i: 1})"]);
    let stderr = String::from_utf8_lossy(&write.stderr);
    assert_eq!(write.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("claimgraph::storage::read_only"), "{stderr}");
    assert!(stderr.contains("read-only"), "{stderr}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    assert_eq!(integrity(&path), "ok");
    let count = ok(&["query", "--workspace", s(&path), "MATCH (k:K) RETURN count(k) AS n"]);
    assert!(count.contains("│ 0 "), "the refused statement left nothing:\n{count}");
}

/// A shell on `path` with piped standard input, and its output as lines.
fn shell(path: &Path, home: &Path) -> (Child, std::sync::mpsc::Receiver<String>) {
    let mut child = bin()
        .arg("--workspace")
        .arg(path)
        .env("CLAIMGRAPH_HOME", home)
        .env("CLAIMGRAPH_HISTORY", home.join("history"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the shell starts");
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn wait_for(rx: &std::sync::mpsc::Receiver<String>, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = String::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains(needle) {
                    return seen;
                }
            }
            Err(_) => break,
        }
    }
    panic!("`{needle}` never came; output so far:\n{seen}");
}

#[test]
fn one_writer_many_readers() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let path = tmp.path().join("w.claimgraph");
    ok(&["init", s(&path), "--from", s(&manifest("data/khusham_2018.kg"))]);
    let (mut writer, lines) = shell(&path, tmp.path());
    wait_for(&lines, "Type :help");
    let mut stdin = writer.stdin.take().expect("stdin");
    writeln!(stdin, "CREATE (:S {{n: 1}});").expect("types");
    wait_for(&lines, "1 node created");

    // A second shell reads; its banner says why it cannot write.
    let (mut late, late_lines) = shell(&path, tmp.path());
    let banner = wait_for(&late_lines, "read-only:");
    assert!(banner.contains(&format!("being written by process {}", writer.id())), "{banner}");

    // A second writer is told who writes; nothing changes.
    let second = run(&["query", "--workspace", s(&path), "CREATE (:S {n: 2})"]);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("claimgraph::storage::locked"), "{stderr}");
    assert!(stderr.contains(&format!("being written by process {} of tester on ", writer.id())), "{stderr}");

    // A reader sees the last commit while the shell goes on writing.
    let count =
        |p: &Path| ok(&["query", "--format", "csv", "--workspace", s(p), "MATCH (x:S) RETURN count(x) AS n"]);
    assert_eq!(count(&path), "n\n1\n");
    for n in 2..=20 {
        writeln!(stdin, "CREATE (:S {{n: {n}}});").expect("types");
    }
    let mut last = 1;
    loop {
        let now: i64 = count(&path).lines().nth(1).and_then(|l| l.parse().ok()).expect("a count");
        assert!(now >= last && now <= 20, "a reader saw {now} after {last}");
        last = now;
        if now == 20 {
            break;
        }
    }
    drop(stdin);
    let status = writer.wait().expect("the shell leaves on end of input");
    assert!(status.success());
    // The second shell read the workspace before the first one's later commits: it may
    // not write over them, even now that the lock is free.
    let mut late_stdin = late.stdin.take().expect("stdin");
    writeln!(late_stdin, "CREATE (:S {{n: 99}});").expect("types");
    drop(late_stdin);
    let late_out = late.wait_with_output().expect("the second shell leaves");
    let late_err = String::from_utf8_lossy(&late_out.stderr);
    assert!(late_err.contains("claimgraph::storage::changed"), "{late_err}");
    // The writer is gone: the next one may write.
    ok(&["query", "--workspace", s(&path), "CREATE (:S {n: 21})"]);
    assert_eq!(count(&path), "n\n21\n");
}

#[test]
fn files_that_are_not_workspaces_or_are_too_new_are_refused() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let foreign = tmp.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .expect("creates")
        .execute_batch("CREATE TABLE t (x)")
        .expect("table");
    let out = run(&["query", "--workspace", s(&foreign), "RETURN 1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("claimgraph::storage::not_a_workspace"), "{stderr}");
    assert!(stderr.contains("a SQLite database, but not a claimgraph workspace"), "{stderr}");

    let newer = tmp.path().join("newer.claimgraph");
    ok(&["init", s(&newer)]);
    rusqlite::Connection::open(&newer)
        .expect("opens")
        .execute_batch("PRAGMA user_version = 99")
        .expect("sets");
    let out = run(&["query", "--workspace", s(&newer), "RETURN 1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("claimgraph::storage::newer_version"), "{stderr}");
    assert!(stderr.contains("schema version 99"), "{stderr}");
}

#[test]
fn the_shell_keeps_typed_work_in_the_default_workspace() {
    let home = tempfile::tempdir().expect("temporary folder");
    let session = |input: &str| {
        let mut child = bin()
            .env("CLAIMGRAPH_HOME", home.path())
            .env("CLAIMGRAPH_HISTORY", home.path().join("history"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the shell starts");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("types");
        let out = child.wait_with_output().expect("leaves at end of input");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = session(
        "SOURCE (me:Analyst {name: 'Me'});\nCLAIM (wagner)-[:FOUGHT_IN]->(battle) BY me;\nUNWIND [1, 0] AS x CREATE (:N {v: 1 / x});\n",
    );
    let workspace = home.path().join("workspace.claimgraph");
    assert!(
        first.contains(&format!("workspace {}", workspace.display())),
        "the banner names the workspace:\n{first}"
    );
    assert!(first.contains("1 claim added"), "{first}");
    let second = session(":history\nMATCH (a)-[r]->() WHERE 'me' IN sources(r) RETURN a.name AS who, type(r) AS what;\nMATCH (n:N) RETURN count(n) AS n;\n");
    assert!(second.contains("init --from data/khusham_2018.kg"), "{second}");
    assert!(second.contains("tester  SOURCE (me:Analyst {name: 'Me'});"), "{second}");
    assert!(second.contains("tester  CLAIM (wagner)-[:FOUGHT_IN]->(battle) BY me;"), "{second}");
    assert!(!second.contains("UNWIND"), "a failed statement is not in the journal:\n{second}");
    assert!(second.contains("│ Wagner Group ┆ FOUGHT_IN │"), "{second}");
    assert!(second.contains("│ 0 │"), "{second}");
}

#[test]
fn a_pattern_naming_a_deleted_entity_does_not_lock_the_workspace() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let path = tmp.path().join("w.claimgraph");
    ok(&["init", s(&path), "--from", s(&manifest("data/khusham_2018.kg"))]);
    let script = tmp.path().join("s.cypher");
    std::fs::write(
        &script,
        "CONSTRAINT c_gone: SINGLE (battle)-[:HELD_AT]->() ON day;\n\
         DENY (battle)-[:HELD_AT {day: 8}]->() BY reuters QUOTE 'not on the 8th';\n\
         MATCH (n) WHERE key(n) = 'battle' DETACH DELETE n;\n",
    )
    .expect("writes");
    ok(&["run", "--workspace", s(&path), s(&script)]);
    // Reopening reads the constraint and the denial back (their entity stands for none).
    let kg = ok(&["export", "kg", "--workspace", s(&path)]);
    assert!(kg.contains("CONSTRAINT c_gone: SINGLE"), "{kg}");
    assert!(kg.contains("not on the 8th"), "{kg}");
    ok(&["query", "--workspace", s(&path), "CREATE (:After {ok: true})"]);
}

/// The columns of every table and the names of every index and view, in order.
fn schema(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).expect("sqlite opens");
    let mut names = conn
        .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .expect("prepares");
    let objects: Vec<(String, String)> = names
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("lists")
        .collect::<Result<_, _>>()
        .expect("reads");
    let mut out = Vec::new();
    for (kind, name) in objects {
        out.push(format!("{kind} {name}"));
        if kind == "table" {
            let mut cols = conn.prepare(&format!("PRAGMA table_info({name})")).expect("table_info");
            let cols: Vec<String> = cols
                .query_map([], |r| {
                    Ok(format!(
                        "  {} {} notnull={} pk={}",
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(5)?
                    ))
                })
                .expect("columns")
                .collect::<Result<_, _>>()
                .expect("reads");
            out.extend(cols);
        }
    }
    out
}

fn user_version(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("sqlite opens");
    conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("user_version")
}

/// A workspace of schema version 1 (`tests/workspace_v1/`, written before SPEAKS FOR and
/// documents' texts were stored) is read as it is, and migrated by the first process that
/// writes to it: the tables become exactly a new workspace's, nothing it held is lost, and
/// the `TOLERANCE` the language dropped is dropped from its constraint, with a journal note.
#[test]
fn a_version_1_workspace_is_read_as_is_and_migrated_by_its_first_writer() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let path = tmp.path().join("v1.claimgraph");
    let dump = std::fs::read_to_string(manifest("tests/workspace_v1/workspace.sql")).expect("the dump");
    rusqlite::Connection::open(&path).expect("creates").execute_batch(&dump).expect("rebuilds the file");
    assert_eq!(user_version(&path), 1);

    // Readers read it without changing it.
    let before = ok(&["export", "kg", "--workspace", s(&path)]);
    assert!(before.contains("CONSTRAINT toll: SINGLE (:Event)-[:CASUALTIES]->() ON killed;\n"), "{before}");
    assert!(before.contains("ENTITY (unit:Group {name: 'A unit', size: 300});"), "{before}");
    assert!(before.contains("RESOLVE c1, c2 AS dismissed BECAUSE 'different counts';"), "{before}");
    assert_eq!(user_version(&path), 1, "a reader migrated the file");

    // The first writer migrates it, then writes what version 1 could not keep.
    ok(&["query", "--workspace", s(&path), "VOICE spokesman SPEAKS FOR ministry"]);
    assert_eq!(user_version(&path), 3);
    assert_eq!(integrity(&path), "ok");
    let fresh = tmp.path().join("fresh.claimgraph");
    ok(&["init", s(&fresh)]);
    assert_eq!(schema(&path), schema(&fresh), "a migrated workspace has a new one's tables");
    let after = ok(&["export", "kg", "--workspace", s(&path)]);
    let expected = before.replace(
        "SOURCE (spokesman:Person {name: 'A spokesman'}) VIA agency;",
        "SOURCE (spokesman:Person {name: 'A spokesman'}) VIA agency SPEAKS FOR ministry;",
    );
    assert_ne!(expected, before);
    assert_eq!(after, expected, "the migrated workspace holds what it held, and the new link");

    let conn = rusqlite::Connection::open(&path).expect("sqlite opens");
    let journal: Vec<(String, String)> = conn
        .prepare("SELECT origin, statement FROM journal ORDER BY seq")
        .expect("prepares")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("reads")
        .collect::<Result<_, _>>()
        .expect("rows");
    let origins: Vec<&str> = journal.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(origins, ["init", "<query>", "<query>", "migrate", "<query>"]);
    assert!(journal[3].1.contains("TOLERANCE 0.25"), "{}", journal[3].1);
    // Its documents have no text row: their quotes read as unverified (docs/storage.md).
    let out = run(&["check", "--workspace", s(&path)]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("3 unverified: no text checked for report"), "{report}");
}

/// `check` of a workspace reports what `check` of the text it was made from does: the
/// summary (quotes verified or not), every finding, dispute, position and voice, and the
/// exit code. The bundled dataset with the second document of `docs/examples/`.
#[test]
fn check_of_a_workspace_is_check_of_its_text() {
    let article = manifest("../shared/seeds/deir_ez_zor_2018.txt");
    if !article.exists() {
        eprintln!("{} is absent: the bundled dataset cannot load from its text; skipped", article.display());
        return;
    }
    let tmp = tempfile::tempdir().expect("temporary folder");
    let files = [manifest("data/khusham_2018.kg"), manifest("docs/examples/khusham_encyclopedia.kg")];
    let path = tmp.path().join("w.claimgraph");
    ok(&["init", s(&path), "--from", s(&files[0]), "--from", s(&files[1])]);
    for format in ["table", "json"] {
        let text = run(&["check", "--format", format, "--data", s(&files[0]), "--data", s(&files[1])]);
        let workspace = run(&["check", "--format", format, "--workspace", s(&path)]);
        assert_eq!(text.status.code(), Some(3), "open contradictions");
        assert_eq!(workspace.status.code(), text.status.code());
        let (a, b) = (String::from_utf8_lossy(&text.stdout), String::from_utf8_lossy(&workspace.stdout));
        assert!(a.contains("D-"), "disputes are reported:\n{a}");
        assert_eq!(b, a, "{format}: check of the workspace differs from check of its text");
    }
}
