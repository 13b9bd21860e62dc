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
//!
//! Small pages: mimalloc asks the kernel for transparent huge pages on its arenas
//! (`madvise(MADV_HUGEPAGE)`, its option `allow_thp`, on by default), so the graph's memory
//! was faulted in 2 MiB at a time. The program turns that off at start-up
//! ([`prefer_small_pages_for_process`], called by `main`). Measured on the 1M-claim load
//! (a VM with the page cache holding most memory): with huge pages the load took 0.3–2.8 s
//! of system time (the kernel clearing fresh 2 MiB pages, up to a third of all samples)
//! against ~0.5 s without, its wall time 0.5–0.6 s longer in sets alternating the two
//! (more right after the page cache filled memory), and its peak RSS 20 MiB (1M claims) to
//! 38 MiB (100k) higher. What huge pages bought back was ~15% of the
//! applying thread's user time and 10–23% on queries that walk many claims' attestations
//! (`provenance`, 2-hop expansions: fewer TLB misses), a few milliseconds each; point
//! lookups, grouped counts and `CONTRADICTIONS` were within the noise (docs/performance.md,
//! "The load, eighth round"). Set `MIMALLOC_ALLOW_THP=1` to have huge pages back (a long
//! session of such queries over a loaded graph may want them): the program leaves the
//! choice to mimalloc whenever that variable is set, to anything.

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

