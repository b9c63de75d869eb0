//! A real server on a real port, asked over TCP by a real HTTP client, and shut down gracefully.

use phonegraph::http::{HttpConfig, serve};
use serde_json::{Value, json};

use crate::helpers::app;

#[tokio::test]
async fn a_real_server_answers_and_shuts_down() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve(listener, app(), &HttpConfig::default(), async {
            let _ = stopped.await;
        })
        .await
    });

    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let reply: Value = client
        .post(format!("http://{addr}/graphql"))
        .json(&json!({ "query": "{ entity(id: \"lei-jun\") { name ... on Person { roles { role other { name } } } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        crate::helpers::answer(reply),
        json!({ "data": { "entity": { "name": "Lei Jun", "roles": [{ "role": "chairman", "other": { "name": "Xiaomi" } }] } } })
    );

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(
        client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_err()
    );
}

/// Answers and the page's files go out compressed when the client accepts it, and the same
/// bytes come back out; a client that accepts nothing in particular gets them plain.
#[tokio::test]
async fn answers_are_compressed_for_clients_that_accept_it() {
    use std::io::Read;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        serve(
            listener,
            app(),
            &HttpConfig::default(),
            std::future::pending(),
        )
        .await
    });
    let client = reqwest::Client::new();
    let query = json!({ "query": "{ entities(first: 50) { nodes { id name aliases } } }" });
    let ask = |encoding: Option<&'static str>| {
        let mut request = client.post(format!("http://{addr}/graphql")).json(&query);
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        async move {
            let reply = request.send().await.unwrap();
            let used = reply
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_owned());
            let vary = reply
                .headers()
                .get("vary")
                .map(|v| v.to_str().unwrap().to_owned());
            (used, vary, reply.bytes().await.unwrap().to_vec())
        }
    };
    let (none, _, plain) = ask(None).await;
    assert_eq!(none, None);
    let plain_text = String::from_utf8(plain.clone()).unwrap();
    assert!(plain_text.contains("\"id\":\"amazon\""), "{plain_text}");

    let (used, vary, gzipped) = ask(Some("gzip")).await;
    assert_eq!(used.as_deref(), Some("gzip"));
    assert!(vary.unwrap().to_lowercase().contains("accept-encoding"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);
    assert!(
        gzipped.len() * 2 < plain.len(),
        "{} of {}",
        gzipped.len(),
        plain.len()
    );

    let (used, _, brotlied) = ask(Some("br;q=1, gzip;q=0.5")).await;
    assert_eq!(used.as_deref(), Some("br"));
    let mut unbrotlied = Vec::new();
    brotli::Decompressor::new(&brotlied[..], 4096)
        .read_to_end(&mut unbrotlied)
        .unwrap();
    assert_eq!(unbrotlied, plain);

    let page = client
        .get(format!("http://{addr}/assets/app.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["content-encoding"], "gzip");
    let tag = page.headers()["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with("W/\""), "{tag}");
    let again = client
        .get(format!("http://{addr}/assets/app.js"))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    server.abort();
}
