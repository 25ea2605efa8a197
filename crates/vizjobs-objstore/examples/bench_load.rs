//! First-load time of one logdir from local disk and from a loopback S3 server.
//!
//! Uploads `--logdir` into a fresh S3 test server (see `vizjobs_objstore::testing`), then opens
//! an engine `Board` on each source in turn and times it until its first full pass is over.
//! Both boards must read the same bytes and find the same runs, or the run fails. Prints one
//! JSON line: seconds for each, throughput, and the ratio S3 / disk.
//!
//! `cargo run --release -p vizjobs-objstore --example bench_load -- --logdir DIR`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use vizjobs_engine::{Board, EngineConfig};
use vizjobs_objstore::ObjectStorage;
use vizjobs_objstore::object_store::path::Path as Key;
use vizjobs_objstore::object_store::{ObjectStoreExt, PutPayload};
use vizjobs_objstore::testing::S3TestServer;

#[derive(Parser)]
struct Args {
    /// The logdir to load.
    #[arg(long)]
    logdir: PathBuf,
    /// Loads of each source; the best time counts (the first disk load warms the page cache).
    #[arg(long, default_value_t = 2)]
    repeat: usize,
}

const BUCKET: &str = "bench";
const PREFIX: &str = "logdir";

fn files_under(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                out.push((rel.to_string_lossy().into_owned(), path));
            }
        }
    }
    Ok(out)
}

/// Seconds until the first full pass, and the bytes and runs it read.
async fn time_load(board: std::sync::Arc<Board>) -> (f64, u64, usize) {
    let start = Instant::now();
    board.wait_first_load().await;
    let secs = start.elapsed().as_secs_f64();
    let progress = board.progress();
    board.close();
    (secs, progress.bytes_read, progress.runs)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut s3 = S3TestServer::start()?;
    s3.create_bucket(BUCKET)?;
    let storage = ObjectStorage::new(s3.config())?;
    let bucket = storage.bucket(BUCKET)?;
    let upload_start = Instant::now();
    let mut total = 0u64;
    for (rel, path) in files_under(&args.logdir)? {
        let bytes = tokio::fs::read(&path).await?;
        total += bytes.len() as u64;
        let key = Key::from(format!("{PREFIX}/{rel}"));
        // Large event files go up in parts, as a training job's uploader would send them.
        let mut upload = bucket.put_multipart(&key).await?;
        for part in bytes.chunks(16 << 20) {
            upload.put_part(PutPayload::from(part.to_vec())).await?;
        }
        upload.complete().await?;
    }
    eprintln!(
        "uploaded {:.1} MiB in {:.1}s",
        total as f64 / 1048576.0,
        upload_start.elapsed().as_secs_f64()
    );

    let config = EngineConfig {
        // One pass is what is timed; no rescan may start during it.
        reload_interval: Duration::from_secs(3600),
        ..EngineConfig::default()
    };
    let mut disk = Vec::new();
    let mut object = Vec::new();
    for _ in 0..args.repeat.max(1) {
        disk.push(time_load(Board::open(args.logdir.clone(), config.clone())).await);
        let source = storage.source(BUCKET, PREFIX)?;
        let label = source.url();
        object.push(time_load(Board::open_source(label, Box::new(source), config.clone())).await);
    }
    let best = |v: &[(f64, u64, usize)]| v.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
    let (disk_secs, object_secs) = (best(&disk), best(&object));
    let (_, disk_bytes, disk_runs) = disk[0];
    let (_, object_bytes, object_runs) = object[0];
    anyhow::ensure!(
        disk_bytes == object_bytes && disk_runs == object_runs,
        "the sources disagree: disk read {disk_bytes} B in {disk_runs} runs, S3 {object_bytes} B in {object_runs} runs"
    );
    let mib = disk_bytes as f64 / 1048576.0;
    println!(
        "{{\"logdir\": {:?}, \"mib\": {mib:.1}, \"runs\": {disk_runs}, \"disk_secs\": {disk_secs:.3}, \
         \"s3_secs\": {object_secs:.3}, \"disk_mib_per_s\": {:.1}, \"s3_mib_per_s\": {:.1}, \
         \"ratio_s3_over_disk\": {:.2}}}",
        args.logdir.display(),
        mib / disk_secs,
        mib / object_secs,
        object_secs / disk_secs
    );
    s3.stop();
    Ok(())
}