/// Turns transparent huge pages off for this process (see the module docs), unless
/// `MIMALLOC_ALLOW_THP` is set, in which case mimalloc does as that says. Call it first
/// thing in `main`: it changes how pages are faulted in from then on, not what is already
/// in memory, and nothing else.
///
/// Through the kernel, not mimalloc's option: `mi_option_set(allow_thp, 0)` from `main`
/// would only stop mimalloc advising huge pages on arenas it reserves afterwards, and its
/// first arena (1 GiB, advised huge) is already reserved by then; it is also not exported by
/// the `mimalloc` crate without its `extended` feature, nor named there. `PR_SET_THP_DISABLE`
/// is what mimalloc itself does at start-up when `MIMALLOC_ALLOW_THP=0`: every later fault
/// of the process, in any region, takes small pages. It is inherited by child processes
/// (`dot`, for graph pictures), which only changes how their pages are faulted in too.
pub fn prefer_small_pages_for_process() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` takes no pointers and touches no
        // memory of the program: it sets a flag of the process that the kernel reads when it
        // faults pages in. On a kernel without it the call fails and nothing changes.
        let _ = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    }
}

/// Files at least this big are read by [`read_file_shared`] into small pages.
const SMALL_PAGES_FROM: usize = 4 << 20;

/// Asks the processor to bring the cache line holding `item` into its caches, without
/// waiting for it. A hint: it never faults and changes nothing the program can observe
/// but its speed. The loader issues it for slots of large tables it reads a few entries
/// later (`load::bulk`), so that many cache misses are in flight at once, where a read of
/// each slot holds the processor up until it arrives.
#[inline]
pub(crate) fn prefetch<T>(item: &T) {
    prefetch_at(std::ptr::from_ref(item).cast());
}

/// [`prefetch`] of whatever is at an address: any address, even one that holds nothing.
#[inline]
pub(crate) fn prefetch_at(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch only hints the caches: it reads nothing into the program and
    // never faults, whatever the address; `sse`, which it needs, is in every x86-64
    // processor.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// Reads a whole file into one shared allocation (a data file's text, which the loader
/// splits and error reports quote), backed by small pages.
///
/// `std::fs::read` and then `Arc::from` would fault in fresh memory for the file twice: the
/// vector, then the copy behind the `Arc`. And mimalloc asks for transparent huge pages on
/// its large regions, so each fault takes a 2 MiB page; where the page cache holds most of
/// the free memory (any machine that has read big files lately), the kernel first compacts
/// memory to find one. Reading the 150 MB text of a million claims that way took 1–2 s of
/// system time, more than the rest of the load's page faults together
/// (docs/performance.md, "The load, third round"). The text is read once, front to back,
/// so huge pages buy it nothing: it is read once, into 4 KiB pages.
pub fn read_file_shared(path: &std::path::Path) -> std::io::Result<std::sync::Arc<[u8]>> {
    use std::io::Read;
    use std::sync::Arc;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata().ok().and_then(|m| usize::try_from(m.len()).ok());
    let Some(len) = len.filter(|l| *l >= SMALL_PAGES_FROM) else {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        return Ok(bytes.into());
    };
    let unique = || std::io::Error::other("a new buffer has one owner");
    let mut buf = Arc::<[u8]>::new_uninit_slice(len);
    let slice = Arc::get_mut(&mut buf).ok_or_else(unique)?;
    prefer_small_pages(slice);
    #[cfg(unix)]
    {
        // One piece per core, each faulted in and read by its own thread: faulting in and
        // copying 150 MB was a tenth of the load's time on the thread that applies it.
        use std::os::unix::fs::FileExt;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let piece = len.div_ceil(threads);
        let file = &file;
        let complete = std::thread::scope(|scope| {
            let mut parts = slice.chunks_mut(piece).enumerate();
            let first = parts.next();
            let others: Vec<_> = parts
                .map(|(i, part)| {
                    let read = move || fill_from(file, part, i * piece);
                    let thread = std::thread::Builder::new().name("claimgraph-read".into());
                    thread.spawn_scoped(scope, read).map_err(|e| e.to_string())
                })
                .collect();
            let mut complete = first.map_or(Ok(true), |(i, part)| fill_from(file, part, i * piece))?;
            for thread in others {
                let read = thread.map_err(std::io::Error::other)?.join();
                complete &= read.map_err(|_| std::io::Error::other("a reading thread panicked"))??;
            }
            Ok::<bool, std::io::Error>(complete)
        })?;
        // Shorter or longer than its size said: it changed while it was read; all of it as
        // it is now, the plain way.
        let grew = || file.read_at(&mut [0u8], len as u64).map(|n| n > 0);
        if !complete || grew()? {
            return Ok(std::fs::read(path)?.into());
        }
        // SAFETY: `fill_from` wrote every byte of every piece.
        Ok(unsafe { buf.assume_init() })
    }
    #[cfg(not(unix))]
    {
        slice.fill(std::mem::MaybeUninit::new(0));
        // SAFETY: every byte was just written.
        let mut buf = unsafe { buf.assume_init() };
        let slice = Arc::get_mut(&mut buf).ok_or_else(unique)?;
        let mut filled = 0;
        while filled < len {
            match file.read(&mut slice[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let mut more = Vec::new();
        file.read_to_end(&mut more)?;
        if filled < len || !more.is_empty() {
            // It changed while it was read: all of it as it is now.
            return Ok(std::fs::read(path)?.into());
        }
        Ok(buf)
    }
}

/// Reads the file into `part` from `at`, straight into its uninitialised bytes; false when
/// the file ends before `part` is full.
///
/// The pages are faulted in first, all in one call ([`populate`]): zeroing each piece to
/// fault it in (a page fault per 4 KiB, then a second pass over every byte) before reading
/// into it took a fifth longer (docs/performance.md, "The load, twelfth round").
#[cfg(unix)]
fn fill_from(
    file: &std::fs::File,
    part: &mut [std::mem::MaybeUninit<u8>],
    at: usize,
) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    populate(part);
    let mut filled = 0;
    while filled < part.len() {
        let rest = &mut part[filled..];
        let offset = libc::off_t::try_from(at + filled).map_err(std::io::Error::other)?;
        // SAFETY: `pread` writes at most `rest.len()` bytes into `rest`, memory this function
        // holds exclusively, and reads none of it; `u8` has no invalid values, and the
        // caller reads the bytes only once every piece is full.
        let read = unsafe { libc::pread(file.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len(), offset) };
        match read {
            0 => return Ok(false),
            n if n > 0 => filled += n.unsigned_abs(),
            _ => {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
    Ok(true)
}

/// Asks the kernel to fault in the whole pages of `buf` at once (`MADV_POPULATE_WRITE`,
/// Linux 5.14), rather than one fault at a time as they are first written. Advice only:
/// the contents are not defined by it, and where the kernel refuses (older, or short of
/// memory) the pages fault in as before.
#[cfg(unix)]
fn populate(buf: &mut [std::mem::MaybeUninit<u8>]) {
    #[cfg(target_os = "linux")]
    advise_whole_pages(buf, libc::MADV_POPULATE_WRITE);
    #[cfg(not(target_os = "linux"))]
    let _ = buf;
}

/// Asks the kernel to back the whole pages of `buf` with small pages (see
/// [`read_file_shared`]). Advice only: nothing changes but how the pages are faulted in.
fn prefer_small_pages(buf: &mut [std::mem::MaybeUninit<u8>]) {
    #[cfg(target_os = "linux")]
    advise_whole_pages(buf, libc::MADV_NOHUGEPAGE);
    #[cfg(not(target_os = "linux"))]
    let _ = buf;
}

/// `madvise(advice)` over the whole pages inside `buf`; its result is ignored, as every
/// advice given here only changes how the pages are faulted in, never their contents.
#[cfg(target_os = "linux")]
fn advise_whole_pages(buf: &mut [std::mem::MaybeUninit<u8>], advice: libc::c_int) {
    const PAGE: usize = 4096;
    let start = (buf.as_mut_ptr() as usize).next_multiple_of(PAGE);
    let end = (buf.as_mut_ptr() as usize + buf.len()) & !(PAGE - 1);
    if end > start {
        // SAFETY: whole pages inside memory this function holds exclusively (`&mut`); the
        // callers' advice (fault in for writing, no huge pages) does not change what the
        // program reads: the bytes are uninitialised to it until they are written, or keep
        // their contents.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, advice);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reads_whole_big_or_small() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.kg");
        let bytes: Vec<u8> = (0..SMALL_PAGES_FROM + 12_345).map(|i| b'a' + (i % 26) as u8).collect();
        for len in [SMALL_PAGES_FROM + 12_345, SMALL_PAGES_FROM, 100, 0] {
            std::fs::write(&path, &bytes[..len]).unwrap();
            let read = read_file_shared(&path).unwrap();
            assert!(*read == bytes[..len], "{len} bytes read as {}", read.len());
        }
        let text = crate::diagnostics::SourceFile::read(&path).unwrap();
        assert_eq!(text.text.len(), 0);
        std::fs::write(&path, &bytes).unwrap();
        let text = crate::diagnostics::SourceFile::read(&path).unwrap();
        assert!(text.text.as_bytes() == bytes.as_slice());
    }

    #[test]
    fn huge_pages_are_off_unless_mimalloc_is_told_otherwise() {
        prefer_small_pages_for_process();
        // The kernel's word for it: 0 once the process has turned them off. Absent before
        // Linux 5.0; and with `MIMALLOC_ALLOW_THP` set, mimalloc decides.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let enabled = status.lines().find_map(|l| l.strip_prefix("THP_enabled:")).map(str::trim);
        if cfg!(target_os = "linux") && std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
            assert!(matches!(enabled, None | Some("0")), "THP_enabled: {enabled:?}");
        }
    }

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
