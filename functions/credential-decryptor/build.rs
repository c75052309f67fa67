//! Links the Lambda binary with its cold path laid out together.
//!
//! The kernel maps code 64 KB around every page a process faults in, so the ~500 functions a
//! cold start runs, spread over a 2.5 MB `.text`, made ~1.7 MB of code resident. LLD's
//! `--symbol-ordering-file` puts them side by side (list: `link/cold-path-order.txt`, written
//! by `scripts/cold-path-order`): ~0.8 MB resident, peak RSS 4.2 → 3.6 MB (bench/RESULTS.md).
//!
//! Names the list does not know (a newer build's functions) are ignored, never an error. The
//! flag is left out where the linker is not LLD: cargo-zigbuild's zig rejects it (the
//! decryptor's `cargo lambda build` uses plain cargo, see Cargo.toml), and non-Linux targets.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=link/cold-path-order.txt");
    println!("cargo:rerun-if-env-changed=CARGO_ZIGBUILD_RUSTC_VERSION");

    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let order = Path::new(&manifest).join("link/cold-path-order.txt");
    let linux = env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let zig = env::var_os("CARGO_ZIGBUILD_RUSTC_VERSION").is_some()
        || env::var("RUSTC_LINKER").is_ok_and(|linker| linker.contains("zig"));
    if linux && !zig && order.is_file() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}
