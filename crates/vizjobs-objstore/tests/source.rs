//! `ObjectSource` against a real S3 server on loopback (moto; see `vizjobs_objstore::testing`).

mod common;

use std::io::Read;

use common::{Uploader, server};
use vizjobs_engine::LogSource;
use vizjobs_objstore::ObjectStorage;

fn read_all(source: &dyn LogSource, rel: &str, offset: u64) -> Vec<u8> {
    let mut out = Vec::new();
    source
        .open_at(rel, offset)
        .expect("open")
        .read_to_end(&mut out)
        .expect("read");
    out
}

#[test]
fn lists_runs_and_reads_from_offsets() {
    let s3 = server();
    s3.create_bucket("logs").unwrap();
    let up = Uploader::new(s3.config(), "logs");
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    up.put("exp/1/train/events.out.tfevents.1.host", &body);
    up.put("exp/1/eval/events.out.tfevents.2.host", b"eval bytes");
    up.put(
        "exp/10/other/events.out.tfevents.3.host",
        b"a sibling prefix",
    );

    let storage = ObjectStorage::new(s3.config()).unwrap();
    let source = storage.source("logs", "/exp/1/").unwrap();
    assert_eq!(source.url(), "s3://logs/exp/1/");
    let mut listed: Vec<(String, u64)> = source
        .list()
        .unwrap()
        .into_iter()
        .map(|f| (f.rel_path, f.size))
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec![
            ("eval/events.out.tfevents.2.host".to_owned(), 10),
            ("train/events.out.tfevents.1.host".to_owned(), 3_000_000),
        ]
    );
    let rel = "train/events.out.tfevents.1.host";
    assert_eq!(source.size(rel).unwrap(), 3_000_000);
    assert_eq!(read_all(&source, rel, 0), body);
    assert_eq!(read_all(&source, rel, 2_999_000), &body[2_999_000..]);

    // A writer replaces the object with a longer version: the next listing sees the new size,
    // and a read from the old end yields exactly the new bytes.
    let mut longer = body.clone();
    longer.extend_from_slice(b"appended record bytes");
    up.put("exp/1/train/events.out.tfevents.1.host", &longer);
    up.put("exp/1/new_run/events.out.tfevents.4.host", b"new");
    let listed = source.list().unwrap();
    assert!(listed.iter().any(|f| f.rel_path.starts_with("new_run/")));
    assert_eq!(source.size(rel).unwrap(), longer.len() as u64);
    assert_eq!(read_all(&source, rel, 3_000_000), b"appended record bytes");

    // A file the listing has not seen yet is asked for directly.
    up.put("exp/1/late/events.out.tfevents.5.host", b"late!");
    assert_eq!(source.size("late/events.out.tfevents.5.host").unwrap(), 5);
    assert_eq!(
        read_all(&source, "late/events.out.tfevents.5.host", 1),
        b"ate!"
    );
}

#[test]
fn an_outage_fails_sizes_with_the_reason_and_recovers() {
    let mut s3 = server();
    s3.create_bucket("logs").unwrap();
    let up = Uploader::new(s3.config(), "logs");
    up.put("run/events.out.tfevents.1.host", b"0123456789");

    let storage = ObjectStorage::new(s3.config()).unwrap();
    let source = storage.source("logs", "").unwrap();
    assert_eq!(source.list().unwrap().len(), 1);
    assert_eq!(source.size("run/events.out.tfevents.1.host").unwrap(), 10);

    s3.stop();
    // The known files stay listed, each failing with the listing's reason.
    let listed = source.list().expect("the last good listing");
    assert_eq!(listed.len(), 1);
    let err = source.size("run/events.out.tfevents.1.host").unwrap_err();
    assert!(err.to_string().contains("s3://logs/"), "{err}");
    assert!(source.open_at("run/events.out.tfevents.1.host", 0).is_err());

    s3.start_again().unwrap();
    s3.create_bucket("logs").unwrap();
    let up = Uploader::new(s3.config(), "logs");
    up.put("run/events.out.tfevents.1.host", b"0123456789abc");
    assert_eq!(source.list().unwrap().len(), 1);
    assert_eq!(source.size("run/events.out.tfevents.1.host").unwrap(), 13);
    assert_eq!(
        read_all(&source, "run/events.out.tfevents.1.host", 10),
        b"abc"
    );
}

#[test]
fn a_first_listing_that_fails_is_an_error() {
    let s3 = server();
    let storage = ObjectStorage::new(s3.config()).unwrap();
    let missing = storage.source("no-such-bucket", "x").unwrap();
    let err = missing.list().unwrap_err();
    assert!(err.to_string().contains("s3://no-such-bucket/x/"), "{err}");

    s3.create_bucket("logs").unwrap();
    let source = storage.source("logs", "nothing/here").unwrap();
    assert!(
        source.list().unwrap().is_empty(),
        "an empty prefix is no error"
    );
    let err = source.size("run/missing").unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{err}");
}
