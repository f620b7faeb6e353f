//! Connection hygiene, spoken over raw sockets: clients that stall, idle, crowd or send
//! oversized heads cannot hold the server, and a shutdown still answers what is in flight.

use crate::helpers::{PASSWORD, TestApp};
use crate::metrics::value;
use app::errors::messages;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::{Instant, timeout};

/// Every wait in these tests ends; this is the most any of them allows.
const PATIENCE: Duration = Duration::from_secs(10);
/// Below a configured timeout by less than timer slack: closing this early would be wrong.
const SLACK: Duration = Duration::from_millis(100);

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: notes\r\n\r\n";

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.socket_addr)
        .await
        .expect("the server accepts connections")
}

/// How a connection ended for the client.
#[derive(Debug)]
struct Ended {
    after: Duration,
    /// What the server sent before closing.
    received: Vec<u8>,
}

/// Reads until the server closes the connection (end of stream or a reset); `None` if it
/// is still open after `within`.
async fn closed(stream: &mut TcpStream, within: Duration) -> Option<Ended> {
    let start = Instant::now();
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
            }
        }
    };
    timeout(within, read_all).await.ok()?;
    Some(Ended {
        after: start.elapsed(),
        received,
    })
}

/// One response, framed by `Content-Length` as all of this server's small answers are.
#[derive(Debug)]
struct Reply {
    status: u16,
    /// The status line and headers, lowercased.
    head: String,
    body: String,
}

/// Reads one response; `None` if none arrives within `within` or the connection closes
/// first.
async fn response(stream: &mut (impl AsyncRead + Unpin), within: Duration) -> Option<Reply> {
    let read = async {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap());
                if buffer.len() >= end + 4 + length {
                    let body = &buffer[end + 4..end + 4 + length];
                    return Some(Reply {
                        status: head[9..12].parse().unwrap(),
                        body: String::from_utf8_lossy(body).into_owned(),
                        head,
                    });
                }
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
    };
    timeout(within, read).await.ok().flatten()
}

