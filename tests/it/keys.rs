//! API keys: `phonegraph keys new` writes them, `serve --api-keys` asks for them on `/graphql`
//! and, for an admin's, on `/metrics`; health checks and the console need none.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use phonegraph::http::{HttpConfig, Keys};
use serde_json::json;

use crate::helpers::{app, graphql_request, send_to};

/// Runs `phonegraph keys new` and returns the key it prints.
pub(crate) fn new_key(file: &Path, name: &str, role: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_phonegraph"))
        .args(["keys", "new", "--file"])
        .arg(file)
        .args(["--name", name, "--role", role])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let key = stdout.strip_suffix('\n').unwrap().to_owned();
    assert!(!key.contains('\n') && key.starts_with("pg_"), "{stdout}");
    key
}

pub(crate) fn with_key(mut request: Request<Body>, key: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {key}").parse().unwrap());
    request
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn keys_open_graphql_to_readers_and_metrics_to_admins() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.toml");
    let reader = new_key(&file, "dashboard", "reader");
    let admin = new_key(&file, "ops", "admin");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        !written.contains(&reader) && !written.contains(&admin),
        "{written}"
    );
    let config = HttpConfig {
        keys: Some(Arc::new(Keys::load(&file).unwrap())),
        ..HttpConfig::default()
    };
    let ask = || graphql_request(&json!({ "query": "{ dataVersion }" }));

    let refused = send_to(app(), &config, ask()).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.codes(), ["UNAUTHENTICATED"]);
    assert_eq!(
        refused.headers["www-authenticate"],
        "Bearer realm=\"phonegraph\""
    );
    let wrong = send_to(app(), &config, with_key(ask(), "pg_not-a-key")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(!wrong.text.contains("pg_not-a-key"), "{}", wrong.text);

    let answered = send_to(app(), &config, with_key(ask(), &reader)).await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
    assert_eq!(
        answered.json()["data"]["dataVersion"],
        app().health().data_version
    );

    let forbidden = send_to(app(), &config, with_key(get("/metrics"), &reader)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(forbidden.codes(), ["FORBIDDEN"]);
    let metrics = send_to(app(), &config, with_key(get("/metrics"), &admin)).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.text.contains("phonegraph_entities"),
        "{}",
        metrics.text
    );

    for open in [
        "/healthz",
        "/readyz",
        "/",
        "/console",
        "/assets/app.js",
        "/schema.graphql",
    ] {
        assert_eq!(
            send_to(app(), &config, get(open)).await.status,
            StatusCode::OK,
            "{open}"
        );
    }
    let open_metrics = HttpConfig {
        metrics_open: true,
        ..config.clone()
    };
    assert_eq!(
        send_to(app(), &open_metrics, get("/metrics")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_browser_may_send_its_key_across_origins() {
    let config = HttpConfig {
        cors_origins: vec!["https://dash.example".into()],
        ..HttpConfig::default()
    };
    let preflight = Request::options("/graphql")
        .header("origin", "https://dash.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .body(Body::empty())
        .unwrap();
    let reply = send_to(app(), &config, preflight).await;
    let allowed = reply.headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
}

#[test]
fn serve_refuses_a_keys_file_it_cannot_read_before_loading_data() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.toml");
    std::fs::write(
        &file,
        "[[key]]\nname = \"x\"\nrole = \"owner\"\nhash = \"sha256:00\"\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_phonegraph"))
        .args(["serve", "--bind", "127.0.0.1:0", "--api-keys"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("is not a keys file") && stderr.contains("owner"),
        "{stderr}"
    );
    assert!(!stderr.contains("seed data loaded"), "{stderr}");
}

#[tokio::test]
async fn a_client_past_its_rate_is_told_to_wait_and_others_are_not() {
    use tower::ServiceExt;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.toml");
    let eager = new_key(&file, "eager", "reader");
    let calm = new_key(&file, "calm", "reader");
    let operator = new_key(&file, "operator", "admin");
    let config = HttpConfig {
        keys: Some(Arc::new(Keys::load(&file).unwrap())),
        rate_limit: std::num::NonZeroU32::new(2),
        ..HttpConfig::default()
    };
    // One server: the allowance is kept by the server's state.
    let router = phonegraph::http::router(app(), &config);
    let ask = |key: &str| with_key(graphql_request(&json!({ "query": "{ dataVersion }" })), key);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = router.clone().oneshot(ask(&eager)).await.unwrap();
        statuses.push(response.status());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(response.headers()["retry-after"], "1");
            let body = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
        }
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let other = router.clone().oneshot(ask(&calm)).await.unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    // An admin is not limited.
    for _ in 0..5 {
        let response = router.clone().oneshot(ask(&operator)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let health = router.clone().oneshot(get("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
