//! The module graph: top-level modules import only modules below them in
//! the layer order of `src/lib.rs`, so there is no import cycle and no
//! upward arrow. Read from the source (every `crate::x` path outside test
//! code), so a new import that breaks the layering fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top to bottom. A module may use any module on a later line; modules on
/// one line do not use each other. `registry` lists every runnable family
/// (`algos`, `seq`, `nn`), so it sits above them; `nn` is the neural engine
/// (it reports progress through `algos::core`, as `seq` does); the last two
/// lines hold the leaves.
const LAYERS: &[&[&str]] = &[
    &["cli"],
    &["tui"],
    &["experiment"],
    &["quiz"],
    &["content"],
    &["registry"],
    &["labs"],
    &["metrics"],
    &["seqnn"],
    &["seq", "nn", "bayesnet"],
    &["algos"],
    &["data"],
    &["mathexpr", "mathtext", "text", "settings"],
    &["rng"],
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The source without comments and without `#[cfg(test)]` modules (tests
/// may reach anywhere).
fn production_code(src: &str) -> String {
    let src = match src.find("#[cfg(test)]") {
        Some(i) => &src[..i],
        None => src,
    };
    src.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `crate::name` paths used by each top-level module.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&root).expect("under src");
        let first = rel
            .components()
            .next()
            .expect("a component")
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        if first == "lib.rs" || first == "main.rs" || rel.ends_with("tests.rs") {
            continue;
        }
        let module = first.trim_end_matches(".rs").to_string();
        let code = production_code(&std::fs::read_to_string(&f).expect("read"));
        let mut rest = code.as_str();
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                out.entry(module.clone()).or_default().insert(name);
            }
        }
        out.entry(module).or_default();
    }
    out
}

fn layer_of(m: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&m))
}

#[test]
fn every_module_imports_only_modules_below_it() {
    let edges = edges();
    let mut wrong = Vec::new();
    for (from, tos) in &edges {
        let Some(lf) = layer_of(from) else {
            wrong.push(format!(
                "`{from}` is not in the layer table of tests/all/architecture.rs"
            ));
            continue;
        };
        for to in tos {
            match layer_of(to) {
                Some(lt) if lt > lf => {}
                Some(_) => wrong.push(format!("`{from}` imports `{to}`, which is not below it")),
                None => wrong.push(format!(
                    "`{to}` (used by `{from}`) is not in the layer table"
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_module_graph_has_no_cycle() {
    // Independent of the layer table: a depth-first search for a back edge.
    let edges = edges();
    fn visit<'a>(
        m: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<String> {
        match state.get(m) {
            Some(1) => {
                let start = path.iter().position(|p| *p == m).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(m);
                return Some(cycle.join(" -> "));
            }
            Some(_) => return None,
            None => {}
        }
        state.insert(m, 1);
        path.push(m);
        for to in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(to, edges, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(m, 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in edges.keys() {
        let mut path = Vec::new();
        if let Some(c) = visit(m, &edges, &mut state, &mut path) {
            panic!("import cycle: {c}");
        }
    }
}

#[test]
fn the_core_never_imports_the_terminal() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    for f in files {
        let rel = f.strip_prefix(&root).expect("under src");
        if rel.starts_with("tui") || rel.starts_with("cli") || rel.ends_with("main.rs") {
            continue;
        }
        let code = production_code(&std::fs::read_to_string(&f).expect("read"));
        for ui in ["ratatui", "crossterm"] {
            assert!(
                !code.contains(&format!("{ui}::")) && !code.contains(&format!("use {ui}")),
                "{} uses {ui}",
                rel.display()
            );
        }
    }
}
