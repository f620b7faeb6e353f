//! The accept loop: HTTP/1.1 connections served by hyper, bounded in number, per client,
//! and in how long a client may hold one without sending what the server waits for, so
//! that stalled, idle or crowding sockets cannot hold the server. `axum::serve` has no
//! setting for any of these.
//!
//! - At most `max_connections` are open. When a new connection arrives at the cap, the
//!   server makes room: it closes the connection that has waited longest for its client
//!   (a kept-alive one between requests first, then one still sending its head), never
//!   one whose request is being served, and takes the new one. Only when every open
//!   connection has a request being served do new ones wait in the listen backlog.
//! - At most `max_connections_per_client` are open from one client address (an IPv6
//!   client is its /64); past it that client's new connections are closed at once.
//!   Behind trusted proxies (`TRUSTED_PROXY_HOPS`) every peer is a proxy carrying many
//!   clients, so this limit is not applied.
//! - A request's head must be complete within `header_read_timeout`, counted from
//!   accepting the connection or from the first byte of a later request on it. Between
//!   requests a kept-alive connection may stay silent for `keep_alive_timeout`. Past
//!   either, the connection is closed without an answer.
//! - An answer the client stops reading is given up after `send_timeout` without progress.
//! - hyper answers a head larger than `max_header_bytes`, or with more than `max_headers`
//!   fields, with 431 and closes the connection.
//! - A body's time limit is the JSON extractor's, which answers 408 (`http::extract`).
//!
//! A connection closed to make room, and every connection at shutdown, is closed as
//! hyper closes one gracefully: at once if it is between requests, else once the request
//! being served is answered in full. On shutdown the loop stops accepting and waits for
//! those answers.

use crate::http::forwarded;
use crate::ops::metrics;
use crate::ops::settings::ConnectionLimits;
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::http::Request;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::{Duration, Instant};
use tower::{Service, ServiceExt};

/// Why a connection closed to make room.
const MADE_ROOM: &str = "closed to make room for a new one (MAX_CONNECTIONS)";
/// A full house is logged at most this often, so an attack does not flood the log.
const FULL_WARNING_EVERY: Duration = Duration::from_secs(60);
/// While every open connection has a request being served, how often the loop looks
/// again for one that has become idle (a closing connection wakes it sooner).
const RECHECK_WHEN_FULL: Duration = Duration::from_millis(20);

