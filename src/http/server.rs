//! The server loop: accepting connections within a cap, timing out the ones that stall, and
//! draining on shutdown within a grace period.
//!
//! axum's own `serve` gives hyper no timer and takes every connection, so a client that sends
//! its headers a byte at a time, or a thousand idle sockets, could hold the server. Here each
//! connection is served by hyper's HTTP/1 connection under a [`Clock`] of our own, because
//! hyper's header timeout also runs while a kept-alive connection waits for its next request,
//! which would make the keep-alive timeout meaningless.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};
use tower::ServiceExt as _;

use super::{HttpConfig, Lifecycle, Refusal, overloaded, routes};
use crate::gql::AppState;

/// Connections taken beyond `--max-connections` only to answer them 503 (and health checks).
/// Past these, a connection is closed as soon as it is accepted.
const OVERFLOW_CONNECTIONS: usize = 32;
/// How long such a connection has to send its request: a health check sends at once.
const OVERFLOW_HEADER_TIMEOUT: Duration = Duration::from_secs(1);

/// How many connections the kernel may hold for us before we accept them. The usual 128 drops
/// the connection attempts of a burst (they retry only after a second).
const BACKLOG: u32 = 1024;

/// Listens on `address` with a backlog of [`BACKLOG`].
pub async fn listen(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(BACKLOG)
}

/// Serves `app` on `listener` until `shutdown` completes, then drains: `/readyz` answers 503,
/// connections close once their request under way is answered, connections still arriving
/// get one answer each (so a balancer that has not yet noticed loses nothing), and after
/// [`HttpConfig::shutdown_grace`] whatever is left is dropped.
pub async fn serve(
    listener: TcpListener,
    app: AppState,
    config: &HttpConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let life = Arc::new(Lifecycle::new(config, &app));
    let router = routes(app, config, life.clone());
    let connections = Arc::new(Semaphore::new(config.max_connections));
    let overflow = Arc::new(Semaphore::new(OVERFLOW_CONNECTIONS));
    // One stop signal per connection: a channel shared by all would be a lock every
    // connection takes each time it wakes.
    let mut stops: Vec<oneshot::Sender<()>> = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    let mut drain_until: Option<tokio::time::Instant> = None;
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown, if drain_until.is_none() => {
                life.start_draining();
                for stop in stops.drain(..) {
                    let _ = stop.send(());
                }
                drain_until = Some(tokio::time::Instant::now() + config.shutdown_grace);
                tracing::info!(connections = tasks.len(), grace = ?config.shutdown_grace, "draining");
                if tasks.is_empty() {
                    break;
                }
                continue;
            }
            () = sleep_until_some(drain_until) => {
                tracing::warn!(
                    connections = tasks.len(),
                    "the shutdown grace ran out; closing the connections still open"
                );
                tasks.abort_all();
                break;
            }
            Some(_) = tasks.join_next(), if drain_until.is_some() => {
                if tasks.is_empty() {
                    break;
                }
                continue;
            }
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, or a connection reset before it was taken: wait a
                // little rather than spin.
                tracing::debug!(error = %e, "accept failed");
                life.refuse(Refusal::Accept);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Finished connections' results, so the set does not grow.
        while tasks.try_join_next().is_some() {}
        let permit = match connections.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) => {
                life.refuse(Refusal::Connections);
                None
            }
        };
        let spare = match permit {
            Some(_) => None,
            None => match overflow.clone().try_acquire_owned() {
                Ok(spare) => Some(spare),
                Err(_) => continue,
            },
        };
        // A connection past the cap owes its request sooner.
        let header_timeout = match permit {
            Some(_) => config.header_timeout,
            None => config.header_timeout.min(OVERFLOW_HEADER_TIMEOUT),
        };
        let connection = Connection {
            router: router.clone(),
            clock: Arc::new(Clock::new(header_timeout, config.keep_alive_timeout)),
            full: permit.is_none(),
            peer,
        };
        // A connection taken while draining answers one request and closes.
        let stopping = drain_until.is_none().then(|| {
            if stops.len() >= 64 && stops.len() >= 2 * tasks.len() {
                stops.retain(|stop| !stop.is_closed());
            }
            let (stop, stopping) = oneshot::channel();
            stops.push(stop);
            stopping
        });
        let open = life.metrics.connections().clone();
        open.inc();
        tasks.spawn(async move {
            connection.run(stream, stopping).await;
            open.dec();
            drop((permit, spare));
        });
    }
    // WebSocket connections were told to close when the drain began (they are no longer
    // connections of this loop once upgraded): what is left of the grace lets them say so.
    if let Some(until) = drain_until {
        let all = u32::try_from(config.max_ws_connections).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout_at(until, life.ws_connections.acquire_many(all)).await;
    }
    Ok(())
}

/// Completes at `until`, never without one.
async fn sleep_until_some(until: Option<tokio::time::Instant>) {
    match until {
        Some(until) => tokio::time::sleep_until(until).await,
        None => std::future::pending().await,
    }
}

/// One accepted connection.
struct Connection {
    router: Router,
    clock: Arc<Clock>,
    /// Taken past the connection cap: every request but a health check is answered 503.
    full: bool,
    /// Whom the connection is from.
    peer: std::net::SocketAddr,
}

