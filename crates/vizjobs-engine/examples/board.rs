//! Serves one logdir's data API: `board --logdir DIR [--listen ADDR]`.
//!
//! A stand-in for `vizjobs board` (used by the benchmark scripts); prints load progress and the
//! URL once the first pass is done.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use vizjobs_engine::{Board, EngineConfig};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    logdir: PathBuf,
    #[arg(long, default_value = "127.0.0.1:6006")]
    listen: SocketAddr,
    /// Seconds between reloads.
    #[arg(long, default_value_t = 5.0)]
    reload_interval: f64,
    /// Exit after the first full load (to time parsing alone).
    #[arg(long)]
    exit_after_load: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let config = EngineConfig {
        reload_interval: Duration::from_secs_f64(args.reload_interval),
        ..Default::default()
    };
    let started = Instant::now();
    let board = Board::open(args.logdir, config);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let app = board.router();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    board.wait_first_load().await;
    let p = board.progress();
    eprintln!(
        "loaded {} runs, {} files, {} MB in {:.2} s ({} MB in memory); serving http://{}/",
        p.runs,
        p.files,
        p.bytes_read / 1_000_000,
        started.elapsed().as_secs_f64(),
        board.memory_bytes() / 1_000_000,
        args.listen
    );
    if args.exit_after_load {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{:.3} s, {:.0} MB/s",
            secs,
            p.bytes_read as f64 / secs / 1e6
        );
        return Ok(());
    }
    server.await.map_err(std::io::Error::other)?
}
