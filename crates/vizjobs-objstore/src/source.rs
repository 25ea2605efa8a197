//! [`ObjectSource`]: the engine's [`LogSource`] over the objects under one bucket prefix.
//!
//! - **Listing** is one paginated `ListObjectsV2` under the prefix per load pass; runs are the
//!   "folders" of the keys below it, exactly as on disk.
//! - **Sizes** come from that listing: the engine asks for the size of every file right after
//!   listing, so answering from it saves a `HEAD` per file per pass. A file the listing did not
//!   see is asked for with `HEAD`.
//! - **Reads** are ranged `GET`s from the engine's resume offset to the listed size, so a
//!   growing object (a writer re-uploading a longer version) costs only its new bytes.
//! - **Outages.** A failed listing is answered with the last good one, marked failed: every
//!   known file then fails its size check with the listing's error, which the engine records as
//!   an `io_error` problem of the file's run, visible in `/data/runs` until the storage answers
//!   again. The first listing has nothing to fall back on and fails as is: the engine shows
//!   that as the logdir's error in `/data/logdir`. Each change between healthy and failing
//!   is logged once, with the location and the reason, so a job's log tells when storage went and
//!   came back; the next good listing makes the source healthy again.

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStore, ObjectStoreExt};
use vizjobs_engine::{LogSource, SourceFile};

use crate::error::to_io;
use crate::reader::ObjectReader;
use crate::runtime::IoRuntime;

/// The "folder" a source reads: a key prefix without leading or trailing `/` (`""`: the bucket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPrefix(Path);

impl ObjectPrefix {
    pub fn new(prefix: &str) -> Self {
        ObjectPrefix(Path::from(prefix.trim_matches('/')))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }
}

/// What the last listing found.
#[derive(Default)]
struct Listing {
    /// By path relative to the prefix: the object's key, its size and its ETag.
    objects: HashMap<String, (Path, u64, Option<String>)>,
    /// Whether any listing ever succeeded.
    listed_once: bool,
    /// Why the latest listing failed, if it did.
    failure: Option<(io::ErrorKind, String)>,
}

/// Reads the logs under `s3://bucket/prefix/`. See the module docs.
pub struct ObjectSource {
    runtime: Arc<IoRuntime>,
    store: Arc<dyn ObjectStore>,
    bucket: String,
    prefix: ObjectPrefix,
    /// Who reads (e.g. `job 42`), for the logs.
    reader_label: String,
    listing: Mutex<Listing>,
}

impl ObjectSource {
    pub(crate) fn new(
        runtime: Arc<IoRuntime>,
        store: Arc<dyn ObjectStore>,
        bucket: String,
        prefix: ObjectPrefix,
    ) -> Self {
        ObjectSource {
            runtime,
            store,
            bucket,
            prefix,
            reader_label: String::new(),
            listing: Mutex::new(Listing::default()),
        }
    }

    /// Names the reader in log lines (a job, say).
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.reader_label = label.into();
        self
    }

    /// `s3://bucket/prefix/`, for messages.
    pub fn url(&self) -> String {
        match self.prefix.as_str() {
            "" => format!("s3://{}/", self.bucket),
            prefix => format!("s3://{}/{prefix}/", self.bucket),
        }
    }

    fn listing(&self) -> std::sync::MutexGuard<'_, Listing> {
        self.listing.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key of `rel_path`: from the listing, else built from the prefix.
    fn key(&self, rel_path: &str) -> Path {
        if let Some((key, _, _)) = self.listing().objects.get(rel_path) {
            return key.clone();
        }
        rel_path
            .split('/')
            .fold(self.prefix.0.clone(), |key, part| key.join(part))
    }

    fn list_now(&self) -> io::Result<Vec<ObjectMeta>> {
        let store = self.store.clone();
        let prefix = self.prefix.0.clone();
        let found = self.runtime.run(async move {
            let prefix = (!prefix.as_ref().is_empty()).then_some(prefix);
            store.list(prefix.as_ref()).try_collect::<Vec<_>>().await
        })?;
        found.map_err(|e| to_io(&self.url(), e))
    }

    /// Records a good listing and returns the engine's view of it.
    fn adopt(&self, found: Vec<ObjectMeta>) -> Vec<SourceFile> {
        let mut objects = HashMap::with_capacity(found.len());
        let mut files = Vec::with_capacity(found.len());
        for meta in found {
            let Some(parts) = meta.location.prefix_match(&self.prefix.0) else {
                continue;
            };
            let rel_path = parts
                .map(|p| p.as_ref().to_owned())
                .collect::<Vec<_>>()
                .join("/");
            if rel_path.is_empty() {
                continue;
            }
            files.push(SourceFile {
                rel_path: rel_path.clone(),
                size: meta.size,
                version: meta.e_tag.clone(),
            });
            objects.insert(rel_path, (meta.location, meta.size, meta.e_tag));
        }
        let mut listing = self.listing();
        if let Some((_, reason)) = listing.failure.take() {
            tracing::info!(
                location = %self.url(), reader = %self.reader_label, previous_error = %reason,
                "object storage readable again"
            );
        }
        listing.objects = objects;
        listing.listed_once = true;
        files
    }

    /// Records a failed listing; the last good listing if there is one.
    fn fail(&self, error: io::Error) -> io::Result<Vec<SourceFile>> {
        let mut listing = self.listing();
        if listing.failure.is_none() {
            tracing::warn!(
                location = %self.url(), reader = %self.reader_label, error = %error,
                "cannot list object storage; the runs keep their data and report the error"
            );
        }
        listing.failure = Some((error.kind(), error.to_string()));
        if !listing.listed_once {
            return Err(error);
        }
        Ok(listing
            .objects
            .iter()
            .map(|(rel_path, (_, size, e_tag))| SourceFile {
                rel_path: rel_path.clone(),
                size: *size,
                version: e_tag.clone(),
            })
            .collect())
    }
}

