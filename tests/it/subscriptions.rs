//! Subscriptions over WebSocket (`graphql-transport-ws`) against a real `serve` process: the
//! events a reload sends, and every close the protocol asks for.

use std::time::Duration;

use async_graphql::futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::live::{Live, version};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket to the server's `/graphql`, offering the protocol (unless `protocol` is
/// `None`) and sending `origin` if given.
async fn open(
    live: &Live,
    protocol: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, WsError> {
    let mut request = format!("ws://{}/graphql", live.address)
        .into_client_request()
        .unwrap();
    if let Some(protocol) = protocol {
        request
            .headers_mut()
            .insert("sec-websocket-protocol", protocol.parse().unwrap());
    }
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

async fn connect(live: &Live) -> Socket {
    open(live, Some("graphql-transport-ws"), None)
        .await
        .expect("the upgrade succeeds")
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// The next protocol message (server pings answered on the way), within five seconds.
async fn receive(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a message within five seconds")
            .expect("the socket is open")
            .expect("a message");
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "ping" {
                    send(socket, json!({ "type": "pong" })).await;
                    continue;
                }
                return value;
            }
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => {}
        }
    }
}

/// Waits for the server to close the socket, and gives the code and reason.
async fn closed(socket: &mut Socket) -> (u16, String) {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a close within five seconds");
        match message {
            Some(Ok(Message::Close(Some(frame)))) => {
                return (u16::from(frame.code), frame.reason.to_string());
            }
            Some(Ok(Message::Close(None))) | None => panic!("closed without a code"),
            Some(Err(e)) => panic!("no close frame: {e}"),
            Some(Ok(_)) => {}
        }
    }
}

async fn acknowledged(live: &Live) -> Socket {
    let mut socket = connect(live).await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(
        receive(&mut socket).await,
        json!({ "type": "connection_ack" })
    );
    socket
}

const DATA_CHANGED: &str =
    "subscription { dataChanged { version revision previousVersion previousRevision
  counts { entitiesChanged relationsChanged total } byKind { item kind added removed changed }
  changes { item id change fields { field } } truncated } }";

/// "A carrier operating in the US and a product of a vendor headquartered in China."
const WATCH: &str = r#"subscription { watch(kinds: [CARRIES],
  from: { kind: CARRIER, related: { kinds: [OPERATES_IN], where: { id: "us" } } },
  to: { related: { kinds: [MAKES], where: { related: { kinds: [HEADQUARTERED_IN], where: { id: "cn" } } } } }) {
    change relationId kind from { id kind } to { id kind } oldStatus newStatus oldPresence newPresence
    sources { id } revision } }"#;

