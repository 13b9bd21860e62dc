//! Inputs the tests read from `../shared` beside the repository (the openCypher TCK, the
//! founding article). On a developer's machine a test without them says so and passes; in
//! CI (`CI` set) they must be there, so a missing checkout cannot turn into a green run.

use std::path::{Path, PathBuf};

/// Whether this run is CI's (`CI` set to anything but `false` or `0`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// `../shared/<rel>` beside the repository, if it exists. Panics in CI when it does not.
pub fn shared_input(rel: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared").join(rel);
    require(&path, path.exists()).then_some(path)
}

/// Says that `path` is missing (a note, or in CI a failure); returns whether it was found.
pub fn require(path: &Path, found: bool) -> bool {
    if !found {
        assert!(!in_ci(), "CI is set, and {} is missing: the test cannot run without it", path.display());
        eprintln!("note: {} is absent; the test that needs it is skipped", path.display());
    }
    found
}
