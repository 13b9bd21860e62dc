//! What the fuzz targets share: loading text as a data file, the printers' round trips, and
//! a watchdog that cancels a query running too long (a slow query is not a crash; the
//! memory budget and streaming of the query engine are what bound it).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use claimgraph::load::json::export_json;
use claimgraph::load::print::print_graph;
use claimgraph::load::{load_files, DataFile};
use claimgraph::model::Graph;

/// Loads `text` as one file named `name` (`.json` is read as a JSON export).
pub fn load(name: &str, text: &str) -> Option<Graph> {
    let mut graph = Graph::new();
    load_files(&mut graph, &[DataFile::new(name, text, None)]).ok()?;
    Some(graph)
}

/// A graph prints to statements that load back and print the same, and to JSON that
/// imports back and prints the same. Panics (a finding) when either does not hold.
pub fn check_round_trips(graph: &Graph) {
    let printed = print_graph(graph);
    let again =
        load("printed.kg", &printed).unwrap_or_else(|| panic!("the printed graph does not load:\n{printed}"));
    assert_eq!(print_graph(&again), printed, "print → load → print differs");
    let json = serde_json::to_string(&export_json(graph)).expect("JSON serialises");
    let imported =
        load("exported.json", &json).unwrap_or_else(|| panic!("the JSON export does not import:\n{json}"));
    assert_eq!(print_graph(&imported), printed, "export → import → print differs");
    // DOT cannot be read back; every line must at least be a statement whose quotes pair up.
    for line in claimgraph::export::dot::dot_of_graph(graph).lines() {
        let unescaped = line.replace("\\\\", "").replace("\\\"", "");
        assert_eq!(unescaped.matches('"').count() % 2, 0, "unbalanced quotes in DOT: {line}");
    }
}

/// The input as text: inputs that are not UTF-8 are cut at the first bad byte, since every
/// reader of files checks UTF-8 before parsing (tested by the decoder's own tests).
pub fn text(data: &[u8]) -> &str {
    match std::str::from_utf8(data) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// A cancel flag that a watchdog thread sets once the current query has run for `limit`.
pub struct Watchdog {
    pub cancel: Arc<AtomicBool>,
    started_ms: Arc<AtomicU64>,
    epoch: Instant,
}

impl Watchdog {
    pub fn get(limit: Duration) -> &'static Watchdog {
        static DOG: OnceLock<Watchdog> = OnceLock::new();
        DOG.get_or_init(|| {
            let dog = Watchdog {
                cancel: Arc::new(AtomicBool::new(false)),
                started_ms: Arc::new(AtomicU64::new(u64::MAX)),
                epoch: Instant::now(),
            };
            let (cancel, started, epoch) = (Arc::clone(&dog.cancel), Arc::clone(&dog.started_ms), dog.epoch);
            std::thread::spawn(move || loop {
                std::thread::sleep(Duration::from_millis(10));
                let start = started.load(Ordering::SeqCst);
                let now = epoch.elapsed().as_millis() as u64;
                if start != u64::MAX && now.saturating_sub(start) > limit.as_millis() as u64 {
                    cancel.store(true, Ordering::SeqCst);
                }
            });
            dog
        })
    }

    /// Runs `work` with the flag cleared, under the watchdog.
    pub fn guard<T>(&self, work: impl FnOnce(&AtomicBool) -> T) -> T {
        self.cancel.store(false, Ordering::SeqCst);
        self.started_ms.store(self.epoch.elapsed().as_millis() as u64, Ordering::SeqCst);
        let out = work(&self.cancel);
        self.started_ms.store(u64::MAX, Ordering::SeqCst);
        out
    }
}
