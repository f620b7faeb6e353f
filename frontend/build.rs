//! The browser build links with `--emit-relocs`: wasm-split (run by scripts/post-build.mjs)
//! reads the relocations to move the `#[lazy]` code out of the main module into chunks
//! fetched on first use. Set here rather than in RUSTFLAGS so the flags the dependencies
//! are built with (scripts/spa-rustflags.sh, the Dockerfile's dependency layer) stay the
//! same: a link argument touches only the final link of this binary.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-bins=--emit-relocs");
    }
}
