//! Hostile clients against a real server on a real port: slow headers, slow bodies, idle
//! sockets, floods of connections and requests, queries built to cost exponential work, and a
//! shutdown with a request half sent. Each test uses small limits, bounds its own time, and
//! asserts the bound rather than reproducing an outage.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use phonegraph::http::{HttpConfig, serve};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::helpers::{app, post};

const GQL: &str = "application/graphql-response+json";

/// A server on a free port, with a way to stop it.
struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    done: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(config: HttpConfig) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            serve(listener, app(), &config, async {
                let _ = stopped.await;
            })
            .await
        });
        Server {
            addr,
            stop: Some(stop),
            done,
        }
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }
}

/// Small limits, so each test finishes in a second or two.
fn quick() -> HttpConfig {
    HttpConfig {
        header_timeout: Duration::from_millis(200),
        keep_alive_timeout: Duration::from_millis(400),
        body_grace: Duration::from_millis(200),
        min_body_rate: 1000,
        shutdown_grace: Duration::from_millis(500),
        ..HttpConfig::default()
    }
}

/// Reads until the peer closes (or `limit` passes) and returns what came, and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let closed = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    (String::from_utf8_lossy(&got).into_owned(), closed)
}

/// One request on its own connection, read to the end: (status, body).
async fn request(addr: SocketAddr, raw: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw.as_bytes()).await.unwrap();
    let (text, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    status_and_body(&text)
}

fn status_and_body(text: &str) -> (u16, String) {
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
}

