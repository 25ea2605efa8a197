//! Where log files come from. Only the local disk today; object storage plugs in behind the same
//! three operations (list, size, read from an offset).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A file found under the logdir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the logdir, `/`-separated.
    pub rel_path: String,
    pub size: u64,
}

/// Read access to a logdir.
pub trait LogSource: Send + Sync {
    /// Every regular file under the logdir, recursively.
    fn list(&self) -> io::Result<Vec<SourceFile>>;
    /// Current size of one file.
    fn size(&self, rel_path: &str) -> io::Result<u64>;
    /// A reader positioned at `offset`.
    fn open_at(&self, rel_path: &str, offset: u64) -> io::Result<Box<dyn Read + Send>>;
}

/// A logdir on a local (or mounted) file system. Symlinks are followed; loops are skipped.
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    pub fn new(root: PathBuf) -> Self {
        LocalDisk { root }
    }

    fn path(&self, rel_path: &str) -> PathBuf {
        rel_path
            .split('/')
            .fold(self.root.clone(), |p, part| p.join(part))
    }
}

impl LogSource for LocalDisk {
    fn list(&self) -> io::Result<Vec<SourceFile>> {
        if !self.root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "logdir is not a directory",
            ));
        }
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&self.root).follow_links(true) {
            // Unreadable subfolders and symlink loops are skipped, not fatal.
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_file() {
                continue;
            }
            let Some(rel_path) = relative(&self.root, entry.path()) else {
                continue;
            };
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            out.push(SourceFile { rel_path, size });
        }
        Ok(out)
    }

    fn size(&self, rel_path: &str) -> io::Result<u64> {
        Ok(std::fs::metadata(self.path(rel_path))?.len())
    }

    fn open_at(&self, rel_path: &str, offset: u64) -> io::Result<Box<dyn Read + Send>> {
        let mut f = File::open(self.path(rel_path))?;
        f.seek(SeekFrom::Start(offset))?;
        Ok(Box::new(f))
    }
}

/// `path` relative to `root`, `/`-separated; `None` for non-UTF-8 names.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}
