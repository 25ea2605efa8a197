//! The `vizjobs` binary: the command line of [`vizjobs_cli::run`].

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(u8::try_from(vizjobs_cli::run(std::env::args_os())).unwrap_or(1))
}
