//! Bundle `topics/*.yaml` and the data files of `datasets/` into the binary,
//! so `mlwb` works from any directory and starts without touching the disk.
//! `--topics DIR` and `--dataset PATH` read files instead.
use std::fmt::Write as _;
use std::path::Path;

fn list(dir: &Path, exts: &[&str]) -> Vec<std::path::PathBuf> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
    });
    files.sort();
    files
}

fn write(name: &str, prefix: &str, files: &[std::path::PathBuf], macro_name: &str, ty: &str) {
    let mut code = format!("pub static FILES: &[(&str, {ty})] = &[\n");
    for p in files {
        println!("cargo:rerun-if-changed={}", p.display());
        let file = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let _ = writeln!(
            code,
            "    (\"{prefix}{file}\", {macro_name}!({:?})),",
            p.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join(name);
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let topics = list(&root.join("topics"), &["yaml", "yml"]);
    write(
        "embedded_topics.rs",
        "topics/",
        &topics,
        "include_str",
        "&str",
    );
    let data = list(
        &root.join("datasets"),
        &["csv", "yaml", "json", "conll", "txt"],
    );
    write("embedded_datasets.rs", "", &data, "include_bytes", "&[u8]");
}
