//! The writer lock: an exclusive `flock` on a file beside the workspace (`FILE-lock`, next
//! to SQLite's `FILE-wal` and `FILE-shm`), holding who took it. The kernel releases the lock
//! when its process ends, however it ends, so a killed writer never leaves the workspace
//! locked; the holder's description is read only while the lock is actually held.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Who holds the writer lock.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LockHolder {
    pub pid: u32,
    pub user: String,
    pub host: String,
    /// UTC, RFC 3339.
    pub since: String,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "process {} of {} on {}, since {}", self.pid, self.user, self.host, self.since)
    }
}

impl LockHolder {
    pub fn me() -> Self {
        LockHolder { pid: std::process::id(), user: user_name(), host: host_name(), since: now_utc() }
    }
}

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub(crate) struct WriterLock {
    _file: File,
}

pub(crate) fn lock_path(workspace: &Path) -> PathBuf {
    let mut name = workspace.as_os_str().to_owned();
    name.push("-lock");
    PathBuf::from(name)
}

pub(crate) enum TryLock {
    Acquired(WriterLock),
    /// Someone else holds it (their description, if it could be read).
    Held(Option<LockHolder>),
}

/// Tries to take the writer lock without waiting.
pub(crate) fn try_lock(workspace: &Path) -> std::io::Result<TryLock> {
    let path = lock_path(workspace);
    let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
    if !flock_exclusive(&file)? {
        let mut text = String::new();
        let _ = file.read_to_string(&mut text);
        return Ok(TryLock::Held(serde_json::from_str(text.trim()).ok()));
    }
    let holder = serde_json::to_string(&LockHolder::me()).unwrap_or_default();
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(holder.as_bytes())?;
    file.write_all(b"\n")?;
    Ok(TryLock::Acquired(WriterLock { _file: file }))
}

#[cfg(unix)]
fn flock_exclusive(file: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor we own; no memory is involved.
    let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
fn flock_exclusive(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}

pub fn user_name() -> String {
    std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "user".to_string())
}

pub(crate) fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer outlives the call and its length is passed.
        if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0 {
            let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
            return String::from_utf8_lossy(&buf[..end]).into_owned();
        }
    }
    "localhost".to_string()
}

/// The time now, UTC, as `2026-12-01T19:57:30Z`.
pub(crate) fn now_utc() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
