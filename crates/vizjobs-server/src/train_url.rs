//! Resolving a job's `train_url` to a place the dashboard may read.
//!
//! Three forms name object storage (`/bucket/path/`, `obs://bucket/path/`, `s3://bucket/path/`);
//! an absolute path under one of the operator's local roots names a directory on this server.
//! A bare `/x/y` is therefore read as local when it lies under a local root, and as a bucket path
//! otherwise. Nothing outside the roots (or the object-storage allowlist) is ever accepted, and
//! `..` segments are refused outright rather than normalised, so a path cannot climb out.
//!
//! Tenants: with [`LogIsolation::Shared`] (the single-team default) every project may read
//! anywhere under the roots. With [`LogIsolation::Project`] a project reads only below its own
//! folder of each root, `<root>/<project_id>/…`, and its own prefix of each allowed bucket entry,
//! `<bucket>[/<prefix>]/<project_id>/…`; a job's local logdir is then also confined to its
//! project's folder, so a symbolic link cannot lead into another project's logs.

use std::path::{Component, Path, PathBuf};

use vizjobs_api::{ApiError, ErrorCode};

use crate::dashboard::runner::LogLocation;

/// Whether projects share the log roots or each reads below its own folder of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogIsolation {
    /// Every project may read anywhere under the roots: one team, one server.
    #[default]
    Shared,
    /// A project reads only `<root>/<project_id>/…` and `<bucket entry>/<project_id>/…`.
    Project,
}

impl std::str::FromStr for LogIsolation {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "shared" => Ok(Self::Shared),
            "project" => Ok(Self::Project),
            _ => Err(format!("expected shared or project, got {text:?}")),
        }
    }
}

