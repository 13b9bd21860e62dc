//! The REPL driven through a pseudo-terminal, the way a user meets it.

#[path = "support/limits.rs"]
mod limits;
#[path = "support/shared.rs"]
mod shared;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use expectrl::{ControlCode, Regex, Session};

fn spawn() -> Option<Session> {
    spawn_with(|_| {})
}

/// The shell, with `setup` applied to its command first (limits, arguments).
fn spawn_with(setup: impl FnOnce(&mut std::process::Command)) -> Option<Session> {
    let bin = env!("CARGO_BIN_EXE_claimgraph");
    // One folder per shell: the tests of this file run at once, and shells sharing a
    // workspace wait on each other's writes (or lose it to the next spawn's clean-up).
    static SHELLS: AtomicUsize = AtomicUsize::new(0);
    let shell = format!("{}-{}", std::process::id(), SHELLS.fetch_add(1, Ordering::Relaxed));
    let history = std::env::temp_dir().join(format!("claimgraph-test-history-{shell}"));
    // The shell's default workspace goes in a fresh folder, never the user's data folder.
    let home = std::env::temp_dir().join(format!("claimgraph-test-home-{shell}"));
    let _ = std::fs::remove_dir_all(&home);
    let mut cmd = std::process::Command::new(bin);
    cmd.env("CLAIMGRAPH_HISTORY", &history)
        .env("CLAIMGRAPH_HOME", &home)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    setup(&mut cmd);
    match Session::spawn(cmd) {
        Ok(mut s) => {
            s.set_expect_timeout(Some(Duration::from_secs(60)));
            Some(s)
        }
        Err(e) => {
            eprintln!("note: cannot open a pseudo-terminal ({e}); REPL test skipped");
            None
        }
    }
}

/// What the shell has printed and the test has not read yet, for whoever reads a failure.
fn shown(p: &mut Session) -> String {
    p.check(Regex("(?s).+"))
        .ok()
        .map(|c| String::from_utf8_lossy(c.as_bytes()).into_owned())
        .unwrap_or_default()
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
    p.expect("cache: miss").unwrap();
    p.expect("NodeByKey b").unwrap();
    p.expect("claimgraph> ").unwrap();
    // Once a statement of that shape ran, its parse comes from the statement cache.
    p.send_line("MATCH (a)-[r:CASUALTIES]->(b) WHERE key(b) = 'wagner' RETURN a;").unwrap();
    p.expect("claimgraph> ").unwrap();
    p.send_line(":explain MATCH (a)-[r:CASUALTIES]->(b) WHERE key(b) = 'nobody' RETURN a").unwrap();
    p.expect("cache: hit").unwrap();
    p.expect("NodeByKey b").unwrap();
    p.expect("claimgraph> ").unwrap();
    p.send_line(":explain MATCH (a)-[r:CASUALTIES]->(b) RETURN a").unwrap();
    p.expect("RelationshipsByType :CASUALTIES").unwrap();
    p.expect("claimgraph> ").unwrap();
    p.send_line(":explain MATCH (a RETURN a").unwrap();
    p.expect("unclosed '('").unwrap();
    p.expect("claimgraph> ").unwrap();
    // The same tree after running, with the rows each operator produced.
    p.send_line(":profile CALL db.labels() YIELD label RETURN label").unwrap();
    p.expect(Regex(r"ProcedureCall db\.labels\(\) YIELD label  \(\d+ rows\)")).unwrap();
    p.expect(Regex(r"\d+ rows, [0-9.]+ ms")).unwrap();
    p.expect("claimgraph> ").unwrap();

    // An unclosed bracket ends at `;` with an error, not in endless continuation lines.
    p.send_line("MATCH (n RETURN n;").unwrap();
    p.expect("unclosed '('").unwrap();
    p.expect("claimgraph> ").unwrap();
    // A `;` inside an open string says why the statement goes on.
    p.send("RETURN 'open;").unwrap();
    p.expect("inside an open string").unwrap();
    p.send("\r").unwrap();
    p.send_line("';").unwrap();
    // The result's footer, not `open;`: that is in the echo of the input too, and the
    // prompt redrawn after the hint; matched there, the next line was typed while the
    // statement still ran, and lost.
    p.expect("1 row").unwrap();
    p.expect("claimgraph> ").unwrap();

    // A multi-line declaration: incomplete until `;`.
    // The second line goes once the shell has echoed the first.
    p.send_line("ENTITY (test_person:Person").unwrap();
    p.expect("ENTITY (test_person:Person").unwrap();
    p.send_line("  {name: 'Test; Person'});").unwrap();
    if let Err(e) = p.expect("1 entity added") {
        panic!("{e:?} waiting for `1 entity added`; the shell printed {:?}", shown(&mut p));
    }
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
    // A Ctrl-C that reaches the terminal before the shell has left raw mode for the query is
    // read as a key at the next prompt instead of interrupting the query (a loaded machine
    // can delay the shell that long), so Ctrl-C is sent again until the query is cancelled.
    p.set_expect_timeout(Some(Duration::from_secs(3)));
    let cancelled = (0..20).any(|_| {
        std::thread::sleep(Duration::from_millis(700));
        p.send(ControlCode::EndOfText).unwrap();
        p.expect("query cancelled").is_ok()
    });
    p.set_expect_timeout(Some(Duration::from_secs(60)));
    assert!(cancelled, "Ctrl-C never cancelled the query");
    p.expect("claimgraph> ").unwrap();

    // Ctrl-D leaves.
    p.send(ControlCode::EndOfTransmission).unwrap();
    p.expect(expectrl::Eof).unwrap();
}

