fn main() -> std::process::ExitCode {
    riskgate::cli::main()
}