async fn healthy(app: &TestApp) {
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn stalled_request_heads_are_dropped_while_others_are_served() {
    // 200 from one address: more than one client may open by default.
    let app = TestApp::spawn_with(&[
        ("HEADER_READ_TIMEOUT", "2"),
        ("MAX_CONNECTIONS_PER_CLIENT", "1000"),
    ])
    .await;
    let mut stalled = Vec::new();
    for _ in 0..200 {
        let mut stream = connect(&app).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: notes\r\nX-Half: ")
            .await
            .unwrap();
        stalled.push((Instant::now(), stream));
    }

    // While they stall, everyone else is served.
    for _ in 0..10 {
        healthy(&app).await;
    }
    for (_, stream) in &stalled {
        let mut byte = [0u8; 1];
        assert!(
            matches!(stream.try_read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "a stalled connection was closed too soon for the test to show anything"
        );
    }

    let mut ends = JoinSet::new();
    for (connected, mut stream) in stalled {
        ends.spawn(async move {
            let ended = closed(&mut stream, PATIENCE).await;
            (connected.elapsed(), ended)
        });
    }
    while let Some(joined) = ends.join_next().await {
        let (open_for, ended) = joined.unwrap();
        let ended = ended.expect("a stalled connection was still open after 10 s");
        assert!(
            open_for >= Duration::from_secs(2) - SLACK,
            "closed after {open_for:?}, before HEADER_READ_TIMEOUT"
        );
        assert!(
            ended.received.is_empty(),
            "a stalled head got an answer: {:?}",
            String::from_utf8_lossy(&ended.received)
        );
    }
    healthy(&app).await;
}

#[tokio::test]
async fn a_later_request_gets_the_full_head_limit_from_its_first_byte() {
    let app =
        TestApp::spawn_with(&[("HEADER_READ_TIMEOUT", "1"), ("KEEP_ALIVE_TIMEOUT", "5")]).await;
    let mut stream = connect(&app).await;
    stream.write_all(HEALTHZ).await.unwrap();
    assert_eq!(response(&mut stream, PATIENCE).await.unwrap().status, 200);

    // Idle for longer than the head limit: the keep-alive limit applies between requests.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stream.write_all(HEALTHZ).await.unwrap();
    assert_eq!(response(&mut stream, PATIENCE).await.unwrap().status, 200);

    // A next request that stalls halfway is dropped a head limit after it began.
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .unwrap();
    let ended = closed(&mut stream, PATIENCE)
        .await
        .expect("the stalled head was still open after 10 s");
    assert!(ended.after >= Duration::from_secs(1) - SLACK, "{ended:?}");
    assert!(ended.after < Duration::from_secs(5), "{ended:?}");
    assert!(ended.received.is_empty(), "{ended:?}");
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_its_limit() {
    let app = TestApp::spawn_with(&[("KEEP_ALIVE_TIMEOUT", "1")]).await;
    let mut stream = connect(&app).await;
    stream.write_all(HEALTHZ).await.unwrap();
    assert_eq!(response(&mut stream, PATIENCE).await.unwrap().status, 200);

    let ended = closed(&mut stream, PATIENCE)
        .await
        .expect("the idle connection was still open after 10 s");
    assert!(ended.after >= Duration::from_secs(1) - SLACK, "{ended:?}");
    assert!(ended.received.is_empty(), "{ended:?}");
    healthy(&app).await;
}

const REGISTER_HEAD: &str = "POST /api/user/register/ HTTP/1.1\r\nHost: notes\r\n\
Content-Type: application/json\r\nContent-Length: ";

fn register_body(username: &str) -> String {
    serde_json::json!({"username": username, "password": PASSWORD}).to_string()
}

#[tokio::test]
async fn a_body_that_stalls_is_answered_408_and_the_connection_closed() {
    let app = TestApp::spawn_with(&[("REQUEST_BODY_TIMEOUT", "1")]).await;
    let body = register_body("stalled");
    let mut stream = connect(&app).await;
    let sent = Instant::now();
    stream
        .write_all(format!("{REGISTER_HEAD}{}\r\n\r\n{}", body.len(), &body[..12]).as_bytes())
        .await
        .unwrap();

    let reply = response(&mut stream, PATIENCE)
        .await
        .expect("no answer to a stalled body within 10 s");
    assert!(sent.elapsed() >= Duration::from_secs(1) - SLACK);
    assert_eq!(reply.status, 408);
    let detail: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(detail["detail"], messages::REQUEST_BODY_TIMEOUT);
    // The rest of the body would be read as the next request: the connection ends.
    assert!(reply.head.contains("\r\nconnection: close"), "{reply:?}");
    let ended = closed(&mut stream, PATIENCE).await.expect("left open");
    assert!(ended.received.is_empty(), "{ended:?}");

    healthy(&app).await;
    assert_eq!(
        app.sign_in("stalled", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED,
        "the cut-off registration must not have happened"
    );
}

#[tokio::test]
async fn a_body_trickling_in_is_cut_off_at_the_limit_for_the_whole_body() {
    let app = TestApp::spawn_with(&[("REQUEST_BODY_TIMEOUT", "1")]).await;
    let body = register_body("trickle");
    let mut stream = connect(&app).await;
    let sent = Instant::now();
    stream
        .write_all(format!("{REGISTER_HEAD}{}\r\n\r\n", body.len()).as_bytes())
        .await
        .unwrap();
    // A byte every 100 ms: no single read waits long, but the whole is too slow.
    let (mut from_server, mut to_server) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for byte in body.into_bytes() {
            if to_server.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let reply = response(&mut from_server, PATIENCE)
        .await
        .expect("the trickle was never cut off");
    assert_eq!(reply.status, 408, "{reply:?}");
    assert!(sent.elapsed() >= Duration::from_secs(1) - SLACK);
    assert!(sent.elapsed() < Duration::from_secs(5));
    trickle.abort();
    healthy(&app).await;
}

/// A client at `address` (any of 127.0.0.0/8), connected to the app.
async fn connect_from(app: &TestApp, address: &str) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(format!("{address}:0").parse().unwrap())
        .unwrap();
    socket
        .connect(app.socket_addr)
        .await
        .expect("the server accepts connections")
}

/// A connection whose request is being served: a sign-in whose body is still arriving.
async fn request_being_served(app: &TestApp) -> TcpStream {
    let mut stream = connect(app).await;
    stream
        .write_all(
            b"POST /api/token/ HTTP/1.1\r\nHost: notes\r\nContent-Type: application/json\r\n\
              Content-Length: 40\r\n\r\n{\"username\": ",
        )
        .await
        .unwrap();
    stream
}

/// The rest of [`request_being_served`]'s body; its answer is then read.
async fn finish_request(stream: &mut TcpStream) -> Reply {
    let rest = "\"nobody\", \"password\": \"x\"}";
    stream
        .write_all(format!("{rest:<27}").as_bytes())
        .await
        .unwrap();
    response(stream, PATIENCE).await.expect("no answer")
}

/// An idle kept-alive connection: one request answered, the next not begun.
async fn idle_connection(app: &TestApp) -> TcpStream {
    let mut stream = connect(app).await;
    stream.write_all(HEALTHZ).await.unwrap();
    assert_eq!(response(&mut stream, PATIENCE).await.unwrap().status, 200);
    stream
}

/// The time a new client waits for `/healthz` on a fresh connection.
async fn new_client_waits(app: &TestApp) -> Duration {
    let asked = Instant::now();
    let mut stream = connect(app).await;
    stream.write_all(HEALTHZ).await.unwrap();
    let reply = response(&mut stream, PATIENCE)
        .await
        .expect("a new client got no answer within 10 s");
    assert_eq!(reply.status, 200);
    asked.elapsed()
}

#[tokio::test]
async fn at_the_cap_the_longest_idle_connection_makes_room_for_a_new_client() {
    let app = TestApp::spawn_with(&[("MAX_CONNECTIONS", "3")]).await;
    let mut oldest_idle = idle_connection(&app).await;
    let mut newer_idle = idle_connection(&app).await;
    let mut silent = connect(&app).await;

    // Taken at once, not after the 10 s the silent one may take for its head.
    assert!(new_client_waits(&app).await < Duration::from_secs(2));
    let ended = closed(&mut oldest_idle, PATIENCE).expect_closed().await;
    assert!(
        ended.received.is_empty(),
        "closed as keep-alive closes: {ended:?}"
    );
    // Idle ones go before one part-way through its head, and only as many as needed.
    assert!(
        closed(&mut silent, Duration::from_millis(300))
            .await
            .is_none()
    );
    newer_idle.write_all(HEALTHZ).await.unwrap();
    assert_eq!(
        response(&mut newer_idle, PATIENCE).await.unwrap().status,
        200
    );
}

/// `closed` that must see the connection end.
trait ExpectClosed {
    async fn expect_closed(self) -> Ended;
}

impl<F: Future<Output = Option<Ended>>> ExpectClosed for F {
    async fn expect_closed(self) -> Ended {
        self.await
            .expect("the connection was still open after 10 s")
    }
}

#[tokio::test]
async fn stalled_heads_at_the_cap_give_way_oldest_first() {
    let app = TestApp::spawn_with(&[("MAX_CONNECTIONS", "4")]).await;
    let series = "connections_closed_for_room_total";
    let before = value(&app.scrape().await, series);
    let mut silent = Vec::new();
    for n in 0..4 {
        let mut stream = connect(&app).await;
        // Silent, or part-way through a head: neither is owed an answer.
        if n % 2 == 0 {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nX-Half: ")
                .await
                .unwrap();
        }
        silent.push(stream);
        // Distinct ages, so which is oldest is clear.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(new_client_waits(&app).await < Duration::from_secs(2));
    // Closed at once, not when its head's time runs out.
    let ended = closed(&mut silent[0], Duration::from_secs(2))
        .expect_closed()
        .await;
    assert!(ended.received.is_empty(), "{ended:?}");
    for stream in &mut silent[1..] {
        assert!(closed(stream, Duration::from_millis(100)).await.is_none());
    }
    assert!(value(&app.scrape().await, series) > before);
}

#[tokio::test]
async fn connections_whose_requests_are_being_served_are_never_closed_to_make_room() {
    let app = TestApp::spawn_with(&[("MAX_CONNECTIONS", "2")]).await;
    let mut busy = vec![
        request_being_served(&app).await,
        request_being_served(&app).await,
    ];
    tokio::time::sleep(Duration::from_millis(100)).await;

    // A new connection waits: connected by the kernel, not taken up.
    let mut waiting = connect(&app).await;
    waiting.write_all(HEALTHZ).await.unwrap();
    assert!(
        response(&mut waiting, Duration::from_millis(500))
            .await
            .is_none(),
        "served past the cap"
    );
    // The busy ones were left alone, and are answered.
    for stream in &mut busy {
        assert_eq!(finish_request(stream).await.status, 401);
    }
    // Answered, they are idle: the waiting connection is let in.
    let reply = response(&mut waiting, PATIENCE)
        .await
        .expect("the waiting connection was never served");
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn one_client_cannot_take_more_than_its_share_of_connections() {
    let app = TestApp::spawn_with(&[("MAX_CONNECTIONS_PER_CLIENT", "3")]).await;
    let series = "connections_refused_total";
    let before = value(&app.scrape().await, series);
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(connect_from(&app, "127.0.0.2").await);
    }
    // A fourth from the same address is closed at once, unanswered.
    let mut fourth = connect_from(&app, "127.0.0.2").await;
    fourth.write_all(HEALTHZ).await.ok();
    let ended = closed(&mut fourth, Duration::from_secs(2))
        .expect_closed()
        .await;
    assert!(ended.received.is_empty(), "{ended:?}");

    // Other clients are not affected.
    let mut other = connect_from(&app, "127.0.0.3").await;
    other.write_all(HEALTHZ).await.unwrap();
    assert_eq!(response(&mut other, PATIENCE).await.unwrap().status, 200);

    // The three are still open; when one closes, the client may open another.
    for stream in &mut mine {
        assert!(closed(stream, Duration::from_millis(100)).await.is_none());
    }
    drop(mine.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = connect_from(&app, "127.0.0.2").await;
    again.write_all(HEALTHZ).await.unwrap();
    assert_eq!(response(&mut again, PATIENCE).await.unwrap().status, 200);
    assert!(value(&app.scrape().await, series) > before);
}

#[tokio::test]
async fn past_the_requests_in_flight_new_ones_get_503_at_once_but_probes_answer() {
    let app = TestApp::spawn_with(&[("MAX_REQUESTS_IN_FLIGHT", "2")]).await;
    let series = "http_requests_shed_total";
    let before = value(&app.scrape().await, series);
    let mut busy = [
        request_being_served(&app).await,
        request_being_served(&app).await,
    ];
    tokio::time::sleep(Duration::from_millis(100)).await;

    let asked = Instant::now();
    let shed = app.client.get(app.url("/api/notes/")).send().await.unwrap();
    assert!(asked.elapsed() < Duration::from_secs(1));
    assert_eq!(shed.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(shed.headers()["retry-after"], "1");
    let body: Value = shed.json().await.unwrap();
    assert_eq!(body["detail"], messages::OVERLOADED);
    for probe in ["/healthz", "/readyz"] {
        let response = app.client.get(app.url(probe)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{probe}");
    }
    assert!(value(&app.scrape().await, series) > before);

    // Once a request is answered, its place is free again.
    assert_eq!(finish_request(&mut busy[0]).await.status, 401);
    let served = app.client.get(app.url("/api/notes/")).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_answer_the_client_does_not_read_is_given_up_after_the_send_limit() {
    let app = TestApp::spawn_with(&[
        ("SEND_TIMEOUT", "1"),
        ("KEEP_ALIVE_TIMEOUT", "60"),
        // One: the connection that does not read takes it (the idle one of the client
        // that made the notes makes room), and holds it while its answer is being sent.
        ("MAX_CONNECTIONS", "1"),
    ])
    .await;
    // About 5 MB of notes: more than the socket buffers between server and client hold.
    let user = app.user("reader").await;
    let content = "x".repeat(100_000);
    for i in 0..50 {
        app.create_note(&user, &format!("note {i}"), &content).await;
    }

    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut not_reading = socket.connect(app.socket_addr).await.unwrap();
    not_reading
        .write_all(
            format!(
                "GET /api/notes/ HTTP/1.1\r\nHost: notes\r\nAuthorization: Bearer {}\r\n\r\n",
                user.tokens.access
            )
            .as_bytes(),
        )
        .await
        .unwrap();

    // Its answer has begun: from here its request is being served.
    not_reading.peek(&mut [0u8; 1]).await.unwrap();
    // It holds the only connection until the server gives up on it.
    let mut next = connect(&app).await;
    let asked = Instant::now();
    next.write_all(HEALTHZ).await.unwrap();
    let reply = response(&mut next, PATIENCE)
        .await
        .expect("the connection not reading was kept for 10 s");
    assert_eq!(reply.status, 200);
    assert!(asked.elapsed() >= Duration::from_secs(1) - SLACK);

    // What it reads now is what was already on its way: not the whole answer.
    let ended = closed(&mut not_reading, PATIENCE)
        .await
        .expect("still open after the server gave up");
    assert!(
        ended.received.len() < 50 * 100_000,
        "the whole answer arrived: {} bytes",
        ended.received.len()
    );
}

/// A head of `size` bytes with one long header.
fn head_of_size(size: usize) -> Vec<u8> {
    let start = b"GET /healthz HTTP/1.1\r\nHost: notes\r\nX-Long: ";
    let mut head = start.to_vec();
    head.resize(size - 4, b'a');
    head.extend_from_slice(b"\r\n\r\n");
    head
}

fn head_with_fields(count: usize) -> Vec<u8> {
    let mut head = b"GET /healthz HTTP/1.1\r\nHost: notes\r\n".to_vec();
    for i in 1..count {
        head.extend_from_slice(format!("X-Field-{i}: {i}\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// Sends `head` and returns the status line's code, or `None` if the connection closed
/// without one.
async fn status_for(app: &TestApp, head: &[u8]) -> Option<u16> {
    let mut stream = connect(app).await;
    // The server may stop reading and close before all of a huge head is written.
    let _ = stream.write_all(head).await;
    response(&mut stream, PATIENCE)
        .await
        .map(|reply| reply.status)
}

#[tokio::test]
async fn heads_over_the_size_limit_get_431() {
    let app = TestApp::spawn_with(&[("MAX_HEADER_BYTES", "4096")]).await;
    assert_eq!(status_for(&app, &head_of_size(4096)).await, Some(200));
    assert_eq!(status_for(&app, &head_of_size(4097)).await, Some(431));
    assert_eq!(status_for(&app, &head_of_size(6000)).await, Some(431));
    healthy(&app).await;
}

#[tokio::test]
async fn heads_with_too_many_fields_get_431() {
    let app = TestApp::spawn_with(&[("MAX_HEADERS", "20")]).await;
    assert_eq!(status_for(&app, &head_with_fields(20)).await, Some(200));
    assert_eq!(status_for(&app, &head_with_fields(21)).await, Some(431));
    healthy(&app).await;
}

#[tokio::test]
async fn the_default_limits_take_an_ordinary_large_head() {
    let app = TestApp::spawn().await;
    assert_eq!(status_for(&app, &head_of_size(16 * 1024)).await, Some(200));
    assert_eq!(status_for(&app, &head_with_fields(100)).await, Some(200));
    assert_eq!(status_for(&app, &head_with_fields(101)).await, Some(431));
    assert_eq!(status_for(&app, &head_of_size(40 * 1024)).await, Some(431));
}

#[tokio::test]
async fn shutdown_answers_the_request_in_flight_and_closes_idle_connections() {
    let (app, stop, served) = TestApp::spawn_stoppable(&[]).await;
    let mut idle = connect(&app).await;
    idle.write_all(HEALTHZ).await.unwrap();
    assert_eq!(response(&mut idle, PATIENCE).await.unwrap().status, 200);

    // A registration whose body is still arriving when the shutdown begins.
    let body = register_body("inflight");
    let mut in_flight = connect(&app).await;
    in_flight
        .write_all(format!("{REGISTER_HEAD}{}\r\n\r\n{}", body.len(), &body[..10]).as_bytes())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();

    // New connections are refused once the listener is closed...
    let refused_by = Instant::now() + PATIENCE;
    while TcpStream::connect(app.socket_addr).await.is_ok() {
        assert!(
            Instant::now() < refused_by,
            "still accepting after shutdown"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ...the idle connection is closed without waiting for its keep-alive limit...
    let ended = closed(&mut idle, PATIENCE).await.expect("idle left open");
    assert!(ended.received.is_empty(), "{ended:?}");
    // ...and the request in flight is answered.
    in_flight.write_all(&body.as_bytes()[10..]).await.unwrap();
    let reply = response(&mut in_flight, PATIENCE)
        .await
        .expect("the request in flight was not answered");
    assert_eq!(reply.status, 201, "{reply:?}");
    assert!(reply.head.contains("\r\nconnection: close"), "{reply:?}");
    assert!(closed(&mut in_flight, PATIENCE).await.is_some());
    timeout(PATIENCE, served)
        .await
        .expect("the server did not finish within 10 s of shutdown")
        .unwrap();
}

#[tokio::test]
async fn shutdown_while_every_connection_is_busy_still_answers_them_and_ends() {
    let (app, stop, served) = TestApp::spawn_stoppable(&[("MAX_CONNECTIONS", "1")]).await;
    let mut busy = request_being_served(&app).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Waits for a place that only an answer can free.
    let mut waiting = connect(&app).await;
    waiting.write_all(HEALTHZ).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A head begun but not finished is owed nothing, and holds up nothing.
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let reply = finish_request(&mut busy).await;
    assert_eq!(reply.status, 401, "{reply:?}");
    timeout(PATIENCE, served)
        .await
        .expect("the server did not finish within 10 s of shutdown")
        .expect("the server's task ended in a panic");
    drop(waiting);
}
