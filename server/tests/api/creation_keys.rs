//! `Idempotency-Key` on `POST /api/notes/`: a creation sent again because its answer was
//! lost finds the note it made, so the SPA's queue of offline changes makes each note
//! once.

use crate::helpers::{TestApp, TestUser, status_json, titles};
use app::errors::messages;
use reqwest::header::HeaderValue;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

async fn create_under(app: &TestApp, user: &TestUser, key: HeaderValue, title: &str) -> Response {
    app.post_request("/api/notes/", &json!({"title": title, "content": "#work"}))
        .bearer_auth(&user.tokens.access)
        .header("idempotency-key", key)
        .send()
        .await
        .expect("the server answers")
}

fn key(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap()
}

/// The note and whether the answer says an earlier request made it.
async fn created(response: Response) -> (Value, bool) {
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, note) = status_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert!(matches!(replayed.as_deref(), None | Some("true")));
    (note, replayed.is_some())
}

#[tokio::test]
async fn a_creation_sent_again_under_its_key_makes_one_note() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;

    let (first, replayed) = created(create_under(&app, &alice, key("k-1"), "Plans").await).await;
    assert!(!replayed);
    // Sent again, in either spelling of the key, even with other words: the first note.
    for spelling in ["k-1", "\"k-1\""] {
        let (again, replayed) =
            created(create_under(&app, &alice, key(spelling), "Other").await).await;
        assert!(replayed, "{spelling}");
        assert_eq!(again, first);
    }
    let tags = status_json(app.get_as(&alice.tokens.access, "/api/tags/").await).await;
    assert_eq!(tags.1, json!([{"name": "work", "count": 1}]));

    // A key is the caller's own; another key is another note.
    let (bobs, replayed) = created(create_under(&app, &bob, key("k-1"), "His").await).await;
    assert!(!replayed);
    assert_ne!(bobs["id"], first["id"]);
    let (second, replayed) = created(create_under(&app, &alice, key("k-2"), "More").await).await;
    assert!(!replayed);
    assert_eq!(
        titles(&app.notes(&alice.tokens.access).await),
        ["More", "Plans"]
    );

    // The key goes with its note: sent after the note was deleted, it makes it again.
    let id = &first["id"];
    let deleted = app
        .request(
            Method::DELETE,
            &format!("/api/notes/{id}/"),
            Some(&alice.tokens.access),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (remade, replayed) = created(create_under(&app, &alice, key("k-1"), "Plans").await).await;
    assert!(!replayed);
    assert_ne!(remade["id"], first["id"]);
    assert_ne!(remade["id"], second["id"]);
    let keys = app
        .count_rows(&format!(
            "SELECT COUNT(*) FROM note_creation_keys WHERE author_id = {}",
            alice.id
        ))
        .await;
    assert_eq!(keys, 2);
}

#[tokio::test]
async fn the_same_key_sent_many_times_at_once_makes_one_note() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let sends = (0..8).map(|i| {
        app.post_request(
            "/api/notes/",
            &json!({"title": format!("Try {i}"), "content": "words"}),
        )
        .bearer_auth(&alice.tokens.access)
        .header("idempotency-key", "once")
        .send()
    });
    let answers = futures::future::join_all(sends).await;
    let mut ids = Vec::new();
    let mut made = 0;
    for answer in answers {
        let (note, replayed) = created(answer.expect("the server answers")).await;
        made += usize::from(!replayed);
        ids.push(note["id"].clone());
    }
    assert_eq!(made, 1);
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(
        app.notes(&alice.tokens.access)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_key_the_server_cannot_keep_is_refused_and_nothing_is_made() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let long = "k".repeat(256);
    let bad = [
        HeaderValue::from_static(""),
        key(&long),
        HeaderValue::from_bytes("café".as_bytes()).unwrap(),
        HeaderValue::from_static("tab\there"),
    ];
    for value in bad {
        let shown = format!("{value:?}");
        let (status, body) = status_json(create_under(&app, &alice, value, "Plans").await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{shown}");
        assert_eq!(
            body,
            json!({"detail": messages::BAD_IDEMPOTENCY_KEY}),
            "{shown}"
        );
    }
    // The longest key is kept whole.
    let longest = "k".repeat(255);
    let (first, _) = created(create_under(&app, &alice, key(&longest), "A").await).await;
    let (again, replayed) = created(create_under(&app, &alice, key(&longest), "B").await).await;
    assert!(replayed);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(titles(&app.notes(&alice.tokens.access).await), ["A"]);
}
