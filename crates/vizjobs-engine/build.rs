//! The index fingerprint: a hash of the sources that define what the persistent cache saves
//! (the engine's index and loader, `src/cache/`) and how records become it (`vizjobs-events`).
//! Entries written by a build with another fingerprint are ignored (`src/cache/mod.rs`), so a
//! change to any of them can never make an old entry decode into something it does not mean.
//! A change that leaves the index alone costs a fresh read after the upgrade, nothing worse.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let roots = [manifest.join("src"), manifest.join("../vizjobs-events/src")];
    let mut files = Vec::new();
    for root in &roots {
        println!("cargo::rerun-if-changed={}", root.display());
        collect(root, &mut files);
    }
    files.sort();
    // FNV-1a over each file's path (relative) and bytes.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for file in &files {
        let rel = file.strip_prefix(&manifest).unwrap_or(file);
        feed(rel.to_string_lossy().as_bytes());
        feed(&std::fs::read(file).unwrap_or_default());
    }
    println!("cargo::rustc-env=VIZJOBS_INDEX_FINGERPRINT={hash:016x}");
}

/// Every `.rs` file under `dir`, but the data API's (`src/api/`), which saves nothing.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(items) = std::fs::read_dir(dir) else {
        return;
    };
    for item in items.flatten() {
        let path = item.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "api") {
                collect(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
