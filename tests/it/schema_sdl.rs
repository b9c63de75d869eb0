//! The committed SDL is the code's SDL. Set `PHONEGRAPH_UPDATE_SCHEMA=1` to rewrite it.

use crate::helpers::path;

#[test]
fn committed_schema_matches_the_code() {
    let file = path("schema/schema.graphql");
    let sdl = phonegraph::gql::sdl();
    if std::env::var_os("PHONEGRAPH_UPDATE_SCHEMA").is_some() {
        std::fs::write(&file, &sdl).expect("the schema file is writable");
    }
    let committed = std::fs::read_to_string(&file).expect("schema/schema.graphql exists");
    assert!(
        committed == sdl,
        "schema/schema.graphql differs from the code's SDL; run the tests with \
         PHONEGRAPH_UPDATE_SCHEMA=1 to rewrite it, and review the diff"
    );
}

#[test]
fn every_type_and_field_is_described() {
    let sdl = phonegraph::gql::sdl();
    let lines: Vec<&str> = sdl.lines().collect();
    let mut undescribed = Vec::new();
    let mut in_block_string = false;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if trimmed == "\"\"\"" {
            in_block_string = !in_block_string;
            continue;
        }
        if in_block_string || trimmed.is_empty() || trimmed == "}" || trimmed.starts_with(')') {
            continue;
        }
        let is_definition = [
            "type ",
            "interface ",
            "enum ",
            "input ",
            "scalar ",
            "union ",
        ]
        .iter()
        .any(|k| trimmed.starts_with(k));
        let is_member = line.starts_with('\t') && !trimmed.starts_with('"');
        let schema_block = trimmed.starts_with("schema")
            || trimmed.starts_with("query:")
            || trimmed.starts_with("subscription:");
        if (is_definition || is_member) && !schema_block && lines[i - 1].trim() != "\"\"\"" {
            undescribed.push(trimmed.to_owned());
        }
    }
    assert!(undescribed.is_empty(), "undescribed: {undescribed:#?}");
}
