//! Embeds the web app's committed bundle (`web/dist`, built by `npm run build` in `web/`)
//! into `ddctl`, so that `cargo run -p dd-cli -- serve` serves the app without Node.
//!
//! Writes `$OUT_DIR/web_bundle.rs`: a path-sorted table of `(relative path, bytes)`, one
//! `include_bytes!` per file. A missing `web/dist` gives an empty table (the server then
//! says how to build the app) instead of a failed build.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dist = manifest.join("../../web/dist");
    // A directory: cargo re-runs this script when any file below it changes.
    println!("cargo:rerun-if-changed={}", dist.display());
    println!("cargo:rerun-if-changed=build.rs");

    let mut files = Vec::new();
    if dist.is_dir() {
        collect(&dist, &dist, &mut files);
    }
    files.sort();

    let mut out = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (relative, absolute) in &files {
        // `{:?}` writes a valid Rust string literal for both paths.
        let _ = writeln!(out, "    ({relative:?}, include_bytes!({absolute:?})),");
    }
    out.push_str("];\n");

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(err) = std::fs::write(out_dir.join("web_bundle.rs"), out) {
        panic!("cannot write web_bundle.rs: {err}");
    }
}

/// Every regular file below `dir`, as (path relative to `root` with `/`, absolute path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let relative: Vec<_> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let absolute = path.canonicalize().unwrap_or(path.clone());
            files.push((relative.join("/"), absolute.to_string_lossy().into_owned()));
        }
    }
}
