use std::process::ExitCode;

fn main() -> ExitCode {
    mlwb::cli::main()
}