/// Reloads with AT&T's Mate 10 Pro deal, cancelled in 2018, said to be confirmed in 2019
/// (what `WATCH` is told of); gives the new version.
async fn confirm_the_att_deal(live: &Live) -> String {
    live.edit(
        "relations/huawei.toml",
        "  { status = \"cancelled\", date = \"2018-01-08\"",
        "  { status = \"confirmed\", date = \"2019-03\", sources = [{ source = \"curator-knowledge\" }] },\n  { status = \"cancelled\", date = \"2018-01-08\"",
    );
    assert_eq!(live.reload(None).await.status(), 200);
    live.health().await["dataVersion"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// What `WATCH` hears of `confirm_the_att_deal`.
fn the_att_deal_alert() -> Value {
    json!({
        "change": "CHANGED", "relationId": "att:carries:mate-10-pro@us", "kind": "CARRIES",
        "from": { "id": "att", "kind": "CARRIER" }, "to": { "id": "mate-10-pro", "kind": "PRODUCT" },
        "oldStatus": "CANCELLED", "newStatus": "CONFIRMED", "oldPresence": "ENDED", "newPresence": "ABSENT",
        "sources": [{ "id": "techtimes-xiaomi-us-2018" }, { "id": "curator-knowledge" }], "revision": 2,
    })
}

#[tokio::test]
async fn subscribers_hear_each_reload_and_each_change_they_watch() {
    let live = Live::start(&["--no-watch"]);
    let old = version(&live.ask("{ dataVersion }").await);
    let mut socket = acknowledged(&live).await;
    send(
        &mut socket,
        json!({ "id": "all", "type": "subscribe", "payload": { "query": DATA_CHANGED } }),
    )
    .await;
    send(
        &mut socket,
        json!({ "id": "deal", "type": "subscribe", "payload": { "query": WATCH } }),
    )
    .await;
    // Both are registered once a query on the same connection has answered.
    send(
        &mut socket,
        json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ dataVersion }" } }),
    )
    .await;
    let answered = receive(&mut socket).await;
    assert_eq!(answered["id"], "q");
    assert_eq!(answered["payload"]["data"]["dataVersion"], old.as_str());
    assert_eq!(
        receive(&mut socket).await,
        json!({ "id": "q", "type": "complete" })
    );

    let new = confirm_the_att_deal(&live).await;
    let mut heard = vec![receive(&mut socket).await, receive(&mut socket).await];
    heard.sort_by_key(|m| m["id"].as_str().unwrap().to_owned());
    assert_eq!(
        heard,
        vec![
            json!({ "id": "all", "type": "next", "payload": { "data": { "dataChanged": {
                "version": new, "revision": 2, "previousVersion": old, "previousRevision": 1,
                "counts": { "entitiesChanged": 0, "relationsChanged": 1, "total": 1 },
                "byKind": [{ "item": "RELATION", "kind": "carries", "added": 0, "removed": 0, "changed": 1 }],
                "changes": [{ "item": "RELATION", "id": "att:carries:mate-10-pro@us", "change": "CHANGED",
                              "fields": [{ "field": "status" }] }],
                "truncated": false } }, "extensions": { "dataVersion": new } } }),
            json!({ "id": "deal", "type": "next", "payload": { "data": { "watch": the_att_deal_alert() },
                "extensions": { "dataVersion": new } } }),
        ]
    );

    // The watch is completed by the client; an edit it does not match raises nothing for it.
    send(&mut socket, json!({ "id": "deal", "type": "complete" })).await;
    live.edit(
        "companies/vendors.toml",
        "name = \"Xiaomi\"",
        "name = \"Xiaomi Inc.\"",
    );
    assert_eq!(live.reload(None).await.status(), 200);
    let event = receive(&mut socket).await;
    assert_eq!(event["id"], "all");
    assert_eq!(event["payload"]["data"]["dataChanged"]["revision"], 3);
    assert_eq!(
        event["payload"]["data"]["dataChanged"]["changes"],
        json!([{ "item": "ENTITY", "id": "xiaomi", "change": "CHANGED", "fields": [{ "field": "name" }] }])
    );
    // A reload of unchanged files sends nothing; the next message is the answer to a ping.
    assert_eq!(live.reload(None).await.status(), 200);
    send(&mut socket, json!({ "type": "ping" })).await;
    assert_eq!(receive(&mut socket).await, json!({ "type": "pong" }));
}

#[tokio::test]
async fn a_subscribe_goes_through_the_checks_of_any_request() {
    let live = Live::start(&[
        "--no-watch",
        "--max-depth",
        "2",
        "--max-subscriptions-per-connection",
        "2",
    ]);
    let mut socket = acknowledged(&live).await;
    let cases = [
        ("parse", "subscription {", "GRAPHQL_PARSE_FAILED"),
        (
            "unknown",
            "subscription { nothing }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("deep", DATA_CHANGED, "LIMIT_EXCEEDED"),
        (
            "pattern",
            r#"subscription { watch(filter: { market: "atlantis" }) { change } }"#,
            "NOT_FOUND",
        ),
    ];
    for (id, query, code) in cases {
        send(
            &mut socket,
            json!({ "id": id, "type": "subscribe", "payload": { "query": query } }),
        )
        .await;
        let answer = receive(&mut socket).await;
        assert_eq!(answer["id"], id, "{answer}");
        assert_eq!(answer["type"], "error", "{answer}");
        assert_eq!(answer["payload"][0]["extensions"]["code"], code, "{answer}");
    }
    // Two running, the most this connection may have: a third is refused, the two go on.
    for id in ["a", "b", "c"] {
        let query = "subscription { dataChanged { revision } }";
        send(
            &mut socket,
            json!({ "id": id, "type": "subscribe", "payload": { "query": query } }),
        )
        .await;
    }
    let refused = receive(&mut socket).await;
    assert_eq!(refused["id"], "c");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "LIMIT_EXCEEDED"
    );
    // Over plain HTTP a subscription is refused.
    let over_http = live
        .client
        .post(format!("http://{}/graphql", live.address))
        .json(&json!({ "query": "subscription { dataChanged { revision } }" }))
        .send()
        .await
        .unwrap();
    let body: Value = over_http.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn each_protocol_error_closes_with_its_code() {
    let live = Live::start(&["--no-watch", "--ws-init-timeout", "300ms"]);

    let mut silent = connect(&live).await;
    assert_eq!(
        closed(&mut silent).await,
        (4408, "Connection initialisation timeout".into())
    );

    let mut early = connect(&live).await;
    send(
        &mut early,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": DATA_CHANGED } }),
    )
    .await;
    assert_eq!(closed(&mut early).await.0, 4401);

    let mut twice = acknowledged(&live).await;
    send(&mut twice, json!({ "type": "connection_init" })).await;
    assert_eq!(closed(&mut twice).await.0, 4429);

    let mut duplicate = acknowledged(&live).await;
    for _ in 0..2 {
        send(
            &mut duplicate,
            json!({ "id": "same", "type": "subscribe", "payload": { "query": DATA_CHANGED } }),
        )
        .await;
    }
    assert_eq!(closed(&mut duplicate).await.0, 4409);

    for bad in [
        "not json",
        r#"{"type":"teleport"}"#,
        r#"{"type":"subscribe","id":"x"}"#,
        "[1]",
    ] {
        let mut socket = acknowledged(&live).await;
        socket.send(Message::text(bad)).await.unwrap();
        assert_eq!(
            closed(&mut socket).await,
            (4400, "Invalid message received".into()),
            "{bad}"
        );
    }

    let mut large = acknowledged(&live).await;
    let query = format!("{{ dataVersion }} #{}", "x".repeat(1 << 20));
    let message = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    let _ = large.send(Message::text(message.to_string())).await;
    assert_eq!(closed(&mut large).await.0, 1009);

    let mut binary = acknowledged(&live).await;
    binary.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(closed(&mut binary).await.0, 4400);

    let mut no_protocol = open(&live, None, None).await.unwrap();
    assert_eq!(closed(&mut no_protocol).await.0, 4406);

    // A page of another origin is refused before the upgrade (browsers apply no CORS here).
    match open(
        &live,
        Some("graphql-transport-ws"),
        Some("https://evil.example"),
    )
    .await
    {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("upgraded from another origin: {:?}", other.map(|_| ())),
    }
    // A page of the server's own origin is not.
    let own = format!("http://{}", live.address);
    assert!(
        open(&live, Some("graphql-transport-ws"), Some(&own))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn with_keys_the_key_goes_in_connection_init() {
    let keys = tempfile::tempdir().unwrap();
    let file = keys.path().join("keys.toml");
    let reader = phonegraph::http::add_key(&file, "dash", phonegraph::http::Role::Reader).unwrap();
    let live = Live::start(&["--no-watch", "--api-keys", file.to_str().unwrap()]);

    let mut stranger = connect(&live).await;
    send(
        &mut stranger,
        json!({ "type": "connection_init", "payload": { "authorization": "Bearer nope" } }),
    )
    .await;
    assert_eq!(closed(&mut stranger).await, (4403, "Forbidden".into()));

    let mut keyless = connect(&live).await;
    send(&mut keyless, json!({ "type": "connection_init" })).await;
    assert_eq!(closed(&mut keyless).await.0, 4403);

    let mut dashboard = connect(&live).await;
    send(&mut dashboard, json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {reader}") } })).await;
    assert_eq!(
        receive(&mut dashboard).await,
        json!({ "type": "connection_ack" })
    );
}

/// The `graphql-ws` library's own client (pinned in `tests/audit/`), run by Node.js.
#[tokio::test]
async fn the_graphql_ws_client_hears_each_reload_and_each_watched_change() {
    use std::io::BufRead;

    let dir = crate::helpers::path("tests/audit");
    tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || crate::audit::install(&dir)
    })
    .await
    .unwrap();
    let live = Live::start(&["--no-watch"]);
    let mut node = std::process::Command::new("node")
        .arg("ws-client.mjs")
        .arg(format!("ws://{}/graphql", live.address))
        .arg("2")
        .arg("subscription { dataChanged { revision counts { total } changes { id change } } }")
        .arg(WATCH)
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node runs");
    let (lines, heard) = std::sync::mpsc::channel();
    let stdout = node.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines.send(line);
        }
    });
    let next = || {
        heard
            .recv_timeout(Duration::from_secs(20))
            .expect("a line from the client")
    };
    let old = version(&live.ask("{ dataVersion }").await);
    assert_eq!(next(), format!("ready {old}"));

    let new = confirm_the_att_deal(&live).await;
    let mut events: Vec<Value> = (0..2)
        .map(|_| serde_json::from_str(&next()).unwrap())
        .collect();
    events.sort_by_key(|e| e["id"].as_u64());
    assert_eq!(
        events,
        vec![
            json!({ "id": 0, "result": { "data": { "dataChanged": { "revision": 2, "counts": { "total": 1 },
                "changes": [{ "id": "att:carries:mate-10-pro@us", "change": "CHANGED" }] } },
                "extensions": { "dataVersion": new } } }),
            json!({ "id": 1, "result": { "data": { "watch": the_att_deal_alert() },
                "extensions": { "dataVersion": new } } }),
        ]
    );
    let status = tokio::task::spawn_blocking(move || node.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status}");
}

