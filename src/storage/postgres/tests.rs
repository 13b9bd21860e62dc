//! Several sessions on one shared workspace, in one process: each on its own connection,
//! as two analysts' shells are. Needs a server (see `testing`).

use std::path::PathBuf;

use super::testing::{server, with_user, TestDatabase};
use crate::diagnostics::SourceFile;
use crate::load::{load_files, DataFile};
use crate::model::Graph;
use crate::session::Session;
use crate::storage::{create, open, JournalEntry, StorageErrorKind};

const BASE: &str = "
SOURCE (reuters:NewsAgency {name: 'Reuters'});
SOURCE (tass:NewsAgency {name: 'TASS'});
SOURCE (sohr:Organization {name: 'SOHR'});
ENTITY (wagner:Organization {name: 'Wagner'});
ENTITY (khusham:Location {name: 'Khusham'});
CLAIM (wagner)-[c1:PRESENT_IN {strength: ~100}]->(khusham) BY reuters QUOTE 'about 100 Wagner men';
";

fn base_graph() -> Graph {
    let mut g = Graph::new();
    load_files(&mut g, &[DataFile::new("base.kg", BASE, None)]).expect("the base loads");
    g
}

/// A session on the workspace `url`, as the CLI opens one.
fn session(url: &str) -> Session {
    let mut store = open(&PathBuf::from(url)).expect("opens");
    let graph = store.load().expect("loads");
    let mut session = Session::new(graph);
    session.user = store.user().expect("the server names the role");
    session.workspace = Some(store);
    session
}

fn run(session: &mut Session, statement: &str) -> Result<(), String> {
    let file = SourceFile::new("<test>", statement.to_string());
    let span = crate::syntax::Span::new(0, statement.trim_end_matches(';').len());
    session
        .execute_statement(&file, span, None)
        .map(|_| ())
        .map_err(|f| format!("{:?}: {}", f.report.code().map(|c| c.to_string()), f.report))
}

fn workspace(test: &str) -> Option<(TestDatabase, String)> {
    let server = server(test)?;
    let db = TestDatabase::new(&server);
    let entry = JournalEntry { statement: "init".into(), origin: "init".into(), user: "tester".into() };
    create(&PathBuf::from(&db.url), &base_graph(), &entry).expect("creates");
    let url = db.url.clone();
    Some((db, url))
}

/// The conflict rule: a commit made on a graph read before someone else's commit writes
/// nothing and names the other change.
#[test]
fn a_commit_on_a_stale_state_writes_nothing_and_names_the_other_change() {
    let Some((_db, url)) = workspace("a_commit_on_a_stale_state_writes_nothing_and_names_the_other_change")
    else {
        return;
    };
    let mut alice = session(&url);
    let mut bob_store = open(&PathBuf::from(&url)).expect("opens");
    let mut bob_graph = bob_store.load().expect("loads");
    run(&mut alice, "ATTEST c1 BY tass DENIED QUOTE 'no Russians there'").expect("alice attests");

    // Bob changes the graph he read before Alice's statement, and commits it directly.
    let savepoint = bob_graph.savepoint();
    load_files(&mut bob_graph, &[DataFile::new("bob.kg", "ATTEST c1 BY sohr QUOTE 'dozens';", None)])
        .expect("bob's statement applies in memory");
    assert!(bob_graph.changed_since(savepoint));
    let changes = bob_graph.pending_changes();
    let entry =
        JournalEntry { statement: "ATTEST c1 BY sohr;".into(), origin: "bob".into(), user: "bob".into() };
    let e = bob_store.commit(&bob_graph, &changes, &[entry]).expect_err("a stale commit is refused");
    assert_eq!(e.kind, StorageErrorKind::Changed, "{e}");
    assert!(
        e.message.contains("#2 by") && e.message.contains("ATTEST c1 BY tass"),
        "names the other change: {e}"
    );
    let journal = bob_store.journal(10).expect("journal");
    assert_eq!(journal.len(), 2, "nothing of bob's was written: {journal:?}");
}

/// Two sessions, one statement each, the second losing the race (the first commits while
/// the second runs): the second runs again on the fresh state, and both changes are kept.
#[test]
fn a_statement_that_loses_the_race_runs_again_on_the_fresh_state() {
    let Some((_db, url)) = workspace("a_statement_that_loses_the_race_runs_again_on_the_fresh_state") else {
        return;
    };
    let mut alice = session(&url);
    let mut bob = session(&url);
    let mut runs = 0;
    let statement = "ATTEST c1 BY sohr QUOTE 'dozens';";
    let file = SourceFile::new("<bob>", statement.to_string());
    let span = crate::syntax::Span::new(0, statement.len() - 1);
    bob.transact("<bob>", statement, |s| {
        runs += 1;
        if runs == 1 {
            // Alice commits after Bob read the workspace and before he writes.
            run(&mut alice, "ATTEST c1 BY tass DENIED QUOTE 'no Russians there'").expect("alice attests");
        }
        s.run_statement(&file, span, None)
    })
    .expect("bob's statement is kept");
    assert_eq!(runs, 2, "bob's statement ran again on the fresh state");

    let mut store = open(&PathBuf::from(&url)).expect("opens");
    let stored = store.load().expect("loads");
    assert_eq!(
        stored.canonical_stored_state(),
        bob.graph.canonical_stored_state(),
        "bob holds what is stored"
    );
    let kg = crate::load::print::print_graph(&stored);
    assert!(kg.contains("no Russians there") && kg.contains("dozens"), "both changes are kept:\n{kg}");
    let journal: Vec<String> = store.journal(10).expect("journal").into_iter().map(|j| j.origin).collect();
    assert_eq!(journal, ["init", "<test>", "<bob>"]);
    // Alice sees Bob's attestation at her next statement.
    run(&mut alice, "MATCH (n) RETURN count(n)").expect("alice queries");
    assert_eq!(alice.graph.canonical_stored_state(), stored.canonical_stored_state());
}