#[tokio::test]
async fn a_client_sending_headers_a_byte_at_a_time_is_cut_off() {
    let server = Server::start(quick()).await;
    let mut stream = server.connect().await;
    let started = Instant::now();
    let trickle = async {
        for byte in b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: aaaaaaaaaaaaaaaaaaaaaaaa" {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), trickle).await;
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(closed, "the connection is still open");
    assert!(answer.is_empty(), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let server = Server::start(quick()).await;
    let mut stream = server.connect().await;
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(closed);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout() {
    let server = Server::start(quick()).await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed);
    // Kept alive past the header timeout, closed at the keep-alive timeout.
    let idle = started.elapsed();
    assert!(
        idle >= Duration::from_millis(350) && idle < Duration::from_secs(2),
        "{idle:?}"
    );
}

#[tokio::test]
async fn a_body_slower_than_the_minimum_rate_gets_408() {
    let server = Server::start(quick()).await;
    let mut stream = server.connect().await;
    let body = json!({ "query": "{ stats { entities } }" }).to_string();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let trickle = async {
        for byte in body.as_bytes() {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), trickle).await;
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    let (status, body) = status_and_body(&answer);
    assert_eq!(status, 408, "{answer}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "REQUEST_TIMEOUT");
    assert_eq!(
        body["errors"][0]["message"],
        "the request body arrived slower than 1000 bytes a second"
    );
}

#[tokio::test]
async fn past_the_connection_cap_requests_get_503_and_health_checks_still_answer() {
    let server = Server::start(HttpConfig {
        max_connections: 4,
        header_timeout: Duration::from_secs(5),
        ..quick()
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(server.connect().await);
    }
    // Let the server take them before the next one.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, body) = request(
        server.addr,
        &get("/graphql?query=%7Bstats%7Bentities%7D%7D"),
    )
    .await;
    assert_eq!(status, 503, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "OVERLOADED");
    let (status, _) = request(server.addr, &get("/healthz")).await;
    assert_eq!(status, 200);
    let (status, _) = request(server.addr, &get("/readyz")).await;
    assert_eq!(status, 200);
    // Once the idle sockets are gone, requests are served again.
    drop(idle);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, body) = request(
        server.addr,
        &get("/graphql?query=%7Bstats%7Bentities%7D%7D"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn past_the_in_flight_cap_requests_get_503_with_retry_after() {
    let server = Server::start(HttpConfig {
        max_in_flight: 1,
        body_grace: Duration::from_secs(5),
        ..quick()
    })
    .await;
    // A request whose body never comes holds the one slot.
    let mut holder = server.connect().await;
    holder
        .write_all(
            b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut stream = server.connect().await;
    stream
        .write_all(get("/graphql?query=%7Bstats%7Bentities%7D%7D").as_bytes())
        .await
        .unwrap();
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    let (status, body) = status_and_body(&answer);
    assert_eq!(status, 503, "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "OVERLOADED");
    let (status, _) = request(server.addr, &get("/healthz")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn shutdown_drains_within_its_grace_and_readyz_fails_meanwhile() {
    let mut server = Server::start(quick()).await;
    let mut half_sent = server.connect().await;
    half_sent
        .write_all(
            b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (status, _) = request(server.addr, &get("/readyz")).await;
    assert_eq!(status, 200);
    let started = Instant::now();
    server.shut_down();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (status, body) = request(server.addr, &get("/readyz")).await;
    assert_eq!((status, body.as_str()), (503, "{\"status\":\"draining\"}"));
    let (status, _) = request(server.addr, &get("/healthz")).await;
    assert_eq!(status, 200);
    let done = tokio::time::timeout(Duration::from_secs(3), &mut server.done).await;
    assert!(done.is_ok(), "the server is still draining");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// Runs a request on a thread of its own and fails if it takes more than `limit`: a request
/// that blocks its thread cannot hang the test.
fn within(limit: Duration, body: Value) -> crate::helpers::Reply {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _ = tx.send(runtime.block_on(post(body, Some(GQL))));
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("no answer within {limit:?}"))
}

#[test]
fn fragments_spread_twice_at_every_level_are_refused_at_once() {
    let mut query = String::from("{ ...F0 }\n");
    for i in 0..40 {
        query += &format!("fragment F{i} on Query {{ ...F{n} ...F{n} }}\n", n = i + 1);
    }
    query += "fragment F40 on Query { stats { entities } }";
    let reply = within(Duration::from_secs(5), json!({ "query": query }));
    assert_eq!(reply.status.as_u16(), 400);
    assert_eq!(reply.codes(), ["LIMIT_EXCEEDED"]);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "fragments nest more than 32 deep (`F0` spreads a fragment that spreads another, and so on)"
    );
    // Within the nesting limit, the cost still counts every spread.
    let mut query = String::from("{ ...F0 }\n");
    for i in 0..30 {
        query += &format!("fragment F{i} on Query {{ ...F{n} ...F{n} }}\n", n = i + 1);
    }
    query += "fragment F30 on Query { stats { entities } }";
    let reply = within(Duration::from_secs(5), json!({ "query": query }));
    assert_eq!(reply.codes(), ["LIMIT_EXCEEDED"]);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "Query is too complex: it costs at least 32768, the limit is 20000."
    );
}

#[tokio::test]
async fn fragments_that_spread_each_other_are_refused_before_validation() {
    let reply = post(
        json!({ "query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }" }),
        Some(GQL),
    )
    .await;
    assert_eq!(reply.status.as_u16(), 400);
    assert_eq!(reply.codes(), ["GRAPHQL_VALIDATION_FAILED"]);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "fragment `A` spreads itself: A → B → A"
    );
}

#[tokio::test]
async fn a_parse_error_never_echoes_the_query() {
    let junk = "x".repeat(50_000);
    let reply = post(
        json!({ "query": format!("{{ stats {{ {junk} ! }} }}") }),
        Some(GQL),
    )
    .await;
    assert_eq!(reply.status.as_u16(), 400);
    assert_eq!(reply.codes(), ["GRAPHQL_PARSE_FAILED"]);
    assert!(reply.text.len() < 500, "{} bytes", reply.text.len());
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "syntax error at line 1, column 50012: expected selection_set, selection, directive, or arguments, near `xxxxxxxxxxx ! } }`"
    );
}

#[tokio::test]
async fn a_query_text_over_its_limit_is_refused() {
    let query = format!("{{ stats {{ entities }} }}{}", " ".repeat(64 << 10));
    let reply = post(json!({ "query": query }), Some(GQL)).await;
    assert_eq!(reply.status.as_u16(), 400);
    assert_eq!(reply.codes(), ["LIMIT_EXCEEDED"]);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "the query text is 65558 bytes, more than the limit of 65536: send a shorter query"
    );
}

#[tokio::test]
async fn thousands_of_repeated_directives_give_one_error() {
    let query = format!(
        "{{ stats {} {{ entities }} }}",
        "@skip(if: false)".repeat(3_000)
    );
    let reply = post(json!({ "query": query }), Some(GQL)).await;
    assert_eq!(reply.codes(), ["LIMIT_EXCEEDED"]);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "3000 directives in one place, more than the limit of 8"
    );
}

#[tokio::test]
async fn errors_stop_at_a_hundred_and_say_how_many_more() {
    let fields: String = (0..150).map(|i| format!("nope{i} ")).collect();
    let reply = post(json!({ "query": format!("{{ {fields} }}") }), Some(GQL)).await;
    assert_eq!(reply.status.as_u16(), 400);
    let codes = reply.codes();
    assert_eq!(codes.len(), 101);
    assert!(codes.iter().all(|c| c == "GRAPHQL_VALIDATION_FAILED"));
    assert_eq!(
        reply.json()["errors"][100]["message"],
        "50 more errors were found and left out: fix these first"
    );
}
