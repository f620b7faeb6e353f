//! `GET /api/events/`: the caller's changes as Server-Sent Events (see `events`).

use crate::accounts::tokens;
use crate::error::{ApiError, ApiResult};
use crate::events::hub::{Message, Refused, Subscription};
use crate::events::record;
use crate::http::extract::AuthUser;
use crate::http::openapi::{Unauthorized, tags};
use crate::http::state::AppState;
use crate::storage::entities::event;
use app::api::paths;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use tokio::time::Instant;

/// The caller's changes, live (new)
///
/// A stream of [Server-Sent Events](https://html.spec.whatwg.org/multipage/server-sent-events.html)
/// for the signed-in person, authorised by the bearer token like any request (read it
/// with `fetch`: `EventSource` cannot send the header). Each event has an `id` that only
/// grows, and JSON data:
///
/// - `ready` `{}`: the stream is live; its `id` is where it stands.
/// - `note` `{"action", "id", "version"}`, for one's own notes and those shared with one:
///   `created`, `updated` (the text, one's pin, its shares, a restore from history),
///   `deleted` (to the trash), `restored` (from it), `purged` (gone for good), `shared`
///   (shared with one, or one's permission changed) and `unshared`.
/// - `tags` `{"action": "changed"}`: one's tag counts may have changed.
/// - `session` `{"action": "ended"}`: this stream's session was ended, or the personal
///   access token it was opened with revoked; the stream closes.
/// - `account` `{"action"}`: `deactivated` or `deleted` (the stream closes), `two_step_off`,
///   `role_changed`.
/// - `reset` `{}`: events since `Last-Event-ID` can no longer all be had (more than ten
///   minutes old, or too many); reload what is shown.
/// - `closed` `{"reason": "replaced"}`: the person opened more than 8 streams, and this was
///   the oldest; reconnect only when needed again.
///
/// Send `Last-Event-ID` to resume after the last event seen, through any replica. A
/// comment line comes at least every `STREAM_KEEPALIVE` (25 s). The stream ends when its
/// access token expires (reconnect with the renewed one) and when the server shuts down.
/// A personal access token (`read` is enough) opens one too, which ends when the token
/// is revoked or expires.
/// Past `MAX_STREAMS` open streams the answer is 503 with `Retry-After`.
#[utoipa::path(
    get,
    path = paths::EVENTS,
    operation_id = "api_events_stream",
    tag = tags::EVENTS,
    security(("jwtAuth" = [])),
    params(
        ("Last-Event-ID" = Option<String>, Header,
            description = "The `id` of the last event seen: the stream resumes after it."),
    ),
    responses(
        (status = OK, description = "The event stream.", content_type = "text/event-stream", body = String),
        (status = UNAUTHORIZED, response = Unauthorized),
    ),
)]
pub async fn stream(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // Unreadable is as good as too old: the client reloads.
    let last = headers.get("last-event-id").map(|value| {
        value
            .to_str()
            .ok()
            .and_then(|value| value.trim().parse::<i64>().ok())
            .filter(|id| *id >= 0)
    });
    // A personal access token's stream goes by the token where a session's goes by the
    // session, so that revoking the token closes it.
    let stream = user
        .session
        .clone()
        .or_else(|| user.access_token.map(record::token_stream));
    let subscription = state
        .events
        .subscribe(user.id, stream.clone())
        .map_err(|refused| match refused {
            Refused::Full | Refused::ShuttingDown => ApiError::TooManyStreams,
        })?;
    // What was committed before the hub read it is the backlog's, not handed out again:
    // `ready` comes after everything committed before the stream opened.
    let from = subscription.from.max(state.events.newest().await?);
    let mut opening = VecDeque::new();
    let mut seen = from;
    match last {
        None => {}
        Some(None) => opening.push_back(Opening::Reset),
        Some(Some(after)) => {
            match state
                .events
                .backlog(user.id, stream.as_deref(), after, from)
                .await?
            {
                None => opening.push_back(Opening::Reset),
                Some(rows) => {
                    // Ahead of this replica (it came from a quicker one): what it saw is
                    // not handed out again.
                    seen = seen.max(after);
                    opening.extend(rows.into_iter().map(Opening::Row));
                }
            }
        }
    }
    opening.push_back(Opening::Ready);
    // A personal access token may never expire (`i64::MAX`): its stream then lasts until
    // the token is revoked, bounded here only so that the deadline is an `Instant`.
    let left = (user.expires_at - tokens::now()).clamp(0, i64::from(u32::MAX)) as u64;
    let live = Live {
        opening,
        subscription,
        seen,
        expires: Instant::now() + Duration::from_secs(left),
        ending: false,
    };
    let events = futures::stream::unfold(live, |mut live| async move {
        live.next()
            .await
            .map(|event| (Ok::<_, Infallible>(event), live))
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(state.stream_keepalive))
        .into_response();
    // nginx would otherwise hold the events back in its buffer.
    response.headers_mut().insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    Ok(response)
}

enum Opening {
    Row(event::Model),
    Reset,
    Ready,
}

/// One open stream: what it says first, then what the hub hands it, until it ends.
struct Live {
    opening: VecDeque<Opening>,
    subscription: Subscription,
    /// The last id sent.
    seen: i64,
    /// When the access token expires.
    expires: Instant,
    /// The last event said the stream is over.
    ending: bool,
}

impl Live {
    async fn next(&mut self) -> Option<Event> {
        if self.ending {
            return None;
        }
        if let Some(opening) = self.opening.pop_front() {
            return Some(match opening {
                Opening::Row(row) => self.send(&row),
                Opening::Reset => Event::default()
                    .event("reset")
                    .id(self.seen.to_string())
                    .data("{}"),
                Opening::Ready => Event::default()
                    .event("ready")
                    .id(self.seen.to_string())
                    .data("{}"),
            });
        }
        loop {
            let message = tokio::select! {
                message = self.subscription.messages.recv() => message?,
                () = tokio::time::sleep_until(self.expires) => return None,
            };
            match message {
                Message::Event(row) if row.id > self.seen => return Some(self.send(&row)),
                Message::Event(_) => {}
                Message::Replaced => {
                    self.ending = true;
                    return Some(
                        Event::default()
                            .event("closed")
                            .data(r#"{"reason":"replaced"}"#),
                    );
                }
            }
        }
    }

    fn send(&mut self, row: &event::Model) -> Event {
        self.seen = self.seen.max(row.id);
        self.ending = record::closes_stream(&row.kind, &row.data);
        Event::default()
            .event(row.kind.as_str())
            .id(row.id.to_string())
            .data(row.data.as_str())
    }
}

/// SQLite's wake: once a write is answered (so committed), this process's hub reads what
/// it announced. On PostgreSQL the `NOTIFY` sent at commit wakes every replica's hub.
pub async fn wake_after_writes(
    State(hub): State<std::sync::Arc<crate::events::hub::Hub>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::Method;
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = next.run(request).await;
    if writes {
        hub.wake();
    }
    response
}
