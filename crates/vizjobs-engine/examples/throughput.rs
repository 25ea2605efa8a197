//! Parse and serve throughput of the engine on one logdir, in process (no HTTP, no client):
//!
//! 1. load: the real first load pass of a [`Board`] (all cores, rayon over runs), reported as
//!    MB/s of event-file bytes and records/s;
//! 2. encode: every scalar series answered as the data API's default JSON (every point), as
//!    MB/s of JSON and points/s, on all cores.
//!
//! `throughput --logdir DIR [--encode]`. Warm the page cache first (e.g. `cat` the files) when
//! measuring parse speed rather than the disk.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use rayon::prelude::*;
use vizjobs_engine::api::json::scalars_json;
use vizjobs_engine::loader::TrackedRun;
use vizjobs_engine::{Board, EngineConfig};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    logdir: PathBuf,
    /// Also time the JSON encoding of every scalar series.
    #[arg(long)]
    encode: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let config = EngineConfig {
        // One pass only: the next would start long after this program ends.
        reload_interval: Duration::from_secs(3600),
        ..Default::default()
    };
    let started = Instant::now();
    let board = Board::open(args.logdir, config);
    board.wait_first_load().await;
    let secs = started.elapsed().as_secs_f64();
    board.close();
    let progress = board.progress();
    let runs = board.runs();
    let records: u64 = runs.iter().map(|r| r.index.read().records).sum();
    println!(
        "load: {} runs, {} files, {:.1} MB, {} records in {:.3} s: {:.0} MB/s, {:.2} M records/s ({} MB in memory)",
        progress.runs,
        progress.files,
        progress.bytes_read as f64 / 1e6,
        records,
        secs,
        progress.bytes_read as f64 / secs / 1e6,
        records as f64 / secs / 1e6,
        board.memory_bytes() / 1_000_000,
    );
    if args.encode {
        encode_all(&runs);
    }
}

fn encode_all(runs: &[Arc<TrackedRun>]) {
    let series: Vec<(&Arc<TrackedRun>, String)> = runs
        .iter()
        .flat_map(|run| {
            let tags: Vec<String> = run
                .index
                .read()
                .scalars
                .iter()
                .map(|(tag, _)| tag.to_owned())
                .collect();
            tags.into_iter().map(move |t| (run, t))
        })
        .collect();
    let started = Instant::now();
    let (bytes, points) = series
        .par_iter()
        .map(|(run, tag)| {
            let points = run
                .index
                .read()
                .scalars
                .get(tag)
                .map(|s| s.all())
                .unwrap_or_default();
            (scalars_json(&points).len(), points.len())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let secs = started.elapsed().as_secs_f64();
    println!(
        "encode: {} series, {} points, {:.1} MB of JSON in {:.3} s: {:.0} MB/s, {:.1} M points/s",
        series.len(),
        points,
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / secs / 1e6,
        points as f64 / secs / 1e6,
    );
}
