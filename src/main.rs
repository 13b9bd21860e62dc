fn main() -> std::process::ExitCode {
    claimgraph::cli::main()
}
