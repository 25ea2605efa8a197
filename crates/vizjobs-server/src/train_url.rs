//! Resolving a job's `train_url` to a place the dashboard may read.
//!
//! Three forms name object storage (`/bucket/path/`, `obs://bucket/path/`, `s3://bucket/path/`);
//! an absolute path under one of the operator's local roots names a directory on this server.
//! A bare `/x/y` is therefore read as local when it lies under a local root, and as a bucket path
//! otherwise. Nothing outside the roots (or the object-storage allowlist) is ever accepted, and
//! `..` segments are refused outright rather than normalised, so a path cannot climb out.

use std::path::{Component, Path, PathBuf};

use vizjobs_api::{ApiError, ErrorCode};

use crate::runner::LogLocation;

/// What an operator allows jobs to read.
#[derive(Debug, Clone, Default)]
pub struct StorageRoots {
    /// Directories (canonical) under which local `train_url`s may point.
    pub local_roots: Vec<PathBuf>,
    /// Whether object storage is configured; without it, bucket paths are refused.
    pub object_storage: bool,
    /// Allowed `bucket/prefix` entries when object storage is on (empty: any). An entry allows
    /// its folder and everything below it, matched segment by segment: `logs/exp` allows
    /// `logs/exp/run1` but not `logs/exp2`.
    pub object_allowlist: Vec<String>,
}

fn reject(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadTrainUrl, message)
}

impl StorageRoots {
    /// Canonicalises the roots, creating them if they do not exist yet.
    pub fn new(local_roots: &[PathBuf]) -> std::io::Result<Self> {
        let mut canonical = Vec::new();
        for root in local_roots {
            std::fs::create_dir_all(root)?;
            canonical.push(root.canonicalize()?);
        }
        Ok(Self {
            local_roots: canonical,
            ..Self::default()
        })
    }

    /// Turns object storage on, jobs reading only under the `allowlist` entries (`bucket` or
    /// `bucket/prefix`; an `s3://`, `obs://` or leading `/` is accepted and dropped).
    pub fn with_object_storage(mut self, allowlist: &[String]) -> Result<Self, String> {
        let mut entries = Vec::with_capacity(allowlist.len());
        for entry in allowlist {
            let path = entry
                .strip_prefix("s3://")
                .or_else(|| entry.strip_prefix("obs://"))
                .unwrap_or(entry)
                .trim_matches('/');
            let segments: Vec<&str> = path.split('/').collect();
            if path.is_empty()
                || segments
                    .iter()
                    .any(|s| s.is_empty() || *s == "." || *s == "..")
            {
                return Err(format!(
                    "object storage allowlist entry {entry:?} is not BUCKET or BUCKET/PREFIX"
                ));
            }
            entries.push(path.to_owned());
        }
        self.object_storage = true;
        self.object_allowlist = entries;
        Ok(self)
    }

    pub fn resolve(&self, train_url: &str) -> Result<LogLocation, ApiError> {
        if train_url.contains('\0') || train_url.chars().any(char::is_control) {
            return Err(reject("train_url holds control characters"));
        }
        if train_url.len() > 1024 {
            return Err(reject("train_url is longer than 1024 bytes"));
        }
        let (scheme_object, path) = if let Some(rest) = train_url.strip_prefix("obs://") {
            (true, rest)
        } else if let Some(rest) = train_url.strip_prefix("s3://") {
            (true, rest)
        } else if train_url.starts_with('/') {
            (false, train_url)
        } else {
            return Err(reject(format!(
                "train_url must be an absolute path, obs:// or s3:// URL, got {train_url:?}"
            )));
        };
        if path.split(['/', '\\']).any(|seg| seg == "..") {
            return Err(reject("train_url must not contain '..'"));
        }
        if !scheme_object && let Some((dir, root)) = self.local(Path::new(path))? {
            return Ok(LogLocation::Local { dir, root });
        }
        self.object(path.trim_start_matches('/'))
    }

    /// The directory, if `path` lies under a local root. A directory that does not exist yet is
    /// allowed (training may not have started); its nearest existing ancestor is canonicalised so
    /// a symbolic link cannot lead outside the root.
    fn local(&self, path: &Path) -> Result<Option<(PathBuf, PathBuf)>, ApiError> {
        if !path
            .components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
        {
            return Ok(None);
        }
        let mut existing = path.to_path_buf();
        let mut missing = Vec::new();
        while !existing.exists() {
            match (existing.file_name(), existing.parent()) {
                (Some(name), Some(parent)) => {
                    missing.push(name.to_owned());
                    existing = parent.to_path_buf();
                }
                _ => return Ok(None),
            }
        }
        let Ok(mut resolved) = existing.canonicalize() else {
            return Ok(None);
        };
        for name in missing.into_iter().rev() {
            resolved.push(name);
        }
        if let Some(root) = self
            .local_roots
            .iter()
            .find(|root| resolved.starts_with(root))
        {
            Ok(Some((resolved, root.clone())))
        } else if self
            .local_roots
            .iter()
            .any(|root| path.starts_with(root) || root.starts_with(path))
        {
            Err(reject(
                "train_url leads outside the allowed directories (through a symbolic link)",
            ))
        } else {
            Ok(None)
        }
    }

