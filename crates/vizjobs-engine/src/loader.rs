//! One load pass over one run: read whatever its files gained since the last pass.
//!
//! Each file keeps its [`RecordReader`], so a pass resumes exactly where the previous one
//! stopped, including inside a half-written record. The run's data lock is taken per chunk of
//! bytes read (128 KiB), never for a whole file, so the data API stays responsive while a
//! large run loads.
//!
//! With a persistent cache (`crate::cache`), a run's first pass in a board tries to restore the
//! run from its entry (checking every saved file against the storage first), and a pass that
//! changed a run saves it again, at most once per save interval, and at once after its first
//! full load.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use parking_lot::{Mutex, RwLock};
use vizjobs_events::{EventFormat, Next, RecordReader, decode_event};

use crate::cache::{EntryKey, Lookup, RunCache, SavedFile, WINDOW};
use crate::config::{EngineStats, SampleLimits};
use crate::discovery::FileOrder;
use crate::run::{Ingest, Problem, ProblemKind, RunIndex};
use crate::source::LogSource;

/// A file being followed.
#[derive(Debug)]
pub struct TrackedFile {
    pub rel_path: String,
    pub format: EventFormat,
    pub order: FileOrder,
    /// Size at the last stat.
    pub size: u64,
    /// Size and version at the last listing (what the persistent cache compares).
    pub listed_size: u64,
    pub version: Option<String>,
    reader: RecordReader,
    /// The file's first bytes read (up to [`WINDOW`]), and the bytes just before the reader's
    /// consumed offset (up to [`WINDOW`]), ending at `tail_end`: how a restore recognises the
    /// file.
    head: Vec<u8>,
    tail: Vec<u8>,
    tail_end: u64,
    /// Set while a shrink or I/O error is reported, so it is reported once; cleared (with the
    /// report) when the file reads again.
    reported: bool,
}

impl TrackedFile {
    pub fn new(
        rel_path: String,
        format: EventFormat,
        order: FileOrder,
        size: u64,
        version: Option<String>,
    ) -> Self {
        TrackedFile {
            rel_path,
            format,
            order,
            size,
            listed_size: size,
            version,
            reader: RecordReader::new(),
            head: Vec::new(),
            tail: Vec::new(),
            tail_end: 0,
            reported: false,
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.reader.heap_bytes()
            + self.rel_path.capacity()
            + self.head.capacity()
            + self.tail.capacity()
    }

    /// Keeps the first bytes of the file and the last ones consumed (after a drain).
    fn remember_consumed(&mut self) {
        let (base, bytes) = self.reader.consumed_bytes();
        let end = base + bytes.len() as u64;
        let have = self.head.len() as u64;
        if self.head.len() < WINDOW && base <= have && end > have {
            let from = (have - base) as usize;
            let take = (WINDOW - self.head.len()).min(bytes.len() - from);
            self.head.extend_from_slice(&bytes[from..from + take]);
        }
        if end > self.tail_end {
            let new = if base <= self.tail_end {
                &bytes[(self.tail_end - base) as usize..]
            } else {
                self.tail.clear();
                bytes
            };
            if new.len() >= WINDOW {
                self.tail.clear();
                self.tail.extend_from_slice(&new[new.len() - WINDOW..]);
            } else {
                self.tail.extend_from_slice(new);
                let excess = self.tail.len().saturating_sub(WINDOW);
                self.tail.drain(..excess);
            }
            self.tail_end = end;
        }
    }

    /// The file as the cache saves it; `None` if its windows do not end where the reader stands
    /// (which would be a bug; the run is then not saved).
    fn saved(&self) -> Option<SavedFile> {
        let point = self.reader.resume_point();
        if point.offset != self.tail_end {
            return None;
        }
        Some(SavedFile {
            rel_path: self.rel_path.clone(),
            listed_size: self.listed_size,
            version: self.version.clone(),
            resume_offset: point.offset,
            resynchronising: point.resynchronising,
            head: self.head.clone(),
            tail: self.tail.clone(),
        })
    }

    /// Goes on from a saved state (already checked against the storage).
    fn restore(&mut self, saved: SavedFile) {
        self.reader = RecordReader::resume_from(saved.resume_point());
        self.tail_end = saved.resume_offset;
        self.head = saved.head;
        self.tail = saved.tail;
    }
}

/// What the cache knows of a run in this board.
#[derive(Debug, Default)]
struct RunCacheState {
    /// Whether a restore was tried (only a run's first pass tries).
    restore_tried: bool,
    /// The sum of the files' consumed offsets at the last save (or restore).
    saved_mark: u64,
    last_save: Option<Instant>,
}

/// A run being followed: its files and the index of what they hold.
#[derive(Debug)]
pub struct TrackedRun {
    pub name: String,
    pub files: Mutex<Vec<TrackedFile>>,
    pub index: RwLock<RunIndex>,
    /// Whether a full pass over the run has completed.
    pub loaded: AtomicBool,
    cache: Mutex<RunCacheState>,
}

impl TrackedRun {
    pub fn new(name: String) -> Self {
        TrackedRun {
            name,
            files: Mutex::new(Vec::new()),
            index: RwLock::new(RunIndex::default()),
            loaded: AtomicBool::new(false),
            cache: Mutex::new(RunCacheState::default()),
        }
    }
}

/// Shared counters a pass updates.
pub struct PassContext<'a> {
    pub source: &'a dyn LogSource,
    pub limits: &'a SampleLimits,
    pub bytes_read: &'a AtomicU64,
    /// Bumped whenever data changes (drives ETags).
    pub generation: &'a AtomicU64,
    pub stop: &'a AtomicBool,
    pub stats: &'a EngineStats,
    /// The persistent cache, with the logdir's location as its entries know it.
    pub cache: Option<(&'a RunCache, &'a str)>,
}

