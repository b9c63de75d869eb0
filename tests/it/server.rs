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
