//! [`ObjectReader`]: the body of a `GET` as a blocking [`Read`].
//!
//! Each hop to the I/O runtime pulls body chunks until about [`BATCH_BYTES`] have arrived (or the
//! body ends), so the cost of crossing threads is paid per batch, not per network chunk.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::Arc;

use bytes::{Buf, Bytes};
use futures::StreamExt;
use futures::stream::BoxStream;

use crate::error::to_io;
use crate::runtime::IoRuntime;

/// Bytes gathered per hop into the I/O runtime; one hop serves several of the engine's reads
/// (128 KiB each).
const BATCH_BYTES: usize = 1 << 20;

type Body = BoxStream<'static, object_store::Result<Bytes>>;

pub struct ObjectReader {
    runtime: Arc<IoRuntime>,
    /// `None` once the body ended or failed.
    body: Option<Body>,
    ready: VecDeque<Bytes>,
    /// `s3://bucket/key`, for errors.
    url: String,
}

impl ObjectReader {
    pub fn new(runtime: Arc<IoRuntime>, body: Body, url: String) -> Self {
        ObjectReader {
            runtime,
            body: Some(body),
            ready: VecDeque::new(),
            url,
        }
    }

    /// Pulls the next batch; the body travels to the runtime and back with it.
    fn refill(&mut self) -> io::Result<()> {
        let Some(mut body) = self.body.take() else {
            return Ok(());
        };
        let (body, chunks, outcome) = self.runtime.run(async move {
            let mut chunks = Vec::new();
            let mut gathered = 0;
            let outcome = loop {
                match body.next().await {
                    Some(Ok(chunk)) => {
                        gathered += chunk.len();
                        chunks.push(chunk);
                        if gathered >= BATCH_BYTES {
                            break Ok(true);
                        }
                    }
                    Some(Err(e)) => break Err(e),
                    None => break Ok(false),
                }
            };
            (body, chunks, outcome)
        })?;
        self.ready
            .extend(chunks.into_iter().filter(|c| !c.is_empty()));
        match outcome {
            Ok(true) => {
                self.body = Some(body);
                Ok(())
            }
            Ok(false) => Ok(()),
            // Bytes that did arrive are still served; the error comes after them.
            Err(e) if !self.ready.is_empty() => {
                self.body = Some(Box::pin(futures::stream::once(async { Err(e) })));
                Ok(())
            }
            Err(e) => Err(to_io(&self.url, e)),
        }
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.ready.is_empty() {
            self.refill()?;
        }
        let Some(front) = self.ready.front_mut() else {
            return Ok(0);
        };
        let n = front.len().min(buf.len());
        buf[..n].copy_from_slice(&front[..n]);
        front.advance(n);
        if front.is_empty() {
            self.ready.pop_front();
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(chunks: Vec<object_store::Result<Bytes>>) -> Body {
        Box::pin(futures::stream::iter(chunks))
    }

    #[test]
    fn reads_every_byte_in_order() {
        let rt = Arc::new(IoRuntime::new(1).unwrap());
        let chunks = vec![
            Ok(Bytes::from_static(b"hello ")),
            Ok(Bytes::new()),
            Ok(Bytes::from_static(b"world")),
        ];
        let mut reader = ObjectReader::new(rt, body(chunks), "s3://b/k".into());
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!(out, "hello world");
    }

    #[test]
    fn an_error_comes_after_the_bytes_before_it() {
        let rt = Arc::new(IoRuntime::new(1).unwrap());
        let chunks = vec![
            Ok(Bytes::from_static(b"abc")),
            Err(object_store::Error::Generic {
                store: "S3",
                source: "connection reset".into(),
            }),
        ];
        let mut reader = ObjectReader::new(rt, body(chunks), "s3://b/k".into());
        let mut buf = [0u8; 8];
        assert_eq!(reader.read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"abc");
        let err = reader.read(&mut buf).unwrap_err();
        assert!(err.to_string().contains("connection reset"), "{err}");
        assert!(err.to_string().contains("s3://b/k"), "{err}");
    }
}