/// Reads the new bytes of every file of `run`, in order (restoring it from the cache first, on
/// its first pass). Saving is the board's, after the pass (`save_run`).
pub fn load_run(run: &TrackedRun, ctx: &PassContext<'_>) {
    let mut files = run.files.lock();
    if let Some((cache, location)) = ctx.cache {
        let first = !std::mem::replace(&mut run.cache.lock().restore_tried, true);
        if first {
            restore_run(run, &mut files, cache, location, ctx);
        }
    }
    for file in files.iter_mut() {
        if ctx.stop.load(Ordering::Relaxed) {
            return;
        }
        load_file(run, file, ctx);
    }
    run.index.write().shrink();
    run.loaded.store(true, Ordering::Release);
}

/// Saves `run` if it changed since its last save, and it was never saved, or the save interval
/// has passed, or `now` asks for it. Called with the run's files locked, so the state saved is
/// one state.
pub(crate) fn save_run(
    run: &TrackedRun,
    files: &[TrackedFile],
    cache: &RunCache,
    location: &str,
    limits: &SampleLimits,
    now: bool,
) {
    let mark: u64 = files.iter().map(|f| f.reader.consumed_to()).sum();
    let mut state = run.cache.lock();
    if mark == state.saved_mark || mark == 0 {
        return;
    }
    let due = state
        .last_save
        .is_none_or(|at| at.elapsed() >= cache.settings().save_interval);
    if !(now || due) {
        return;
    }
    let Some(saved) = files
        .iter()
        .map(TrackedFile::saved)
        .collect::<Option<Vec<_>>>()
    else {
        tracing::warn!(run = %run.name, "not saving a run whose read windows are inconsistent");
        return;
    };
    let key = EntryKey::new(location, &run.name, limits);
    let result = cache.save(&key, &saved, &run.index.read());
    state.last_save = Some(Instant::now());
    match result {
        Ok(bytes) => {
            state.saved_mark = mark;
            tracing::debug!(run = %run.name, bytes, "saved a run to the cache");
        }
        Err(e) => tracing::warn!(run = %run.name, error = %e, "cannot save a run to the cache"),
    }
}

/// Restores `run` from its cache entry if the entry is sound and its files are unchanged up to
/// the saved offsets; otherwise leaves the run to be read fresh.
fn restore_run(
    run: &TrackedRun,
    files: &mut [TrackedFile],
    cache: &RunCache,
    location: &str,
    ctx: &PassContext<'_>,
) {
    let key = EntryKey::new(location, &run.name, ctx.limits);
    let (entry, bytes) = match cache.load(&key) {
        Lookup::Hit { entry, bytes } => (entry, bytes),
        Lookup::Absent => return cache.note_miss(false),
        Lookup::Rejected(why) => {
            tracing::warn!(run = %run.name, location, reason = %why, "ignoring a cache entry: reading the run fresh");
            return cache.note_miss(true);
        }
    };
    if let Err(why) = check_files(&entry.files, files, ctx) {
        tracing::info!(run = %run.name, location, reason = %why, "the run's files changed since it was cached: reading it fresh");
        return cache.note_miss(true);
    }
    let entry = *entry;
    let mut index = entry.index;
    // Conditions of the storage at save time, not of the files: they are found again if they
    // last.
    index
        .problems
        .retain(|p| p.kind != crate::run::ProblemKind::IoError);
    {
        let mut current = run.index.write();
        // Notes added by this pass's listing before the restore.
        for note in std::mem::take(&mut current.problems) {
            index.add_problem(note, false);
        }
        *current = index;
    }
    let mut restored_bytes = 0;
    for (file, saved) in files.iter_mut().zip(entry.files) {
        restored_bytes += saved.resume_offset;
        file.restore(saved);
    }
    run.cache.lock().saved_mark = restored_bytes;
    ctx.bytes_read.fetch_add(restored_bytes, Ordering::Relaxed);
    ctx.generation.fetch_add(1, Ordering::Relaxed);
    cache.note_hit(bytes);
    tracing::debug!(run = %run.name, bytes, restored_bytes, "restored a run from the cache");
}

