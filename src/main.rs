fn main() -> std::process::ExitCode {
    grant_tracker::cli::main()
}
