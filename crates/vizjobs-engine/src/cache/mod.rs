//! The persistent index: what a board parsed, kept on disk per run so that a board opened again
//! (after eviction, a restart, a deploy) restores it and reads only what the files gained since.
//!
//! # What an entry holds
//!
//! One file per run of a logdir, `<cache dir>/<32 hex digits>.vjc`, named by a hash of the
//! logdir's location (a canonical path, or an `s3://bucket/prefix/` URL) and the run's name.
//! It holds the run's whole [`RunIndex`] (every scalar point in its compact chunks, the
//! reservoirs with their random state, the problems found) and, per file of the run, where the
//! reader stands ([`ResumePoint`]) and what identifies the bytes read: the size and version
//! (ETag, or inode and modification time) the listing gave, and copies of the first and of the
//! last [`WINDOW`] bytes before the resume offset.
//!
//! # Format
//!
//! | bytes | content |
//! |---|---|
//! | 8 | the magic `VJRUNIDX` |
//! | 4 | [`FORMAT_VERSION`], little-endian |
//! | 4 | zero |
//! | 8 | the build's index fingerprint: a hash of the sources that define the index and how records land in it (`build.rs`) |
//! | n | the entry, in postcard (serde's compact binary form) |
//! | 8 | `n`, little-endian |
//! | 4 | CRC-32C of everything before it |
//!
//! # Invariants
//!
//! - **Never served damaged.** An entry is mapped and checked whole, and used only when its
//!   magic, version, fingerprint, length and checksum all hold and it decodes into the run it
//!   was asked for; anything else (a writer killed mid-file, a cut or bit-flipped file, another
//!   build's format) is a miss: the run is read fresh, and the next save replaces the entry.
//! - **Never stale.** A restored file is checked against the storage before its state is used:
//!   a file now shorter than the saved offset, or whose first bytes or bytes just before the
//!   offset differ from the saved copies, was truncated, replaced or rewritten, and the whole
//!   run is read fresh (a run's index mixes all its files). Only when the storage's version is
//!   a content hash (an S3 ETag) and it and the size are unchanged are the bytes not read.
//!   A run whose saved files are no longer the first of its files in read order (one deleted,
//!   one older appeared) is read fresh too.
//! - **Atomic, shareable.** An entry is written to a temporary file in the cache directory and
//!   renamed over the old one, so readers (in this or another process sharing the directory)
//!   see the old entry or the new one, never a mix; two writers of one entry both write a
//!   complete entry and the last rename wins. No lock is held across processes.
//! - **Never changed in place.** A restored run's byte columns are slices of the mapped entry
//!   (`crate::column`), so an entry file is only ever replaced by a rename or deleted, never
//!   written to or truncated once complete: the mapping keeps the old inode's bytes for as long
//!   as a board uses them (so a replaced or evicted entry's disk space returns when the board
//!   using it is dropped). Nothing else may write into the cache directory.
//! - **Bounded.** After writes push the directory past its size limit, the least recently used
//!   entries (by modification time, which a restore refreshes) are deleted down to 90 % of it.

pub mod codec;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vizjobs_events::ResumePoint;

use crate::config::SampleLimits;
use crate::run::RunIndex;

/// Bumped with every change to how an entry is encoded (the fingerprint catches changes to
/// the index's sources besides). 1: the first; 2: histogram buckets as one byte string of
/// little-endian `f32`s (were a sequence of triples).
pub const FORMAT_VERSION: u32 = 2;
const MAGIC: &[u8; 8] = b"VJRUNIDX";
const HEADER_LEN: usize = 24;
const TRAILER_LEN: usize = 12;
/// Bytes kept from the start of each file, and from just before its resume offset.
pub const WINDOW: usize = 4096;
/// The suffix of entry files.
const ENTRY_SUFFIX: &str = ".vjc";
/// The prefix of files being written.
const TEMP_PREFIX: &str = ".tmp-";
/// A temporary file this old was left by a killed writer.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// The build's index fingerprint (see `build.rs`).
fn fingerprint() -> u64 {
    u64::from_str_radix(env!("VIZJOBS_INDEX_FINGERPRINT"), 16).unwrap_or(0)
}

