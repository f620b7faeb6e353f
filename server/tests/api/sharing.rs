//! Sharing a note: links anyone can open (until revoked or expired, never after the note
//! went to the trash, counted, limited per address), and notes shared with people to
//! read or to edit, safely between them (`If-Match`), with pins of their own.

use crate::helpers::{PASSWORD, TestApp, TestUser, etag, status_json};
use app::errors::messages;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn make_link(app: &TestApp, owner: &TestUser, note: i64, body: Value) -> Value {
    let (status, link) = app
        .call(
            owner,
            Method::POST,
            &format!("/api/notes/{note}/links/"),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    link
}

/// The path of a link's page (its `url` is absolute).
fn page_path(link: &Value) -> String {
    let url = link["url"].as_str().unwrap();
    url[url.find("/s/").expect("a /s/ link")..].to_owned()
}

/// `GET` without a token: status and text.
async fn open(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// `GET /api/shared/{token}/` without a token: status and JSON.
async fn open_json(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let path = format!("/api/shared/{token}/");
    status_json(app.client.get(app.url(&path)).send().await.unwrap()).await
}

#[tokio::test]
async fn a_link_shows_the_note_as_it_is_now_to_anyone_until_it_is_revoked() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let note = app
        .create_note(&alice, "Party <plan>", "# Bring\n\n- [ ] cake\n- snacks")
        .await;
    let id = note["id"].as_i64().unwrap();
    let link = make_link(&app, &alice, id, json!({})).await;
    let path = page_path(&link);
    let token = &path["/s/".len()..];
    assert_eq!(token.len(), 22, "128 random bits: {token}");
    assert!(
        link["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(
        (link["views"].as_u64(), link["expires_at"].is_null()),
        (Some(0), true)
    );

    let (status, headers, html) = open(&app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Party &lt;plan&gt;</h1>"), "{html}");
    assert!(
        html.contains("<h4>Bring</h4>") && html.contains("snacks"),
        "{html}"
    );
    assert!(html.contains(r#"<meta property="og:title" content="Party &lt;plan&gt;">"#));
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'none'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(headers["x-robots-tag"], "noindex");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    let (status, json) = open_json(&app, token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["title"], "Party <plan>");

    // The note as it is now, never a copy.
    app.send_as(
        &alice.tokens.access,
        Method::PATCH,
        &format!("/api/notes/{id}/"),
        json!({"title": "Party, moved"}),
    )
    .await;
    assert!(open(&app, &path).await.2.contains("Party, moved"));

    let (_, listed) = app
        .call(
            &alice,
            Method::GET,
            &format!("/api/notes/{id}/links/"),
            None,
        )
        .await;
    assert_eq!(listed[0]["url"], link["url"], "listed again to copy");
    assert_eq!(
        listed[0]["views"], 1,
        "one address counts once, page or JSON: {listed}"
    );

    // Another replica of the same database opens it too, and stops the moment it is
    // revoked on this one: nothing about a link is remembered between requests.
    let other = TestApp::spawn_with(&[("DATABASE_URL", app.database_url.as_str())]).await;
    assert_eq!(open(&other, &path).await.0, StatusCode::OK);
    let (status, _) = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/api/notes/{id}/links/{}/", link["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(open(&other, &path).await.0, StatusCode::NOT_FOUND);
    let (gone, _, gone_html) = open(&app, &path).await;
    let (unknown, _, unknown_html) = open(&app, "/s/AAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(
        (gone, unknown),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    assert_eq!(gone_html, unknown_html, "nothing tells them apart");
    let (status, _) = open_json(&app, token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_link_expires_and_one_cannot_be_made_for_the_past() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let id = app.create_note(&alice, "Soon gone", "x").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/notes/{id}/links/");
    for (expires_at, message) in [
        ("2020-01-01T00:00:00Z", messages::EXPIRY_IN_THE_PAST),
        ("tomorrow", messages::NOT_A_TIME),
    ] {
        let (status, body) = app
            .call(
                &alice,
                Method::POST,
                &path,
                Some(json!({"expires_at": expires_at})),
            )
            .await;
        assert_eq!(
            (status, body),
            (StatusCode::BAD_REQUEST, json!({"expires_at": [message]}))
        );
    }
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let link = make_link(&app, &alice, id, json!({"expires_at": soon})).await;
    assert_eq!(open(&app, &page_path(&link)).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_eq!(open(&app, &page_path(&link)).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_note_in_the_trash_shows_nothing_and_comes_back_with_its_links_and_shares() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = app.create_note(&alice, "Trashable", "x").await["id"]
        .as_i64()
        .unwrap();
    let link = make_link(&app, &alice, id, json!({})).await;
    app.share(&alice, id, "bob", "read").await;
    app.send_as(
        &alice.tokens.access,
        Method::DELETE,
        &format!("/api/notes/{id}/"),
        json!({}),
    )
    .await;
    assert_eq!(open(&app, &page_path(&link)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_as(&bob.tokens.access, &format!("/api/notes/{id}/"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (status, _) = app
        .call(
            &alice,
            Method::POST,
            &format!("/api/notes/{id}/restore/"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(open(&app, &page_path(&link)).await.0, StatusCode::OK);
    assert_eq!(
        app.get_as(&bob.tokens.access, &format!("/api/notes/{id}/"))
            .await
            .status(),
        StatusCode::OK
    );

    // Deleted for good: the pruner takes what is left of it.
    app.send_as(
        &alice.tokens.access,
        Method::DELETE,
        &format!("/api/notes/{id}/"),
        json!({}),
    )
    .await;
    app.send_as(
        &alice.tokens.access,
        Method::DELETE,
        &format!("/api/notes/trash/{id}/"),
        json!({}),
    )
    .await;
    let kinds = server::startup::prunable(&app.state);
    let pruned = server::storage::pruning::prune(&app.state.writer, &kinds)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (pruned.of("note_links"), pruned.of("note_shares")),
        (1, 1),
        "{pruned}"
    );
}

#[tokio::test]
async fn views_count_an_address_once_and_too_many_opens_are_refused() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let id = app.create_note(&alice, "Popular", "x").await["id"]
        .as_i64()
        .unwrap();
    let link = make_link(&app, &alice, id, json!({})).await;
    let path = page_path(&link);
    for _ in 0..5 {
        assert_eq!(open(&app, &path).await.0, StatusCode::OK);
    }
    let (_, listed) = app
        .call(
            &alice,
            Method::GET,
            &format!("/api/notes/{id}/links/"),
            None,
        )
        .await;
    assert_eq!(listed[0]["views"], 1, "a reload is not a new view");
    // 60 a minute from one address: the five above and 55 more get through.
    let mut refused = None;
    for n in 0..60 {
        let (status, headers, _) = open(&app, &path).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((n, headers["retry-after"].to_str().unwrap().to_owned()));
            break;
        }
    }
    let (n, retry_after) = refused.expect("the limit was reached");
    assert_eq!(n, 55);
    assert!(retry_after.parse::<u64>().unwrap() >= 1);
}

#[tokio::test]
async fn a_note_shared_to_read_is_read_and_never_written_deleted_or_shared_onwards() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let id = app.create_note(&alice, "Recipe", "Flour, eggs.").await["id"]
        .as_i64()
        .unwrap();
    let note = format!("/api/notes/{id}/");
    let shares = format!("/api/notes/{id}/shares/");
    for (body, field_error) in [
        (
            json!({"username": "nobody", "permission": "read"}),
            ("username", messages::SHARE_WITH_SOMEONE.to_owned()),
        ),
        (
            json!({"username": "alice", "permission": "read"}),
            ("username", messages::SHARE_WITH_SOMEONE.to_owned()),
        ),
        (
            json!({"username": "bob", "permission": "admin"}),
            ("permission", messages::not_a_choice("admin")),
        ),
    ] {
        let (status, answer) = app.call(&alice, Method::POST, &shares, Some(body)).await;
        assert_eq!(
            (status, answer),
            (
                StatusCode::BAD_REQUEST,
                json!({field_error.0: [field_error.1]})
            )
        );
    }
    let made = app.share(&alice, id, "bob", "read").await;
    assert_eq!(
        (made["username"].as_str(), made["permission"].as_str()),
        (Some("bob"), Some("read"))
    );
    let (status, answer) = app
        .call(
            &alice,
            Method::POST,
            &shares,
            Some(json!({"username": "bob", "permission": "edit"})),
        )
        .await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::BAD_REQUEST,
            json!({"username": [messages::ALREADY_SHARED]})
        )
    );

    let (status, seen) = app.call(&bob, Method::GET, &note, None).await;
    assert_eq!(
        (status, seen["title"].as_str()),
        (StatusCode::OK, Some("Recipe"))
    );
    // Whose it is and what bob may do, said to him; to its owner, that it is shared,
    // and in her list's pages (the original's plain list stays as it was).
    assert_eq!(
        (&seen["owner"], &seen["permission"], &seen["shared"]),
        (
            &json!({"id": alice.id, "username": "alice"}),
            &json!("read"),
            &Value::Null
        )
    );
    let (_, hers) = app.call(&alice, Method::GET, &note, None).await;
    assert_eq!(
        (&hers["shared"], &hers["owner"]),
        (&json!(true), &Value::Null)
    );
    let (_, page) = app.page(&alice, &[("page_size", "5")]).await;
    assert_eq!(page["results"][0]["shared"], true);
    let plain = app.notes(&alice.tokens.access).await;
    assert!(plain[0].get("shared").is_none(), "{plain:?}");
    let read_only = (
        StatusCode::FORBIDDEN,
        json!({"detail": messages::SHARED_READ_ONLY}),
    );
    assert_eq!(
        app.call(
            &bob,
            Method::PATCH,
            &note,
            Some(json!({"title": "Mine now"}))
        )
        .await,
        read_only
    );
    assert_eq!(
        app.call(
            &bob,
            Method::PUT,
            &note,
            Some(json!({"title": "t", "content": "c", "pinned": true}))
        )
        .await,
        read_only
    );
    // A pin that came with refused words went in with nothing.
    let (_, after) = app.call(&bob, Method::GET, &note, None).await;
    assert_eq!(after["pinned"], false);
    let owner_only = (
        StatusCode::FORBIDDEN,
        json!({"detail": messages::OWNER_ONLY}),
    );
    assert_eq!(
        app.call(&bob, Method::DELETE, &note, None).await,
        owner_only
    );
    assert_eq!(
        app.call(
            &bob,
            Method::POST,
            &shares,
            Some(json!({"username": "carol", "permission": "read"}))
        )
        .await,
        owner_only
    );
    assert_eq!(
        app.call(
            &bob,
            Method::POST,
            &format!("{note}links/"),
            Some(json!({}))
        )
        .await,
        owner_only
    );
    assert_eq!(app.call(&bob, Method::GET, &shares, None).await, owner_only);
    // Someone it is not shared with finds nothing, whatever they try.
    for (method, path) in [
        (Method::GET, note.clone()),
        (Method::PATCH, note.clone()),
        (Method::DELETE, note.clone()),
        (Method::GET, shares.clone()),
    ] {
        let (status, body) = app
            .call(&carol, method.clone(), &path, Some(json!({"title": "x"})))
            .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"detail": messages::NOT_FOUND})
            ),
            "{method} {path}"
        );
    }

    // The original's client sees nothing new: the list holds one's own notes only.
    assert_eq!(app.notes(&bob.tokens.access).await, json!([]));
    let (_, shared) = app
        .call(&bob, Method::GET, "/api/notes/shared/", None)
        .await;
    assert_eq!(shared.as_array().unwrap().len(), 1, "{shared}");
    assert_eq!(
        shared[0]["owner"],
        json!({"id": alice.id, "username": "alice"})
    );
    assert_eq!(shared[0]["permission"], "read");
    let (_, paged) = app
        .call(
            &bob,
            Method::GET,
            "/api/notes/shared/?search=flour&page_size=5",
            None,
        )
        .await;
    assert_eq!(
        (paged["count"].as_u64(), paged["results"][0]["id"].as_i64()),
        (Some(1), Some(id))
    );
    let (_, none) = app
        .call(&bob, Method::GET, "/api/notes/shared/?search=sugar", None)
        .await;
    assert_eq!(none, json!([]));

    // Leaving: gone for him, still there for her.
    let (status, _) = app
        .call(
            &bob,
            Method::DELETE,
            &format!("/api/notes/shared/{id}/"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.call(&bob, Method::GET, &note, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(
            &bob,
            Method::DELETE,
            &format!("/api/notes/shared/{id}/"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(&alice, Method::GET, &note, None).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn two_people_edit_one_note_safely_and_each_pins_it_for_themselves() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = app.create_note(&alice, "Plan", "v1").await["id"]
        .as_i64()
        .unwrap();
    let note = format!("/api/notes/{id}/");
    let made = app.share(&alice, id, "bob", "read").await;
    let (status, changed) = app
        .call(
            &alice,
            Method::PATCH,
            &format!("/api/notes/{id}/shares/{}/", made["id"]),
            Some(json!({"permission": "edit"})),
        )
        .await;
    assert_eq!(
        (status, changed["permission"].as_str()),
        (StatusCode::OK, Some("edit"))
    );

    let hers = etag(&app.get_as(&alice.tokens.access, &note).await);
    let his = etag(&app.get_as(&bob.tokens.access, &note).await);
    assert_eq!(hers, his);
    // A pin is each person's own, and not a write: nobody's version moves.
    let (status, pinned) = app
        .call(&bob, Method::PATCH, &note, Some(json!({"pinned": true})))
        .await;
    assert_eq!(
        (status, pinned["pinned"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let (_, hers_seen) = app.call(&alice, Method::GET, &note, None).await;
    assert_eq!(hers_seen["pinned"], false, "his pin is not hers");
    assert_eq!(
        etag(&app.get_as(&alice.tokens.access, &note).await),
        hers,
        "a pin changed no version"
    );

    let saved = app
        .send_if_match(
            &bob.tokens.access,
            Method::PATCH,
            &note,
            &his,
            Some(json!({"content": "v2 by bob"})),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let stale = app
        .send_if_match(
            &alice.tokens.access,
            Method::PATCH,
            &note,
            &hers,
            Some(json!({"content": "v2 by alice"})),
        )
        .await;
    assert_eq!(
        stale.status(),
        StatusCode::PRECONDITION_FAILED,
        "as between two tabs of one person"
    );
    let (_, now) = app.call(&alice, Method::GET, &note, None).await;
    assert_eq!(
        (now["content"].as_str(), now["author"].as_i64()),
        (Some("v2 by bob"), Some(alice.id))
    );

    // His edit's tags are hers: tags come from the text.
    app.call(
        &bob,
        Method::PATCH,
        &note,
        Some(json!({"content": "#party plans"})),
    )
    .await;
    let (_, tags) = app.call(&alice, Method::GET, "/api/tags/", None).await;
    assert_eq!(tags, json!([{"name": "party", "count": 1}]));

    // Made read-only, and then ended: his next write is 403, then 404.
    app.call(
        &alice,
        Method::PATCH,
        &format!("/api/notes/{id}/shares/{}/", made["id"]),
        Some(json!({"permission": "read"})),
    )
    .await;
    assert_eq!(
        app.call(&bob, Method::PATCH, &note, Some(json!({"content": "x"})))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/api/notes/{id}/shares/{}/", made["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.call(&bob, Method::PATCH, &note, Some(json!({"content": "x"})))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, shared) = app
        .call(&bob, Method::GET, "/api/notes/shared/", None)
        .await;
    assert_eq!(shared, json!([]));
}

#[tokio::test]
async fn deleting_an_account_ends_its_shares_both_ways_and_it_says_how_many_first() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let mine = app.create_note(&alice, "Hers", "x").await["id"]
        .as_i64()
        .unwrap();
    let his = app.create_note(&bob, "His", "x").await["id"]
        .as_i64()
        .unwrap();
    app.share(&alice, mine, "bob", "edit").await;
    app.share(&alice, mine, "carol", "read").await;
    app.share(&bob, his, "alice", "read").await;
    let (_, account) = app.call(&alice, Method::GET, "/api/user/", None).await;
    assert_eq!(account["notes_shared"], 1, "one note, shared twice");
    let (status, _) = app
        .call(
            &alice,
            Method::DELETE,
            "/api/user/",
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for user in [&bob, &carol] {
        let (_, shared) = app
            .call(user, Method::GET, "/api/notes/shared/", None)
            .await;
        assert_eq!(shared, json!([]));
    }
    assert_eq!(
        app.count_rows(&format!(
            "SELECT COUNT(*) FROM note_shares WHERE note_id = {his}"
        ))
        .await,
        0
    );
}
