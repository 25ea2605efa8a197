//! Shared by the S3 tests: the test server and an uploader with a runtime of its own.

#![allow(dead_code)]

use std::sync::Arc;

use vizjobs_objstore::object_store::path::Path;
use vizjobs_objstore::object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use vizjobs_objstore::testing::S3TestServer;
use vizjobs_objstore::{ObjectStorage, S3Config};

pub fn server() -> S3TestServer {
    S3TestServer::start().expect("the S3 test server must start (install it with .ci/s3.sh)")
}

/// Writes objects from a runtime of the test's own.
pub struct Uploader {
    rt: tokio::runtime::Runtime,
    store: Arc<dyn ObjectStore>,
}

impl Uploader {
    pub fn new(config: S3Config, bucket: &str) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let storage = ObjectStorage::new(config).unwrap();
        let store = storage.bucket(bucket).unwrap();
        Uploader { rt, store }
    }

    pub fn put(&self, key: &str, bytes: &[u8]) {
        let payload = PutPayload::from(bytes.to_vec());
        self.rt
            .block_on(self.store.put(&Path::from(key), payload))
            .expect("upload");
    }
}
