//! One load pass over one run: read whatever its files gained since the last pass.
//!
//! Each file keeps its [`RecordReader`], so a pass resumes exactly where the previous one
//! stopped, including inside a half-written record. The run's data lock is taken per chunk of
//! bytes read (128 KiB), never for a whole file, so the data API stays responsive while a
//! large run loads.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock};
use vizjobs_events::{EventFormat, Next, RecordReader, decode_event};

use crate::config::SampleLimits;
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
    reader: RecordReader,
    /// Set while a shrink or I/O error is reported, so it is reported once; cleared (with the
    /// report) when the file reads again.
    reported: bool,
}

impl TrackedFile {
    pub fn new(rel_path: String, format: EventFormat, order: FileOrder, size: u64) -> Self {
        TrackedFile {
            rel_path,
            format,
            order,
            size,
            reader: RecordReader::new(),
            reported: false,
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.reader.heap_bytes() + self.rel_path.capacity()
    }
}

/// A run being followed: its files and the index of what they hold.
#[derive(Debug)]
pub struct TrackedRun {
    pub name: String,
    pub files: Mutex<Vec<TrackedFile>>,
    pub index: RwLock<RunIndex>,
    /// Whether a full pass over the run has completed.
    pub loaded: AtomicBool,
}

impl TrackedRun {
    pub fn new(name: String) -> Self {
        TrackedRun {
            name,
            files: Mutex::new(Vec::new()),
            index: RwLock::new(RunIndex::default()),
            loaded: AtomicBool::new(false),
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
}

/// Reads the new bytes of every file of `run`, in order.
pub fn load_run(run: &TrackedRun, ctx: &PassContext<'_>) {
    let mut files = run.files.lock();
    for file in files.iter_mut() {
        if ctx.stop.load(Ordering::Relaxed) {
            return;
        }
        load_file(run, file, ctx);
    }
    run.index.write().shrink();
    run.loaded.store(true, Ordering::Release);
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
