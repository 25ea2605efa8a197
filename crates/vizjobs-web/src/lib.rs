//! The vizjobs web front end, embedded: the dashboard and the jobs console built from `web/`
//! (TypeScript, Vite) by this crate's build script, and served from memory.
//!
//! Layout of the bundle (what a server must route, see `web/README.md`):
//! - [`DASHBOARD_INDEX`] (`dashboard.html`): the dashboard page, served at a job's `service_url`
//!   (`/vj/{project}/{job}/`, with the trailing slash) and at `/` by `vizjobs board`. It fetches
//!   its data with URLs relative to the page (`data/runs`), so the page URL must end in `/`.
//! - [`CONSOLE_INDEX`] (`console.html`): the jobs console, served at `/` by `vizjobs serve`.
//! - `assets/*`: scripts and styles with content hashes in their names, referenced by both pages
//!   as `/assets/...`; a server mounts them once at [`ASSETS_ROUTE`].

mod content_type;

pub use content_type::content_type_for;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Path of the dashboard page inside the bundle.
pub const DASHBOARD_INDEX: &str = "dashboard.html";
/// Path of the jobs console page inside the bundle.
pub const CONSOLE_INDEX: &str = "console.html";
/// Where the pages expect the bundle's `assets/` folder to be served (absolute URL prefix).
pub const ASSETS_ROUTE: &str = "/assets/";

/// One embedded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    pub bytes: &'static [u8],
    pub content_type: &'static str,
    /// The file name carries a content hash (everything under `assets/`), so it may be cached
    /// forever; the HTML pages must be revalidated.
    pub immutable: bool,
}

impl Asset {
    /// The `Cache-Control` value this file should be served with.
    pub fn cache_control(&self) -> &'static str {
        if self.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }
    }
}

/// The file at `path` in the bundle (`"assets/dashboard-1a2b.js"`; a leading `/` is ignored).
/// `None` for anything not in the bundle.
pub fn asset(path: &str) -> Option<Asset> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let index = FILES.binary_search_by(|(name, _)| (*name).cmp(path)).ok()?;
    let (name, bytes) = FILES.get(index)?;
    Some(Asset {
        bytes,
        content_type: content_type_for(name),
        immutable: name.starts_with("assets/"),
    })
}

/// The dashboard page.
pub fn dashboard_html() -> Asset {
    page(DASHBOARD_INDEX)
}

/// The jobs console page.
pub fn console_html() -> Asset {
    page(CONSOLE_INDEX)
}

/// Paths of every embedded file, sorted.
pub fn asset_paths() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(name, _)| *name)
}

/// The build script refuses to finish without both pages, so the lookup cannot miss; an empty
/// page is still answered rather than a panic.
fn page(path: &str) -> Asset {
    asset(path).unwrap_or(Asset {
        bytes: b"",
        content_type: "text/html; charset=utf-8",
        immutable: false,
    })
}

#[cfg(test)]
mod tests;
