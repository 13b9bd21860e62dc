//! The REPL driven through a pseudo-terminal, the way a user meets it.

use std::time::Duration;

use expectrl::{ControlCode, Regex, Session};

fn spawn() -> Option<Session> {
    let bin = env!("CARGO_BIN_EXE_claimgraph");
    let history = std::env::temp_dir().join(format!("claimgraph-test-history-{}", std::process::id()));
    // The shell's default workspace goes in a fresh folder, never the user's data folder.
    let home = std::env::temp_dir().join(format!("claimgraph-test-home-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    let mut cmd = std::process::Command::new(bin);
    cmd.env("CLAIMGRAPH_HISTORY", &history)
        .env("CLAIMGRAPH_HOME", &home)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    match Session::spawn(cmd) {
        Ok(mut s) => {
            s.set_expect_timeout(Some(Duration::from_secs(20)));
            Some(s)
        }
        Err(e) => {
            eprintln!("note: cannot open a pseudo-terminal ({e}); REPL test skipped");
            None
        }
    }
}

#[test]
fn repl_session() {
    let Some(mut p) = spawn() else { return };
    p.expect("Type :help").unwrap();
    p.expect("claimgraph> ").unwrap();

    // A `:` command.
    p.send_line(":schema").unwrap();
    p.expect("Relationship types:").unwrap();
    p.expect("claimgraph> ").unwrap();

    // How a query would run, and a malformed one with its caret.
    p.send_line(":explain MATCH (a)-[r:CASUALTIES]->(b) WHERE key(b) = 'nobody' RETURN a").unwrap();
    p.expect("NodeByKey b").unwrap();
    p.expect("claimgraph> ").unwrap();
    p.send_line(":explain MATCH (a)-[r:CASUALTIES]->(b) RETURN a").unwrap();
    p.expect("RelationshipsByType :CASUALTIES").unwrap();
    p.expect("claimgraph> ").unwrap();
    p.send_line(":explain MATCH (a RETURN a").unwrap();
    p.expect(Regex("expected .*")).unwrap();
    p.expect("claimgraph> ").unwrap();

    // A multi-line declaration: incomplete until `;`.
    p.send_line("ENTITY (test_person:Person").unwrap();
    p.send_line("  {name: 'Test; Person'});").unwrap();
    p.expect("1 entity added").unwrap();
    p.expect("claimgraph> ").unwrap();

    // A malformed statement shows a caret and the REPL stays open.
    p.send_line("ENTITY (broken:Person) oops;").unwrap();
    p.expect(Regex("expected .*found")).unwrap();
    p.expect("claimgraph> ").unwrap();

    // Tab completion of a command.
    p.send(":para").unwrap();
    p.send("\t").unwrap();
    p.send(" who => 'wagner'\r").unwrap();
    p.expect("$who => 'wagner'").unwrap();
    p.expect("claimgraph> ").unwrap();

    // A long query, cancelled with Ctrl-C: a five-way product of the bundled entities whose
    // filter never matches (about 10^9 combinations, none held in memory).
    p.send_line(
        "MATCH (a), (b), (c), (d), (e) WHERE a.name + b.name + c.name + d.name + e.name = 'nobody' RETURN count(*);",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    p.send(ControlCode::EndOfText).unwrap();
    p.expect("query cancelled").unwrap();
    p.expect("claimgraph> ").unwrap();

    // Ctrl-D leaves.
    p.send(ControlCode::EndOfTransmission).unwrap();
    p.expect(expectrl::Eof).unwrap();
}
