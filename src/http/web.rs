//! The explorer page: a handful of files under `web/`, embedded in the binary when it is built
//! (`include_bytes!`: a fixed list of files needs no crate to embed them), served with a
//! content security policy that allows nothing from another origin and no inline code.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// What the page may load: its own files, and requests (HTTP and WebSocket) to its own origin.
pub(super) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; connect-src 'self'; \
     img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// One embedded file: its name under `/assets/`, its media type and its bytes.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $media_type:expr) => {
        Asset {
            name: $name,
            media_type: $media_type,
            bytes: include_bytes!(concat!("../../web/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the page but the page itself.
const ASSETS: &[Asset] = &[
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("icon.svg", "image/svg+xml"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("dom.js", JS),
    asset!("search.js", JS),
    asset!("entity.js", JS),
    asset!("graph.js", JS),
    asset!("paths.js", JS),
    asset!("time.js", JS),
    asset!("console.js", JS),
];

const PAGE: Asset = Asset {
    name: "index.html",
    media_type: "text/html; charset=utf-8",
    bytes: include_bytes!("../../web/index.html"),
};

/// The schema the console lists, as the binary was built with it (a test keeps
/// `schema/schema.graphql` equal to the schema served).
const SCHEMA: Asset = Asset {
    name: "schema.graphql",
    media_type: "text/plain; charset=utf-8",
    bytes: include_bytes!("../../schema/schema.graphql"),
};

/// Each file's entity tag, by name: a hash of its bytes, so that a browser revalidates
/// cheaply. Weak, because a file may go out compressed or not: the same content either way.
static TAGS: LazyLock<HashMap<&'static str, HeaderValue>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .chain([&PAGE, &SCHEMA])
        .map(|a| {
            let hash = blake3::hash(a.bytes).to_hex();
            let tag = HeaderValue::from_str(&format!("W/\"{}\"", &hash[..16]));
            (a.name, tag.expect("hex is a header"))
        })
        .collect()
});

/// `/` and `/console`: the page (it reads its state from the address).
pub(super) async fn page(headers: HeaderMap) -> Response {
    serve(&PAGE, &headers)
}

/// `/assets/{name}`: a file of the page, or 404.
pub(super) async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => serve(asset, &headers),
        None => super::not_found().await,
    }
}

/// `/schema.graphql`: the schema in SDL, for the console (in production, for admins only).
pub(super) async fn schema(headers: HeaderMap) -> Response {
    serve(&SCHEMA, &headers)
}

/// The file with its type, tag and policy; 304 when the browser already has this version.
fn serve(asset: &Asset, request: &HeaderMap) -> Response {
    let tag = &TAGS[asset.name];
    let fresh = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        // Compared weakly: `W/` on either side does not matter.
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || tag.as_bytes().strip_prefix(b"W/") == Some(t.as_bytes()));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.media_type),
            )],
            asset.bytes,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, tag.clone());
    // Revalidated on every use: a new binary may serve new files under the same names.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
