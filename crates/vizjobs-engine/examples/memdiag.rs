//! Prints where a loaded board's memory goes, per kind (diagnostics for the benchmark).

use std::path::PathBuf;

use vizjobs_engine::{Board, EngineConfig};

#[tokio::main]
async fn main() {
    let logdir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".to_owned()));
    let board = Board::open(logdir, EngineConfig::default());
    board.wait_first_load().await;
    let (mut points, mut scalar_bytes, mut total) = (0usize, 0usize, 0usize);
    for run in board.runs() {
        let d = run.index.read();
        for (_, s) in d.scalars.iter() {
            points += s.len();
            scalar_bytes += s.heap_bytes();
        }
        total += d.heap_bytes();
    }
    println!(
        "points {points}, scalar bytes {scalar_bytes} ({:.2} B/point), all data {total}, board {}",
        scalar_bytes as f64 / points.max(1) as f64,
        board.memory_bytes()
    );
}