    fn object(&self, path: &str) -> Result<LogLocation, ApiError> {
        if !self.object_storage {
            return Err(reject(
                "train_url is neither under an allowed local directory nor in object storage (none is configured)",
            ));
        }
        let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
        if bucket.is_empty() {
            return Err(reject("train_url names no bucket"));
        }
        if !prefix.is_empty() && prefix.trim_end_matches('/').split('/').any(str::is_empty) {
            return Err(reject("train_url has an empty path segment ('//')"));
        }
        let wanted: Vec<&str> = std::iter::once(bucket)
            .chain(prefix.split('/').filter(|s| !s.is_empty()))
            .collect();
        let permits = |allowed: &String| {
            let allowed: Vec<&str> = allowed.split('/').filter(|s| !s.is_empty()).collect();
            wanted.starts_with(&allowed)
        };
        if !self.object_allowlist.is_empty() && !self.object_allowlist.iter().any(permits) {
            return Err(reject(format!(
                "train_url {bucket}/{prefix} is outside the allowed buckets and prefixes"
            )));
        }
        Ok(LogLocation::Object {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_must_stay_under_a_root() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("logs");
        let roots = StorageRoots::new(std::slice::from_ref(&root)).unwrap();
        let root = root.canonicalize().unwrap();
        std::fs::create_dir_all(root.join("exp1")).unwrap();

        let ok = roots.resolve(&format!("{}/exp1/", root.display())).unwrap();
        assert_eq!(
            ok,
            LogLocation::Local {
                dir: root.join("exp1"),
                root: root.clone()
            }
        );
        let not_yet = roots
            .resolve(&format!("{}/later/run", root.display()))
            .unwrap();
        assert_eq!(
            not_yet,
            LogLocation::Local {
                dir: root.join("later/run"),
                root: root.clone()
            }
        );

        for bad in [
            format!("{}/../etc", root.display()),
            "/etc/passwd".to_owned(),
            "relative/path".to_owned(),
            "http://example.com/x".to_owned(),
            format!("{}/a\0b", root.display()),
        ] {
            let err = roots.resolve(&bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::BadTrainUrl, "{bad}");
        }
    }

    #[test]
    fn symlink_out_of_the_root_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("logs");
        let roots = StorageRoots::new(std::slice::from_ref(&root)).unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        let err = roots
            .resolve(&format!(
                "{}/link/x",
                root.canonicalize().unwrap().display()
            ))
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::BadTrainUrl);
    }

    #[test]
    fn bucket_paths_need_object_storage_and_the_allowlist() {
        let mut roots = StorageRoots::default();
        assert!(roots.resolve("obs://bucket/logs/").is_err());
        roots.object_storage = true;
        roots.object_allowlist = vec!["bucket/logs/".into()];
        assert_eq!(
            roots.resolve("/bucket/logs/run1/").unwrap(),
            LogLocation::Object {
                bucket: "bucket".into(),
                prefix: "logs/run1/".into()
            }
        );
        assert!(roots.resolve("s3://bucket/logs/x").is_ok());
        assert!(roots.resolve("s3://other/logs/x").is_err());
        assert!(roots.resolve("s3://bucket/logs/../../x").is_err());
    }

    #[test]
    fn allowlist_entries_match_whole_segments() {
        let roots = StorageRoots::default()
            .with_object_storage(&["s3://bucket/logs/exp".into(), "whole".into()])
            .unwrap();
        assert_eq!(roots.object_allowlist, vec!["bucket/logs/exp", "whole"]);
        for ok in [
            "s3://bucket/logs/exp",
            "obs://bucket/logs/exp/",
            "/bucket/logs/exp/run1/",
            "s3://whole/",
            "s3://whole/any/thing",
        ] {
            assert!(roots.resolve(ok).is_ok(), "{ok}");
        }
        for bad in [
            "s3://bucket/logs/exp2",
            "s3://bucket/logs",
            "s3://wholesale/x",
            "s3://bucket/logs//exp",
        ] {
            let err = roots.resolve(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::BadTrainUrl, "{bad}");
        }
        for bad_entry in ["", "/", "b//p", "b/../c", "s3://"] {
            assert!(
                StorageRoots::default()
                    .with_object_storage(&[bad_entry.to_owned()])
                    .is_err(),
                "{bad_entry:?}"
            );
        }
    }
}
