//! A server for the tests: `CLAIMGRAPH_TEST_POSTGRES` names one (`.ci/postgres start`
//! makes a throwaway cluster and prints its URL), and each test gets a database of its own.
//! Without the variable the tests that need a server say so and pass, except under CI
//! (`CI` set), where the server must be there.

use postgres::{Client, NoTls};

/// The server's URL (any database on it), or `None` outside CI when there is none.
pub(crate) fn server(test: &str) -> Option<String> {
    match std::env::var("CLAIMGRAPH_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) {
        Some(url) => Some(url),
        // As `tests/support/shared.rs` reads `CI`.
        None if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0") => {
            panic!("{test}: CI must run the PostgreSQL tests: set CLAIMGRAPH_TEST_POSTGRES (`.ci/postgres start DIR`)")
        }
        None => {
            eprintln!("{test}: no PostgreSQL server (CLAIMGRAPH_TEST_POSTGRES is not set); skipped");
            None
        }
    }
}

/// A database made for one test, dropped at the end.
pub(crate) struct TestDatabase {
    admin: String,
    name: String,
    pub(crate) url: String,
}

impl TestDatabase {
    pub(crate) fn new(server: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("cg_lib_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let mut client = Client::connect(server, NoTls).expect("the test server accepts connections");
        client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("drops");
        client.batch_execute(&format!("CREATE DATABASE {name}")).expect("creates");
        TestDatabase { admin: server.to_string(), url: with_database(server, &name), name }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = Client::connect(&self.admin, NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// The URL with another database.
pub(crate) fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    format!("{}/{database}{query}", &base[..host_end])
}

/// The URL with another user (and no password).
pub(crate) fn with_user(url: &str, user: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let host = match rest.find('/').map(|i| &rest[..i]).unwrap_or(rest).rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    format!("{scheme}://{user}@{host}")
}