/// An object-storage allowlist entry that names no bucket, or climbs (`..`).
#[derive(Debug, thiserror::Error)]
#[error("object storage allowlist entry {0:?} is not BUCKET or BUCKET/PREFIX")]
pub struct BadAllowlistEntry(pub String);

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
    pub isolation: LogIsolation,
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
    pub fn with_object_storage(mut self, allowlist: &[String]) -> Result<Self, BadAllowlistEntry> {
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
                return Err(BadAllowlistEntry(entry.clone()));
            }
            entries.push(path.to_owned());
        }
        self.object_storage = true;
        self.object_allowlist = entries;
        Ok(self)
    }

    /// Where a job of `project_id` whose `train_url` is this reads its logs.
    pub fn resolve(&self, project_id: &str, train_url: &str) -> Result<LogLocation, ApiError> {
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
            let root = match self.isolation {
                LogIsolation::Shared => root,
                LogIsolation::Project => {
                    // The folder is the job's confinement boundary, so it must exist (training
                    // may not have made it yet); made here, it is also where training can write.
                    let own = root.join(project_id);
                    std::fs::create_dir_all(&own)
                        .map_err(|e| reject(format!("cannot prepare {}: {e}", own.display())))?;
                    if !dir.starts_with(&own) {
                        return Err(reject(format!(
                            "train_url must lie in this project's folder of the log root, {}/",
                            own.display()
                        )));
                    }
                    own
                }
            };
            return Ok(LogLocation::Local { dir, root });
        }
        self.object(project_id, path.trim_start_matches('/'))
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

    fn object(&self, project_id: &str, path: &str) -> Result<LogLocation, ApiError> {
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
        let permits = |allowed: &str| {
            let mut allowed: Vec<&str> = allowed.split('/').filter(|s| !s.is_empty()).collect();
            if self.isolation == LogIsolation::Project {
                allowed.push(project_id);
            }
            wanted.starts_with(&allowed)
        };
        let permitted = if self.object_allowlist.is_empty() {
            permits(bucket)
        } else {
            self.object_allowlist.iter().any(|entry| permits(entry))
        };
        if !permitted {
            let own = match self.isolation {
                LogIsolation::Shared => "",
                LogIsolation::Project => " (this project's folder of them)",
            };
            return Err(reject(format!(
                "train_url {bucket}/{prefix} is outside the allowed buckets and prefixes{own}"
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

        let ok = roots
            .resolve("p1", &format!("{}/exp1/", root.display()))
            .unwrap();
        assert_eq!(
            ok,
            LogLocation::Local {
                dir: root.join("exp1"),
                root: root.clone()
            }
        );
        let not_yet = roots
            .resolve("p1", &format!("{}/later/run", root.display()))
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
            let err = roots.resolve("p1", &bad).unwrap_err();
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
            .resolve(
                "p1",
                &format!("{}/link/x", root.canonicalize().unwrap().display()),
            )
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::BadTrainUrl);
    }

    #[test]
    fn bucket_paths_need_object_storage_and_the_allowlist() {
        let mut roots = StorageRoots::default();
        assert!(roots.resolve("p1", "obs://bucket/logs/").is_err());
        roots.object_storage = true;
        roots.object_allowlist = vec!["bucket/logs/".into()];
        assert_eq!(
            roots.resolve("p1", "/bucket/logs/run1/").unwrap(),
            LogLocation::Object {
                bucket: "bucket".into(),
                prefix: "logs/run1/".into()
            }
        );
        assert!(roots.resolve("p1", "s3://bucket/logs/x").is_ok());
        assert!(roots.resolve("p1", "s3://other/logs/x").is_err());
        assert!(roots.resolve("p1", "s3://bucket/logs/../../x").is_err());
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
            assert!(roots.resolve("p1", ok).is_ok(), "{ok}");
        }
        for bad in [
            "s3://bucket/logs/exp2",
            "s3://bucket/logs",
            "s3://wholesale/x",
            "s3://bucket/logs//exp",
        ] {
            let err = roots.resolve("p1", bad).unwrap_err();
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

    #[test]
    fn isolated_projects_read_only_their_own_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("logs");
        let mut roots = StorageRoots::new(std::slice::from_ref(&root)).unwrap();
        roots.isolation = LogIsolation::Project;
        let root = root.canonicalize().unwrap();
        std::fs::create_dir_all(root.join("p1/exp")).unwrap();
        std::fs::create_dir_all(root.join("p2/secret")).unwrap();
        assert_eq!(
            roots
                .resolve("p1", &format!("{}/p1/exp", root.display()))
                .unwrap(),
            LogLocation::Local {
                dir: root.join("p1/exp"),
                root: root.join("p1"),
            }
        );
        for foreign in [
            format!("{}", root.display()),
            format!("{}/", root.display()),
            format!("{}/p2/secret", root.display()),
            format!("{}/p10/x", root.display()),
        ] {
            let err = roots.resolve("p1", &foreign).unwrap_err();
            assert_eq!(err.code, ErrorCode::BadTrainUrl, "{foreign}");
        }
        // A link inside p1's folder that leads into p2's is refused as well.
        std::os::unix::fs::symlink(root.join("p2/secret"), root.join("p1/link")).unwrap();
        assert!(
            roots
                .resolve("p1", &format!("{}/p1/link/x", root.display()))
                .is_err()
        );

        let roots = StorageRoots::default()
            .with_object_storage(&["bucket/logs".into()])
            .unwrap();
        let roots = StorageRoots {
            isolation: LogIsolation::Project,
            ..roots
        };
        assert!(roots.resolve("p1", "s3://bucket/logs/p1/run").is_ok());
        for foreign in [
            "s3://bucket/logs/",
            "s3://bucket/logs/p2/run",
            "s3://other/p1/",
        ] {
            assert!(roots.resolve("p1", foreign).is_err(), "{foreign}");
        }
        let any_bucket = StorageRoots {
            isolation: LogIsolation::Project,
            ..StorageRoots::default().with_object_storage(&[]).unwrap()
        };
        assert!(any_bucket.resolve("p1", "obs://b/p1/x").is_ok());
        assert!(any_bucket.resolve("p1", "obs://b/x").is_err());
    }
}
