//! `--production`: errors suggest no names, introspection and the console are for admins, logs
//! are JSON, and the server will not start without keys unless told `--open`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use phonegraph::http::{HttpConfig, Keys, Role, add_key};
use serde_json::json;

use crate::helpers::{app, graphql_request, send_to};

fn with_key(mut request: Request<Body>, key: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {key}").parse().unwrap());
    request
}

#[tokio::test]
async fn introspection_and_the_console_are_for_admins() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.toml");
    let reader = add_key(&file, "dashboard", Role::Reader).unwrap();
    let admin = add_key(&file, "ops", Role::Admin).unwrap();
    let config = HttpConfig {
        keys: Some(Arc::new(Keys::load(&file).unwrap())),
        production: true,
        ..HttpConfig::default()
    };
    let schema =
        || graphql_request(&json!({ "query": "{ __typename __schema { queryType { name } } }" }));

    let as_reader = send_to(app(), &config, with_key(schema(), &reader)).await;
    assert_eq!(
        as_reader.status,
        StatusCode::FORBIDDEN,
        "{}",
        as_reader.text
    );
    assert_eq!(as_reader.codes(), ["FORBIDDEN"]);
    // A fragment does not hide it.
    let hidden = graphql_request(&json!({
        "query": "{ ...Q } fragment Q on Query { t: __type(name: \"Vendor\") { name } }"
    }));
    let as_reader = send_to(app(), &config, with_key(hidden, &reader)).await;
    assert_eq!(
        as_reader.status,
        StatusCode::FORBIDDEN,
        "{}",
        as_reader.text
    );
    let typename = graphql_request(&json!({ "query": "{ __typename }" }));
    let plain = send_to(app(), &config, with_key(typename, &reader)).await;
    assert_eq!(plain.json()["data"]["__typename"], "Query");

    let as_admin = send_to(app(), &config, with_key(schema(), &admin)).await;
    assert_eq!(
        as_admin.json()["data"]["__schema"]["queryType"]["name"],
        "Query",
        "{}",
        as_admin.text
    );

    // The explorer is for everyone; the console's schema is for admins.
    let page = Request::get("/").body(Body::empty()).unwrap();
    assert_eq!(send_to(app(), &config, page).await.status, StatusCode::OK);
    let console = || Request::get("/schema.graphql").body(Body::empty()).unwrap();
    assert_eq!(
        send_to(app(), &config, console()).await.status,
        StatusCode::UNAUTHORIZED
    );
    let reader_console = send_to(app(), &config, with_key(console(), &reader)).await;
    assert_eq!(reader_console.status, StatusCode::FORBIDDEN);
    assert_eq!(
        send_to(app(), &config, with_key(console(), &admin))
            .await
            .status,
        StatusCode::OK
    );
    let keyless = HttpConfig {
        production: true,
        ..HttpConfig::default()
    };
    assert_eq!(
        send_to(app(), &keyless, console()).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn errors_suggest_no_names_in_production() {
    let query = json!({ "query": "{ entiti(id: \"xiaomi\") { id } }" });
    let helpful = send_to(app(), &HttpConfig::default(), graphql_request(&query)).await;
    assert!(helpful.text.contains("Did you mean"), "{}", helpful.text);
    let quiet = send_to(
        app().without_suggestions(),
        &HttpConfig::default(),
        graphql_request(&query),
    )
    .await;
    assert_eq!(quiet.codes(), ["GRAPHQL_VALIDATION_FAILED"]);
    assert!(!quiet.text.contains("Did you mean"), "{}", quiet.text);
    assert!(!quiet.text.contains("entity\""), "{}", quiet.text);
}

#[test]
fn production_needs_keys_unless_open_and_logs_json() {
    let refused = Command::new(env!("CARGO_BIN_EXE_phonegraph"))
        .args(["serve", "--bind", "127.0.0.1:0", "--production"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(stderr.contains("--production needs --api-keys"), "{stderr}");

    let mut open = Command::new(env!("CARGO_BIN_EXE_phonegraph"))
        .args(["serve", "--bind", "127.0.0.1:0", "--production", "--open"])
        .current_dir(crate::helpers::root())
        .env("PHONEGRAPH_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(open.stderr.take().unwrap()).lines();
    let listening = loop {
        let line = lines.next().expect("the server logs").unwrap();
        let entry: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if entry["fields"]["address"].is_string() {
            break entry;
        }
    };
    assert_eq!(listening["level"], "INFO");
    open.kill().unwrap();
    open.wait().unwrap();
}
