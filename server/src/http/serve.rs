//! The accept loop: HTTP/1.1 connections served by hyper, bounded in number and in how
//! long a client may hold one without sending what the server waits for, so that stalled
//! or idle sockets cannot hold the server. `axum::serve` has no setting for either.
//!
//! - At most `max_connections` are open. Past that the loop stops accepting: new
//!   connections wait in the listen backlog until one closes, and those open go on.
//! - A request's head must be complete within `header_read_timeout`, counted from
//!   accepting the connection or from the first byte of a later request on it. Between
//!   requests a kept-alive connection may stay silent for `keep_alive_timeout`. Past
//!   either, the connection is closed without an answer.
//! - An answer the client stops reading is given up after `send_timeout` without progress.
//! - hyper answers a head larger than `max_header_bytes`, or with more than `max_headers`
//!   fields, with 431 and closes the connection.
//! - A body's time limit is the JSON extractor's, which answers 408 (`http::extract`).
//!
//! On shutdown the loop stops accepting, idle connections close at once, and requests in
//! flight are answered first (hyper-util's `GracefulShutdown`).

use crate::ops::settings::ConnectionLimits;
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::http::Request;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::time::{Duration, Instant};
use tower::{Service, ServiceExt};

/// A full house is logged at most this often, so an attack does not flood the log.
const FULL_WARNING_EVERY: Duration = Duration::from_secs(60);

/// Serves `router` on `listener` until `shutdown` completes, then waits for the requests
/// in flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    // hyper's own `header_read_timeout` is not used: it starts as soon as a kept-alive
    // connection goes idle, which would make the idle limit and the head limit one.
    let mut http = hyper::server::conn::http1::Builder::new();
    http.max_header_size(limits.max_header_bytes)
        .max_headers(limits.max_headers);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut shutdown = pin!(shutdown);
    let mut warned_full: Option<Instant> = None;

    loop {
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if warned_full.is_none_or(|at| at.elapsed() >= FULL_WARNING_EVERY) {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection limit reached (MAX_CONNECTIONS): new connections wait until one closes"
                    );
                    warned_full = Some(Instant::now());
                }
                tokio::select! {
                    permit = permits.clone().acquire_owned() => {
                        permit.expect("the semaphore is never closed")
                    }
                    () = shutdown.as_mut() => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = shutdown.as_mut() => break,
        };

        // Puts `ConnectInfo<SocketAddr>` in every request, as `axum::serve` does. It is
        // always ready, so `poll_ready` is skipped, as in axum's serve-with-hyper example.
        let app = make_service
            .call(peer)
            .await
            .unwrap_or_else(|never| match never {});
        let clock = Arc::new(Clock::new(&limits));
        let io = TokioIo::new(Watched {
            inner: stream,
            clock: clock.clone(),
        });
        let service = hyper::service::service_fn({
            let clock = clock.clone();
            move |request: Request<Incoming>| {
                let answering = InFlight::start(clock.clone());
                let response = app.clone().oneshot(request);
                async move {
                    let response = response.await.unwrap_or_else(|never| match never {});
                    Ok::<_, Infallible>(response.map(|body| Answer {
                        body,
                        _answering: answering,
                    }))
                }
            }
        });
        let connection = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            tokio::select! {
                served = connection => {
                    if let Err(e) = served {
                        tracing::debug!(%peer, error = %e, "connection ended in an error");
                    }
                }
                why = clock.expired() => tracing::debug!(%peer, "connection closed: {why}"),
            }
            drop(permit);
        });
    }

    drop(listener);
    tracing::debug!(
        connections = graceful.count(),
        "waiting for open connections"
    );
    graceful.shutdown().await;
}

