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
    /// What changes when the file's content does, if the storage says: an object's ETag, or a
    /// local file's inode and modification time. The persistent cache compares it.
    pub version: Option<String>,
}

/// Read access to a logdir.
pub trait LogSource: Send + Sync {
    /// Every regular file under the logdir, recursively.
    fn list(&self) -> io::Result<Vec<SourceFile>>;
    /// Current size of one file.
    fn size(&self, rel_path: &str) -> io::Result<u64>;
    /// A reader positioned at `offset`.
    fn open_at(&self, rel_path: &str, offset: u64) -> io::Result<Box<dyn Read + Send>>;

    /// The `len` bytes at `offset` (fewer at the end of the file).
    fn read_range(&self, rel_path: &str, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(len);
        self.open_at(rel_path, offset)?
            .take(len as u64)
            .read_to_end(&mut out)?;
        Ok(out)
    }

    /// Whether an unchanged [`SourceFile::version`] with an unchanged size proves the bytes
    /// unchanged (an ETag, a hash of the content), so a restored file need not be read to be
    /// checked. A modification time proves nothing: a file can be rewritten within its
    /// granularity.
    fn versions_identify_content(&self) -> bool {
        false
    }
}

/// A logdir on a local (or mounted) file system. Symlinks are followed; loops are skipped.
///
/// A server reads logdirs on behalf of users who can write into them, so a symbolic link in a
/// logdir must not become a way to read files elsewhere on the server: a [`LocalDisk::confined`]
/// source follows a link only when its real target lies under the boundary directory, and checks
/// the real path of every file it opens.
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
    /// Canonical directory that every file read must really lie under; `None`: no limit.
    boundary: Option<PathBuf>,
}

impl LocalDisk {
    /// A logdir whose links are followed wherever they lead (the standalone board, reading the
    /// user's own files).
    pub fn new(root: PathBuf) -> Self {
        LocalDisk {
            root,
            boundary: None,
        }
    }

    /// A logdir whose files must really lie under `boundary` (an allowed log root, which must
    /// exist).
    pub fn confined(root: PathBuf, boundary: &Path) -> io::Result<Self> {
        Ok(LocalDisk {
            root,
            boundary: Some(boundary.canonicalize()?),
        })
    }

    /// Whether `path`'s real location is allowed.
    fn allowed(&self, path: &Path) -> bool {
        match &self.boundary {
            None => true,
            Some(boundary) => path
                .canonicalize()
                .is_ok_and(|real| real.starts_with(boundary)),
        }
    }

    fn outside_error(rel_path: &str) -> io::Error {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{rel_path} leads outside the allowed log directories"),
        )
    }

    fn path(&self, rel_path: &str) -> PathBuf {
        rel_path
            .split('/')
            .fold(self.root.clone(), |p, part| p.join(part))
    }
}

impl LogSource for LocalDisk {
    fn list(&self) -> io::Result<Vec<SourceFile>> {
        if !self.root.exists() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the log folder does not exist (yet)",
            ));
        }
        if !self.root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the log folder is not a directory",
            ));
        }
        if !self.allowed(&self.root) {
            return Err(Self::outside_error("the logdir"));
        }
        let mut out = Vec::new();
        let walk = walkdir::WalkDir::new(&self.root)
            .follow_links(true)
            .into_iter()
            // Only links can lead out of a checked root, so only links need resolving; a link
            // that leads out is pruned with everything under it.
            .filter_entry(|e| !e.path_is_symlink() || self.allowed(e.path()));
        for entry in walk {
            // Unreadable subfolders and symlink loops are skipped, not fatal.
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_file() {
                continue;
            }
            let Some(rel_path) = relative(&self.root, entry.path()) else {
                continue;
            };
            let meta = entry.metadata().ok();
            let size = meta.as_ref().map_or(0, |m| m.len());
            out.push(SourceFile {
                rel_path,
                size,
                version: meta.as_ref().and_then(local_version),
            });
        }
        Ok(out)
    }

    fn size(&self, rel_path: &str) -> io::Result<u64> {
        let path = self.path(rel_path);
        if !self.allowed(&path) {
            return Err(Self::outside_error(rel_path));
        }
        Ok(std::fs::metadata(path)?.len())
    }

    fn open_at(&self, rel_path: &str, offset: u64) -> io::Result<Box<dyn Read + Send>> {
        let path = self.path(rel_path);
        let mut f = File::open(&path)?;
        // Checked on the opened file, not the path, so a link swapped in between a check and
        // the open cannot slip through.
        if let Some(boundary) = &self.boundary
            && !opened_path(&f, &path).is_some_and(|real| real.starts_with(boundary))
        {
            return Err(Self::outside_error(rel_path));
        }
        f.seek(SeekFrom::Start(offset))?;
        Ok(Box::new(f))
    }
}

/// A local file's inode and modification time (nanoseconds since the epoch).
fn local_version(meta: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "{}:{}:{}",
        meta.dev(),
        meta.ino(),
        modified.as_nanos()
    ))
}

/// The real path of an open file.
#[cfg(target_os = "linux")]
fn opened_path(f: &File, _path: &Path) -> Option<PathBuf> {
    use std::os::fd::AsRawFd;
    std::fs::read_link(format!("/proc/self/fd/{}", f.as_raw_fd())).ok()
}

#[cfg(not(target_os = "linux"))]
fn opened_path(_f: &File, path: &Path) -> Option<PathBuf> {
    path.canonicalize().ok()
}

/// `path` relative to `root`, `/`-separated; `None` for non-UTF-8 names.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &LocalDisk) -> Vec<String> {
        let mut names: Vec<String> = source
            .list()
            .expect("list")
            .into_iter()
            .map(|f| f.rel_path)
            .collect();
        names.sort();
        names
    }

    #[test]
    fn confined_sources_do_not_follow_links_out_of_the_boundary() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        let logdir = root.join("logs");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(logdir.join("run")).unwrap();
        std::fs::create_dir_all(root.join("shared")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(logdir.join("run/a"), b"inside").unwrap();
        std::fs::write(root.join("shared/b"), b"shared").unwrap();
        std::fs::write(outside.join("secret"), b"secret").unwrap();
        std::os::unix::fs::symlink(&outside, logdir.join("out_dir")).unwrap();
        std::os::unix::fs::symlink(outside.join("secret"), logdir.join("run/out_file")).unwrap();
        std::os::unix::fs::symlink(root.join("shared"), logdir.join("in_dir")).unwrap();

        let open = LocalDisk::new(logdir.clone());
        assert_eq!(
            names(&open),
            ["in_dir/b", "out_dir/secret", "run/a", "run/out_file"]
        );

        let confined = LocalDisk::confined(logdir.clone(), &root).unwrap();
        assert_eq!(names(&confined), ["in_dir/b", "run/a"]);
        let mut text = String::new();
        confined
            .open_at("in_dir/b", 0)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "shared");
        for escaping in ["out_dir/secret", "run/out_file"] {
            let err = confined.open_at(escaping, 0).err().expect(escaping);
            assert_eq!(err.kind(), io::ErrorKind::PermissionDenied, "{escaping}");
            assert!(confined.size(escaping).is_err(), "{escaping}");
        }
    }

    #[test]
    fn a_logdir_that_is_itself_a_link_out_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret"), b"secret").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("logs")).unwrap();
        let confined = LocalDisk::confined(root.join("logs"), &root).unwrap();
        assert_eq!(
            confined.list().unwrap_err().kind(),
            io::ErrorKind::PermissionDenied
        );
    }
}