/// An upgraded connection is exempt from the HTTP timeouts (header, keep-alive, request): a
/// quiet subscriber still hears the next reload; it is closed with 1001 when the server shuts
/// down.
#[tokio::test]
async fn a_quiet_subscriber_outlives_the_http_timeouts_until_shutdown() {
    let live = Live::start(&[
        "--no-watch",
        "--keep-alive-timeout",
        "500ms",
        "--header-timeout",
        "500ms",
        "--request-timeout",
        "500ms",
        "--shutdown-grace",
        "300ms",
    ]);
    let mut socket = acknowledged(&live).await;
    let query = "subscription { dataChanged { revision } }";
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    live.edit(
        "companies/vendors.toml",
        "name = \"Xiaomi\"",
        "name = \"Mi\"",
    );
    assert_eq!(live.reload(None).await.status(), 200);
    let new = live.health().await["dataVersion"].clone();
    assert_eq!(
        receive(&mut socket).await,
        json!({ "id": "1", "type": "next", "payload": { "data": { "dataChanged": { "revision": 2 } },
                "extensions": { "dataVersion": new } } })
    );
    crate::process::signal(&live.child, "TERM");
    assert_eq!(
        closed(&mut socket).await,
        (1001, "the server is shutting down".into())
    );
}

/// A burst of saves is one reload, once the files have been quiet for a moment.
#[tokio::test]
async fn a_burst_of_saves_is_one_reload() {
    let live = Live::start(&[]);
    let old = version(&live.ask("{ dataVersion }").await);
    for name in ["X1", "X2", "X3", "X4", "Xiaomi Final"] {
        let file = live.file("companies/vendors.toml");
        let text = std::fs::read_to_string(&file).unwrap();
        let at = text.find("name = \"X").unwrap();
        let end = at + text[at..].find('\n').unwrap();
        std::fs::write(
            &file,
            format!("{}name = \"{name}\"{}", &text[..at], &text[end..]),
        )
        .unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let health = live
        .health_until("the burst is reloaded", |h| {
            h["dataVersion"] != old.as_str()
        })
        .await;
    assert_eq!(health["revision"], 2);
    let answer = live.ask(r#"{ entity(id: "xiaomi") { name } }"#).await;
    assert_eq!(answer["data"]["entity"]["name"], "Xiaomi Final");
    // Nothing else follows.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(live.health().await["revision"], 2);
}

/// With `--rate-limit`, operations over a WebSocket are held to the client's rate like
/// requests over HTTP.
#[tokio::test]
async fn operations_over_a_websocket_are_rate_limited() {
    let live = Live::start(&["--no-watch", "--rate-limit", "1"]);
    let mut socket = acknowledged(&live).await;
    for n in 0..5 {
        let message = json!({ "id": format!("q{n}"), "type": "subscribe", "payload": { "query": "{ dataVersion }" } });
        send(&mut socket, message).await;
    }
    let (mut completed, mut limited) = (0, 0);
    while completed + limited < 5 {
        let message = receive(&mut socket).await;
        match message["type"].as_str() {
            Some("complete") => completed += 1,
            Some("error") => {
                assert_eq!(message["payload"][0]["extensions"]["code"], "RATE_LIMITED");
                limited += 1;
            }
            _ => assert_eq!(message["type"], "next"),
        }
    }
    assert!(
        completed >= 1 && limited >= 1,
        "{completed} answered, {limited} refused"
    );
}

/// A watch hears a relation come and one go; a symmetric kind matches its ends either way
/// round.
#[tokio::test]
async fn a_watch_hears_relations_come_and_go() {
    let live = Live::start(&["--no-watch"]);
    let mut socket = acknowledged(&live).await;
    let query = "subscription { watch(kinds: [PARTNERS_WITH], from: { kind: CARRIER }, to: { kind: VENDOR }) {
        change relationId from { id } to { id } oldStatus newStatus oldPresence revision } }";
    send(
        &mut socket,
        json!({ "id": "w", "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
    let file = live.file("relations/huawei.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let start = text.find("[[relation]]\nkind = \"partners_with\"").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    std::fs::write(&file, format!("{}{}", &text[..start], &text[end + 2..])).unwrap();
    std::fs::write(
        live.file("reports/partnership.toml"),
        "[[relation]]\nkind = \"partners_with\"\nfrom = \"verizon\"\nto = \"zte\"\nunsourced = true\n",
    )
    .unwrap();
    assert_eq!(live.reload(None).await.status(), 200);
    let alert = |m: Value| m["payload"]["data"]["watch"].clone();
    assert_eq!(
        [
            alert(receive(&mut socket).await),
            alert(receive(&mut socket).await)
        ],
        [
            json!({ "change": "REMOVED", "relationId": "huawei:partners_with:att@us",
                    "from": { "id": "huawei" }, "to": { "id": "att" },
                    "oldStatus": "CANCELLED", "newStatus": null, "oldPresence": "ENDED", "revision": 2 }),
            json!({ "change": "ADDED", "relationId": "zte:partners_with:verizon",
                    "from": { "id": "zte" }, "to": { "id": "verizon" },
                    "oldStatus": null, "newStatus": null, "oldPresence": null, "revision": 2 }),
        ]
    );
}
