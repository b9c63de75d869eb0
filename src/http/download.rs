//! `GET /export?format=…`: the data answering now, written in one of the export formats and
//! streamed as it is written, for admins (or, without keys, for this machine).

use std::io::{self, Write};

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::mpsc;

use super::{HttpState, error_response};
use crate::export::{self, Format};

/// How much is written before it is sent: big enough for few sends, small enough to stream.
const CHUNK: usize = 64 << 10;

/// Chunks waiting for a slow client before the writer waits too: memory stays bounded.
const QUEUED: usize = 8;

#[derive(Deserialize)]
pub(super) struct Asked {
    format: Option<String>,
    /// For `csv`: `nodes` or `edges`.
    file: Option<String>,
}

/// Which file of the export is asked.
#[derive(Clone, Copy)]
enum Part {
    Whole(Format),
    CsvNodes,
    CsvEdges,
}

pub(super) async fn export(
    State(state): State<HttpState>,
    Query(asked): Query<Asked>,
    request: axum::extract::Request,
) -> Response {
    if state.config.keys.is_none() && !super::from_this_machine(&state, &request) {
        return error_response(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "without API keys, exports may be asked only from this machine",
        );
    }
    let format = match asked.format.as_deref().map(str::parse::<Format>) {
        Some(Ok(format)) => format,
        Some(Err(message)) => return bad_request(&message),
        None => return bad_request("name a format: ?format=graphml, json, csv, cypher or ndjson"),
    };
    let part = match (format, asked.file.as_deref()) {
        (Format::Csv, Some("nodes")) => Part::CsvNodes,
        (Format::Csv, Some("edges")) => Part::CsvEdges,
        (Format::Csv, _) => {
            return bad_request("CSV is two files: add &file=nodes or &file=edges");
        }
        (format, _) => Part::Whole(format),
    };
    // One export at a time: each keeps a thread busy for as long as its client reads.
    let Ok(slot) = state.life.exports.clone().try_acquire_owned() else {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "OVERLOADED",
            "an export is already being written: try again when it is done",
        );
    };
    let data = state.app.versions().current();
    let name = match part {
        Part::Whole(f) => format!("phonegraph-{}.{}", data.data_version, f.name()),
        Part::CsvNodes => "nodes.csv".to_owned(),
        Part::CsvEdges => "edges.csv".to_owned(),
    };
    let (sender, mut receiver) = mpsc::channel::<io::Result<Bytes>>(QUEUED);
    let version = data.data_version.clone();
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let mut out = Sender {
            sender,
            buffer: Vec::with_capacity(CHUNK),
        };
        let graph = &data.graph;
        let written = match part {
            Part::Whole(format) => export::write(graph, format, &mut out),
            Part::CsvNodes => export::csv_nodes(graph, &mut out),
            Part::CsvEdges => export::csv_edges(graph, &mut out),
        };
        match written.and_then(|_| out.flush()) {
            Ok(()) => {}
            // The client went away: nothing to tell it.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            Err(e) => {
                tracing::error!(error = %e, "an export failed");
                // The stream ends in an error: the client sees a cut answer, never a whole one.
                let _ = out.sender.blocking_send(Err(e));
            }
        }
    });
    let body = async_graphql::futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    let media = match part {
        Part::Whole(f) => f.media_type(),
        _ => Format::Csv.media_type(),
    };
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&version) {
        headers.insert("x-data-version", value);
    }
    response
}

fn bad_request(message: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}

/// A writer that sends what is written to the response in chunks, waiting while the client
/// is behind; a client gone makes every write fail (`BrokenPipe`), which stops the export.
struct Sender {
    sender: mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl Sender {
    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl Write for Sender {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}
