//! The binary itself: `validate`, `schema`, and `serve` refusing invalid data.

use std::process::Command;

use crate::helpers::{path, root};

fn phonegraph(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_phonegraph"))
        .args(args)
        .current_dir(root())
        .env("PHONEGRAPH_LOG", "off")
        .output()
        .expect("the binary runs")
}

#[test]
fn validate_prints_every_problem_and_fails() {
    let out = phonegraph(&["validate", "--seed-data", "tests/fixtures/broken-seed"]);
    assert!(!out.status.success());
    let expected = std::fs::read_to_string(path("tests/fixtures/broken-seed.expected")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}

#[test]
fn validate_accepts_the_bundled_data() {
    let out = phonegraph(&["validate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let files = walk(&path("seed-data"));
    let expected = format!("seed-data: {files} files, ");
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with(&expected),
        "{expected}"
    );
}

#[test]
fn serve_refuses_invalid_data_with_the_same_report() {
    let out = phonegraph(&[
        "serve",
        "--seed-data",
        "tests/fixtures/broken-seed",
        "--bind",
        "127.0.0.1:0",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: cannot serve: the seed data in `tests/fixtures/broken-seed` does not load: "
        ),
        "{stderr}"
    );
    let expected = std::fs::read_to_string(path("tests/fixtures/broken-seed.expected")).unwrap();
    let last = expected.trim_end().lines().last().unwrap();
    assert!(
        last.ends_with("problems found; nothing was loaded"),
        "{last}"
    );
    assert!(stderr.contains(last), "{stderr}");
}

#[test]
fn validate_reports_csv_counts_and_generate_writes_a_market() {
    let dir = tempfile::tempdir().unwrap();
    let out = phonegraph(&[
        "generate",
        "--entities",
        "500",
        "--seed",
        "3",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let written = String::from_utf8_lossy(&out.stdout);
    let relations = written
        .strip_prefix(&format!("{}: 500 entities, ", dir.path().display()))
        .and_then(|rest| rest.strip_suffix(" relations\n"))
        .and_then(|n| n.parse::<usize>().ok());
    assert!(relations.is_some_and(|n| n > 3 * 500), "{written}");
    let empty = tempfile::tempdir().unwrap();
    let out = phonegraph(&[
        "validate",
        "--seed-data",
        empty.path().to_str().unwrap(),
        "--csv",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("nodes.csv: 500 rows, 0 skipped"),
        "{report}"
    );
}

#[test]
fn schema_prints_the_committed_sdl() {
    let out = phonegraph(&["schema"]);
    assert!(out.status.success());
    let committed = std::fs::read_to_string(path("schema/schema.graphql")).unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout) == committed,
        "`phonegraph schema` differs from schema/schema.graphql"
    );
}

#[test]
fn help_lists_every_environment_variable() {
    let out = phonegraph(&["serve", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "PHONEGRAPH_SEED_DATA",
        "PHONEGRAPH_BIND",
        "PHONEGRAPH_CORS_ORIGIN",
        "PHONEGRAPH_MAX_BODY_BYTES",
        "PHONEGRAPH_MAX_DEPTH",
        "PHONEGRAPH_MAX_COMPLEXITY",
        "PHONEGRAPH_MAX_WORK",
        "PHONEGRAPH_CSV",
        "PHONEGRAPH_SKIP_BAD_ROWS",
        "PHONEGRAPH_MAX_QUERY_BYTES",
        "PHONEGRAPH_DOC_CACHE_BYTES",
        "PHONEGRAPH_HEADER_TIMEOUT",
        "PHONEGRAPH_KEEP_ALIVE_TIMEOUT",
        "PHONEGRAPH_BODY_GRACE",
        "PHONEGRAPH_MIN_BODY_RATE",
        "PHONEGRAPH_MAX_CONNECTIONS",
        "PHONEGRAPH_MAX_IN_FLIGHT",
        "PHONEGRAPH_SHUTDOWN_GRACE",
        "PHONEGRAPH_MAX_TOML_BYTES",
        "PHONEGRAPH_MAX_CSV_BYTES",
    ] {
        assert!(help.contains(var), "{var} missing from --help:\n{help}");
    }
}

/// The TOML files below a folder, at any depth.
fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            if p.is_dir() {
                walk(&p)
            } else {
                usize::from(p.extension().is_some_and(|e| e == "toml"))
            }
        })
        .sum()
}
