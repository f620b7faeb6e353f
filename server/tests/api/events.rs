//! `GET /api/events/`: each person's changes, live, on every stream of theirs.

use crate::helpers::{TestApp, TestUser, status_json};
use reqwest::{Method, StatusCode, header};
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde_json::{Value, json};
use server::storage::entities::event;
use std::time::Duration;

/// How long a test waits for what it expects before failing.
const PATIENCE: Duration = Duration::from_secs(10);

/// One event as the stream said it.
#[derive(Debug)]
struct Said {
    event: String,
    id: Option<i64>,
    data: Value,
}

/// An open stream, read block by block.
struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    /// The next block, comments included; `None` once the stream has ended.
    async fn block(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block = self.buffer[..end].to_owned();
                self.buffer.drain(..end + 2);
                return Some(block);
            }
            let chunk = tokio::time::timeout(PATIENCE, self.response.chunk())
                .await
                .expect("the stream said something in time")
                .expect("the stream reads");
            self.buffer.push_str(std::str::from_utf8(&chunk?).unwrap());
        }
    }

    /// The next event, comments skipped; `None` once the stream has ended.
    async fn next(&mut self) -> Option<Said> {
        loop {
            let block = self.block().await?;
            let mut said = Said {
                event: "message".into(),
                id: None,
                data: Value::Null,
            };
            let mut any = false;
            for line in block.lines() {
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "" => continue,
                    "event" => said.event = value.to_owned(),
                    "id" => said.id = Some(value.parse().unwrap()),
                    "data" => said.data = serde_json::from_str(value).unwrap(),
                    other => panic!("an unknown field {other}"),
                }
                any = true;
            }
            if any {
                return Some(said);
            }
        }
    }

    /// The next event, which must be `event`, with its data.
    async fn expect(&mut self, event: &str) -> Said {
        let said = self
            .next()
            .await
            .unwrap_or_else(|| panic!("{event}: the stream ended"));
        assert_eq!(said.event, event, "{said:?}");
        said
    }

    /// The next event, which must be `note` `action` on note `id`.
    async fn expect_note(&mut self, action: &str, id: i64) -> Said {
        let said = self.expect("note").await;
        assert_eq!(said.data["action"], action, "{said:?}");
        assert_eq!(said.data["id"], id, "{said:?}");
        said
    }

    /// The stream ends without saying more.
    async fn expect_end(&mut self) {
        if let Some(said) = self.next().await {
            panic!("the stream went on: {said:?}");
        }
    }
}

impl TestApp {
    async fn stream_answer(&self, token: &str, last: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url("/api/events/")).bearer_auth(token);
        if let Some(last) = last {
            request = request.header("Last-Event-ID", last);
        }
        request.send().await.unwrap()
    }

    /// `token`'s stream, open, its `ready` read; resumed after `last` when given.
    async fn stream(&self, token: &str, last: Option<&str>) -> Stream {
        let response = self.stream_answer(token, last).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/event-stream"
        );
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        Stream {
            response,
            buffer: String::new(),
        }
    }

    /// `user`'s stream, open and ready.
    async fn live(&self, user: &TestUser) -> Stream {
        let mut stream = self.stream(&user.tokens.access, None).await;
        stream.expect("ready").await;
        stream
    }

    async fn note_of(&self, user: &TestUser, title: &str, content: &str) -> i64 {
        self.create_note(user, title, content).await["id"]
            .as_i64()
            .unwrap()
    }
}

