//! Panic capture for test threads that run the engine on hostile input: panics on a guarded
//! thread are recorded with their location instead of printed, so the report can show them;
//! panics anywhere else go to the default hook.

use std::cell::{Cell, RefCell};

thread_local! {
    /// Set on guarded threads: their panics are captured, not printed.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    /// The last captured panic on this thread: message and location.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the recording hook (once per process is enough; again is harmless).
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if GUARDED.with(Cell::get) {
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".into());
            let at = info
                .location()
                .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
        } else {
            default(info);
        }
    }));
}

/// Marks the current thread as guarded.
pub fn guard_this_thread() {
    GUARDED.with(|g| g.set(true));
}

/// The last panic captured on this thread, taken.
pub fn take_panic_message() -> String {
    LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| "panicked".into())
}
