//! `vizjobs`: one binary for the server, the standalone dashboard and the client commands.
//!
//! The command line is a library function, [`run`], so that the binary (`src/main.rs`) and the
//! Python package (`vizjobs-py`, whose `vizjobs` console script calls it) run the same code.

mod admin;
mod board;
mod job;
mod serve;
mod settings;

use std::ffi::OsString;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "vizjobs",
    version,
    about = "Visualization jobs for ML training logs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service: the jobs API, the console and every job's dashboard.
    /// Boxed: `serve` has many more settings than the other commands.
    Serve(Box<serve::ServeArgs>),
    /// Serve one logdir's dashboard directly, like `tensorboard --logdir` (no jobs, no auth).
    Board(board::BoardArgs),
    /// Manage visualization jobs on a running server.
    Job(job::JobArgs),
    /// Manage users, projects, keys and tokens on the server's database.
    Admin(admin::AdminArgs),
}

/// The object storage client settings of the `VIZJOBS_S3_*` environment variables, as `serve`
/// reads them (docs/OBJECT_STORAGE.md), without the `s3-allow` list: for programs that read
/// logs from a bucket of their own choosing (the Python package's `read_scalars("s3://…")`).
pub fn s3_config_from_env() -> anyhow::Result<vizjobs_server::config::S3Config> {
    serve::S3Args::from_env()?.s3_config()
}

/// Exit status of a command that failed (clap's usage errors exit with 2).
pub const FAILURE: i32 = 1;

/// Runs the command line `args` (the first one is the program's name) and returns the exit
/// status: 0 on success. It never exits the process, so it can be called from a host program
/// (the Python package): `--help`, `--version` and usage errors are printed and returned as a
/// status, as clap would exit with. Logging is set up on the first call of the process.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return err.exit_code();
        }
    };
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(*args).await.map(|()| 0),
            Command::Board(args) => board::run(args).await.map(|()| 0),
            Command::Job(args) => job::run(args).await,
            Command::Admin(args) => admin::run(args).await.map(|()| 0),
        }
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            FAILURE
        }
    }
}

/// Logs go to stderr; `RUST_LOG` picks the level (default: info for vizjobs, warn for the rest).
/// Only the first call of a process installs the subscriber; later calls (another command run
/// by the same host program) keep it.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "warn,vizjobs=info,vizjobs_server=info,vizjobs_engine=info",
        )
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
