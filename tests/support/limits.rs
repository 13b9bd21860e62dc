//! Resource limits for the programs tests start: an address-space cap (`ulimit -v`), under
//! which an allocation the machine would still grant fails, as it would on a smaller one.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Starts `cmd` with its address space capped at `bytes` (`RLIMIT_AS`, as `ulimit -v` sets).
pub fn cap_address_space(cmd: &mut Command, bytes: u64) -> &mut Command {
    // SAFETY: the closure runs in the child between fork and exec and calls only
    // setrlimit, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}