#[tokio::test]
async fn each_thing_done_to_a_note_reaches_its_authors_stream() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut stream = app.live(&alice).await;

    let id = app.note_of(&alice, "Plans", "for #work").await;
    let made = stream.expect_note("created", id).await;
    assert_eq!(
        made.data,
        json!({"action": "created", "id": id, "version": 1})
    );
    stream.expect("tags").await;

    let path = format!("/api/notes/{id}/");
    let (status, _) = app
        .call(
            &alice,
            Method::PATCH,
            &path,
            Some(json!({"content": "for #home"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let updated = stream.expect_note("updated", id).await;
    assert_eq!(updated.data["version"], 2);
    stream.expect("tags").await;
    // A text without tags before or after changes no counts.
    let plain = app.note_of(&alice, "Plain", "no tags").await;
    stream.expect_note("created", plain).await;
    app.call(
        &alice,
        Method::PATCH,
        &format!("/api/notes/{plain}/"),
        Some(json!({"pinned": true})),
    )
    .await;
    stream.expect_note("updated", plain).await;

    let (status, _) = app.call(&alice, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    stream.expect_note("deleted", id).await;
    stream.expect("tags").await;
    let (status, _) = app
        .call(
            &alice,
            Method::POST,
            &format!("/api/notes/{id}/restore/"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    stream.expect_note("restored", id).await;
    stream.expect("tags").await;
    app.call(&alice, Method::DELETE, &path, None).await;
    stream.expect_note("deleted", id).await;
    stream.expect("tags").await;
    let (status, _) = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/api/notes/trash/{id}/"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let purged = stream.expect_note("purged", id).await;
    // Ids only grow.
    assert!(purged.id > made.id);
}

#[tokio::test]
async fn a_shared_notes_events_reach_the_person_it_is_shared_with_and_a_pin_stays_theirs() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = app.note_of(&alice, "Trip", "tickets").await;
    let carol = app.user("carol").await;
    let mut alices = app.live(&alice).await;
    let mut bobs = app.live(&bob).await;
    let mut carols = app.live(&carol).await;

    let share = app.share(&alice, id, "bob", "edit").await;
    bobs.expect_note("shared", id).await;
    alices.expect_note("updated", id).await;

    let path = format!("/api/notes/{id}/");
    app.call(
        &bob,
        Method::PATCH,
        &path,
        Some(json!({"content": "tickets, passports"})),
    )
    .await;
    alices.expect_note("updated", id).await;
    bobs.expect_note("updated", id).await;

    // Bob's pin is his own: Alice hears nothing of it.
    app.call(&bob, Method::PATCH, &path, Some(json!({"pinned": true})))
        .await;
    bobs.expect_note("updated", id).await;

    let share_path = format!("/api/notes/{id}/shares/{}/", share["id"]);
    let (status, _) = app
        .call(
            &alice,
            Method::PATCH,
            &share_path,
            Some(json!({"permission": "read"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    bobs.expect_note("shared", id).await;
    let (status, _) = app.call(&alice, Method::DELETE, &share_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    bobs.expect_note("unshared", id).await;
    // The next thing Alice hears is the share ending, not Bob's pin.
    alices.expect_note("updated", id).await;
    let other = app.note_of(&alice, "Other", "o").await;
    alices.expect_note("created", other).await;

    // No longer shared, Bob hears nothing of Alice's note: his next event is his own.
    app.call(
        &alice,
        Method::PATCH,
        &path,
        Some(json!({"content": "after"})),
    )
    .await;
    alices.expect_note("updated", id).await;
    let his = app.note_of(&bob, "His", "own").await;
    bobs.expect_note("created", his).await;
    // Nor did Carol, with whom it was never shared, of any of it.
    let hers = app.note_of(&carol, "Hers", "own").await;
    carols.expect_note("created", hers).await;
}

#[tokio::test]
async fn a_stream_resumes_after_the_last_event_it_saw_and_says_reset_when_it_cannot() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let token = alice.tokens.access.clone();
    let mut stream = app.live(&alice).await;
    let first = app.note_of(&alice, "One", "1").await;
    let seen = stream.expect_note("created", first).await.id.unwrap();
    drop(stream);

    // While no stream is open.
    let second = app.note_of(&alice, "Two", "2").await;
    let third = app.note_of(&alice, "Three", "3").await;
    let mut resumed = app.stream(&token, Some(&seen.to_string())).await;
    resumed.expect_note("created", second).await;
    let last = resumed.expect_note("created", third).await.id.unwrap();
    let ready = resumed.expect("ready").await;
    assert_eq!(ready.id, Some(last));
    drop(resumed);

    // Up to date: nothing to replay.
    let mut again = app.stream(&token, Some(&last.to_string())).await;
    assert_eq!(again.expect("ready").await.id, Some(last));
    drop(again);

    // An id never handed out, or not a number at all.
    for bad in [(last + 1000).to_string(), "yesterday".into()] {
        let mut reset = app.stream(&token, Some(&bad)).await;
        let said = reset.expect("reset").await;
        assert_eq!(said.id, Some(last));
        reset.expect("ready").await;
    }

    // Pruned: the events are older than they are kept, and a pass deletes them (all but
    // the newest, so what is kept still runs to the end).
    event::Entity::update_many()
        .col_expr(
            event::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::hours(1)),
        )
        .exec(&app.state.writer)
        .await
        .unwrap();
    let kinds = server::startup::prunable(&app.state);
    let pruned = server::storage::pruning::prune(&app.state.writer, &kinds)
        .await
        .unwrap()
        .unwrap();
    assert!(pruned.of("events") >= 2, "{pruned}");
    let kept = event::Entity::find().all(&app.state.db).await.unwrap();
    assert_eq!(kept.iter().map(|e| e.id).collect::<Vec<_>>(), [last]);
    let mut reset = app.stream(&token, Some(&seen.to_string())).await;
    reset.expect("reset").await;
    reset.expect("ready").await;
    // The newest kept, or the one before it, still resumes.
    let mut whole = app.stream(&token, Some(&(last - 1).to_string())).await;
    whole.expect_note("created", third).await;
    whole.expect("ready").await;
}

#[tokio::test]
async fn a_session_ended_elsewhere_ends_that_sessions_stream_alone() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let laptop = app.session("alice").await;
    let mut phones = app.live(&alice).await;
    let mut laptops = app.stream(&laptop.access, None).await;
    laptops.expect("ready").await;

    let (_, sessions) = app
        .call(&alice, Method::GET, "/api/user/sessions/", None)
        .await;
    let theirs = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/api/user/sessions/{theirs}/"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let ended = laptops.expect("session").await;
    assert_eq!(ended.data, json!({"action": "ended"}));
    laptops.expect_end().await;
    // The phone's session lives on, and heard nothing of the laptop's end.
    let id = app.note_of(&alice, "Still here", "s").await;
    phones.expect_note("created", id).await;

    // Signing out everywhere ends the phone's too.
    let (status, _) = app
        .call(&alice, Method::DELETE, "/api/user/sessions/", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    phones.expect("session").await;
    phones.expect_end().await;
    // And its token no longer opens one.
    let refused = app.stream_answer(&alice.tokens.access, None).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_operators_changes_reach_the_persons_stream_and_deactivation_ends_it() {
    let app = TestApp::spawn().await;
    let operator = app.operator("root").await;
    let bob = app.user("bob").await;
    let mut bobs = app.live(&bob).await;
    let path = format!("/api/admin/users/{}/", bob.id);

    let (status, body) = app
        .call(
            &operator,
            Method::PATCH,
            &path,
            Some(json!({"is_admin": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        bobs.expect("account").await.data,
        json!({"action": "role_changed"})
    );
    app.call(
        &operator,
        Method::PATCH,
        &path,
        Some(json!({"is_admin": false})),
    )
    .await;
    bobs.expect("account").await;

    let (status, _) = app
        .call(
            &operator,
            Method::PATCH,
            &path,
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Its session ended with the rest, and the account says why.
    assert_eq!(
        bobs.expect("session").await.data,
        json!({"action": "ended"})
    );
    bobs.expect_end().await;
}

#[tokio::test]
async fn turning_two_step_off_is_told() {
    let app = TestApp::spawn().await;
    let operator = app.operator("root").await;
    let bob = app.user("bob").await;
    crate::two_step::enrol(&app, &bob).await;
    let mut bobs = app.live(&bob).await;
    let (status, _) = app
        .call(
            &operator,
            Method::DELETE,
            &format!("/api/admin/users/{}/totp/", bob.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        bobs.expect("account").await.data,
        json!({"action": "two_step_off"})
    );
}

#[tokio::test]
async fn a_stream_ends_when_its_token_expires() {
    let app = TestApp::spawn_with(&[("ACCESS_TOKEN_LIFETIME", "2s")]).await;
    let alice = app.user("alice").await;
    let started = std::time::Instant::now();
    let mut stream = app.live(&alice).await;
    stream.expect_end().await;
    assert!(started.elapsed() <= Duration::from_secs(4));
}

#[tokio::test]
async fn a_quiet_stream_speaks_every_keepalive() {
    let app = TestApp::spawn_with(&[("STREAM_KEEPALIVE", "1s")]).await;
    let alice = app.user("alice").await;
    let mut stream = app.live(&alice).await;
    assert_eq!(stream.block().await.unwrap(), ":");
}

#[tokio::test]
async fn streams_past_max_streams_are_refused_and_a_persons_ninth_closes_their_first() {
    let app = TestApp::spawn_with(&[("MAX_STREAMS", "9"), ("MAX_REQUESTS_IN_FLIGHT", "2")]).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let mut first = app.live(&alice).await;
    let mut others = Vec::new();
    for _ in 0..7 {
        others.push(app.live(&alice).await);
    }
    // Open streams are not requests in flight: two places are plenty for the rest.
    let id = app.note_of(&alice, "Eight tabs", "8").await;
    first.expect_note("created", id).await;

    let mut ninth = app.live(&alice).await;
    assert_eq!(
        first.expect("closed").await.data,
        json!({"reason": "replaced"})
    );
    first.expect_end().await;
    let id = app.note_of(&alice, "Nine tabs", "9").await;
    ninth.expect_note("created", id).await;

    // Eight of Alice's and one of Bob's: the server's nine.
    let bobs = app.live(&bob).await;
    let refused = app.stream_answer(&bob.tokens.access, None).await;
    let retry = refused.headers().get(header::RETRY_AFTER).cloned();
    let (status, body) = status_json(refused).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(retry.unwrap(), "30");
    assert!(body["detail"].as_str().unwrap().contains("event streams"));
    drop(bobs);
    drop(others);
    // Places free as streams close.
    let mut again = None;
    for _ in 0..50 {
        let answer = app.stream_answer(&bob.tokens.access, None).await;
        if answer.status() == StatusCode::OK {
            again = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "a closed stream's place was freed");
}

#[tokio::test]
async fn shutting_down_ends_every_stream() {
    let (app, stop, served) = TestApp::spawn_stoppable(&[]).await;
    let alice = app.user("alice").await;
    let mut stream = app.live(&alice).await;
    stop.send(()).unwrap();
    stream.expect_end().await;
    tokio::time::timeout(PATIENCE, served)
        .await
        .expect("the server stops with a stream open")
        .unwrap();
}

#[tokio::test]
async fn a_stream_needs_a_live_token() {
    let app = TestApp::spawn().await;
    let answer = app
        .client
        .get(app.url("/api/events/"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    let answer = app.stream_answer("not-a-token", None).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    let alice = app.user("alice").await;
    let spent = alice.tokens.access.clone();
    app.call(
        &alice,
        Method::POST,
        "/api/token/blacklist/",
        Some(json!({"refresh": alice.tokens.refresh})),
    )
    .await;
    let answer = app.stream_answer(&spent, None).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_event_written_later_cannot_commit_before_one_written_earlier() {
    use sea_orm::TransactionTrait;
    use server::events::record::{Announcement, Event, record};
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut stream = app.live(&alice).await;
    let id = alice.id;
    let tags = move || [Announcement::to(id, Event::Tags)];

    let first = app.state.writer.begin().await.unwrap();
    record(&first, tags()).await.unwrap();
    let writer = app.state.writer.clone();
    let second = tokio::spawn(async move {
        let txn = writer.begin().await.unwrap();
        record(&txn, tags()).await.unwrap();
        txn.commit().await.unwrap();
    });
    // The second waits for the first (PostgreSQL: its advisory lock; SQLite: its one
    // writer), so it cannot draw a later id and commit first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !second.is_finished(),
        "the second committed before the first"
    );
    first.commit().await.unwrap();
    second.await.unwrap();
    let (a, b) = (stream.expect("tags").await, stream.expect("tags").await);
    assert!(a.id < b.id);
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_streams_and_not_its_own() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let other = app.session("alice").await;
    let mut mine = app.live(&alice).await;
    let mut theirs = app.stream(&other.access, None).await;
    theirs.expect("ready").await;

    let renewed = app.change_password(&alice, "a brand new passphrase").await;
    theirs.expect("session").await;
    theirs.expect_end().await;
    // This session goes on under its new pair: its stream hears on, and is not told.
    let id = app.note_of(&renewed, "After", "the change").await;
    mine.expect_note("created", id).await;
}

#[tokio::test]
async fn at_max_connections_idle_connections_make_room_and_streams_never_do() {
    let app = TestApp::spawn_with(&[("MAX_CONNECTIONS", "4"), ("MAX_STREAMS", "2")]).await;
    let alice = app.user("alice").await;
    let mut first = app.live(&alice).await;
    let mut second = app.live(&alice).await;
    // Each request on a connection of its own, kept alive and idle afterwards: at the
    // cap, each new one closes an idle one, never a stream.
    let mut kept = Vec::new();
    for n in 0..6 {
        let client = reqwest::Client::new();
        let answer = client
            .get(app.url("/api/notes/"))
            .bearer_auth(&alice.tokens.access)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "request {n}");
        drop(answer.bytes().await);
        kept.push(client);
    }
    let id = app.note_of(&alice, "Still streaming", "yes").await;
    first.expect_note("created", id).await;
    second.expect_note("created", id).await;
}

#[tokio::test]
async fn an_account_deleted_is_told_to_its_stream_and_to_whom_its_notes_were_shared() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = app.note_of(&alice, "Shared", "for a while").await;
    app.share(&alice, id, "bob", "read").await;
    let mut alices = app.live(&alice).await;
    let mut bobs = app.live(&bob).await;
    let (status, _) = app
        .call(
            &alice,
            Method::DELETE,
            "/api/user/",
            Some(json!({"password": crate::helpers::PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    bobs.expect_note("unshared", id).await;
    // Her sessions end with the account.
    let said = alices.next().await.unwrap();
    assert!(
        ["session", "account"].contains(&said.event.as_str()),
        "{said:?}"
    );
    alices.expect_end().await;
}

#[tokio::test]
async fn a_stream_opened_with_an_access_token_ends_when_the_token_does_on_every_replica() {
    let app = TestApp::spawn().await;
    let other = TestApp::spawn_with(&[("DATABASE_URL", app.database_url.as_str())]).await;
    let alice = app.user("alice").await;
    let (revoked_id, revoked) = app.access_token(&alice, "read").await;
    let (_, kept) = app.access_token(&alice, "read").await;
    // One script listens through the other replica, another through this one.
    let mut revokeds = other.stream(&revoked, None).await;
    revokeds.expect("ready").await;
    let mut kepts = app.stream(&kept, None).await;
    kepts.expect("ready").await;
    let mut browsers = app.live(&alice).await;

    let (status, _) = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/api/user/tokens/{revoked_id}/"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let ended = revokeds.expect("session").await;
    assert_eq!(ended.data, json!({"action": "ended"}));
    revokeds.expect_end().await;
    // That stream alone: the other token's and the browser's hear on.
    let id = app.note_of(&alice, "Still here", "s").await;
    kepts.expect_note("created", id).await;
    browsers.expect_note("created", id).await;

    // A password change ends every token, and so every token's stream.
    app.change_password(&alice, "a brand new passphrase").await;
    kepts.expect("session").await;
    kepts.expect_end().await;
}
