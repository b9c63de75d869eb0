//! The layering of ARCHITECTURE.md, enforced: every `crate::…` path in a module folder names a
//! module that folder may depend on.

use std::path::Path;

use crate::helpers::path;

/// Which top-level modules each one may name (itself always). Dependencies point inward:
/// `http → gql → graph → model`, `gql → admit`, `seed → graph → model`, `http → export → graph`;
/// `cli` wires everything
/// together.
const ALLOWED: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("graph", &["model"]),
    ("seed", &["graph", "model"]),
    ("admit", &[]),
    ("gql", &["admit", "graph", "model"]),
    ("http", &["gql", "export"]),
    ("export", &["graph", "model"]),
    ("generate", &["model"]),
    ("reload", &["gql", "graph", "seed"]),
];

fn sources(at: &Path, out: &mut Vec<std::path::PathBuf>) {
    if at.is_dir() {
        for entry in std::fs::read_dir(at).unwrap() {
            sources(&entry.unwrap().path(), out);
        }
    } else if at.is_file() && at.extension().is_some_and(|e| e == "rs") {
        out.push(at.to_owned());
    }
}

/// The top-level modules a file names through `crate::`, with the line of each.
fn named(file: &Path) -> Vec<(String, usize)> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut out = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a::X, b}`: every first segment in the braces (on this line).
                let inner = group.split('}').next().unwrap_or("");
                inner
                    .split(',')
                    .map(|p| p.trim().split("::").next().unwrap_or(""))
                    .collect()
            } else {
                vec![
                    rest.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or(""),
                ]
            };
            out.extend(
                names
                    .into_iter()
                    .filter(|n| !n.is_empty())
                    .map(|n| (n.to_owned(), number + 1)),
            );
        }
    }
    out
}

#[test]
fn every_module_names_only_the_modules_it_may_depend_on() {
    let mut wrong = Vec::new();
    for (module, allowed) in ALLOWED {
        let mut files = Vec::new();
        sources(&path(&format!("src/{module}")), &mut files);
        sources(&path(&format!("src/{module}.rs")), &mut files);
        assert!(!files.is_empty(), "no source for `{module}`");
        for file in files {
            for (name, line) in named(&file) {
                if name != *module && !allowed.contains(&name.as_str()) {
                    wrong.push(format!(
                        "{}:{line}: `{module}` names `crate::{name}`",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn the_scan_finds_paths_in_every_form() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.rs");
    std::fs::write(
        &file,
        "use crate::graph::Graph;\nuse crate::{model::Day, seed};\nlet x = crate::http::router;\n",
    )
    .unwrap();
    let found: Vec<(String, usize)> = named(&file);
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["graph", "model", "seed", "http"]);
}
