//! Saving without losing data: write a temporary file beside the target, fsync it, rename it
//! over the target, then fsync the folder. A crash leaves either the old or the new file; the
//! temporary file it may leave behind is removed by the next save in that folder. Saving
//! through a symbolic link writes the file the link points to.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Temporary files start with this, then the writer's process id and `-`.
const TEMP_PREFIX: &str = ".claimgraph-";
const TEMP_SUFFIX: &str = ".tmp";

pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // Saving through a symbolic link writes the file it points to, and keeps the link.
    let path = &resolve_links(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    remove_stale_temporaries(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)?;
    // The temporary file is private (0600); the saved file keeps the permissions of the one
    // it replaces, or gets the usual ones for a new file.
    if let Some(permissions) =
        std::fs::metadata(path).map(|m| m.permissions()).ok().or_else(new_file_permissions)
    {
        tmp.as_file().set_permissions(permissions)?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = std::fs::File::open(dir) {
        // Not every platform can fsync a folder; the rename is done either way.
        let _ = d.sync_all();
    }
    Ok(())
}

/// The file a chain of symbolic links ends at (which may not exist yet).
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(std::io::Error::other(format!("{}: too many levels of symbolic links", path.display())))
}

/// Removes temporary files that a save killed midway (power cut, kill -9) left in `dir`:
/// those whose writer is no longer running. Best effort: a file that cannot be removed stays.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if rest.ends_with(TEMP_SUFFIX) && !writer_alive(pid, &entry) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether the process that wrote a temporary file may still be writing it.
fn writer_alive(pid: u32, entry: &std::fs::DirEntry) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    // Without /proc, a temporary file untouched for a day is taken as abandoned.
    let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
    age.is_none_or(|a| a < std::time::Duration::from_secs(24 * 3600))
}

#[cfg(unix)]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_replaces_whole_and_keeps_permissions() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("graph.kg");
        write_atomically(&path, b"first").expect("writes");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("exists").permissions().mode() & 0o777, 0o644);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        write_atomically(&path, b"second").expect("writes again");
        assert_eq!(std::fs::read(&path).expect("reads"), b"second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("exists").permissions().mode() & 0o777, 0o600);
        }
        let leftovers = std::fs::read_dir(dir.path()).expect("lists").count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn saving_through_a_symlink_writes_its_target() {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::create_dir(dir.path().join("real")).expect("mkdir");
        let target = dir.path().join("real/graph.kg");
        std::fs::write(&target, b"old").expect("writes");
        let link = dir.path().join("link.kg");
        std::os::unix::fs::symlink("real/graph.kg", &link).expect("symlink");
        write_atomically(&link, b"new").expect("saves");
        assert!(std::fs::symlink_metadata(&link).expect("exists").file_type().is_symlink(), "the link stays");
        assert_eq!(std::fs::read(&target).expect("reads"), b"new");
    }

    #[test]
    fn a_killed_save_leaves_nothing_behind_after_the_next() {
        let dir = tempfile::tempdir().expect("temporary folder");
        // A writer that is gone (no process has id 2^31-1), and one that is still running.
        let dead = dir.path().join(format!("{TEMP_PREFIX}2147483646-abc{TEMP_SUFFIX}"));
        let alive = dir.path().join(format!("{TEMP_PREFIX}{}-xyz{TEMP_SUFFIX}", std::process::id()));
        let other = dir.path().join(".claimgraph-notes.txt");
        for p in [&dead, &alive, &other] {
            std::fs::write(p, b"partial").expect("writes");
        }
        write_atomically(&dir.path().join("graph.kg"), b"saved").expect("saves");
        assert!(!dead.exists(), "the dead writer's temporary file is removed");
        assert!(alive.exists() && other.exists(), "a running writer's file and other files stay");
    }
}
