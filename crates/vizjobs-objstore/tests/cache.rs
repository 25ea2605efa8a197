//! The persistent cache over a real S3 server (moto on loopback): a board opened again reads
//! nothing of unchanged objects, only the new bytes of an object uploaded again longer (as
//! TensorFlow does on OBS at every flush), and a replaced object from its start; what it serves
//! is what a fresh read serves.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{Uploader, server};
use prost::Message;
use vizjobs_engine::{Board, CacheSettings, EngineConfig, RunCache};
use vizjobs_events::proto::tensorboard as tb;
use vizjobs_events::tf_record::encode_record;
use vizjobs_objstore::ObjectStorage;

fn records(steps: std::ops::Range<i64>, scale: f32) -> Vec<u8> {
    let mut out = Vec::new();
    for step in steps {
        let event = tb::Event {
            wall_time: 1_700_000_000.0 + step as f64,
            step,
            summary: Some(tb::Summary {
                value: vec![tb::Value {
                    tag: "loss".to_owned(),
                    simple_value: Some(step as f32 * scale),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        };
        encode_record(&event.encode_to_vec(), &mut out);
    }
    out
}

/// Every run's status and problems, and every scalar point, as the board holds them.
type Served = (
    serde_json::Value,
    BTreeMap<(String, String), Vec<(i64, u64, u32)>>,
);

fn served(board: &Board) -> Served {
    let infos = serde_json::to_value(board.run_infos()).unwrap();
    let mut points = BTreeMap::new();
    for run in board.runs() {
        let index = run.index.read();
        for (tag, series) in index.scalars.iter() {
            let all = series
                .all()
                .iter()
                .map(|p| (p.step, p.wall_time.to_bits(), p.value.to_bits()))
                .collect();
            points.insert((run.name.clone(), tag.to_owned()), all);
        }
    }
    (infos, points)
}

struct Fixture {
    storage: Arc<ObjectStorage>,
    cache: Arc<RunCache>,
}

impl Fixture {
    /// A board over `s3://logs/exp/`, after its first pass; with the cache or without.
    fn open(&self, cached: bool) -> (Arc<Board>, Arc<vizjobs_engine::EngineStats>) {
        let source = self.storage.source("logs", "exp").unwrap();
        let url = source.url();
        let config = EngineConfig {
            reload_interval: Duration::from_secs(3600),
            cache: cached.then(|| self.cache.clone()),
            ..EngineConfig::default()
        };
        let stats = config.stats.clone();
        let board = Board::open_source(url, Box::new(source), config);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(board.wait_first_load());
        (board, stats)
    }
}

#[test]
fn a_reopened_board_fetches_only_what_changed_in_object_storage() {
    let s3 = server();
    s3.create_bucket("logs").unwrap();
    let up = Uploader::new(s3.config(), "logs");
    let train = records(0..4000, 1.0);
    let eval = records(0..4000, 2.0);
    let other = records(0..4000, 3.0);
    up.put("exp/train/events.out.tfevents.1.host", &train);
    up.put("exp/eval/events.out.tfevents.1.host", &eval);
    up.put("exp/other/events.out.tfevents.1.host", &other);
    let tmp = tempfile::tempdir().unwrap();
    let fixture = Fixture {
        storage: ObjectStorage::new(s3.config()).unwrap(),
        cache: Arc::new(RunCache::open(tmp.path(), CacheSettings::default()).unwrap()),
    };

    // The first load reads every byte, and saves.
    let (first, stats) = fixture.open(true);
    let total = (train.len() + eval.len() + other.len()) as u64;
    assert_eq!(stats.bytes_fetched.load(Ordering::Relaxed), total);
    first.close_and_wait();

    // Reopened with nothing changed: the ETags prove it, nothing is fetched.
    let (again, stats) = fixture.open(true);
    assert_eq!(fixture.cache.stats().hits.load(Ordering::Relaxed), 3);
    assert_eq!(stats.bytes_fetched.load(Ordering::Relaxed), 0);
    let (fresh, _) = fixture.open(false);
    assert_eq!(served(&again), served(&fresh));
    again.close_and_wait();

    // The writer uploads `train` again, longer (a new ETag), and replaces `other` with another
    // run's records: `train` costs its new bytes and two checks, `other` is read whole.
    let mut longer = train.clone();
    let appended = records(4000..4500, 1.0);
    longer.extend_from_slice(&appended);
    up.put("exp/train/events.out.tfevents.1.host", &longer);
    let replaced = records(0..4100, -1.0);
    up.put("exp/other/events.out.tfevents.1.host", &replaced);
    let (reopened, stats) = fixture.open(true);
    let cache_stats = fixture.cache.stats();
    assert_eq!(cache_stats.hits.load(Ordering::Relaxed), 3 + 2);
    assert_eq!(cache_stats.rejected.load(Ordering::Relaxed), 1);
    let fetched = stats.bytes_fetched.load(Ordering::Relaxed);
    let window = vizjobs_engine::cache::WINDOW as u64;
    let train_cost = appended.len() as u64 + 2 * window;
    let other_checks = window; // the first bytes, which differ
    assert!(
        fetched >= appended.len() as u64 + replaced.len() as u64
            && fetched <= train_cost + other_checks + replaced.len() as u64,
        "{fetched} bytes fetched; appended {}, replaced {}",
        appended.len(),
        replaced.len()
    );
    let (fresh, _) = fixture.open(false);
    let got = served(&reopened);
    assert_eq!(got, served(&fresh));
    assert_eq!(got.1[&("train".to_owned(), "loss".to_owned())].len(), 4500);
    let other_values = &got.1[&("other".to_owned(), "loss".to_owned())];
    assert_eq!(other_values.len(), 4100);
    assert_eq!(f32::from_bits(other_values[1].2), -1.0);
}