/// Serves `router` on `listener` until `shutdown` completes, then waits for the requests
/// in flight. `per_client` is the limit on one client's connections, if one applies.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    per_client: Option<usize>,
    shutdown: impl Future<Output = ()>,
) {
    // hyper's own `header_read_timeout` is not used: it starts as soon as a kept-alive
    // connection goes idle, which would make the idle limit and the head limit one.
    let mut http = hyper::server::conn::http1::Builder::new();
    http.max_header_size(limits.max_header_bytes)
        .max_headers(limits.max_headers);
    let open = Arc::new(Connections::new(limits.max_connections, per_client));
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut shutdown = pin!(shutdown);
    let mut warned_full: Option<Instant> = None;
    let mut warned_client_full: Option<Instant> = None;

    'accepting: loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = shutdown.as_mut() => break 'accepting,
        };
        let client = forwarded::one_client(peer.ip());
        let clock = Arc::new(Clock::new(&limits));
        let ticket = loop {
            match open.admit(client, &clock) {
                Admission::Admitted(ticket) => break ticket,
                Admission::ClientFull => {
                    // Closed at once: this client has its share.
                    metrics::connection_refused();
                    if warned_client_full.is_none_or(|at| at.elapsed() >= FULL_WARNING_EVERY) {
                        tracing::warn!(
                            %client,
                            "connections refused past MAX_CONNECTIONS_PER_CLIENT (behind a \
                             proxy, set TRUSTED_PROXY_HOPS: then the limit is the proxy's)"
                        );
                        warned_client_full = Some(Instant::now());
                    }
                    drop(stream);
                    continue 'accepting;
                }
                Admission::Full => {
                    if warned_full.is_none_or(|at| at.elapsed() >= FULL_WARNING_EVERY) {
                        tracing::warn!(
                            max_connections = limits.max_connections,
                            "connection limit reached (MAX_CONNECTIONS) with every connection \
                             being served: new connections wait until one is free"
                        );
                        warned_full = Some(Instant::now());
                    }
                    tokio::select! {
                        _ = tokio::time::timeout(RECHECK_WHEN_FULL, open.closed.notified()) => {}
                        () = shutdown.as_mut() => break 'accepting,
                    }
                }
            }
        };
        // The time for its head runs from when it is taken, not from when it arrived.
        clock.restart();

        // Puts `ConnectInfo<SocketAddr>` in every request, as `axum::serve` does. It is
        // always ready, so `poll_ready` is skipped, as in axum's serve-with-hyper example.
        let app = make_service
            .call(peer)
            .await
            .unwrap_or_else(|never| match never {});
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
        let connection = http.serve_connection(io, service);
        tokio::spawn(async move {
            let mut connection = pin!(connection);
            let mut closing = false;
            loop {
                tokio::select! {
                    served = connection.as_mut() => {
                        if let Err(e) = served {
                            tracing::debug!(%peer, error = %e, "connection ended in an error");
                        }
                        break;
                    }
                    why = clock.expired() => {
                        tracing::debug!(%peer, "connection closed: {why}");
                        break;
                    }
                    why = clock.told_to_close(), if !closing => {
                        tracing::debug!(%peer, "closing the connection: {why}");
                        connection.as_mut().graceful_shutdown();
                        closing = true;
                    }
                }
            }
            drop(ticket);
        });
    }

    drop(listener);
    open.close_all();
    tracing::debug!(connections = open.count(), "waiting for open connections");
    open.all_closed().await;
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

/// The open connections: how many, whose, and what each is waiting for.
struct Connections {
    max: usize,
    per_client: Option<usize>,
    table: Mutex<Table>,
    /// A connection closed.
    closed: Notify,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    open: HashMap<u64, (IpAddr, Arc<Clock>)>,
    per_client: HashMap<IpAddr, usize>,
    /// Open connections told to close to make room: their places are already given.
    making_room: usize,
}

enum Admission {
    Admitted(Ticket),
    /// The client has its share of connections.
    ClientFull,
    /// At the cap, and every connection has a request being served.
    Full,
}

/// An open connection's place; giving it back (dropping it) frees the place.
struct Ticket {
    id: u64,
    connections: Arc<Connections>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut table = self.connections.table();
        if let Some((client, clock)) = table.open.remove(&self.id) {
            if let Some(count) = table.per_client.get_mut(&client) {
                *count -= 1;
                if *count == 0 {
                    table.per_client.remove(&client);
                }
            }
            if clock.making_room() {
                table.making_room -= 1;
            }
        }
        drop(table);
        self.connections.closed.notify_waiters();
    }
}

