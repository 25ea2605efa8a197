//! [`ObjectStorage`]: one configured S3-compatible service, handing out a client per bucket and
//! [`ObjectSource`]s for the engine.
//!
//! Clients are built on first use of a bucket and kept, so every board reading a bucket shares
//! its connection pool and its concurrency limit.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use object_store::aws::AmazonS3Builder;
use object_store::limit::LimitStore;
use object_store::{BackoffConfig, Certificate, ClientOptions, ObjectStore, RetryConfig};

use crate::config::{Addressing, S3Config};
use crate::error::ObjStoreError;
use crate::runtime::IoRuntime;
use crate::source::{ObjectPrefix, ObjectSource};

/// A shared handle on one S3-compatible service.
pub struct ObjectStorage {
    config: S3Config,
    /// Parsed once: the extra CA certificates of `config.ca_certificate`.
    roots: Vec<Certificate>,
    runtime: Arc<IoRuntime>,
    buckets: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
}

impl fmt::Debug for ObjectStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStorage")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Threads of the I/O runtime: requests are I/O bound, and the machine's cores belong to the
/// decoders.
const IO_THREADS: usize = 2;

impl ObjectStorage {
    /// Checks the settings (endpoint URL, CA file) and starts the I/O runtime. Nothing is
    /// contacted yet: a service that is down at start-up is reported by the boards reading it.
    pub fn new(config: S3Config) -> Result<Arc<Self>, ObjStoreError> {
        if let Some(endpoint) = &config.endpoint {
            let url = url::Url::parse(endpoint)
                .map_err(|e| ObjStoreError::Config(format!("endpoint {endpoint:?}: {e}")))?;
            match url.scheme() {
                "https" => {}
                "http" if config.allow_http => {}
                "http" => {
                    return Err(ObjStoreError::Config(format!(
                        "endpoint {endpoint} is plain http: allow it explicitly (allow-http)"
                    )));
                }
                other => {
                    return Err(ObjStoreError::Config(format!(
                        "endpoint scheme {other:?} is neither http nor https"
                    )));
                }
            }
            if url.host_str().is_none() {
                return Err(ObjStoreError::Config(format!(
                    "endpoint {endpoint} has no host"
                )));
            }
        }
        if config.region.trim().is_empty() {
            return Err(ObjStoreError::Config("region is empty".into()));
        }
        if config.max_concurrent_requests == 0 {
            return Err(ObjStoreError::Config(
                "max concurrent requests must be at least 1".into(),
            ));
        }
        let roots = match &config.ca_certificate {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|source| ObjStoreError::CaCertificate {
                    path: path.display().to_string(),
                    source,
                })?;
                Certificate::from_pem_bundle(&pem).map_err(|e| {
                    ObjStoreError::Config(format!("CA file {}: {e}", path.display()))
                })?
            }
            None => Vec::new(),
        };
        let runtime = Arc::new(IoRuntime::new(IO_THREADS).map_err(ObjStoreError::Runtime)?);
        Ok(Arc::new(ObjectStorage {
            config,
            roots,
            runtime,
            buckets: Mutex::new(HashMap::new()),
        }))
    }

    pub fn config(&self) -> &S3Config {
        &self.config
    }

    /// The (shared, concurrency-limited) client of `bucket`.
    pub fn bucket(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>, ObjStoreError> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(store) = buckets.get(bucket) {
            return Ok(store.clone());
        }
        let store: Arc<dyn ObjectStore> = Arc::new(LimitStore::new(
            self.build(bucket)?,
            self.config.max_concurrent_requests,
        ));
        buckets.insert(bucket.to_owned(), store.clone());
        Ok(store)
    }

    /// A log source over the objects under `prefix` (a folder; `""` for the whole bucket).
    pub fn source(
        self: &Arc<Self>,
        bucket: &str,
        prefix: &str,
    ) -> Result<ObjectSource, ObjStoreError> {
        let store = self.bucket(bucket)?;
        Ok(ObjectSource::new(
            self.runtime.clone(),
            store,
            bucket.to_owned(),
            ObjectPrefix::new(prefix),
        ))
    }

    fn build(&self, bucket: &str) -> Result<object_store::aws::AmazonS3, ObjStoreError> {
        let c = &self.config;
        let mut options = ClientOptions::new()
            .with_allow_http(c.allow_http)
            .with_timeout(c.request_timeout)
            .with_connect_timeout(c.connect_timeout)
            .with_allow_invalid_certificates(c.insecure_skip_tls_verify);
        for root in &self.roots {
            options = options.with_root_certificate(root.clone());
        }
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: c.retry.initial_backoff,
                max_backoff: c.retry.max_backoff,
                base: 2.0,
            },
            max_retries: c.retry.max_retries,
            retry_timeout: c.retry.retry_timeout,
        };
        let mut builder = match &c.credentials {
            Some(creds) => {
                let mut b = AmazonS3Builder::new()
                    .with_access_key_id(&creds.access_key_id)
                    .with_secret_access_key(creds.secret_access_key.expose());
                if let Some(token) = &creds.session_token {
                    b = b.with_token(token.expose());
                }
                b
            }
            // The standard AWS environment: keys, web identity, container or instance roles.
            None => AmazonS3Builder::from_env(),
        };
        builder = builder
            .with_bucket_name(bucket)
            .with_region(&c.region)
            .with_virtual_hosted_style_request(c.addressing == Addressing::VirtualHosted)
            .with_client_options(options)
            .with_retry(retry);
        if let Some(endpoint) = &c.endpoint {
            builder = builder.with_endpoint(bucket_endpoint(endpoint, bucket, c.addressing)?);
        }
        builder.build().map_err(|source| ObjStoreError::Client {
            bucket: bucket.to_owned(),
            source,
        })
    }
}