impl LogSource for ObjectSource {
    fn list(&self) -> io::Result<Vec<SourceFile>> {
        match self.list_now() {
            Ok(found) => Ok(self.adopt(found)),
            Err(e) => self.fail(e),
        }
    }

    fn size(&self, rel_path: &str) -> io::Result<u64> {
        {
            let listing = self.listing();
            if let Some((kind, reason)) = &listing.failure {
                return Err(io::Error::new(*kind, reason.clone()));
            }
            if let Some((_, size, _)) = listing.objects.get(rel_path) {
                return Ok(*size);
            }
        }
        let key = self.key(rel_path);
        let store = self.store.clone();
        let head_key = key.clone();
        let meta = self
            .runtime
            .run(async move { store.head(&head_key).await })?;
        meta.map(|m| m.size)
            .map_err(|e| to_io(&format!("s3://{}/{key}", self.bucket), e))
    }

    fn open_at(&self, rel_path: &str, offset: u64) -> io::Result<Box<dyn Read + Send>> {
        let key = self.key(rel_path);
        let url = format!("s3://{}/{key}", self.bucket);
        let listed_size = self
            .listing()
            .objects
            .get(rel_path)
            .map(|(_, size, _)| *size);
        // Up to the listed size: the engine reads no further in this pass, and a bounded range
        // does not stream bytes of a still-growing object only to drop them.
        let range = match listed_size {
            Some(size) if size > offset => Some(GetRange::Bounded(offset..size)),
            _ if offset > 0 => Some(GetRange::Offset(offset)),
            _ => None,
        };
        let store = self.store.clone();
        let get_key = key.clone();
        let result = self.runtime.run(async move {
            let options = GetOptions {
                range,
                ..GetOptions::default()
            };
            store.get_opts(&get_key, options).await
        })?;
        let body = result.map_err(|e| to_io(&url, e))?.into_stream();
        Ok(Box::new(ObjectReader::new(self.runtime.clone(), body, url)))
    }

    /// One bounded ranged `GET`: the engine checks a few KiB of a restored file this way, and
    /// an open-ended read would stream bytes it drops.
    fn read_range(&self, rel_path: &str, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let key = self.key(rel_path);
        let url = format!("s3://{}/{key}", self.bucket);
        let store = self.store.clone();
        let range = GetRange::Bounded(offset..offset + len as u64);
        let result = self.runtime.run(async move {
            let options = GetOptions {
                range: Some(range),
                ..GetOptions::default()
            };
            match store.get_opts(&key, options).await {
                Ok(found) => found.bytes().await,
                Err(e) => Err(e),
            }
        })?;
        Ok(result.map_err(|e| to_io(&url, e))?.to_vec())
    }

    /// An S3 ETag is a hash of the object's content (of its parts, for a multipart upload).
    fn versions_identify_content(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_folders_without_slashes() {
        assert_eq!(ObjectPrefix::new("/logs/exp1/").as_str(), "logs/exp1");
        assert_eq!(ObjectPrefix::new("").as_str(), "");
        assert_eq!(ObjectPrefix::new("logs").as_str(), "logs");
    }
}
