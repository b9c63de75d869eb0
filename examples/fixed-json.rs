//! The load test's baseline: a bare axum handler answering every POST to `/graphql` with a
//! fixed JSON body, to compare phonegraph's throughput with what axum alone does on this
//! machine. `cargo run --release --example fixed-json -- 127.0.0.1:18081`

use axum::Router;
use axum::http::header;
use axum::routing::post;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18081".to_owned());
    let router = Router::new().route(
        "/graphql",
        post(|| async {
            (
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"data":{"entity":{"id":"vendor-1","name":"Vendor 1 Mobile"}}}"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, router).await
}
