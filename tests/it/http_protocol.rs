//! GraphQL over HTTP as the spec says: media types, status codes, methods, body limits, and
//! errors that are always JSON with a code.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use phonegraph::http::HttpConfig;
use serde_json::json;

use crate::helpers::{post, send, send_with};

const GQL: &str = "application/graphql-response+json";

#[tokio::test]
async fn a_client_without_accept_gets_plain_json() {
    let reply = post(
        json!({ "query": "{ entity(id: \"xiaomi\") { name } }" }),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(
        reply.answer(),
        json!({ "data": { "entity": { "name": "Xiaomi" } } })
    );
}

#[tokio::test]
async fn a_client_accepting_anything_gets_plain_json() {
    for accept in ["*/*", "application/*"] {
        let reply = post(json!({ "query": "{ nope }" }), Some(accept)).await;
        assert_eq!(reply.status, StatusCode::OK, "{accept}");
        assert_eq!(reply.content_type(), "application/json");
        assert_eq!(reply.codes(), ["GRAPHQL_VALIDATION_FAILED"]);
    }
}

#[tokio::test]
async fn extensions_that_are_not_an_object_are_400() {
    let query = "{ dataVersion }";
    let mut replies = Vec::new();
    for extensions in [json!("x"), json!(1), json!(true), json!([])] {
        replies.push(
            post(
                json!({ "query": query, "extensions": extensions }),
                Some(GQL),
            )
            .await,
        );
    }
    let get = "/graphql?query=%7B%20dataVersion%20%7D&extensions=%22x%22";
    replies.push(send(Request::get(get).body(Body::empty()).unwrap()).await);
    for reply in replies {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(
            reply.json()["errors"][0]["message"],
            "`extensions` must be an object"
        );
        assert_eq!(reply.codes(), ["BAD_REQUEST"]);
    }
    for extensions in [json!({}), json!(null), json!({ "persistedQuery": null })] {
        let reply = post(
            json!({ "query": query, "extensions": extensions }),
            Some(GQL),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
}

#[tokio::test]
async fn a_client_accepting_the_graphql_type_gets_it() {
    let reply = post(json!({ "query": "{ dataVersion }" }), Some(GQL)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), GQL);
}

#[tokio::test]
async fn a_parse_error_is_400_without_data_under_the_graphql_type() {
    let reply = post(json!({ "query": "{ entity(id: " }), Some(GQL)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json().get("data").is_none(), "{}", reply.text);
    assert_eq!(reply.codes(), ["GRAPHQL_PARSE_FAILED"]);
}

#[tokio::test]
async fn a_parse_error_is_200_under_plain_json() {
    let reply = post(
        json!({ "query": "{ entity(id: " }),
        Some("application/json"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.codes(), ["GRAPHQL_PARSE_FAILED"]);
}

#[tokio::test]
async fn a_validation_error_is_400_under_the_graphql_type() {
    let reply = post(
        json!({ "query": "{ entity(id: \"xiaomi\") { colour } }" }),
        Some(GQL),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.codes(), ["GRAPHQL_VALIDATION_FAILED"]);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "Unknown field \"colour\" on type \"Entity\"."
    );
}

#[tokio::test]
async fn a_variable_of_the_wrong_type_is_a_request_error() {
    let reply = post(
        json!({ "query": "query($id: ID!) { entity(id: $id) { name } }", "variables": { "id": [1] } }),
        Some(GQL),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.json().get("data").is_none());
    assert_eq!(reply.codes(), ["GRAPHQL_VALIDATION_FAILED"]);
}

#[tokio::test]
async fn a_required_variable_not_given_fails_the_whole_request() {
    let reply = post(
        json!({ "query": "query($id: ID!, $first: Int = 5) { dataVersion entity(id: $id) { name } }" }),
        Some(GQL),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({ "errors": [{
            "message": "Variable \"$id\" of required type \"ID!\" was not provided.",
            "locations": [{ "line": 1, "column": 7 }],
            "extensions": { "code": "GRAPHQL_VALIDATION_FAILED" },
        }] })
    );
}

#[tokio::test]
async fn a_field_error_keeps_the_data_and_is_200() {
    let reply = post(
        json!({ "query": "{ dataVersion entities(first: 101) { totalCount } }" }),
        Some(GQL),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert!(body["data"]["dataVersion"].is_string());
    assert_eq!(
        body["errors"][0]["message"],
        "first must be between 0 and 100, not 101"
    );
    assert_eq!(reply.codes(), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn get_runs_queries() {
    let reply = send(
        Request::get("/graphql?query=%7B%20entity(id%3A%20%22att%22)%20%7B%20name%20%7D%20%7D")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.answer(),
        json!({ "data": { "entity": { "name": "AT&T" } } })
    );
}

#[tokio::test]
async fn get_with_variables_and_operation_name() {
    let uri = "/graphql?query=query%20A(%24id%3A%20ID!)%20%7B%20entity(id%3A%20%24id)%20%7B%20name%20%7D%20%7D\
               &variables=%7B%22id%22%3A%22zte%22%7D&operationName=A";
    let reply = send(Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(
        reply.answer(),
        json!({ "data": { "entity": { "name": "ZTE" } } })
    );
}

#[tokio::test]
async fn a_mutation_over_get_is_405() {
    let reply = send(
        Request::get("/graphql?query=mutation%20%7B%20x%20%7D")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.headers["allow"], "POST");
    assert_eq!(reply.codes(), ["METHOD_NOT_ALLOWED"]);
}

#[tokio::test]
async fn other_methods_are_405_with_allow() {
    let reply = send(Request::put("/graphql").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.headers["allow"], "GET, POST");
    assert_eq!(reply.content_type(), "application/json");
}

#[tokio::test]
async fn an_unacceptable_accept_is_406() {
    let reply = post(json!({ "query": "{ dataVersion }" }), Some("text/html")).await;
    assert_eq!(reply.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(reply.codes(), ["NOT_ACCEPTABLE"]);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_400() {
    let reply = send(
        Request::post("/graphql")
            .header("content-type", "application/json")
            .body(Body::from("{\"query\": "))
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "the body is not a GraphQL request in JSON: unexpected end at line 1, column 10"
    );
    assert_eq!(reply.codes(), ["BAD_REQUEST"]);
}

#[tokio::test]
async fn a_request_without_query_is_400() {
    let reply = post(json!({ "variables": {} }), None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "the request has no `query`"
    );
}

#[tokio::test]
async fn variables_that_are_not_an_object_are_400() {
    let query = "query($id: ID!) { entity(id: $id) { name } }";
    let mut replies = Vec::new();
    for variables in [
        json!([{ "id": "zte" }]),
        json!("zte"),
        json!(1),
        json!(true),
    ] {
        replies.push(post(json!({ "query": query, "variables": variables }), None).await);
    }
    let get = "/graphql?query=%7B%20dataVersion%20%7D&variables=%5B1%5D";
    replies.push(send(Request::get(get).body(Body::empty()).unwrap()).await);
    for reply in replies {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(
            reply.json()["errors"][0]["message"],
            "`variables` must be an object"
        );
        assert_eq!(reply.codes(), ["BAD_REQUEST"]);
    }
}

#[tokio::test]
async fn null_variables_are_none_and_nested_ones_arrive_whole() {
    let reply = post(
        json!({ "query": "{ entity(id: \"zte\") { name } }", "variables": null }),
        None,
    )
    .await;
    assert_eq!(
        reply.answer(),
        json!({ "data": { "entity": { "name": "ZTE" } } })
    );
    let query = "query($f: RelationFilter) { entity(id: \"zte\") { name relations(filter: $f) { totalCount } } }";
    let filter = json!({ "f": { "asOf": "2020-01-01", "minConfidence": 0.5 } });
    let reply = post(json!({ "query": query, "variables": filter }), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    assert_eq!(reply.json()["data"]["entity"]["name"], "ZTE");
    assert!(reply.json()["errors"].is_null(), "{}", reply.json());
}

#[tokio::test]
async fn a_body_of_another_media_type_is_415() {
    let reply = send(
        Request::post("/graphql")
            .header("content-type", "text/plain")
            .body(Body::from("{ dataVersion }"))
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.codes(), ["UNSUPPORTED_MEDIA_TYPE"]);
}

fn small() -> HttpConfig {
    HttpConfig {
        max_body_bytes: 64,
        ..HttpConfig::default()
    }
}

#[tokio::test]
async fn a_declared_oversized_body_is_413_json() {
    let body = json!({ "query": format!("{{ dataVersion }} #{}", "x".repeat(100)) }).to_string();
    let reply = send_with(
        &small(),
        Request::post("/graphql")
            .header("content-type", "application/json")
            .header("content-length", body.len())
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "the request body is larger than 64 bytes"
    );
}

#[tokio::test]
async fn a_chunked_oversized_body_is_413_json() {
    let chunks: Vec<Result<String, std::io::Error>> =
        (0..10).map(|_| Ok("0123456789".to_owned())).collect();
    let reply = send_with(
        &small(),
        Request::post("/graphql")
            .header("content-type", "application/json")
            .body(Body::from_stream(
                async_graphql::futures_util::stream::iter(chunks),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.codes(), ["PAYLOAD_TOO_LARGE"]);
}

#[tokio::test]
async fn health_reports_the_data_version() {
    let reply = send(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["dataVersion"].as_str().unwrap().len(), 16);
    assert!(body["entities"].as_u64().unwrap() > 25);
}

/// The explorer page and every file it names are served from the binary, with a policy that
/// lets the page load nothing from anywhere else; nothing in them names another host.
#[tokio::test]
async fn the_explorer_and_its_files_come_from_the_binary_alone() {
    let get = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    let page = send(get("/")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.content_type(), "text/html; charset=utf-8");
    let policy = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.starts_with("default-src 'self'; connect-src 'self';"),
        "{policy}"
    );
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(send(get("/console")).await.text, page.text);

    let named: Vec<&str> = page
        .text
        .split(['"', '\''])
        .filter(|part| part.starts_with("/assets/"))
        .collect();
    assert_eq!(
        named,
        ["/assets/icon.svg", "/assets/style.css", "/assets/app.js"]
    );
    // The scripts import one another: every module named in one is served too.
    let mut files = vec![
        "/assets/icon.svg".to_owned(),
        "/assets/style.css".to_owned(),
        "/assets/app.js".to_owned(),
    ];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(file) = files.pop() {
        if !seen.insert(file.clone()) {
            continue;
        }
        let reply = send(get(&file)).await;
        assert_eq!(reply.status, StatusCode::OK, "{file}");
        let expected = match file.rsplit('.').next() {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            _ => "image/svg+xml",
        };
        assert_eq!(reply.content_type(), expected, "{file}");
        assert!(
            reply.headers.contains_key("content-security-policy"),
            "{file}"
        );
        for line in reply.text.lines() {
            if let Some(at) = line.find(" from './") {
                let module = line[at + 9..].split('\'').next().unwrap();
                files.push(format!("/assets/{module}"));
            }
        }
    }
    assert!(seen.len() >= 10, "{seen:?}");
    // The only URLs written in them are SVG's namespace (a name, never fetched), the pattern
    // a source's URL must match before it is shown as a link, and the page's own scheme.
    let harmless = [
        "http://www.w3.org/2000/svg",
        "/^https?:\\/\\//",
        "location.protocol === 'https:'",
    ];
    for file in seen.iter().chain([&"/".to_owned()]) {
        let mut text = send(get(file)).await.text;
        for name in harmless {
            text = text.replace(name, "");
        }
        for remote in [
            "http:",
            "https:",
            "//cdn",
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "eval(",
        ] {
            assert!(!text.contains(remote), "{file} holds `{remote}`");
        }
    }
    assert_eq!(
        send(get("/assets/nothing.js")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_pages_files_are_revalidated_by_their_tag() {
    let first = send(Request::get("/assets/app.js").body(Body::empty()).unwrap()).await;
    let tag = first.headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(first.headers["cache-control"], "no-cache");
    let again = send(
        Request::get("/assets/app.js")
            .header("if-none-match", &tag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.text.is_empty());
    let stale = send(
        Request::get("/assets/app.js")
            .header("if-none-match", "\"0000\"")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(stale.status, StatusCode::OK);
    assert_eq!(stale.text, first.text);
}

/// The console lists the schema the server answers with, not one fetched by introspection.
#[tokio::test]
async fn the_schema_served_to_the_console_is_the_one_answering() {
    let sdl = send(Request::get("/schema.graphql").body(Body::empty()).unwrap()).await;
    assert_eq!(sdl.status, StatusCode::OK);
    assert_eq!(sdl.text, phonegraph::gql::sdl());
}

#[tokio::test]
async fn an_unknown_route_is_404_json() {
    let reply = send(Request::get("/nope").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.codes(), ["NOT_FOUND"]);
}

#[tokio::test]
async fn cors_allows_the_configured_origin() {
    let config = HttpConfig {
        cors_origins: vec!["https://dash.example".into()],
        ..HttpConfig::default()
    };
    let reply = send_with(
        &config,
        Request::options("/graphql")
            .header("origin", "https://dash.example")
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        reply.headers["access-control-allow-origin"],
        "https://dash.example"
    );
    let other = send_with(
        &config,
        Request::get("/healthz")
            .header("origin", "https://elsewhere.example")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(other.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_same_query_text_with_new_variables_gets_new_answers() {
    let query = "query($id: ID!) { entity(id: $id) { name } }";
    for (id, name) in [("xiaomi", "Xiaomi"), ("zte", "ZTE"), ("xiaomi", "Xiaomi")] {
        let reply = post(json!({ "query": query, "variables": { "id": id } }), None).await;
        assert_eq!(
            reply.answer(),
            json!({ "data": { "entity": { "name": name } } })
        );
    }
}

/// A text that passed validation before is validated again with each request's variables:
/// a bad value gets the same answer as on the text's first request.
#[tokio::test]
async fn bad_variables_get_the_same_answer_before_and_after_the_text_is_known() {
    let query = "query Known($id: ID!, $kinds: [EntityKind!], $first: Int) {
        entity(id: $id) { name }
        entities(where: { kindIn: $kinds }, first: $first) { totalCount }
    }";
    let bad = [
        json!({}),
        json!({ "id": [1] }),
        json!({ "id": null }),
        json!({ "id": "xiaomi", "kinds": ["PHONE"] }),
        json!({ "id": "xiaomi", "kinds": "vendor" }),
        json!({ "id": "xiaomi", "first": "ten" }),
        json!({ "id": "xiaomi", "first": 3_000_000_000_i64 }),
    ];
    let mut first_time = Vec::new();
    for variables in &bad {
        let reply = post(json!({ "query": query, "variables": variables }), Some(GQL)).await;
        first_time.push((reply.status, reply.text));
    }
    let good = post(
        json!({ "query": query, "variables": { "id": "xiaomi", "kinds": ["VENDOR"], "first": 1 } }),
        None,
    )
    .await;
    assert_eq!(
        good.json()["data"]["entity"]["name"],
        "Xiaomi",
        "{}",
        good.text
    );
    for (variables, before) in bad.iter().zip(first_time) {
        let reply = post(json!({ "query": query, "variables": variables }), Some(GQL)).await;
        assert_eq!((reply.status, reply.text), before, "variables {variables}");
    }
    assert_eq!(
        post(json!({ "query": query, "variables": bad[1] }), Some(GQL))
            .await
            .codes(),
        ["GRAPHQL_VALIDATION_FAILED"]
    );
}

/// A text that passed validation is validated again only in what depends on the request from
/// its second request on: the answer is the same, its field errors and their paths included.
#[tokio::test]
async fn a_known_text_gets_the_same_answer_errors_included() {
    let body = json!({
        "query": "query($id: ID!) { entity(id: $id) { name ... on Vendor {
            relations(first: 101) { totalCount } } } }",
        "variables": { "id": "xiaomi" }
    });
    let first = post(body.clone(), None).await;
    assert_eq!(
        first.json()["data"]["entity"]["name"],
        "Xiaomi",
        "{}",
        first.text
    );
    assert_eq!(first.codes(), ["BAD_USER_INPUT"], "{}", first.text);
    assert_eq!(
        first.json()["errors"][0]["path"],
        json!(["entity", "relations"])
    );
    for _ in 0..2 {
        let again = post(body.clone(), None).await;
        assert_eq!(
            (again.status, again.text),
            (first.status, first.text.clone())
        );
    }
}