impl Connection {
    /// Serves the connection until it closes, or stalls past its timeouts. Without a
    /// `stopping` signal (taken while the server drains) it answers one request only.
    async fn run(self, stream: TcpStream, stopping: Option<oneshot::Receiver<()>>) {
        let clock = self.clock.clone();
        let io = TokioIo::new(Watched {
            inner: stream,
            clock: clock.clone(),
        });
        let keep_alive = !self.full && stopping.is_some();
        let mut http = hyper::server::conn::http1::Builder::new();
        http.header_read_timeout(None).keep_alive(keep_alive);
        let conn = http.serve_connection(io, self).with_upgrades();
        tokio::pin!(conn);
        let (mut stopping, mut draining) = match stopping {
            Some(stopping) => (stopping, false),
            None => (oneshot::channel().1, true),
        };
        loop {
            let deadline = clock.deadline();
            tokio::select! {
                _ = conn.as_mut() => return,
                () = tokio::time::sleep_until(deadline.into()) => {
                    if clock.deadline() <= Instant::now() {
                        // Dropping the connection closes the socket.
                        return;
                    }
                }
                _ = &mut stopping, if !draining => {
                    draining = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

impl hyper::service::Service<Request<Incoming>> for Connection {
    type Response = Response<Tracked>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(super::Peer(self.peer));
        let guard = InFlight::start(self.clock.clone());
        let health = matches!(request.uri().path(), "/healthz" | "/readyz");
        let router = (!self.full || health).then(|| self.router.clone());
        Box::pin(async move {
            let response = match router {
                Some(router) => match router.oneshot(request.map(Body::new)).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                },
                None => {
                    let mut response = overloaded(
                        "the server has as many connections as it takes: try again shortly",
                    );
                    response.headers_mut().insert(
                        header::CONNECTION,
                        header::HeaderValue::from_static("close"),
                    );
                    response
                }
            };
            Ok(response.map(|body| Tracked {
                body,
                _guard: guard,
            }))
        })
    }
}

/// A response body that tells its connection's clock when it is done.
pub(crate) struct Tracked {
    body: Body,
    _guard: InFlight,
}

impl hyper::body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// What a connection's timeouts are measured from, in milliseconds since the clock's start.
///
/// A connection waits for a request's headers (at most the header timeout from the first byte,
/// or from accepting it), serves requests (at most the keep-alive timeout without reading or
/// writing a byte), or idles between requests (at most the keep-alive timeout).
struct Clock {
    start: Instant,
    header_timeout: Duration,
    keep_alive_timeout: Duration,
    /// Requests whose responses are not yet fully written.
    in_flight: AtomicU32,
    /// When the next request's head began to arrive; [`NOT_YET`] while none has.
    head_since: AtomicU64,
    /// When the last response was written, or the connection accepted.
    idle_since: AtomicU64,
    /// When a byte was last read or written.
    last_io: AtomicU64,
}

const NOT_YET: u64 = u64::MAX;

impl Clock {
    fn new(header_timeout: Duration, keep_alive_timeout: Duration) -> Self {
        Clock {
            start: Instant::now(),
            header_timeout,
            keep_alive_timeout,
            in_flight: AtomicU32::new(0),
            // A new connection owes its first request's head from the start.
            head_since: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
            last_io: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn at(&self, ms: u64) -> Instant {
        self.start + Duration::from_millis(ms)
    }

    fn read(&self, bytes: usize) {
        let now = self.now();
        self.last_io.store(now, Ordering::Relaxed);
        if bytes > 0 && self.in_flight.load(Ordering::Acquire) == 0 {
            let _ =
                self.head_since
                    .compare_exchange(NOT_YET, now, Ordering::AcqRel, Ordering::Relaxed);
        }
    }

    fn wrote(&self) {
        self.last_io.store(self.now(), Ordering::Relaxed);
    }

    /// Notes a write that moved bytes, and passes its outcome on.
    fn written(&self, polled: Poll<std::io::Result<usize>>) -> Poll<std::io::Result<usize>> {
        if let Poll::Ready(Ok(n)) = polled
            && n > 0
        {
            self.wrote();
        }
        polled
    }

    /// When the connection is to be closed if nothing changes before.
    fn deadline(&self) -> Instant {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return self.at(self.last_io.load(Ordering::Relaxed)) + self.keep_alive_timeout;
        }
        match self.head_since.load(Ordering::Acquire) {
            NOT_YET => self.at(self.idle_since.load(Ordering::Relaxed)) + self.keep_alive_timeout,
            since => self.at(since) + self.header_timeout,
        }
    }
}

/// A request under way on a connection, from its head until its response is written.
struct InFlight(Arc<Clock>);

impl InFlight {
    fn start(clock: Arc<Clock>) -> Self {
        clock.in_flight.fetch_add(1, Ordering::AcqRel);
        clock.head_since.store(NOT_YET, Ordering::Release);
        clock.wrote();
        InFlight(clock)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let clock = &self.0;
        clock.idle_since.store(clock.now(), Ordering::Relaxed);
        clock.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A socket that tells its connection's clock when bytes move.
struct Watched {
    inner: TcpStream,
    clock: Arc<Clock>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            self.clock.read(buf.filled().len() - before);
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.clock.written(polled)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.clock.written(polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