/// Counters of one process (shared by the boards of one runner), for `/metrics`.
#[derive(Debug, Default)]
pub struct CacheStats {
    /// Runs restored from an entry.
    pub hits: AtomicU64,
    /// Runs read fresh although the cache is on: no entry, or one not usable.
    pub misses: AtomicU64,
    /// Of the misses, entries found damaged, of another format, or out of date with the files.
    pub rejected: AtomicU64,
    /// Bytes of entries restored.
    pub bytes_restored: AtomicU64,
    /// Bytes of entries written.
    pub bytes_saved: AtomicU64,
    /// Entries deleted to keep under the size limit.
    pub evicted: AtomicU64,
}

impl CacheStats {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// What went wrong writing or opening the cache.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cache entry {path}: encoding: {source}")]
    Encode {
        path: PathBuf,
        #[source]
        source: postcard::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> CacheError + '_ {
    move |source| CacheError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Which run of which logdir, under which settings, an entry is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EntryKey {
    pub location: String,
    pub run: String,
    /// The sample limits the reservoirs were filled under.
    pub samples: [u64; 6],
}

impl EntryKey {
    pub fn new(location: &str, run: &str, samples: &SampleLimits) -> Self {
        let s = samples;
        EntryKey {
            location: location.to_owned(),
            run: run.to_owned(),
            samples: [
                s.images,
                s.audio,
                s.histograms,
                s.text,
                s.pr_curves,
                s.tensors,
            ]
            .map(|n| n as u64),
        }
    }

    fn file_name(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(self.location.as_bytes());
        hash.update([0]);
        hash.update(self.run.as_bytes());
        let digest = hash.finalize();
        format!("{}{ENTRY_SUFFIX}", hex::encode(&digest[..16]))
    }
}

/// One file of a run, as saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SavedFile {
    pub rel_path: String,
    /// Size and version at the listing before the bytes were read.
    pub listed_size: u64,
    pub version: Option<String>,
    pub resume_offset: u64,
    pub resynchronising: bool,
    /// The file's first bytes (up to [`WINDOW`]).
    #[serde(with = "serde_bytes")]
    pub head: Vec<u8>,
    /// The bytes just before `resume_offset` (up to [`WINDOW`]).
    #[serde(with = "serde_bytes")]
    pub tail: Vec<u8>,
}

impl SavedFile {
    pub fn resume_point(&self) -> ResumePoint {
        ResumePoint {
            offset: self.resume_offset,
            resynchronising: self.resynchronising,
        }
    }
}

#[derive(Serialize)]
struct EntryRef<'a> {
    key: &'a EntryKey,
    files: &'a [SavedFile],
    index: &'a RunIndex,
}

/// A decoded entry.
#[derive(Deserialize)]
pub(crate) struct Entry {
    key: EntryKey,
    pub files: Vec<SavedFile>,
    pub index: RunIndex,
}

/// The answer of [`RunCache::load`].
pub(crate) enum Lookup {
    Hit {
        entry: Box<Entry>,
        bytes: u64,
    },
    Absent,
    /// An entry that must not be used, and why.
    Rejected(String),
}

/// Settings of a [`RunCache`].
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// The directory's size limit in bytes.
    pub max_bytes: u64,
    /// A run that keeps changing is saved at most this often (and when its board closes).
    pub save_interval: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            max_bytes: 10 << 30,
            save_interval: Duration::from_secs(60),
        }
    }
}

/// A cache directory; see the module docs.
#[derive(Debug)]
pub struct RunCache {
    dir: PathBuf,
    settings: CacheSettings,
    stats: CacheStats,
    /// Bytes the directory held at the last scan, plus what this process wrote since.
    usage: Mutex<u64>,
}

