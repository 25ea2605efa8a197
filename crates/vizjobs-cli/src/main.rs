//! `vizjobs`: one binary for the server, the standalone dashboard and the client commands.

mod admin;
mod board;
mod job;
mod serve;
mod settings;

use std::process::ExitCode;

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
    Serve(serve::ServeArgs),
    /// Serve one logdir's dashboard directly, like `tensorboard --logdir` (no jobs, no auth).
    Board(board::BoardArgs),
    /// Manage visualization jobs on a running server.
    Job(job::JobArgs),
    /// Manage users, projects, keys and tokens on the server's database.
    Admin(admin::AdminArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await.map(|()| ExitCode::SUCCESS),
            Command::Board(args) => board::run(args).await.map(|()| ExitCode::SUCCESS),
            Command::Job(args) => job::run(args).await,
            Command::Admin(args) => admin::run(args).await.map(|()| ExitCode::SUCCESS),
        }
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr; `RUST_LOG` picks the level (default: info for vizjobs, warn for the rest).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "warn,vizjobs=info,vizjobs_server=info,vizjobs_engine=info",
        )
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
