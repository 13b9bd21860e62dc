// glibc's allocator fragments under the load's many short-lived parse trees and then spends
// much of a contradiction check consolidating freed chunks; mimalloc does not (see
// docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    claimgraph::cli::main()
}