impl Connections {
    fn new(max: usize, per_client: Option<usize>) -> Self {
        Self {
            max,
            per_client,
            table: Mutex::new(Table::default()),
            closed: Notify::new(),
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the connection of `client` watched by `clock`, making room at the cap.
    fn admit(self: &Arc<Self>, client: IpAddr, clock: &Arc<Clock>) -> Admission {
        let mut table = self.table();
        let mine = table.per_client.get(&client).copied().unwrap_or(0);
        if self.per_client.is_some_and(|limit| mine >= limit) {
            return Admission::ClientFull;
        }
        if table.open.len() - table.making_room >= self.max {
            let victim = table
                .open
                .values()
                .filter_map(|(_, clock)| clock.waiting_for_client().map(|w| (w, clock)))
                .min_by_key(|(waiting, _)| *waiting);
            match victim {
                Some((_, clock)) if clock.make_room() => {
                    table.making_room += 1;
                    metrics::connection_closed_for_room();
                }
                _ => return Admission::Full,
            }
        }
        let id = table.next_id;
        table.next_id += 1;
        table.open.insert(id, (client, clock.clone()));
        *table.per_client.entry(client).or_default() += 1;
        Admission::Admitted(Ticket {
            id,
            connections: self.clone(),
        })
    }

    fn count(&self) -> usize {
        self.table().open.len()
    }

    /// Shutdown: every connection closes once its request in flight is answered.
    fn close_all(&self) {
        for (_, clock) in self.table().open.values() {
            clock.close("the server is shutting down");
        }
    }

    async fn all_closed(&self) {
        loop {
            let closed = self.closed.notified();
            if self.count() == 0 {
                return;
            }
            closed.await;
        }
    }
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
    /// Why the connection is to close once its request in flight is answered, if it is.
    closing: Option<&'static str>,
    /// Whether it closes to make room for a new connection.
    making_room: bool,
    /// Closing (to make room, or at shutdown) part-way through a head, and no request has
    /// begun since: nothing is owed to the client, so the connection is dropped at once,
    /// as a timeout drops it (hyper's graceful close would wait for the head's end).
    drop_now: bool,
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
                closing: None,
                making_room: false,
                drop_now: false,
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
            // Every waiter reads the state afresh when it wakes; each made its `notified`
            // before reading, so none misses a change.
            self.changed.notify_waiters();
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
            // Told to close, but a request came first: it is answered, then hyper closes.
            state.drop_now = false;
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

    fn state(&self) -> State {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How long the connection has waited for its client, as a rank for making room:
    /// idle between requests before part-way through a head, then the longest waiting.
    /// `None` while a request is being served (its answer still being written counts),
    /// or once it is closing.
    fn waiting_for_client(&self) -> Option<(u8, Instant)> {
        let state = self.state();
        match state.waiting {
            _ if state.closing.is_some() || state.send_blocked.is_some() => None,
            Waiting::ForNextRequest(since) => Some((0, since)),
            Waiting::ForHead(since) => Some((1, since)),
            Waiting::OnServer(_) => None,
        }
    }

    /// Closes the connection to make room, unless a request is now being served on it.
    fn make_room(&self) -> bool {
        let mut made = false;
        self.update(|state| {
            let serving =
                matches!(state.waiting, Waiting::OnServer(_)) || state.send_blocked.is_some();
            if state.closing.is_none() && !serving {
                state.closing = Some(MADE_ROOM);
                state.making_room = true;
                // Between requests hyper closes at once, once what it owes is flushed.
                state.drop_now = matches!(state.waiting, Waiting::ForHead(_));
                made = true;
            }
        });
        made
    }

    fn making_room(&self) -> bool {
        self.state().making_room
    }

    fn close(&self, why: &'static str) {
        self.update(|state| {
            state.closing.get_or_insert(why);
            // A head not yet complete is owed no answer: no need to wait for the rest.
            if matches!(state.waiting, Waiting::ForHead(_)) {
                state.drop_now = true;
            }
        });
    }

    /// Starts the wait for the first head afresh.
    fn restart(&self) {
        self.update(|state| state.waiting = Waiting::ForHead(Instant::now()));
    }

    /// Completes once the connection is to close, saying why.
    async fn told_to_close(&self) -> &'static str {
        loop {
            let changed = self.changed.notified();
            if let Some(why) = self.state().closing {
                return why;
            }
            changed.await;
        }
    }

    /// The earliest time the client must have done something by, and what.
    fn deadline(&self) -> Option<(Instant, &'static str)> {
        let state = self.state();
        if state.drop_now {
            return Some((Instant::now(), state.closing.unwrap_or(MADE_ROOM)));
        }
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
