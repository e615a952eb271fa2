//! Generates `tickwire.h` into `OUT_DIR` with cbindgen. The committed `include/tickwire.h` must
//! equal it (`cargo test -p tickwire-c header`; `make c-header` rewrites the committed file).

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let mut config = cbindgen::Config::from_file(format!("{dir}/cbindgen.toml"))
        .expect("ffi-c/cbindgen.toml is readable and valid");
    // the version macros come from the crate version (cbindgen cannot export string constants)
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let num = |k: &str| std::env::var(k).expect("cargo sets the version parts");
    config.after_includes = Some(format!(
        "\n/** The library version (the crate version; `tw_version()` returns the same text). */\n\
         #define TW_VERSION \"{version}\"\n\
         #define TW_VERSION_MAJOR {}\n#define TW_VERSION_MINOR {}\n#define TW_VERSION_PATCH {}",
        num("CARGO_PKG_VERSION_MAJOR"),
        num("CARGO_PKG_VERSION_MINOR"),
        num("CARGO_PKG_VERSION_PATCH")
    ));
    match cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(format!("{out}/tickwire.h"));
        }
        Err(e) => panic!("cbindgen failed: {e}"),
    }
}
