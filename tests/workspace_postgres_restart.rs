//! A server crash and restart (`pg_ctl stop -m immediate`, then start) while a script writes
//! to a shared workspace: every statement acknowledged before the crash is kept, nothing
//! half-written is, and the script says what happened. A test binary of its own, since the
//! restart ends every connection to the server.
//!
//! Needs `CLAIMGRAPH_TEST_POSTGRES` and `CLAIMGRAPH_TEST_POSTGRES_DIR`, the cluster's folder
//! that `.ci/postgres restart DIR` restarts (`.ci/run` sets both); without them it says so
//! and passes, except under CI, where it fails.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};

fn in_ci() -> bool {
    // As `tests/support/shared.rs` reads it.
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn env(name: &str) -> Option<String> {
    let value = std::env::var(name).ok().filter(|v| !v.is_empty());
    if value.is_none() {
        assert!(!in_ci(), "CI must run the PostgreSQL restart test: set {name} (`.ci/run` does)");
        eprintln!("{name} is not set: the restart test is skipped");
    }
    value
}

#[test]
fn a_server_restart_during_a_script_keeps_every_acknowledged_statement() {
    let (Some(server), Some(dir)) = (env("CLAIMGRAPH_TEST_POSTGRES"), env("CLAIMGRAPH_TEST_POSTGRES_DIR"))
    else {
        return;
    };
    let name = format!("cg_restart_{}", std::process::id());
    let mut admin = Client::connect(&server, NoTls).expect("connects");
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).expect("drops");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("creates");
    drop(admin);
    let url = format!("{}/{name}", server.rsplit_once('/').expect("a URL with a database").0);
    let bin = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_claimgraph"));
        cmd.env("NO_COLOR", "1").env_remove("CLAIMGRAPH_DATABASE_URL");
        cmd
    };
    let init = bin().args(["init", &url]).output().expect("init runs");
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let tmp = tempfile::tempdir().expect("temporary folder");
    let script = tmp.path().join("many.cypher");
    let text: String = (0..3000).map(|i| format!("CREATE (:Restart {{i: {i}}});\n")).collect();
    std::fs::write(&script, text).expect("writes the script");

    let mut child = bin()
        .args(["run", "--workspace", &url, script.to_str().expect("UTF-8")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the script starts");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut acknowledged = 0;
        for line in stdout.lines().map_while(Result::ok) {
            if line.contains("1 node created") {
                acknowledged += 1;
                let _ = tx.send(acknowledged);
            }
        }
        acknowledged
    });
    let started = Instant::now();
    while rx.recv_timeout(Duration::from_secs(60)).expect("the script acknowledges statements") < 50 {
        assert!(started.elapsed() < Duration::from_secs(120), "the script is too slow");
    }
    let restart = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/postgres"))
        .args(["restart", &dir])
        .output()
        .expect(".ci/postgres runs");
    assert!(restart.status.success(), "{}", String::from_utf8_lossy(&restart.stderr));
    let out = child.wait_with_output().expect("the script ends");
    let acknowledged = reader.join().expect("the reader");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the script went on through a restart without a word");
    assert!(
        stderr.contains("claimgraph::storage::io") && stderr.contains("connection to the server was lost"),
        "the script says what happened:\n{stderr}"
    );

    let mut client = Client::connect(&url, NoTls).expect("the server is back");
    let journalled: i64 = client
        .query_one("SELECT count(*) FROM journal WHERE statement LIKE 'CREATE (:Restart%'", &[])
        .expect("counts")
        .get(0);
    let rows: Vec<i64> = client
        .query(
            r#"SELECT (properties::jsonb ->> 'i')::bigint FROM entities WHERE labels LIKE '%"Restart"%' ORDER BY 1"#,
            &[],
        )
        .expect("reads")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        rows,
        (0..journalled).collect::<Vec<_>>(),
        "each journalled statement has its row, and only those"
    );
    assert!(
        journalled >= acknowledged && journalled <= acknowledged + 1,
        "{acknowledged} statements acknowledged, {journalled} kept (the one under way may have committed)"
    );
    // The workspace is whole: it opens and takes statements again.
    let again = bin().args(["query", "--workspace", &url, "CREATE (:After)"]).output().expect("runs");
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    drop(client);
    if let Ok(mut admin) = Client::connect(&server, NoTls) {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
    eprintln!("restart after {acknowledged} acknowledged statements: {journalled} kept");
}