/// Whether the saved files are the run's first files in read order, each unchanged up to its
/// saved offset.
fn check_files(
    saved: &[SavedFile],
    files: &[TrackedFile],
    ctx: &PassContext<'_>,
) -> Result<(), String> {
    if saved.len() > files.len()
        || saved
            .iter()
            .zip(files)
            .any(|(s, f)| s.rel_path != f.rel_path)
    {
        return Err("its files are not those saved".to_owned());
    }
    for (s, f) in saved.iter().zip(files) {
        if f.listed_size < s.resume_offset {
            return Err(format!(
                "{} is now {} bytes, shorter than the {} read",
                f.rel_path, f.listed_size, s.resume_offset
            ));
        }
        let same_version = s.version.is_some() && s.version == f.version;
        if same_version && s.listed_size == f.listed_size && ctx.source.versions_identify_content()
        {
            continue;
        }
        let fetch = |offset: u64, len: usize| -> Result<Vec<u8>, String> {
            let bytes = ctx
                .source
                .read_range(&f.rel_path, offset, len)
                .map_err(|e| format!("{}: {e}", f.rel_path))?;
            ctx.stats
                .bytes_fetched
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            Ok(bytes)
        };
        if fetch(0, s.head.len())? != s.head {
            return Err(format!("{}: its first bytes changed", f.rel_path));
        }
        let tail_start = s.resume_offset - s.tail.len() as u64;
        if fetch(tail_start, s.tail.len())? != s.tail {
            return Err(format!(
                "{}: its bytes before offset {} changed",
                f.rel_path, s.resume_offset
            ));
        }
    }
    Ok(())
}

fn load_file(run: &TrackedRun, file: &mut TrackedFile, ctx: &PassContext<'_>) {
    let size = match ctx.source.size(&file.rel_path) {
        Ok(size) => size,
        Err(e) => return report_once(run, file, 0, ProblemKind::IoError, e.to_string()),
    };
    file.size = size;
    let from = file.reader.resume_at();
    if size < from {
        return report_once(
            run,
            file,
            size,
            ProblemKind::IoError,
            format!("file shrank from {from} to {size} bytes; the rest is not re-read"),
        );
    }
    // The file answers again: an I/O error reported earlier (storage down, say) is over. A
    // shrunk file never gets here, so its report stays.
    if file.reported {
        file.reported = false;
        if run
            .index
            .write()
            .clear_problems(&file.rel_path, ProblemKind::IoError)
        {
            ctx.generation.fetch_add(1, Ordering::Relaxed);
        }
    }
    if size == from {
        return;
    }
    let mut source = match ctx.source.open_at(&file.rel_path, from) {
        Ok(s) => s.take(size - from),
        Err(e) => return report_once(run, file, from, ProblemKind::IoError, e.to_string()),
    };
    loop {
        if ctx.stop.load(Ordering::Relaxed) {
            break;
        }
        match file.reader.fill_from(&mut source) {
            Ok(0) => break,
            Ok(n) => {
                ctx.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
                ctx.stats
                    .bytes_fetched
                    .fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(e) => {
                report_once(
                    run,
                    file,
                    file.reader.resume_at(),
                    ProblemKind::IoError,
                    e.to_string(),
                );
                break;
            }
        }
        drain(run, file, ctx.limits);
        file.remember_consumed();
        ctx.generation.fetch_add(1, Ordering::Relaxed);
    }
    file.reader.release();
}

/// Decodes every complete record buffered in `file`.
fn drain(run: &TrackedRun, file: &mut TrackedFile, limits: &SampleLimits) {
    let mut data = run.index.write();
    data.note_format(file.format);
    loop {
        match file.reader.next_record() {
            Next::Record(record) => {
                let mut sink = Ingest {
                    data: &mut data,
                    limits,
                };
                if let Err(e) = decode_event(file.format, record.payload, &mut sink) {
                    let problem = Problem {
                        file: file.rel_path.clone(),
                        offset: record.offset,
                        kind: ProblemKind::DecodeError,
                        message: e.to_string(),
                    };
                    data.add_problem(problem, true);
                }
                // A graph record that frames and decodes as an event but whose graph does not.
                if let Some(message) = data.graphs.unreported_error.take() {
                    let problem = Problem {
                        file: file.rel_path.clone(),
                        offset: record.offset,
                        kind: ProblemKind::DecodeError,
                        message,
                    };
                    data.add_problem(problem, true);
                }
            }
            Next::Problem(p) => {
                let message = match p.kind {
                    vizjobs_events::ProblemKind::BadDataCrc => {
                        "payload checksum mismatch: record skipped"
                    }
                    vizjobs_events::ProblemKind::BadLengthCrc => {
                        "length checksum mismatch: skipped to the next valid record"
                    }
                    vizjobs_events::ProblemKind::NotAnEventFile => {
                        "not an event file (no valid record header)"
                    }
                };
                let problem = Problem {
                    file: file.rel_path.clone(),
                    offset: p.offset,
                    kind: p.kind.into(),
                    message: message.to_owned(),
                };
                data.add_problem(problem, true);
            }
            Next::NeedMore => break,
        }
    }
}

fn report_once(
    run: &TrackedRun,
    file: &mut TrackedFile,
    offset: u64,
    kind: ProblemKind,
    message: String,
) {
    if file.reported {
        return;
    }
    file.reported = true;
    let problem = Problem {
        file: file.rel_path.clone(),
        offset,
        kind,
        message,
    };
    run.index.write().add_problem(problem, false);
}
