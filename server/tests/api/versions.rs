use crate::helpers::{TestApp, TestUser, etag, status_json};
use app::errors::messages;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Alice and one note of hers, with the note's path and first `ETag`.
async fn alice_with_a_note(app: &TestApp) -> (TestUser, String, String) {
    let alice = app.user("alice").await;
    let response = app
        .send_as(
            &alice.tokens.access,
            Method::POST,
            "/api/notes/",
            json!({"title": "Plan", "content": "v1"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let tag = etag(&response);
    let note: Value = response.json().await.unwrap();
    (alice, format!("/api/notes/{}/", note["id"]), tag)
}

/// The note as its owner reads it now, with its `ETag`.
async fn current(app: &TestApp, user: &TestUser, path: &str) -> (Value, String) {
    let response = app.get_as(&user.tokens.access, path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let tag = etag(&response);
    (response.json().await.unwrap(), tag)
}

async fn patch_if_match(
    app: &TestApp,
    token: &str,
    path: &str,
    if_match: String,
    content: &str,
) -> reqwest::Response {
    let body = json!({"content": content});
    app.send_if_match(token, Method::PATCH, path, &if_match, Some(body))
        .await
}

fn precondition_failed() -> (StatusCode, Value) {
    (
        StatusCode::PRECONDITION_FAILED,
        json!({"detail": messages::PRECONDITION_FAILED}),
    )
}

#[tokio::test]
async fn every_read_and_write_of_a_note_answers_its_current_etag() {
    let app = TestApp::spawn().await;
    let (alice, path, created) = alice_with_a_note(&app).await;
    let token = alice.tokens.access.as_str();
    assert_eq!(created, "\"1\"");
    assert_eq!(current(&app, &alice, &path).await.1, created);

    let put = app
        .send_as(
            token,
            Method::PUT,
            &path,
            json!({"title": "Plan", "content": "v2"}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let after_put = etag(&put);
    let patch = app
        .send_as(token, Method::PATCH, &path, json!({"content": "v3"}))
        .await;
    let after_patch = etag(&patch);
    assert_eq!(
        (after_put.as_str(), after_patch.as_str()),
        ("\"2\"", "\"3\"")
    );
    assert_eq!(current(&app, &alice, &path).await.1, after_patch);
    // The list keeps the original's shape (with `pinned` added): no versions in it.
    let list = app.notes(token).await;
    assert_eq!(list[0].as_object().unwrap().len(), 7, "{list}");
}

#[tokio::test]
async fn a_stale_if_match_is_refused_with_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (alice, path, stale) = alice_with_a_note(&app).await;
    let token = alice.tokens.access.as_str();
    // Another tab edits the note first.
    let edit = app
        .send_if_match(
            token,
            Method::PATCH,
            &path,
            &stale,
            Some(json!({"content": "theirs"})),
        )
        .await;
    assert_eq!(edit.status(), StatusCode::OK);
    let before = current(&app, &alice, &path).await;

    for (method, body) in [
        (
            Method::PUT,
            Some(json!({"title": "Mine", "content": "mine"})),
        ),
        (Method::PATCH, Some(json!({"content": "mine"}))),
        (Method::DELETE, None),
    ] {
        let response = app
            .send_if_match(token, method.clone(), &path, &stale, body)
            .await;
        assert_eq!(
            status_json(response).await,
            precondition_failed(),
            "{method}"
        );
        assert_eq!(current(&app, &alice, &path).await, before, "{method}");
    }
    let originals_path = path.replace("/api/notes/", "/api/notes/delete/");
    let deleted = app
        .send_if_match(token, Method::DELETE, &originals_path, &stale, None)
        .await;
    assert_eq!(status_json(deleted).await, precondition_failed());
    assert_eq!(current(&app, &alice, &path).await, before);
}

#[tokio::test]
async fn the_current_tag_a_list_holding_it_or_a_star_lets_the_write_through() {
    let app = TestApp::spawn().await;
    let (alice, path, first) = alice_with_a_note(&app).await;
    let token = alice.tokens.access.as_str();
    let edit = |if_match: String, content: &'static str| {
        patch_if_match(&app, token, &path, if_match, content)
    };
    let response = edit(first.clone(), "two").await;
    assert_eq!(response.status(), StatusCode::OK);
    let second = etag(&response);
    let response = edit(format!("\"99\", {first}, {second}"), "three").await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = edit("*".into(), "four").await;
    assert_eq!(response.status(), StatusCode::OK);
    let fourth = etag(&response);
    assert_eq!(current(&app, &alice, &path).await.0["content"], "four");

    // Weak tags never match in If-Match (RFC 9110 compares strongly).
    let weak = edit(format!("W/{fourth}"), "weak").await;
    assert_eq!(weak.status(), StatusCode::PRECONDITION_FAILED);

    let delete = app
        .send_if_match(token, Method::DELETE, &path, &fourth, None)
        .await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_as(token, &path).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_malformed_if_match_refuses_the_write_rather_than_ignoring_the_condition() {
    let app = TestApp::spawn().await;
    let (alice, path, _) = alice_with_a_note(&app).await;
    let before = current(&app, &alice, &path).await;
    for malformed in ["1", "\"1", "", "W/1", "\"1\" junk"] {
        let response = app
            .send_if_match(
                &alice.tokens.access,
                Method::PUT,
                &path,
                malformed,
                Some(json!({"title": "x", "content": "y"})),
            )
            .await;
        assert_eq!(
            status_json(response).await,
            precondition_failed(),
            "{malformed:?}"
        );
    }
    assert_eq!(current(&app, &alice, &path).await, before);
}

#[tokio::test]
async fn without_if_match_the_last_write_wins_as_in_the_original() {
    let app = TestApp::spawn().await;
    let (alice, path, _) = alice_with_a_note(&app).await;
    let token = alice.tokens.access.as_str();
    for content in ["first", "second"] {
        let response = app
            .send_as(
                token,
                Method::PUT,
                &path,
                json!({"title": "Plan", "content": content}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(current(&app, &alice, &path).await.0["content"], "second");
}

#[tokio::test]
async fn of_many_writers_racing_with_one_etag_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let (alice, path, tag) = alice_with_a_note(&app).await;
    let url = app.url(&path);
    let writers: Vec<_> = (0..12)
        .map(|n| {
            let request = app
                .client
                .put(&url)
                .bearer_auth(&alice.tokens.access)
                .header("if-match", &tag)
                .json(&json!({"title": "Plan", "content": format!("writer {n}")}));
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                (response.status(), n)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for writer in writers {
        let (status, n) = writer.await.unwrap();
        match status {
            StatusCode::OK => winners.push(n),
            StatusCode::PRECONDITION_FAILED => {}
            other => panic!("writer {n}: {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let (note, version) = current(&app, &alice, &path).await;
    assert_eq!(note["content"], format!("writer {}", winners[0]));
    assert_eq!(version, "\"2\"");
}

#[tokio::test]
async fn racing_conditional_deletes_delete_once() {
    let app = TestApp::spawn().await;
    let (alice, path, tag) = alice_with_a_note(&app).await;
    let url = app.url(&path);
    let deletes: Vec<_> = (0..6)
        .map(|_| {
            tokio::spawn(
                app.client
                    .delete(&url)
                    .bearer_auth(&alice.tokens.access)
                    .header("if-match", &tag)
                    .send(),
            )
        })
        .collect();
    let mut statuses = Vec::new();
    for d in deletes {
        statuses.push(d.await.unwrap().unwrap().status());
    }
    statuses.sort();
    assert_eq!(statuses[0], StatusCode::NO_CONTENT);
    assert!(
        statuses[1..].iter().all(|s| *s == StatusCode::NOT_FOUND),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn another_users_note_is_404_whatever_if_match_says() {
    let app = TestApp::spawn().await;
    let (alice, path, tag) = alice_with_a_note(&app).await;
    let mallory = app.user("mallory").await;
    for if_match in ["*", tag.as_str()] {
        let response = app
            .send_if_match(
                &mallory.tokens.access,
                Method::PUT,
                &path,
                if_match,
                Some(json!({"title": "pwned", "content": "pwned"})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{if_match}");
        let delete = app
            .send_if_match(
                &mallory.tokens.access,
                Method::DELETE,
                &path,
                if_match,
                None,
            )
            .await;
        assert_eq!(delete.status(), StatusCode::NOT_FOUND, "{if_match}");
    }
    assert_eq!(current(&app, &alice, &path).await.1, tag);
}

#[tokio::test]
async fn a_spa_on_another_origin_may_send_and_read_the_note_headers() {
    let origin = "https://app.example.com";
    let app = TestApp::spawn_with(&[("CORS_ALLOWED_ORIGINS", origin)]).await;
    let (alice, path, _) = alice_with_a_note(&app).await;
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url(&path))
        .header("origin", origin)
        .header("access-control-request-method", "PUT")
        .header(
            "access-control-request-headers",
            "authorization, content-type, if-match, idempotency-key",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("if-match"), "{allowed}");
    assert!(allowed.contains("idempotency-key"), "{allowed}");
    let response = app
        .client
        .get(app.url(&path))
        .bearer_auth(&alice.tokens.access)
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");
    assert!(exposed.contains("idempotent-replayed"), "{exposed}");
}