impl RunCache {
    /// Opens (creating it, readable by this user only) the cache directory `dir`, and removes
    /// what killed writers left.
    pub fn open(dir: &Path, settings: CacheSettings) -> Result<Self, CacheError> {
        fs::create_dir_all(dir).map_err(io_error(dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_error(dir))?;
        }
        let cache = RunCache {
            dir: dir.to_owned(),
            settings,
            stats: CacheStats::default(),
            usage: Mutex::new(0),
        };
        let entries = cache.scan().map_err(io_error(dir))?;
        *cache.usage.lock() = entries.iter().map(|e| e.1).sum();
        Ok(cache)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn stats(&self) -> &CacheStats {
        &self.stats
    }

    pub fn settings(&self) -> &CacheSettings {
        &self.settings
    }

    /// Bytes of the entries on disk, as of the last scan plus this process's writes since.
    pub fn usage_bytes(&self) -> u64 {
        *self.usage.lock()
    }

    fn path_of(&self, key: &EntryKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    pub(crate) fn note_miss(&self, rejected: bool) {
        CacheStats::add(&self.stats.misses, 1);
        if rejected {
            CacheStats::add(&self.stats.rejected, 1);
        }
    }

    pub(crate) fn note_hit(&self, bytes: u64) {
        CacheStats::add(&self.stats.hits, 1);
        CacheStats::add(&self.stats.bytes_restored, bytes);
    }

    /// The entry for `key`, checked (not yet against the files: the caller does that).
    pub(crate) fn load(&self, key: &EntryKey) -> Lookup {
        let path = self.path_of(key);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Lookup::Absent,
            Err(e) => return Lookup::Rejected(format!("cannot open: {e}")),
        };
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size < (HEADER_LEN + TRAILER_LEN) as u64 {
            return Lookup::Rejected(format!("cut short ({size} bytes)"));
        }
        // SAFETY: entries are never changed in place: a writer writes a temporary file and
        // renames it over the entry, and eviction unlinks it, so the bytes of the inode mapped
        // here stay as they are for as long as the mapping lives ("Never changed in place").
        let map = match unsafe { memmap2::Mmap::map(&file) } {
            Ok(map) => map,
            Err(e) => return Lookup::Rejected(format!("cannot map: {e}")),
        };
        drop(file);
        // The whole entry is about to be read (checksum, then decoding): ask for it at once,
        // which matters when it is not in the page cache (after a reboot, say).
        let _ = map.advise(memmap2::Advice::WillNeed);
        let bytes = Bytes::from_owner(map);
        let entry = match decode(&bytes) {
            Ok(entry) => entry,
            Err(why) => return Lookup::Rejected(why),
        };
        let size = bytes.len() as u64;
        if entry.key != *key {
            return Lookup::Rejected("the entry is another run's".to_owned());
        }
        // Recently used: eviction goes by modification time.
        if let Ok(f) = File::options().write(true).open(&path) {
            let _ = f.set_modified(SystemTime::now());
        }
        Lookup::Hit {
            entry: Box::new(entry),
            bytes: size,
        }
    }

    /// Writes the entry of `key` atomically, then keeps the directory under its limit.
    pub(crate) fn save(
        &self,
        key: &EntryKey,
        files: &[SavedFile],
        index: &RunIndex,
    ) -> Result<u64, CacheError> {
        let path = self.path_of(key);
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(&self.dir)
            .map_err(io_error(&self.dir))?;
        let mut out = Checksummed::new(BufWriter::with_capacity(1 << 20, temp.as_file()));
        let entry = EntryRef { key, files, index };
        let written: io::Result<u64> = (|| {
            out.write_all(MAGIC)?;
            out.write_all(&FORMAT_VERSION.to_le_bytes())?;
            out.write_all(&0u32.to_le_bytes())?;
            out.write_all(&fingerprint().to_le_bytes())?;
            let before = out.written;
            postcard::to_io(&entry, &mut out).map_err(|source| {
                io::Error::other(CacheError::Encode {
                    path: path.clone(),
                    source,
                })
            })?;
            let payload = out.written - before;
            out.write_all(&payload.to_le_bytes())?;
            let crc = out.crc;
            out.inner.write_all(&crc.to_le_bytes())?;
            out.inner.flush()?;
            Ok(out.written + 4)
        })();
        drop(out);
        let size = written.map_err(io_error(&path))?;
        temp.persist(&path).map_err(|e| CacheError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        CacheStats::add(&self.stats.bytes_saved, size);
        let over = {
            let mut usage = self.usage.lock();
            *usage += size;
            *usage > self.settings.max_bytes
        };
        if over {
            self.evict();
        }
        Ok(size)
    }

    /// Entry files and stale temporaries: `(path, size, modified)` of each entry; stale
    /// temporaries are deleted on the way.
    fn scan(&self) -> io::Result<Vec<(PathBuf, u64, SystemTime)>> {
        let mut entries = Vec::new();
        let now = SystemTime::now();
        for item in fs::read_dir(&self.dir)? {
            let Ok(item) = item else { continue };
            let name = item.file_name();
            let name = name.to_string_lossy();
            let Ok(meta) = item.metadata() else { continue };
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            if name.starts_with(TEMP_PREFIX) {
                let age = now.duration_since(modified).unwrap_or_default();
                if age > STALE_TEMP {
                    let _ = fs::remove_file(item.path());
                }
            } else if name.ends_with(ENTRY_SUFFIX) && meta.is_file() {
                entries.push((item.path(), meta.len(), modified));
            }
        }
        Ok(entries)
    }

    /// Deletes the least recently used entries until the directory holds at most 90 % of its
    /// limit (another process sharing it may have written too: the scan sees its entries).
    fn evict(&self) {
        let Ok(mut entries) = self.scan() else { return };
        entries.sort_by_key(|e| e.2);
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        let target = self.settings.max_bytes / 10 * 9;
        for (path, size, _) in entries {
            if total <= target {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                CacheStats::add(&self.stats.evicted, 1);
                tracing::debug!(entry = %path.display(), "evicted a cache entry");
            }
            total = total.saturating_sub(size);
        }
        *self.usage.lock() = total;
    }
}

/// Checks an entry's framing and decodes it, its byte columns as slices of `bytes`.
fn decode(bytes: &Bytes) -> Result<Entry, String> {
    if bytes.len() < HEADER_LEN + TRAILER_LEN {
        return Err(format!("cut short ({} bytes)", bytes.len()));
    }
    if &bytes[..8] != MAGIC {
        return Err("not a cache entry".to_owned());
    }
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let long = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let version = word(8);
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version}, this build reads {FORMAT_VERSION}"
        ));
    }
    if long(16) != fingerprint() {
        return Err("written by a build with another index layout".to_owned());
    }
    let crc_at = bytes.len() - 4;
    let length = long(crc_at - 8);
    let payload_end = crc_at - 8;
    if length != (payload_end - HEADER_LEN) as u64 {
        return Err("cut short or padded (length mismatch)".to_owned());
    }
    if crc32c::crc32c(&bytes[..crc_at]) != word(crc_at) {
        return Err("checksum mismatch (damaged)".to_owned());
    }
    crate::column::decoding_entry(bytes, || {
        postcard::from_bytes(&bytes[HEADER_LEN..payload_end])
            .map_err(|e| format!("does not decode: {e}"))
    })
}

