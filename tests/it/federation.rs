//! Apollo Federation v2: with `--federation` phonegraph is a subgraph (`_service`,
//! `_entities`, `@key` on every entity type) that `@apollo/gateway` composes with a second
//! subgraph; without it, the schema has none of this.

use std::process::Command;

use serde_json::{Value, json};

use crate::audit::node_against;
use crate::helpers::{app, ask, path};

#[tokio::test]
async fn a_federated_app_finds_entities_by_kind_and_id() {
    let federated = app().with_federation();
    let answer = ask(
        federated.clone(),
        r#"{ _entities(representations: [
              { __typename: "Vendor", id: "xiaomi" },
              { __typename: "Vendor", id: "att" },
              { __typename: "Product", id: "mate-10-pro" },
              { __typename: "Product", id: "no-such-phone" }]) {
            __typename ... on Vendor { name } ... on Product { name } } }"#,
    )
    .await;
    // AT&T is a carrier, not a vendor: that representation finds nothing.
    assert_eq!(
        answer,
        json!({ "data": { "_entities": [
            { "__typename": "Vendor", "name": "Xiaomi" },
            null,
            { "__typename": "Product", "name": "Mate 10 Pro" },
            null,
        ] } })
    );
    let sdl = ask(federated, "{ _service { sdl } }").await;
    let sdl = sdl["data"]["_service"]["sdl"].as_str().unwrap();
    assert!(sdl.contains("type Product implements Entity @key(fields: \"id\")"));
    assert!(sdl.contains("url: \"https://specs.apollo.dev/federation/v2.5\""));
    // What the subgraph serves is what `phonegraph schema --federation` prints.
    let printed = Command::new(env!("CARGO_BIN_EXE_phonegraph"))
        .args(["schema", "--federation"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(printed.stdout).unwrap(), sdl);
}

/// The plain schema has none of it, even for a text the federated app over the same data
/// validated first: each keeps its own cache of checked texts.
#[tokio::test]
async fn without_federation_the_schema_has_none_of_it() {
    let federated = ask(app().with_federation(), "{ _service { sdl } }").await;
    assert!(federated["data"]["_service"]["sdl"].is_string());
    let answer = ask(app(), "{ _service { sdl } }").await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let plain = std::fs::read_to_string(path("schema/schema.graphql")).unwrap();
    assert!(!plain.contains("@key") && !plain.contains("_entities"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_composes_phonegraph_with_another_subgraph() {
    let dir = path("tests/audit");
    let output = node_against(&dir, "federation.mjs", app().with_federation()).await;
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|_| panic!("{stdout}"));
    assert_eq!(
        answers,
        json!({
            "fromPhonegraph": { "data": { "entity": {
                "id": "mate-10-pro", "name": "Mate 10 Pro",
                "price": { "amount": "799.99", "currency": "USD" } } } },
            "fromPrices": { "data": { "cheapest": {
                "id": "mate-10-pro", "name": "Mate 10 Pro", "price": { "amount": "799.99" } } } },
            "across": { "data": { "entity": { "products": [
                { "other": { "id": "mate-10-pro", "price": { "amount": "799.99" } } }] } } },
        })
    );
}