/// `claimgraph draft` on the founding article, then `:review` of the draft in the shell:
/// accept, reject, edit in the line editor, skip, quit; the rejection is remembered and a
/// second `draft` run leaves it out.
#[test]
fn review_session() {
    let Some(article) = shared::shared_input("seeds/deir_ez_zor_2018.txt") else { return };
    let bin = env!("CARGO_BIN_EXE_claimgraph");
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("draft.kg");
    let run_draft = || {
        let status = std::process::Command::new(bin)
            .args([
                "draft",
                article.to_str().unwrap(),
                "--published",
                "2018-02",
                "-o",
                draft.to_str().unwrap(),
            ])
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read_to_string(&draft).unwrap()
    };
    let first = run_draft();
    let empty = dir.path().join("empty.kg");
    std::fs::write(&empty, "").unwrap();
    let history = dir.path().join("history");
    let mut cmd = std::process::Command::new(bin);
    cmd.args(["--data", empty.to_str().unwrap()])
        .env("CLAIMGRAPH_HISTORY", &history)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let mut p = match Session::spawn(cmd) {
        Ok(mut s) => {
            s.set_expect_timeout(Some(Duration::from_secs(60)));
            s
        }
        Err(e) => {
            eprintln!("note: cannot open a pseudo-terminal ({e}); review test skipped");
            return;
        }
    };
    p.expect("claimgraph> ").unwrap();
    p.send_line(format!(":review {}", draft.display())).unwrap();
    p.expect("drafts. For each").unwrap();
    // The document: accepted.
    p.expect("[1/").unwrap();
    p.expect("DOCUMENT (").unwrap();
    p.expect("review [a]ccept").unwrap();
    p.send_line("a").unwrap();
    p.expect("1 entity added").unwrap();
    // The first source, with its sentence highlighted: rejected.
    p.expect("[2/").unwrap();
    p.expect("»THE United States is reportedly").unwrap();
    p.expect("review [a]ccept").unwrap();
    p.send_line("r").unwrap();
    // The next draft opens in the line editor; replaced by another statement.
    p.expect("[3/").unwrap();
    p.expect("review [a]ccept").unwrap();
    p.send_line("e").unwrap();
    p.expect("edit> ").unwrap();
    p.send("\x15").unwrap(); // Ctrl-U: clear the line
    p.send_line("ENTITY (edited_entity:Person {name: 'Edited In Review'});").unwrap();
    p.expect("1 entity added").unwrap();
    p.expect("review [a]ccept").unwrap();
    p.send_line("s").unwrap();
    p.expect("review [a]ccept").unwrap();
    p.send_line("q").unwrap();
    p.expect(Regex("review of .*: 2 accepted, 1 rejected, 1 skipped")).unwrap();
    p.expect("claimgraph> ").unwrap();
    // Accepted statements are in the session's graph like typed ones.
    p.send_line("MATCH (n) WHERE key(n) = 'edited_entity' RETURN n.name;").unwrap();
    p.expect("Edited In Review").unwrap();
    p.expect("claimgraph> ").unwrap();
    p.send(ControlCode::EndOfTransmission).unwrap();
    p.expect(expectrl::Eof).unwrap();

    let rejected = std::fs::read_to_string(dir.path().join("draft.kg.rejected")).unwrap();
    let statement = rejected.lines().find(|l| !l.starts_with('#')).unwrap().to_string();
    assert!(statement.starts_with("SOURCE (united_states"), "{rejected}");
    let one_line = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(one_line(&first).contains(&statement));
    let second = run_draft();
    assert!(!one_line(&second).contains(&statement), "a rejected draft was proposed again");
    assert!(second.contains("earlier rejected proposals left out"));
}