/// A shell sees what others committed at its next statement, and is warned of the
/// contradictions their statements created.
#[test]
fn others_statements_and_their_contradictions_show_at_the_next_statement() {
    let Some((_db, url)) = workspace("others_statements_and_their_contradictions_show_at_the_next_statement")
    else {
        return;
    };
    let mut alice = session(&url);
    let mut bob = session(&url);
    run(&mut bob, "CONTRADICTIONS").expect("bob looks at the contradictions");
    assert!(bob.take_notices().is_empty());
    run(&mut alice, "CLAIM (wagner)-[:PRESENT_IN {strength: ~100}]->(khusham) BY tass DENIED QUOTE 'no'")
        .expect("alice denies");
    run(&mut bob, "MATCH (n) RETURN count(n)").expect("bob queries");
    let notices = bob.take_notices();
    assert!(notices.iter().any(|n| n.contains("others' statements are now in the graph")), "{notices:?}");
    assert!(
        notices
            .iter()
            .any(|n| n.starts_with("warning: ") && n.contains("TASS denies") && n.contains("from others")),
        "{notices:?}"
    );
}

/// Who entered each attestation is the journal entry that added it, and stays so when
/// others add to the same claim later; the entry names the role that wrote it.
#[test]
fn each_attestation_keeps_who_entered_it() {
    let Some(server) = server("each_attestation_keeps_who_entered_it") else { return };
    let db = TestDatabase::new(&server);
    let roles = [format!("cg_alice_{}", std::process::id()), format!("cg_bob_{}", std::process::id())];
    let mut admin = postgres::Client::connect(&db.url, postgres::NoTls).expect("connects");
    for role in &roles {
        admin
            .batch_execute(&format!("DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN"))
            .expect("creates the role");
    }
    let entry = JournalEntry { statement: "init".into(), origin: "init".into(), user: "tester".into() };
    create(&PathBuf::from(&db.url), &base_graph(), &entry).expect("creates");
    admin
        .batch_execute(&format!(
            "GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO {0}, {1};",
            roles[0], roles[1]
        ))
        .expect("grants");
    let mut alice = session(&with_user(&db.url, &roles[0]));
    let mut bob = session(&with_user(&db.url, &roles[1]));
    assert_eq!(alice.user, roles[0]);
    run(&mut alice, "ATTEST c1 BY tass DENIED QUOTE 'no Russians there'").expect("alice attests");
    run(&mut bob, "ATTEST c1 BY sohr QUOTE 'dozens'").expect("bob attests");
    let rows = admin
        .query(
            r#"SELECT a.seq, j."user", coalesce(s.id, a."user") FROM attestations a JOIN claims c ON c.key = a.claim
               JOIN journal j ON j.seq = a.journal LEFT JOIN entities s ON s.key = a.source
               WHERE c.id = 'c1' ORDER BY a.seq"#,
            &[],
        )
        .expect("reads");
    let who: Vec<(String, String)> = rows.iter().map(|r| (r.get(1), r.get(2))).collect();
    let init_role: String =
        admin.query_one("SELECT value FROM meta WHERE key = 'created_by'", &[]).expect("meta").get(0);
    assert_eq!(
        who,
        [
            (init_role, "reuters".to_string()),
            (roles[0].clone(), "tass".to_string()),
            (roles[1].clone(), "sohr".to_string())
        ]
    );
    drop((alice, bob));
    drop(admin);
    drop(db);
    if let Ok(mut c) = postgres::Client::connect(&server, postgres::NoTls) {
        for role in &roles {
            let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS {role}"));
        }
    }
}

/// A connection the server ends (as on a restart) fails the statement under way cleanly:
/// an error that says so, nothing of it in memory; the next statement connects again, and
/// the session goes on with everything that was acknowledged.
#[test]
fn a_lost_connection_fails_one_statement_and_the_session_goes_on() {
    let Some((db, url)) = workspace("a_lost_connection_fails_one_statement_and_the_session_goes_on") else {
        return;
    };
    let mut alice = session(&url);
    run(&mut alice, "ATTEST c1 BY tass DENIED QUOTE 'no Russians there'").expect("alice attests");
    let before = alice.graph.canonical_stored_state();
    let mut admin = postgres::Client::connect(&db.url, postgres::NoTls).expect("connects");
    let ended: i64 = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .expect("ends the other connections")
        .get(0);
    assert!(ended >= 1, "alice's connection was ended");
    let e = run(&mut alice, "ATTEST c1 BY sohr QUOTE 'dozens'").expect_err("the statement fails");
    assert!(e.contains("claimgraph::storage::io") && e.contains("connection"), "{e}");
    assert_eq!(alice.graph.canonical_stored_state(), before, "nothing of the failed statement remains");
    run(&mut alice, "ATTEST c1 BY sohr QUOTE 'dozens, again'").expect("the next statement reconnects");
    let mut store = open(&PathBuf::from(&url)).expect("opens");
    let stored = store.load().expect("loads");
    assert_eq!(stored.canonical_stored_state(), alice.graph.canonical_stored_state());
    let kg = crate::load::print::print_graph(&stored);
    assert!(
        kg.contains("no Russians there") && kg.contains("dozens, again") && !kg.contains("'dozens'"),
        "{kg}"
    );
}
