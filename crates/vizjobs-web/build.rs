//! Builds the web front end in `../../web` with npm and Vite, and writes `embedded.rs` into
//! `OUT_DIR`: a sorted table of every built file as `(path, include_bytes!(..))`.
//!
//! The sources are copied into `OUT_DIR/web` first and npm runs there, so that several Cargo
//! target directories building the same work tree at once never share a `node_modules`. The
//! install is skipped when `node_modules` was made from the same `package-lock.json`.
//!
//! `VIZJOBS_WEB_DIST=/path/to/dist` embeds a bundle built elsewhere and needs no Node.js.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Vite 7 needs Node.js 20.19 or newer.
const MIN_NODE: (u32, u32) = (20, 19);
/// What is copied from `web/` (and watched for changes).
const WEB_INPUTS: &[&str] = &[
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
    "dashboard.html",
    "console.html",
    "src",
    "public",
];
/// The file in `node_modules` that records which lock file it was installed from.
const INSTALL_STAMP: &str = "node_modules/.vizjobs-installed-lock.json";

type BuildResult<T> = Result<T, String>;

fn main() {
    if let Err(message) = run() {
        eprintln!("error: vizjobs-web: {message}");
        std::process::exit(1);
    }
}

fn run() -> BuildResult<()> {
    println!("cargo:rerun-if-env-changed=VIZJOBS_WEB_DIST");
    let out_dir = PathBuf::from(env("OUT_DIR")?);
    let dist = match std::env::var_os("VIZJOBS_WEB_DIST") {
        Some(prebuilt) => {
            let prebuilt = PathBuf::from(prebuilt);
            println!("cargo:rerun-if-changed={}", prebuilt.display());
            prebuilt
        }
        None => build_with_npm(&out_dir)?,
    };
    let table = embed_table(&dist)?;
    fs::write(out_dir.join("embedded.rs"), table)
        .map_err(|e| format!("cannot write embedded.rs: {e}"))
}

fn env(name: &str) -> BuildResult<String> {
    std::env::var(name).map_err(|_| format!("{name} is not set (this runs under cargo)"))
}

fn build_with_npm(out_dir: &Path) -> BuildResult<PathBuf> {
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let web_src = manifest_dir.join("../../web");
    // Only existing paths: Cargo reruns the script on every build for a missing one.
    for input in WEB_INPUTS {
        let path = web_src.join(input);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    check_node()?;

    let work = out_dir.join("web");
    fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    for input in WEB_INPUTS {
        let from = web_src.join(input);
        let to = work.join(input);
        remove_if_present(&to)?;
        if from.exists() {
            copy_tree(&from, &to)?;
        }
    }

    install_packages(&work)?;
    let dist = work.join("dist");
    npm(&work, &["run", "build"])?;
    Ok(dist)
}

fn check_node() -> BuildResult<()> {
    const INSTALL_HINT: &str = "install Node.js 20.19 or newer (with npm) from your OS packages or \
        https://nodejs.org/, or set VIZJOBS_WEB_DIST to an already built web/dist";
    let output = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|e| format!("Node.js is needed to build the web front end, but `node` could not be run ({e}); {INSTALL_HINT}"))?;
    let version = String::from_utf8_lossy(&output.stdout);
    let parsed = parse_node_version(version.trim());
    match parsed {
        Some(v) if v >= MIN_NODE => {}
        _ => {
            return Err(format!(
                "Node.js {} found, but the web front end needs 20.19 or newer; {INSTALL_HINT}",
                version.trim()
            ));
        }
    }
    Command::new("npm")
        .arg("--version")
        .output()
        .map_err(|e| format!("`npm` could not be run ({e}); {INSTALL_HINT}"))?;
    Ok(())
}

/// `v20.19.1` → `(20, 19)`.
fn parse_node_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.strip_prefix('v')?.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

fn install_packages(work: &Path) -> BuildResult<()> {
    let lock = work.join("package-lock.json");
    let stamp = work.join(INSTALL_STAMP);
    if lock.exists() {
        let lock_bytes =
            fs::read(&lock).map_err(|e| format!("cannot read {}: {e}", lock.display()))?;
        if fs::read(&stamp).ok().as_deref() == Some(lock_bytes.as_slice()) {
            return Ok(());
        }
        npm(work, &["ci", "--no-audit", "--no-fund", "--prefer-offline"])?;
        fs::write(&stamp, lock_bytes).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
    } else {
        npm(work, &["install", "--no-audit", "--no-fund"])
    }
}

fn npm(dir: &Path, args: &[&str]) -> BuildResult<()> {
    let output = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run npm {}: {e}", args.join(" ")))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "`npm {}` failed in {} ({}):\n{}\n{}",
        args.join(" "),
        dir.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

fn remove_if_present(path: &Path) -> BuildResult<()> {
    let result = if path.is_dir() {
        fs::remove_dir_all(path)
    } else if path.exists() {
        fs::remove_file(path)
    } else {
        return Ok(());
    };
    result.map_err(|e| format!("cannot remove {}: {e}", path.display()))
}

fn copy_tree(from: &Path, to: &Path) -> BuildResult<()> {
    if from.is_dir() {
        fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
        let entries =
            fs::read_dir(from).map_err(|e| format!("cannot list {}: {e}", from.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", from.display()))?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        fs::copy(from, to)
            .map(|_| ())
            .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
    }
}

/// Every file below `dist`, as `/`-separated paths relative to it, sorted.
fn list_files(dist: &Path, dir: &Path, found: &mut Vec<(String, PathBuf)>) -> BuildResult<()> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            list_files(dist, &path, found)?;
        } else {
            let relative = path
                .strip_prefix(dist)
                .map_err(|e| format!("{} is outside {}: {e}", path.display(), dist.display()))?;
            let parts: Vec<&str> = relative
                .components()
                .map(|c| c.as_os_str().to_str().ok_or("non-UTF-8 file name in dist"))
                .collect::<Result<_, _>>()?;
            found.push((parts.join("/"), path.clone()));
        }
    }
    Ok(())
}

fn embed_table(dist: &Path) -> BuildResult<String> {
    let dist = dist
        .canonicalize()
        .map_err(|e| format!("built files not found at {}: {e}", dist.display()))?;
    let mut files = Vec::new();
    list_files(&dist, &dist, &mut files)?;
    files.sort();
    for page in ["dashboard.html", "console.html"] {
        if !files.iter().any(|(name, _)| name == page) {
            return Err(format!(
                "the web build did not produce {page} in {}",
                dist.display()
            ));
        }
    }
    let mut table = String::from(
        "/// Every built file, sorted by path (generated by build.rs).\n\
         static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (name, path) in &files {
        if path.extension() == Some(OsStr::new("map")) {
            continue;
        }
        writeln!(
            table,
            "    ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        )
        .map_err(|e| e.to_string())?;
    }
    table.push_str("];\n");
    Ok(table)
}
