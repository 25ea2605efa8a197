//! Dashboard logs in S3-compatible object storage (AWS S3, Huawei OBS, MinIO, Ceph RGW).
//!
//! - [`config`]: the deployment's endpoint, region, credentials, addressing, TLS and retries;
//! - [`client`]: [`ObjectStorage`], one configured service with a shared, concurrency-limited
//!   client per bucket (built on the `object_store` crate);
//! - [`source`]: [`ObjectSource`], the engine's `LogSource` over one `bucket/prefix`, with
//!   listing, ranged reads of growing objects, and outage reporting;
//! - [`runtime`], [`reader`]: how the engine's blocking loader threads drive the async client;
//! - [`testing`]: a loopback S3 server for tests and benchmarks.

pub mod client;
pub mod config;
pub mod error;
pub mod reader;
pub mod runtime;
pub mod source;
pub mod testing;

pub use client::ObjectStorage;
pub use config::{Addressing, RetrySettings, S3Config, Secret, StaticCredentials};
pub use error::ObjStoreError;
pub use source::{ObjectPrefix, ObjectSource};

/// The client library, for callers that write objects (tests, tools).
pub use object_store;
