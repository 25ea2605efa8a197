//! Times a board's first load with the persistent cache on: `cache_restore --logdir DIR --cache
//! DIR`. Run it twice: the first run reads the logdir and saves every run (after the timed
//! load); the second, a fresh process, restores them: the restart case of
//! `bench/cache_reopen.sh` without the server around it (for profiling the restore).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clap::Parser;
use vizjobs_engine::{Board, CacheSettings, EngineConfig, RunCache};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    logdir: PathBuf,
    #[arg(long)]
    cache: PathBuf,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let cache = Arc::new(RunCache::open(&args.cache, CacheSettings::default())?);
    let config = EngineConfig {
        reload_interval: Duration::from_secs(3600),
        cache: Some(cache.clone()),
        ..Default::default()
    };
    let started = Instant::now();
    let board = Board::open(args.logdir, config);
    board.wait_first_load().await;
    let secs = started.elapsed().as_secs_f64();
    let stats = cache.stats();
    println!(
        "{secs:.3} s: {} hits, {} misses, {} MB restored, {} MB in memory",
        stats.hits.load(Ordering::Relaxed),
        stats.misses.load(Ordering::Relaxed),
        stats.bytes_restored.load(Ordering::Relaxed) / 1_000_000,
        board.memory_bytes() / 1_000_000,
    );
    tokio::task::spawn_blocking(move || board.close_and_wait()).await?;
    Ok(())
}
