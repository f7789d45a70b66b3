//! Compiles every `rules/packs/*.toml` into the binary, so adding a built-in pack needs no code
//! change: this writes the list of `include_str!`s that `src/rules.rs` includes.

use std::{env, fs, path::Path};

fn main() {
    let packs = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules/packs");
    println!("cargo:rerun-if-changed={}", packs.display());
    let mut files: Vec<_> = fs::read_dir(&packs)
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut code = String::from("&[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        code.push_str(&format!(
            "    (\"{name}\", include_str!({:?})),\n",
            f.display().to_string()
        ));
    }
    code.push_str("]\n");
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_packs.rs");
    fs::write(out, code).unwrap();
}