/// A writer that counts and checksums what goes through it.
struct Checksummed<W: Write> {
    inner: W,
    crc: u32,
    written: u64,
}

impl<W: Write> Checksummed<W> {
    fn new(inner: W) -> Self {
        Checksummed {
            inner,
            crc: 0,
            written: 0,
        }
    }
}

impl<W: Write> Write for Checksummed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc = crc32c::crc32c_append(self.crc, &buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_index() -> RunIndex {
        let mut index = RunIndex::default();
        for step in 0..3000 {
            let point = crate::series::Point {
                step,
                wall_time: 1.7e9 + step as f64 * 0.25,
                value: (step as f32).cos(),
            };
            index.scalars.push(b"loss", point).expect("utf-8 tag");
        }
        index.records = 3000;
        index
    }

    fn key() -> EntryKey {
        EntryKey::new("/logs/exp", "train", &SampleLimits::default())
    }

    fn saved_file() -> SavedFile {
        SavedFile {
            rel_path: "train/events.out.tfevents.1.host".into(),
            listed_size: 1000,
            version: Some("etag".into()),
            resume_offset: 900,
            resynchronising: false,
            head: b"head".to_vec(),
            tail: b"tail".to_vec(),
        }
    }

    fn cache(dir: &Path) -> RunCache {
        RunCache::open(dir, CacheSettings::default()).expect("open")
    }

    #[test]
    fn an_entry_round_trips() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path());
        let index = sample_index();
        let size = cache.save(&key(), &[saved_file()], &index).unwrap();
        // Compact: no bigger than the index in memory.
        assert!(
            size as usize <= index.heap_bytes(),
            "{size} > {}",
            index.heap_bytes()
        );
        match cache.load(&key()) {
            Lookup::Hit { entry, bytes } => {
                assert_eq!(bytes, size);
                assert_eq!(entry.files, [saved_file()]);
                let got = entry.index.scalars.get("loss").unwrap().all();
                assert_eq!(got, index.scalars.get("loss").unwrap().all());
                assert_eq!(entry.index.records, 3000);
            }
            _ => panic!("expected a hit"),
        }
        let other = EntryKey::new("/logs/exp", "eval", &SampleLimits::default());
        assert!(matches!(cache.load(&other), Lookup::Absent));
    }

    #[test]
    fn every_cut_and_every_flipped_byte_is_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path());
        let mut index = RunIndex::default();
        index.records = 7;
        cache.save(&key(), &[saved_file()], &index).unwrap();
        let path = cache.path_of(&key());
        let good = fs::read(&path).unwrap();
        for cut in 0..good.len() {
            fs::write(&path, &good[..cut]).unwrap();
            assert!(
                matches!(cache.load(&key()), Lookup::Rejected(_) | Lookup::Absent),
                "cut at {cut}"
            );
        }
        for at in 0..good.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = good.clone();
                bad[at] ^= bit;
                fs::write(&path, &bad).unwrap();
                assert!(
                    matches!(cache.load(&key()), Lookup::Rejected(_)),
                    "byte {at} bit {bit:#x}"
                );
            }
        }
        fs::write(&path, &good).unwrap();
        assert!(matches!(cache.load(&key()), Lookup::Hit { .. }));
    }

    #[test]
    fn another_format_version_or_index_layout_is_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = cache(tmp.path());
        cache
            .save(&key(), &[saved_file()], &RunIndex::default())
            .unwrap();
        let path = cache.path_of(&key());
        let good = fs::read(&path).unwrap();
        // Re-sealed with a valid checksum, so only the version (or fingerprint) can refuse it.
        let reseal = |mut bytes: Vec<u8>| {
            let crc_at = bytes.len() - 4;
            let crc = crc32c::crc32c(&bytes[..crc_at]);
            bytes[crc_at..].copy_from_slice(&crc.to_le_bytes());
            bytes
        };
        let mut other_version = good.clone();
        other_version[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        fs::write(&path, reseal(other_version)).unwrap();
        match cache.load(&key()) {
            Lookup::Rejected(why) => assert!(why.contains("format version"), "{why}"),
            _ => panic!("another version was used"),
        }
        let mut other_layout = good.clone();
        other_layout[16] ^= 0xff;
        fs::write(&path, reseal(other_layout)).unwrap();
        match cache.load(&key()) {
            Lookup::Rejected(why) => assert!(why.contains("another index layout"), "{why}"),
            _ => panic!("another layout was used"),
        }
    }

    #[test]
    fn the_least_recently_used_entries_go_first_past_the_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let probe = cache(tmp.path());
        let one = probe
            .save(&key(), &[saved_file()], &sample_index())
            .unwrap();
        fs::remove_file(probe.path_of(&key())).unwrap();
        // Room for three entries.
        let cache = RunCache::open(
            tmp.path(),
            CacheSettings {
                max_bytes: one * 3 + one / 2,
                ..CacheSettings::default()
            },
        )
        .unwrap();
        let keys: Vec<EntryKey> = (0..4)
            .map(|i| EntryKey::new("/logs/exp", &format!("run{i}"), &SampleLimits::default()))
            .collect();
        let index = sample_index();
        for (i, k) in keys.iter().enumerate().take(3) {
            cache.save(k, &[saved_file()], &index).unwrap();
            // Distinct times, oldest first; then run0 is used, so run1 is the oldest.
            let t = SystemTime::now() - Duration::from_secs(100 - i as u64 * 10);
            File::options()
                .write(true)
                .open(cache.path_of(k))
                .unwrap()
                .set_modified(t)
                .unwrap();
        }
        assert!(matches!(cache.load(&keys[0]), Lookup::Hit { .. }));
        cache.save(&keys[3], &[saved_file()], &index).unwrap();
        let present: Vec<bool> = keys.iter().map(|k| cache.path_of(k).exists()).collect();
        assert_eq!(present, [true, false, true, true]);
        assert!(cache.usage_bytes() <= one * 3 + one / 2);
        assert_eq!(cache.stats().evicted.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn stale_temporaries_of_killed_writers_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let stale = tmp.path().join(".tmp-killed");
        let fresh = tmp.path().join(".tmp-writing");
        fs::write(&stale, b"half an entry").unwrap();
        fs::write(&fresh, b"being written").unwrap();
        File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(SystemTime::now() - STALE_TEMP * 2)
            .unwrap();
        let _cache = cache(tmp.path());
        assert!(!stale.exists());
        assert!(fresh.exists(), "another process may be writing it");
    }
}