/// A runaway query under a 3 GiB address-space cap (`ulimit -v`) ends in a ResourceError
/// under the default budget, and the shell answers the next query; `:set memory-budget`
/// changes the budget for the queries after it, and `:set time-limit` the time limit (off
/// at first, so that a slow debug build on a busy machine meets the memory budget first).
#[test]
fn runaway_query_leaves_the_shell_usable() {
    let Some(mut p) = spawn_with(|cmd| {
        limits::cap_address_space(cmd, 3 << 30);
    }) else {
        return;
    };
    p.set_expect_timeout(Some(Duration::from_secs(120)));
    p.expect("claimgraph> ").unwrap();
    p.send_line(":set time-limit off").unwrap();
    p.expect("time-limit: off").unwrap();
    p.send_line("UNWIND range(1, 9000000) AS x WITH collect([x, x]) AS xs RETURN size(xs);").unwrap();
    p.expect("ResourceError.MemoryLimitExceeded").unwrap();
    p.expect(Regex("needs more memory than the query's budget of [0-9.]+ MiB")).unwrap();
    p.expect("claimgraph> ").unwrap();
    p.send_line("MATCH (n {name: 'Wagner'}) RETURN n.name AS found;").unwrap();
    p.expect("Wagner Group").unwrap();
    p.expect("1 row").unwrap();
    p.expect("claimgraph> ").unwrap();

    p.send_line(":set memory-budget 32MiB").unwrap();
    p.expect("memory-budget: 32 MiB").unwrap();
    p.send_line("UNWIND range(1, 1000000) AS x RETURN size(collect([x, x]));").unwrap();
    p.expect("needs more memory than the query's budget of 32 MiB").unwrap();
    p.expect("claimgraph> ").unwrap();
    p.send_line(":set memory-budget lots").unwrap();
    p.expect("`lots` is not a size").unwrap();
    p.send_line(":set").unwrap();
    p.expect("memory-budget: 32 MiB").unwrap();
    p.send_line("RETURN size(collect(1)) AS one;").unwrap();
    p.expect("1 row").unwrap();
    p.expect("claimgraph> ").unwrap();

    // A runaway in time holds almost no memory: only the time limit ends it.
    p.send_line(":set time-limit 1s").unwrap();
    p.expect("time-limit: 1s").unwrap();
    p.send_line("MATCH p = (a)-[*]->(b) RETURN count(p);").unwrap();
    p.expect("ResourceError.TimeLimitExceeded").unwrap();
    p.expect("ran past its time limit of 1s").unwrap();
    p.expect("claimgraph> ").unwrap();
    p.send_line(":set time-limit soon").unwrap();
    p.expect("`soon` is not a duration").unwrap();
    p.send_line("MATCH (n {name: 'Wagner'}) RETURN n.name AS found;").unwrap();
    p.expect("1 row").unwrap();
    p.expect("claimgraph> ").unwrap();
    p.send(ControlCode::EndOfTransmission).unwrap();
    p.expect(expectrl::Eof).unwrap();
}

/// Statements typed (or pasted) while an earlier one runs are all run, in order: the line
/// editor keeps what it read past the end of a line for the next prompt, instead of
/// dropping its buffer with the line (which lost every line but the first of a paste).
#[test]
fn lines_typed_ahead_are_all_run() {
    let Some(mut p) = spawn() else { return };
    p.expect("claimgraph> ").unwrap();
    // One write: the first statement takes a moment, and the terminal holds the rest.
    p.send(
        "UNWIND range(1, 2000000) AS x RETURN count(x) AS counted;\r\
         RETURN 6 * 7 AS second;\r\
         RETURN 6 * 9 AS third;\r\
         RETURN 6 * 11 AS fourth;\r",
    )
    .unwrap();
    p.expect("2000000").unwrap();
    for (value, name) in [("42", "second"), ("54", "third"), ("66", "fourth")] {
        if let Err(e) = p.expect(format!("│ {value}")) {
            panic!(
                "the {name} statement typed ahead was not run ({e:?}); the shell printed {:?}",
                shown(&mut p)
            );
        }
    }
    p.expect("claimgraph> ").unwrap();
    p.send(ControlCode::EndOfTransmission).unwrap();
    p.expect(expectrl::Eof).unwrap();
}
