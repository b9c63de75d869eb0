//! HTTP caching and automatic persisted queries against a real server: `ETag`s on GET answers,
//! 304 on `If-None-Match`, a new tag when the data changes, `no-store` on errors, and queries
//! sent by their SHA-256.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use phonegraph::http::{HttpConfig, Keys};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{app, send_to};
use crate::keys::{new_key, with_key};
use crate::live::{Live, version};

const XIAOMI: &str = r#"query Name($id: ID!) { entity(id: $id) { name } }"#;

/// A GET of `/graphql` with these parameters, and these headers.
async fn get(
    live: &Live,
    params: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let mut request = live
        .client
        .get(format!("http://{}/graphql", live.address))
        .query(params);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let reply = request.send().await.unwrap();
    let status = StatusCode::from_u16(reply.status().as_u16()).unwrap();
    let headers = reply.headers().clone();
    (status, headers, reply.text().await.unwrap())
}

fn header<'h>(headers: &'h reqwest::header::HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn get_answers_carry_an_etag_that_changes_with_the_data() {
    let live = Live::start(&[]);
    let xiaomi = [("query", XIAOMI), ("variables", r#"{"id":"xiaomi"}"#)];
    let (status, headers, body) = get(&live, &xiaomi, &[]).await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["data"]["entity"]["name"], "Xiaomi");
    let tag = header(&headers, "etag").unwrap().to_owned();
    assert!(tag.starts_with("W/\"") && tag.len() == 36, "{tag}");
    assert_eq!(header(&headers, "cache-control"), Some("public, no-cache"));
    assert_eq!(header(&headers, "vary"), Some("Accept, Authorization"));

    // Asked again with the tag: 304, no body, the same tag.
    let (status, headers, body) = get(&live, &xiaomi, &[("if-none-match", &tag)]).await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_MODIFIED, ""));
    assert_eq!(header(&headers, "etag"), Some(tag.as_str()));
    assert_eq!(header(&headers, "cache-control"), Some("public, no-cache"));
    // Among other tags, or as `*`, it still matches.
    let listed = format!("W/\"0000\", {tag}");
    let (status, _, _) = get(&live, &xiaomi, &[("if-none-match", &listed)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    // Other variables, another media type or another operation name: another answer, another tag.
    let huawei = [("query", XIAOMI), ("variables", r#"{"id":"huawei"}"#)];
    let (status, headers, _) = get(&live, &huawei, &[("if-none-match", &tag)]).await;
    assert_eq!(status, 200);
    assert_ne!(header(&headers, "etag"), Some(tag.as_str()));
    let graphql_media = [("accept", "application/graphql-response+json")];
    let (status, headers, _) = get(&live, &xiaomi, &graphql_media).await;
    assert_eq!(status, 200);
    assert_ne!(header(&headers, "etag"), Some(tag.as_str()));
    let named = [
        ("query", XIAOMI),
        ("variables", r#"{"id":"xiaomi"}"#),
        ("operationName", "Name"),
    ];
    let (_, headers, _) = get(&live, &named, &[]).await;
    assert_ne!(header(&headers, "etag"), Some(tag.as_str()));

    // A POST is not cached.
    let posted = live
        .client
        .post(format!("http://{}/graphql", live.address))
        .json(&json!({ "query": XIAOMI, "variables": { "id": "xiaomi" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.headers().get("etag"), None);

    // The data changes: the old tag no longer matches, and the new answer comes whole.
    let old = version(&answer);
    live.edit(
        "companies/vendors.toml",
        "name = \"Xiaomi\"",
        "name = \"Xiaomi Corporation\"",
    );
    live.health_until("the edit goes live", |h| h["dataVersion"] != old.as_str())
        .await;
    let (status, headers, body) = get(&live, &xiaomi, &[("if-none-match", &tag)]).await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["data"]["entity"]["name"], "Xiaomi Corporation");
    let new_tag = header(&headers, "etag").unwrap().to_owned();
    assert_ne!(new_tag, tag);

    // A reload that fails changes `dataStatus`, and so every tag, though the data stays.
    let file = live.file("markets.toml");
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{good}\n[[market]\n")).unwrap();
    live.health_until("the broken reload", |h| h["lastReload"]["ok"] == false)
        .await;
    let (status, headers, _) = get(&live, &xiaomi, &[("if-none-match", &new_tag)]).await;
    assert_eq!(status, 200);
    assert_ne!(header(&headers, "etag"), Some(new_tag.as_str()));
}

#[tokio::test]
async fn answers_with_errors_are_not_stored() {
    let live = Live::start(&[]);
    // A field error: data, with errors.
    let missing = [(
        "query",
        r#"{ entity(id: "att") { relations(filter: { market: "atlantis" }) { totalCount } } }"#,
    )];
    let (status, headers, body) = get(&live, &missing, &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("NOT_FOUND"), "{body}");
    assert_eq!(header(&headers, "etag"), None);
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    // A request error.
    let (status, headers, body) = get(&live, &[("query", "{ nothing }")], &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("GRAPHQL_VALIDATION_FAILED"), "{body}");
    assert_eq!(header(&headers, "etag"), None);
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

#[tokio::test]
async fn persisted_queries_are_sent_by_their_hash() {
    let live = Live::start(&[]);
    let hash = sha256(XIAOMI);
    let post = |body: Value| {
        let request = live
            .client
            .post(format!("http://{}/graphql", live.address))
            .header("accept", "application/graphql-response+json")
            .json(&body);
        async move {
            let reply = request.send().await.unwrap();
            let status = reply.status().as_u16();
            (status, reply.json::<Value>().await.unwrap())
        }
    };
    let variables = json!({ "id": "xiaomi" });

    // The hash alone, before the server has the text: what Apollo's clients retry on.
    let (status, body) =
        post(json!({ "variables": variables, "extensions": persisted(&hash) })).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({ "errors": [{ "message": "PersistedQueryNotFound",
                             "extensions": { "code": "PERSISTED_QUERY_NOT_FOUND" } }] })
    );
    // Under plain JSON the same answer is a 200.
    let (status, headers, body) =
        get(&live, &[("extensions", &persisted(&hash).to_string())], &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("PERSISTED_QUERY_NOT_FOUND"), "{body}");
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));

    // The text with its hash runs, and is kept.
    let (status, body) = post(json!({
        "query": XIAOMI, "variables": variables, "extensions": persisted(&hash),
    }))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["entity"]["name"], "Xiaomi");

    // From then on the hash is enough, by POST or by GET (which can be cached).
    let (status, body) =
        post(json!({ "variables": { "id": "huawei" }, "extensions": persisted(&hash) })).await;
    assert_eq!(
        (status, &body["data"]["entity"]["name"]),
        (200, &json!("Huawei"))
    );
    let by_hash = [
        ("extensions", &*persisted(&hash).to_string()),
        ("variables", r#"{"id":"xiaomi"}"#),
    ];
    let (status, headers, body) = get(&live, &by_hash, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"Xiaomi\""), "{body}");
    let tag = header(&headers, "etag").unwrap().to_owned();
    let (status, _, _) = get(&live, &by_hash, &[("if-none-match", &tag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    // A hash that is not the text's, or a version other than 1, is refused.
    let (status, body) =
        post(json!({ "query": "{ dataVersion }", "extensions": persisted(&hash) })).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["message"],
        "`persistedQuery.sha256Hash` is not the SHA-256 of `query`"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    let (status, body) = post(json!({ "query": XIAOMI, "variables": variables,
        "extensions": { "persistedQuery": { "version": 2, "sha256Hash": hash } } }))
    .await;
    assert_eq!(
        (status, &body["errors"][0]["extensions"]["code"]),
        (400, &json!("BAD_REQUEST"))
    );
}

#[tokio::test]
async fn with_keys_answers_are_private_and_tagged_by_role() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.toml");
    let reader = new_key(&file, "dashboard", "reader");
    let other_reader = new_key(&file, "wallboard", "reader");
    let admin = new_key(&file, "ops", "admin");
    let config = HttpConfig {
        keys: Some(Arc::new(Keys::load(&file).unwrap())),
        ..HttpConfig::default()
    };
    let ask = |key: &str| {
        let request = Request::get("/graphql?query=%7B%20dataVersion%20%7D")
            .body(Body::empty())
            .unwrap();
        send_to(app(), &config, with_key(request, key))
    };
    let as_reader = ask(&reader).await;
    assert_eq!(as_reader.status, 200);
    assert_eq!(as_reader.headers["cache-control"], "private, no-cache");
    let tag = &as_reader.headers["etag"];
    // The same role gets the same tag; another role another.
    assert_eq!(&ask(&other_reader).await.headers["etag"], tag);
    assert_ne!(&ask(&admin).await.headers["etag"], tag);
}
