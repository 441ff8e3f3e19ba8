//! The shape of the code (docs/ARCHITECTURE.md): data flows one way, so no top-level module of `src/` may
//! reach, through `crate::` paths, a module that reaches back to it.
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/store/import.rs` -> `store`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy().into_owned();
    let name = first.trim_end_matches(".rs").to_string();
    (!matches!(name.as_str(), "lib" | "main")).then_some(name)
}

/// Top-level module -> the top-level modules its code names as `crate::<name>` (comments left out).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&src, &file) else { continue };
        let text = std::fs::read_to_string(&file).unwrap();
        let deps = g.entry(module.clone()).or_default();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            for (i, _) in code.match_indices("crate::") {
                let name: String =
                    code[i + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() && name != module {
                    deps.insert(name);
                }
            }
        }
    }
    g
}

/// A cycle through `start`, if there is one.
fn cycle_from(g: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in g.get(&node).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(start.to_string());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut p = path.clone();
                p.push(next.clone());
                stack.push((next.clone(), p));
            }
        }
    }
    None
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let g = graph();
    assert!(g.contains_key("dataset") && g.contains_key("reconcile"), "the source tree was read: {g:?}");
    let cycles: Vec<String> = g.keys().filter_map(|m| cycle_from(&g, m)).map(|c| c.join(" -> ")).collect();
    assert!(cycles.is_empty(), "import cycles between top-level modules:\n{}", cycles.join("\n"));
}

#[test]
fn the_lower_layers_know_nothing_of_the_upper_ones() {
    let g = graph();
    // (module, modules it must not name)
    let rules: [(&str, &[&str]); 6] = [
        ("linkage", &["dataset", "reconcile", "report", "store", "server", "check"]),
        ("input", &["dataset", "linkage", "reconcile", "report", "store", "server", "check"]),
        ("dataset", &["reconcile", "report", "store", "server", "check", "index"]),
        ("reconcile", &["report", "store", "server", "check", "live"]),
        ("check", &["live", "store", "server"]),
        ("live", &["store", "server", "report"]),
    ];
    for (module, forbidden) in rules {
        let deps = g.get(module).cloned().unwrap_or_default();
        let bad: Vec<&&str> = forbidden.iter().filter(|f| deps.contains(**f)).collect();
        assert!(bad.is_empty(), "{module} names {bad:?}");
    }
}

/// Files small enough to read: at most 700 lines of code before a file's own `#[cfg(test)]` module.
#[test]
fn no_source_file_over_700_lines() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut long: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("tests.rs"))
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let code = text.lines().take_while(|l| !l.starts_with("#[cfg(test)]")).count();
            (code > 700).then(|| format!("{} ({code} lines)", f.display()))
        })
        .collect();
    long.sort();
    assert!(long.is_empty(), "files over 700 lines: {long:?}");
}
