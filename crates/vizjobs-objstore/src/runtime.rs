//! The bridge between the engine's blocking loader threads and the async S3 client.
//!
//! The engine calls [`LogSource`](vizjobs_engine::LogSource) from its own std threads (the loader
//! thread and the rayon pool). Each call spawns its future on a small runtime owned here and waits
//! for the answer on a channel. Spawning, rather than `Handle::block_on`, works from any thread,
//! including one that happens to sit inside another runtime, where `block_on` would panic.
//!
//! The runtime is shut down in the background when the last handle goes, so dropping a source
//! from async code (the server evicting an idle board) does not panic either.

use std::future::Future;
use std::io;
use std::sync::mpsc;

use tokio::runtime::{Builder, Handle, Runtime};

/// A dedicated multi-threaded runtime for object-storage I/O.
pub struct IoRuntime {
    /// Always `Some` until dropped; an `Option` so `Drop` can take it by value.
    runtime: Option<Runtime>,
    handle: Handle,
}

impl IoRuntime {
    pub fn new(worker_threads: usize) -> io::Result<Self> {
        let runtime = Builder::new_multi_thread()
            .worker_threads(worker_threads.max(1))
            .thread_name("vizjobs-objstore")
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        Ok(IoRuntime {
            runtime: Some(runtime),
            handle,
        })
    }

    /// Runs `future` on this runtime and waits for its output, from any thread.
    pub fn run<F>(&self, future: F) -> io::Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        self.handle.spawn(async move {
            // The receiver only goes away if the caller did, which it cannot while blocked.
            let _ = tx.send(future.await);
        });
        rx.recv()
            .map_err(|_| io::Error::other("the object storage runtime stopped before answering"))
    }
}

impl Drop for IoRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_futures_from_a_plain_thread() {
        let rt = IoRuntime::new(1).unwrap();
        let answer = rt
            .run(async {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                41 + 1
            })
            .unwrap();
        assert_eq!(answer, 42);
    }

    #[tokio::test]
    async fn runs_and_drops_inside_another_runtime() {
        let rt = IoRuntime::new(1).unwrap();
        // Blocks this runtime's only thread for a moment, but must neither panic nor deadlock:
        // the future runs on the I/O runtime's own thread.
        let answer = rt.run(async { "ok" }).unwrap();
        assert_eq!(answer, "ok");
        drop(rt);
    }
}
