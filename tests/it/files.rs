//! Data files held to their limits and read strictly: sizes refused before reading, text that
//! is not UTF-8 placed, and CSV quoting the `csv` crate lets pass reported at its place.

use std::path::Path;

use phonegraph::seed::{LoadOptions, SeedError, load_with};

/// A seed folder with one curated file, and a bulk folder with `nodes` as its nodes file.
fn folders(curated: &[u8], nodes: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("seed")).unwrap();
    std::fs::create_dir_all(dir.path().join("bulk")).unwrap();
    std::fs::write(dir.path().join("seed/curated.toml"), curated).unwrap();
    std::fs::write(dir.path().join("bulk/nodes.csv"), nodes).unwrap();
    dir
}

fn load(dir: &Path, options: LoadOptions) -> Result<phonegraph::seed::Loaded, SeedError> {
    load_with(
        &dir.join("seed"),
        &LoadOptions {
            csv_dirs: vec![dir.join("bulk")],
            ..options
        },
    )
}

fn report(result: Result<phonegraph::seed::Loaded, SeedError>, dir: &Path) -> String {
    match result {
        Err(e) => e.to_string().replace(&dir.display().to_string(), "DIR"),
        Ok(_) => panic!("the data loaded"),
    }
}

/// Each CSV file's rows kept and skipped, loaded with `--skip-bad-rows`.
fn kept_and_skipped(dir: &Path) -> Vec<(usize, usize)> {
    let options = LoadOptions {
        skip_bad_rows: true,
        ..LoadOptions::default()
    };
    let loaded = load(dir, options).expect("bad rows are skipped");
    loaded.csv.iter().map(|f| (f.rows, f.skipped)).collect()
}

const CURATED: &[u8] = b"[[vendor]]\nid = \"xiaomi\"\nname = \"Xiaomi\"\n";
const HEADER: &str = "id,kind,name,country,date\n";

#[test]
fn a_file_over_its_limit_is_refused_unread_with_its_name_and_size() {
    let dir = folders(
        CURATED,
        &format!("{HEADER}{}", "m1,market,M,US,\n".repeat(100)),
    );
    let toml = report(
        load(
            dir.path(),
            LoadOptions {
                max_toml_bytes: 16,
                ..LoadOptions::default()
            },
        ),
        dir.path(),
    );
    assert_eq!(
        toml,
        "`DIR/seed/curated.toml` is 41 bytes, more than the limit of 16 for TOML files: split it, or raise the limit"
    );
    let csv = report(
        load(
            dir.path(),
            LoadOptions {
                max_csv_bytes: 1024,
                ..LoadOptions::default()
            },
        ),
        dir.path(),
    );
    assert_eq!(
        csv,
        "`DIR/bulk/nodes.csv` is 1626 bytes, more than the limit of 1024 for CSV files: split it, or raise the limit"
    );
}

#[test]
fn a_toml_file_that_is_not_utf8_is_placed() {
    let dir = folders(
        b"[[vendor]]\nid = \"xiaomi\"\nname = \"Xia\xffomi\"\n",
        HEADER,
    );
    assert_eq!(
        report(load(dir.path(), LoadOptions::default()), dir.path()),
        "DIR/seed/curated.toml:3:12: the file is not UTF-8 text\n  hint: save the file as UTF-8\n1 problem found; nothing was loaded"
    );
}

#[test]
fn a_quote_inside_an_unquoted_field_is_an_error_at_its_place() {
    let dir = folders(
        CURATED,
        &format!("{HEADER}m1,market,One,US,\nm2,market,Tw\"o,US,\nm3,market,Three,US,\n"),
    );
    assert_eq!(
        report(load(dir.path(), LoadOptions::default()), dir.path()),
        "DIR/bulk/nodes.csv:3:13: a quote inside a field that does not start with one\n  \
         hint: quote the whole field and double the quote: `\"a \"\"b\"\" c\"`\n\
         1 problem found; nothing was loaded"
    );
}

#[test]
fn a_quote_that_never_closes_is_reported_where_it_opened_and_every_lost_row_is_counted() {
    let rows: String = (0..120)
        .map(|i| format!("m{i},market,M{i},US,\n"))
        .collect();
    let nodes = format!("{HEADER}a,market,A,US,\nb,market,\"B,US,\n{rows}");
    let dir = folders(CURATED, &nodes);
    let refused = report(load(dir.path(), LoadOptions::default()), dir.path());
    assert!(
        refused.starts_with(
            "DIR/bulk/nodes.csv:3:10: a quoted field opens here and never closes; the 121 lines after it are read as part of it"
        ),
        "{refused}"
    );
    assert_eq!(kept_and_skipped(dir.path()), [(1, 121)]);
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_read_as_rfc_4180_allows() {
    let nodes = "\u{feff}id,kind,name,country,date\r\nm1,market,\"One, Inc\",US,\r\nm2,market,\"Two \"\"2\"\"\",US,\r\n";
    let dir = folders(CURATED, nodes);
    let loaded = load(dir.path(), LoadOptions::default()).unwrap();
    let g = &loaded.graph;
    assert_eq!(g.entity(g.lookup("m1").unwrap()).name, "One, Inc");
    assert_eq!(g.entity(g.lookup("m2").unwrap()).name, "Two \"2\"");
}

#[test]
fn a_quote_that_never_closes_in_a_large_file_stops_the_reading_without_holding_the_file() {
    // Over the 8 MiB the loader reads at a time, and so more than one record may hold.
    let rows: String = (0..500_000)
        .map(|i| format!("m{i},market,M{i},US,\n"))
        .collect();
    let nodes = format!("{HEADER}a,market,A,US,\nb,market,\"B,US,\n{rows}");
    assert!(nodes.len() > 8 << 20);
    let dir = folders(CURATED, &nodes);
    assert_eq!(
        report(load(dir.path(), LoadOptions::default()), dir.path()),
        "DIR/bulk/nodes.csv:3:10: a quoted field opens here and does not close within 1048576 bytes; \
         the rest of the file (500001 lines) was not read\n  \
         hint: close the quote, or double a quote meant inside the field\n\
         1 problem found; nothing was loaded"
    );
    assert_eq!(kept_and_skipped(dir.path()), [(1, 500_001)]);
}
