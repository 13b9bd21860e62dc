// The allocator (mimalloc, counting each thread's bytes for the query memory budget) is
// declared in the library, `src/alloc.rs`, so that the tests run on it too.
fn main() -> std::process::ExitCode {
    // Before the graph's memory is faulted in: small pages (see `src/alloc.rs`).
    claimgraph::alloc::prefer_small_pages_for_process();
    claimgraph::cli::main()
}
