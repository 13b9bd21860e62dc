// The allocator (mimalloc, counting each thread's bytes for the query memory budget) is
// declared in the library, `src/alloc.rs`, so that the tests run on it too.
fn main() -> std::process::ExitCode {
    claimgraph::cli::main()
}
