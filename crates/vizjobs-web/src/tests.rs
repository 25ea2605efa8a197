//! Checks on the real embedded bundle, as built by `build.rs` from `web/`.

use super::*;

/// `src="/assets/…"` and `href="/assets/…"` references of a page.
fn referenced_assets(html: &str) -> Vec<&str> {
    html.match_indices("\"/assets/")
        .filter_map(|(start, _)| {
            let rest = html.get(start + 1..)?;
            rest.split('"').next()
        })
        .collect()
}

#[test]
fn both_pages_are_embedded_html() {
    for page in [dashboard_html(), console_html()] {
        let text = std::str::from_utf8(page.bytes).expect("pages are UTF-8");
        assert!(text.starts_with("<!doctype html>"), "{text}");
        assert_eq!(page.content_type, "text/html; charset=utf-8");
        assert!(!page.immutable);
        assert_eq!(page.cache_control(), "no-cache");
    }
    assert_ne!(dashboard_html(), console_html());
}

#[test]
fn every_asset_a_page_references_is_embedded() {
    for page in [dashboard_html(), console_html()] {
        let text = std::str::from_utf8(page.bytes).expect("pages are UTF-8");
        let refs = referenced_assets(text);
        assert!(refs.iter().any(|r| r.ends_with(".js")), "no script: {text}");
        for reference in refs {
            let found = asset(reference).unwrap_or_else(|| panic!("{reference} missing"));
            assert!(!found.bytes.is_empty());
            assert!(found.immutable);
            assert_eq!(found.cache_control(), "public, max-age=31536000, immutable");
        }
    }
}

#[test]
fn pages_make_no_external_requests() {
    for path in asset_paths() {
        let Some(file) = asset(path) else {
            panic!("{path} listed but not found")
        };
        if file.content_type.starts_with("text/html") {
            let text = String::from_utf8_lossy(file.bytes);
            assert!(!text.contains("src=\"http"), "{path}");
            assert!(!text.contains("href=\"http"), "{path}");
        }
    }
}

#[test]
fn lookups_outside_the_bundle_miss() {
    assert_eq!(asset("nope.js"), None);
    assert_eq!(asset("../Cargo.toml"), None);
    assert_eq!(asset(""), None);
    assert!(asset("/dashboard.html").is_some());
    assert!(asset("dashboard.html").is_some());
}

#[test]
fn content_types_follow_extensions() {
    assert_eq!(
        content_type_for("assets/a-1.js"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(content_type_for("assets/a.CSS"), "text/css; charset=utf-8");
    assert_eq!(content_type_for("x.woff2"), "font/woff2");
    assert_eq!(content_type_for("noext"), "application/octet-stream");
}