/// The endpoint requests for `bucket` go to. The operator gives the service endpoint; with
/// virtual-hosted addressing the client expects the bucket in the host already.
fn bucket_endpoint(
    endpoint: &str,
    bucket: &str,
    addressing: Addressing,
) -> Result<String, ObjStoreError> {
    let endpoint = endpoint.trim_end_matches('/');
    if addressing == Addressing::Path {
        return Ok(endpoint.to_owned());
    }
    let mut url = url::Url::parse(endpoint)
        .map_err(|e| ObjStoreError::Config(format!("endpoint {endpoint:?}: {e}")))?;
    let host = url
        .host_str()
        .ok_or_else(|| ObjStoreError::Config(format!("endpoint {endpoint} has no host")))?
        .to_owned();
    url.set_host(Some(&format!("{bucket}.{host}")))
        .map_err(|e| ObjStoreError::Config(format!("bucket {bucket:?} in a host name: {e}")))?;
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_hosted_endpoints_carry_the_bucket() {
        assert_eq!(
            bucket_endpoint(
                "https://obs.cn-north-4.myhuaweicloud.com/",
                "logs",
                Addressing::VirtualHosted
            )
            .unwrap(),
            "https://logs.obs.cn-north-4.myhuaweicloud.com"
        );
        assert_eq!(
            bucket_endpoint("http://127.0.0.1:9000", "logs", Addressing::Path).unwrap(),
            "http://127.0.0.1:9000"
        );
    }

    #[test]
    fn refuses_plain_http_unless_allowed() {
        let config = S3Config {
            endpoint: Some("http://127.0.0.1:9000".into()),
            ..S3Config::default()
        };
        let err = ObjectStorage::new(config.clone()).unwrap_err();
        assert!(err.to_string().contains("allow-http"), "{err}");
        let allowed = S3Config {
            allow_http: true,
            ..config
        };
        assert!(ObjectStorage::new(allowed).is_ok());
        let bad = S3Config {
            endpoint: Some("ftp://host".into()),
            ..S3Config::default()
        };
        assert!(ObjectStorage::new(bad).is_err());
    }
}