/// As in `axum::serve`: a connection that failed while being accepted is that client's
/// problem; anything else (such as running out of file descriptors) is logged, and
/// accepting resumes after a pause rather than spinning.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// What a connection is waiting for from its client, which says how long it may wait.
struct Clock {
    header_read_timeout: Duration,
    keep_alive_timeout: Duration,
    send_timeout: Duration,
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    waiting: Waiting,
    /// Since when the client has not taken what the server is sending it, if it has not.
    send_blocked: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiting {
    /// The rest of a request's head, since the connection was accepted or since the
    /// first byte of a later request arrived.
    ForHead(Instant),
    /// The next request on a kept-alive connection, since the last answer ended.
    ForNextRequest(Instant),
    /// Nothing: this many requests are being answered. A body being read has the
    /// extractor's limit.
    OnServer(usize),
}

impl Clock {
    fn new(limits: &ConnectionLimits) -> Self {
        Self {
            header_read_timeout: limits.header_read_timeout,
            keep_alive_timeout: limits.keep_alive_timeout,
            send_timeout: limits.send_timeout,
            state: Mutex::new(State {
                waiting: Waiting::ForHead(Instant::now()),
                send_blocked: None,
            }),
            changed: Notify::new(),
        }
    }

    /// Applies `change`, and wakes `expired` if it changed anything.
    fn update(&self, change: impl FnOnce(&mut State)) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let before = *state;
        change(&mut state);
        let changed = before != *state;
        drop(state);
        if changed {
            // One stored permit is enough: `expired` reads the state afresh when it wakes.
            self.changed.notify_one();
        }
    }

    /// Bytes arrived: if the connection was idle, a request has begun.
    fn heard_from_client(&self) {
        self.update(|state| {
            if let Waiting::ForNextRequest(_) = state.waiting {
                state.waiting = Waiting::ForHead(Instant::now());
            }
        });
    }

    /// A write to the client went through (`blocked` false) or must wait for it to read.
    fn sending(&self, blocked: bool) {
        self.update(|state| match (state.send_blocked, blocked) {
            (None, true) => state.send_blocked = Some(Instant::now()),
            (Some(_), false) => state.send_blocked = None,
            _ => {}
        });
    }

    fn request_started(&self) {
        self.update(|state| {
            state.waiting = match state.waiting {
                Waiting::OnServer(n) => Waiting::OnServer(n + 1),
                _ => Waiting::OnServer(1),
            }
        });
    }

    fn request_finished(&self) {
        self.update(|state| {
            state.waiting = match state.waiting {
                Waiting::OnServer(n) if n > 1 => Waiting::OnServer(n - 1),
                _ => Waiting::ForNextRequest(Instant::now()),
            }
        });
    }

    /// The earliest time the client must have done something by, and what.
    fn deadline(&self) -> Option<(Instant, &'static str)> {
        let state = *self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let waiting = match state.waiting {
            Waiting::ForHead(since) => Some((
                since + self.header_read_timeout,
                "request head not received in time (HEADER_READ_TIMEOUT)",
            )),
            Waiting::ForNextRequest(since) => {
                Some((since + self.keep_alive_timeout, "idle (KEEP_ALIVE_TIMEOUT)"))
            }
            Waiting::OnServer(_) => None,
        };
        // Also once an answer has been handed over whole: hyper may still be writing it.
        let sending = state.send_blocked.map(|since| {
            (
                since + self.send_timeout,
                "the client stopped reading its answer (SEND_TIMEOUT)",
            )
        });
        waiting.into_iter().chain(sending).min_by_key(|(at, _)| *at)
    }

    /// Completes when the client has kept the connection waiting too long, saying why.
    async fn expired(&self) -> &'static str {
        loop {
            // Made before the state is read, so a change in between is not missed.
            let changed = self.changed.notified();
            match self.deadline() {
                Some((deadline, why)) if deadline <= Instant::now() => return why,
                Some((deadline, _)) => {
                    let _ = tokio::time::timeout_at(deadline, changed).await;
                }
                None => changed.await,
            }
        }
    }
}

/// One request being answered, from the moment its head is parsed until its response
/// has been handed to the connection in full, or dropped.
struct InFlight(Arc<Clock>);

impl InFlight {
    fn start(clock: Arc<Clock>) -> Self {
        clock.request_started();
        Self(clock)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// A response body that holds its request's `InFlight` until hyper is done with it.
struct Answer {
    body: Body,
    _answering: InFlight,
}

impl HttpBody for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    // hyper sets `Content-Length` from this.
    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The socket, telling the clock when the client sends something and when it does not
/// take what it is sent.
struct Watched {
    inner: TcpStream,
    clock: Arc<Clock>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.clock.heard_from_client();
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.clock.sending(written.is_pending());
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.clock.sending(written.is_pending());
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
