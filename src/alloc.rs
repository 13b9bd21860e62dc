//! The program's allocator: mimalloc, counting on each thread the bytes that thread has
//! allocated less those it has freed. The query memory budget ([`crate::query`]) reads that
//! count, so a runaway query ends in an error instead of being killed by the allocator.
//!
//! The allocator is declared here, in the library, rather than in `main.rs`, so that every
//! program built on it (the binary, the unit and integration tests, the benches and the fuzz
//! targets) counts alike: a budget that tests could not see would be a budget nobody
//! tested. The count is per thread because a query runs on one thread and the test
//! harness runs tests on several at once; a thread-local `Cell` without a destructor is
//! one add per call and never allocates, so it is safe inside the allocator.
//!
//! Why mimalloc: glibc's allocator fragments under the loader's many short-lived parse
//! trees and then spends much of a contradiction check consolidating freed chunks;
//! mimalloc does not (see docs/performance.md).

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

/// mimalloc, counting each thread's live bytes (see the module docs).
pub struct Counting<A>(pub A);

#[global_allocator]
static GLOBAL: Counting<mimalloc::MiMalloc> = Counting(mimalloc::MiMalloc);

thread_local! {
    /// Bytes allocated on this thread less bytes freed on it (negative when it frees what
    /// another thread allocated).
    static NET: Cell<i64> = const { Cell::new(0) };
}

#[inline]
fn add(delta: i64) {
    // `try_with`: the count is not needed while the thread is being torn down.
    let _ = NET.try_with(|n| n.set(n.get().wrapping_add(delta)));
}

/// The bytes this thread has allocated and not freed since it started (what a budget
/// measures differences of).
#[inline]
pub fn thread_net_bytes() -> i64 {
    NET.try_with(Cell::get).unwrap_or(0)
}

// SAFETY: every call is forwarded unchanged to the inner allocator; the wrapper only
// counts sizes, on the calling thread, without allocating.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = self.0.alloc(layout);
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = self.0.alloc_zeroed(layout);
        if !p.is_null() {
            add(layout.size() as i64);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.0.dealloc(ptr, layout);
        add(-(layout.size() as i64));
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = self.0.realloc(ptr, layout, new_size);
        if !p.is_null() {
            add(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_follows_this_threads_allocations() {
        let before = thread_net_bytes();
        let block = vec![0u8; 1 << 20];
        let during = thread_net_bytes();
        assert!(during - before >= 1 << 20, "1 MiB allocated, counted {}", during - before);
        drop(block);
        assert!(thread_net_bytes() - before < 1 << 10, "freed again");
        // Another thread's allocations are its own.
        let here = thread_net_bytes();
        std::thread::spawn(|| std::hint::black_box(vec![0u8; 4 << 20])).join().map(drop).unwrap();
        assert!(thread_net_bytes() - here < 1 << 20, "another thread's 4 MiB counted here");
    }
}
