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

/// A reader that stops early (`phonegraph schema | head`) ends the command quietly: the SDL
/// is larger than a pipe holds, so the write fails, and that used to be a panic.
#[test]
fn schema_stops_quietly_when_its_reader_does() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_phonegraph"))
        .args(["schema", "--federation"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(&first[..3], b"\"\"\"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
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

/// `diff` lists what changed between two folders, with places, and exits like `diff`.
#[test]
fn diff_lists_changes_and_exits_like_diff() {
    let out = phonegraph(&["diff", "tests/fixtures/diff/old", "tests/fixtures/diff/new"]);
    assert_eq!(out.status.code(), Some(1));
    let expected = std::fs::read_to_string(path("tests/fixtures/diff.expected")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    let same = phonegraph(&["diff", "tests/fixtures/diff/old", "tests/fixtures/diff/old"]);
    assert_eq!((same.status.code(), same.stdout.len()), (Some(0), 0));
    let missing = phonegraph(&["diff", "tests/fixtures/diff/old", "tests/fixtures/no-such"]);
    assert_eq!(missing.status.code(), Some(2));
    let broken = phonegraph(&[
        "diff",
        "tests/fixtures/diff/old",
        "tests/fixtures/broken-seed",
    ]);
    assert_eq!(broken.status.code(), Some(2));
}

/// `diff --git REV` compares a revision's folder with the working tree, passing nothing to a
/// shell, and refuses a revision that looks like an option.
#[test]
fn diff_against_a_git_revision() {
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.org")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.org")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let seed = repo.path().join("seed-data");
    std::fs::create_dir(&seed).unwrap();
    let copy = |from: &str| {
        std::fs::copy(path(from), seed.join("report.toml")).unwrap();
    };
    copy("tests/fixtures/diff/old/report.toml");
    git(&["init", "-q"]);
    git(&["add", "seed-data"]);
    git(&["commit", "-q", "-m", "old"]);
    copy("tests/fixtures/diff/new/report.toml");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_phonegraph"))
            .args(args)
            .current_dir(repo.path())
            .output()
            .unwrap()
    };
    let out = run(&["diff", "--git", "HEAD"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "- relation oppo:operates_in:us (operates_in) at HEAD:seed-data/report.toml:29:8\n"
        ),
        "{text}"
    );
    assert!(text.ends_with("2 added, 1 removed, 2 changed\n"), "{text}");
    for rev in ["--output=x", "-p", "no-such-rev"] {
        let refused = run(&["diff", &format!("--git={rev}")]);
        assert_eq!(refused.status.code(), Some(2), "{rev}");
        assert!(refused.stdout.is_empty());
    }
}

/// The reloader's diff walks both versions side by side; it must find exactly what matching
/// every id written out finds, on curated data and on bulk rows edited in every way: removed,
/// added, changed, an entity renamed, one that changed kind (which takes the slow way).
#[test]
fn the_quick_diff_finds_what_matching_every_id_finds() {
    use phonegraph::graph::{diff, diff_by_ids};
    let load = |dir: &std::path::Path, csv: Option<&std::path::Path>| {
        let options = phonegraph::seed::LoadOptions {
            csv_dirs: csv.into_iter().map(Into::into).collect(),
            ..Default::default()
        };
        phonegraph::seed::load_with(dir, &options).unwrap().graph
    };
    let (fixture_old, fixture_new) = (
        load(&path("tests/fixtures/diff/old"), None),
        load(&path("tests/fixtures/diff/new"), None),
    );
    let seed = load(&path("seed-data"), None);
    let empty = tempfile::tempdir().unwrap();
    let bulk = tempfile::tempdir().unwrap();
    phonegraph::generate::generate(2_000, 7, bulk.path()).unwrap();
    let nodes = std::fs::read_to_string(bulk.path().join("nodes.csv")).unwrap();
    let edges = std::fs::read_to_string(bulk.path().join("edges.csv")).unwrap();
    let before = load(empty.path(), Some(bulk.path()));
    // The same folder, edited: its source entity (named after it) stays the same.
    let edited_nodes: String = nodes
        .lines()
        .enumerate()
        .filter(|(i, _)| i % 97 != 50)
        .map(|(i, line)| match i {
            10 => line.replacen(",Market ", ",Renamed ", 1),
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\nmarket-new,Market,New Market,ZZ,\n";
    let removed: std::collections::HashSet<&str> = nodes
        .lines()
        .enumerate()
        .filter(|(i, _)| i % 97 == 50)
        .map(|(_, l)| l.split(',').next().unwrap())
        .collect();
    let edited_edges: String = edges
        .lines()
        .enumerate()
        .filter(|(i, l)| {
            let mut ends = l.split(',');
            let (from, to) = (ends.next().unwrap(), ends.next().unwrap());
            i % 50 != 7 && !removed.contains(from) && !removed.contains(to)
        })
        .map(|(i, line)| match i % 50 {
            // A date moved, a date added.
            13 if line.ends_with(',') => format!("{line}2099-01-01"),
            29 => line.replacen(",20", ",19", 1),
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\nvendor-0,market-new,OPERATES_IN,,\n";
    std::fs::write(bulk.path().join("nodes.csv"), edited_nodes).unwrap();
    std::fs::write(bulk.path().join("edges.csv"), edited_edges).unwrap();
    let after = load(empty.path(), Some(bulk.path()));

    // An entity that changes kind changes the order of numbers: the slow way.
    let kinds = tempfile::tempdir().unwrap();
    let write = |dir: &str, kind: &str| {
        let folder = kinds.path().join(dir);
        std::fs::create_dir(&folder).unwrap();
        let text = format!(
            "[[{kind}]]\nid = \"z-co\"\nname = \"Z\"\n\n[[retailer]]\nid = \"a-shop\"\nname = \"A\"\n"
        );
        std::fs::write(folder.join("a.toml"), text).unwrap();
        load(&folder, None)
    };
    let (vendor, retailer) = (write("old", "vendor"), write("new", "retailer"));

    let pairs = [
        (&vendor, &retailer),
        (&fixture_old, &fixture_new),
        (&fixture_new, &fixture_old),
        (&seed, &fixture_new),
        (&seed, &seed),
        (&before, &after),
        (&after, &before),
    ];
    for (n, (old, new)) in pairs.into_iter().enumerate() {
        assert_eq!(diff(old, new), diff_by_ids(old, new), "pair {n}");
    }
    let changes = diff(&before, &after);
    let count = |happened: fn(&phonegraph::graph::Happened) -> bool, item| {
        changes
            .iter()
            .filter(|c| c.item == item && happened(&c.happened))
            .count()
    };
    use phonegraph::graph::{Happened, Item};
    assert_eq!(count(|h| *h == Happened::Added, Item::Entity), 1);
    assert!(count(|h| *h == Happened::Removed, Item::Entity) >= 20);
    assert_eq!(
        count(|h| matches!(h, Happened::Changed(_)), Item::Entity),
        1
    );
    assert!(count(|h| *h == Happened::Removed, Item::Relation) > 100);
    assert!(count(|h| matches!(h, Happened::Changed(_)), Item::Relation) > 20);
    // One new row; a few more where removing one of two rows of a fact renamed the other.
    assert!(count(|h| *h == Happened::Added, Item::Relation) >= 1);
}
