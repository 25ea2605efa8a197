//! `vizjobs board --logdir DIR`: the quick path, like `tensorboard --logdir`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Arc;

use vizjobs_engine::{Board, CacheSettings, RunCache};
use vizjobs_server::dashboard::HostCheck;

use crate::serve::EngineArgs;

#[derive(clap::Args, Debug)]
pub struct BoardArgs {
    /// The folder training writes its logs to; every folder below it with event files is a run.
    #[arg(long, env = "VIZJOBS_LOGDIR")]
    logdir: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "VIZJOBS_BOARD_LISTEN", default_value = "127.0.0.1:6006")]
    listen: SocketAddr,
    /// Serve on a non-loopback address, and answer any `Host` name, although the board has no
    /// authentication (without it only loopback names and the listen address are answered,
    /// which stops DNS rebinding).
    #[arg(long)]
    allow_remote: bool,
    /// Title of the page [default: the logdir's name].
    #[arg(long)]
    title: Option<String>,
    /// Keep what was parsed in this directory, so that running the board again on the same
    /// logdir restores it and reads only what the logs gained [default: off].
    #[arg(long, env = "VIZJOBS_CACHE_DIR", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Size limit of the cache directory in GiB, least recently used entries deleted past it.
    #[arg(long, env = "VIZJOBS_CACHE_MAX_GB", default_value_t = 10.0)]
    cache_max_gb: f64,
    #[command(flatten)]
    engine: EngineArgs,
}

pub async fn run(args: BoardArgs) -> anyhow::Result<()> {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        bail!(
            "{} is not a loopback address and `vizjobs board` has no authentication; \
             pass --allow-remote to serve it anyway, or use `vizjobs serve` for jobs with logins",
            args.listen
        );
    }
    if !args.logdir.is_dir() {
        bail!("{} is not a directory", args.logdir.display());
    }
    let mut config = args.engine.engine_config()?;
    config.title = args.title.clone().unwrap_or_else(|| {
        args.logdir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "vizjobs".to_owned())
    });
    if let Some(dir) = &args.cache_dir {
        if !(args.cache_max_gb.is_finite() && args.cache_max_gb > 0.0) {
            bail!(
                "--cache-max-gb must be a positive size in GiB, got {}",
                args.cache_max_gb
            );
        }
        let settings = CacheSettings {
            max_bytes: (args.cache_max_gb * (1u64 << 30) as f64) as u64,
            ..CacheSettings::default()
        };
        config.cache = Some(Arc::new(RunCache::open(dir, settings)?));
    }
    let board = Board::open(args.logdir.clone(), config);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let local = listener.local_addr()?;
    let hosts = if args.allow_remote {
        HostCheck::Any
    } else {
        HostCheck::LoopbackAnd(local.ip())
    };
    let router = vizjobs_server::dashboard::board_router(&board, hosts);
    let server = tokio::spawn(vizjobs_server::http::serve(
        listener,
        router,
        crate::serve::shutdown_signal(),
        vizjobs_server::http::ServeOptions::new(),
    ));
    show_progress(&board).await;
    println!(
        "vizjobs board is serving {} at http://{local}/",
        args.logdir.display()
    );
    server.await.context("server task")?;
    // Waits for the last saves to the cache, if there is one.
    let closing = board.clone();
    tokio::task::spawn_blocking(move || closing.close_and_wait())
        .await
        .context("closing the board")?;
    Ok(())
}

/// A progress bar over the bytes of the first load (hidden when stderr is not a terminal).
async fn show_progress(board: &Board) {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "loading {bar:30} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    loop {
        let p = board.progress();
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_read);
        bar.set_message(format!("{} runs, {} files", p.runs, p.files));
        if p.first_load_done {
            break;
        }
        tokio::select! {
            _ = board.wait_first_load() => {}
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
    bar.finish_and_clear();
}
