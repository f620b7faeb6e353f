use crate::helpers::{TestApp, status_json};
use app::errors::messages;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_user_creates_reads_edits_and_deletes_a_note() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let token = alice.tokens.access.as_str();

    let note = app
        .create_note(&alice, "  Groceries ", "- milk\n- eggs")
        .await;
    assert_eq!(note["title"], "Groceries");
    assert_eq!(note["content"], "- milk\n- eggs");
    assert_eq!(note["author"], alice.id);
    let created_at = note["created_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(created_at).is_ok() && created_at.ends_with('Z'));
    assert_eq!(note["created_at"], note["updated_at"]);
    let path = format!("/api/notes/{}/", note["id"]);

    assert_eq!(
        status_json(app.get_as(token, &path).await).await,
        (StatusCode::OK, note.clone())
    );

    let (status, replaced) = status_json(
        app.send_as(
            token,
            Method::PUT,
            &path,
            json!({"title": "Shopping", "content": "- bread"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (replaced["title"].as_str(), replaced["content"].as_str()),
        (Some("Shopping"), Some("- bread"))
    );
    assert_eq!(replaced["created_at"], note["created_at"]);
    assert!(replaced["updated_at"].as_str() > note["updated_at"].as_str());

    let (status, patched) = status_json(
        app.send_as(token, Method::PATCH, &path, json!({"content": "- jam"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (patched["title"].as_str(), patched["content"].as_str()),
        (Some("Shopping"), Some("- jam"))
    );

    let deleted = app.request(Method::DELETE, &path, Some(token), None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(deleted.text().await.unwrap().is_empty());
    assert_eq!(
        app.get_as(token, &path).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_list_holds_only_the_callers_notes_newest_first() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    for n in 1..=3 {
        app.create_note(&alice, &format!("alice {n}"), "x").await;
    }
    app.create_note(&bob, "bob 1", "x").await;
    let (status, list) = status_json(app.get_as(&alice.tokens.access, "/api/notes/").await).await;
    assert_eq!(status, StatusCode::OK);
    let titles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["alice 3", "alice 2", "alice 1"]);
}

#[tokio::test]
async fn another_users_note_is_not_found_for_every_method() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mallory = app.user("mallory").await;
    let note = app.create_note(&alice, "Diary", "private").await;
    let id = note["id"].as_i64().unwrap();
    let token = mallory.tokens.access.as_str();
    for body in [
        json!({"title": "pwned", "content": "pwned"}),
        json!({"title": ""}),
    ] {
        for (method, path) in [
            (Method::GET, format!("/api/notes/{id}/")),
            (Method::PUT, format!("/api/notes/{id}/")),
            (Method::PATCH, format!("/api/notes/{id}/")),
            (Method::DELETE, format!("/api/notes/{id}/")),
            (Method::DELETE, format!("/api/notes/delete/{id}/")),
        ] {
            let response = app
                .request(method.clone(), &path, Some(token), Some(body.clone()))
                .await;
            assert_eq!(
                status_json(response).await,
                (
                    StatusCode::NOT_FOUND,
                    json!({"detail": messages::NOT_FOUND})
                ),
                "{method} {path} {body}"
            );
        }
    }
    let unchanged = app
        .get_as(&alice.tokens.access, &format!("/api/notes/{id}/"))
        .await;
    assert_eq!(status_json(unchanged).await, (StatusCode::OK, note));
    let mallorys = app.notes(token).await;
    assert_eq!(mallorys, json!([]));
}

#[tokio::test]
async fn numbers_are_taken_as_text_as_drf_does() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let response = app
        .send_as(
            &alice.tokens.access,
            Method::POST,
            "/api/notes/",
            json!({"title": 2024, "content": 1.5}),
        )
        .await;
    let (status, note) = status_json(response).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        (note["title"].as_str(), note["content"].as_str()),
        (Some("2024"), Some("1.5"))
    );
}

#[tokio::test]
async fn the_originals_delete_path_still_deletes() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let note = app.create_note(&alice, "Old", "client").await;
    let path = format!("/api/notes/delete/{}/", note["id"]);
    let response = app
        .request(Method::DELETE, &path, Some(&alice.tokens.access), None)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let list = app.notes(&alice.tokens.access).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn a_note_deleted_twice_at_once_is_deleted_once() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let note = app.create_note(&alice, "Once", "only").await;
    let path = app.url(&format!("/api/notes/{}/", note["id"]));
    let deletes: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(
                app.client
                    .delete(&path)
                    .bearer_auth(&alice.tokens.access)
                    .send(),
            )
        })
        .collect();
    let mut statuses = Vec::new();
    for d in deletes {
        statuses.push(d.await.unwrap().unwrap().status());
    }
    statuses.sort();
    assert_eq!(
        statuses,
        [
            StatusCode::NO_CONTENT,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND
        ]
    );
}

#[tokio::test]
async fn unknown_or_malformed_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    app.create_note(&alice, "Five", "exists").await;
    for path in [
        "/api/notes/999/",
        "/api/notes/abc/",
        "/api/notes/%FF/",
        "/api/notes/+1/",
        "/api/notes/0/",
        "/api/notes/-1/",
        "/api/notes/99999999999999999999999/",
    ] {
        let (status, body) = status_json(app.get_as(&alice.tokens.access, path).await).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"detail": messages::NOT_FOUND})
            ),
            "{path}"
        );
    }
}

#[tokio::test]
async fn invalid_notes_are_field_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let token = alice.tokens.access.as_str();
    let long_title = "t".repeat(101);
    for (body, expected) in [
        (
            json!({}),
            json!({"title": [messages::REQUIRED], "content": [messages::REQUIRED]}),
        ),
        (
            json!({"title": " ", "content": "x"}),
            json!({"title": [messages::BLANK]}),
        ),
        (
            json!({"title": long_title, "content": "x"}),
            json!({"title": [app::validation::too_long(100)]}),
        ),
        (
            json!({"title": "x", "content": "\n"}),
            json!({"content": [messages::BLANK]}),
        ),
        (
            json!({"title": "nul\0", "content": "x"}),
            json!({"title": [app::validation::NULL_CHARACTERS]}),
        ),
        (
            json!({"title": "x", "content": "a\0b"}),
            json!({"content": [app::validation::NULL_CHARACTERS]}),
        ),
        (
            json!({"title": true, "content": ["x"]}),
            json!({"title": [messages::NOT_A_STRING], "content": [messages::NOT_A_STRING]}),
        ),
    ] {
        let response = app
            .send_as(token, Method::POST, "/api/notes/", body.clone())
            .await;
        assert_eq!(
            status_json(response).await,
            (StatusCode::BAD_REQUEST, expected),
            "{body}"
        );
    }
    let note = app.create_note(&alice, "Keep", "me").await;
    let path = format!("/api/notes/{}/", note["id"]);
    let put = app
        .send_as(token, Method::PUT, &path, json!({"title": "only title"}))
        .await;
    assert_eq!(
        status_json(put).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"content": [messages::REQUIRED]})
        )
    );
    let patch = app
        .send_as(token, Method::PATCH, &path, json!({"title": ""}))
        .await;
    assert_eq!(
        status_json(patch).await,
        (StatusCode::BAD_REQUEST, json!({"title": [messages::BLANK]}))
    );
    assert_eq!(
        status_json(app.get_as(token, &path).await).await,
        (StatusCode::OK, note)
    );
    let list = app.notes(token).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn notes_need_credentials() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let response = app.request(Method::GET, "/api/notes/", None, None).await;
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"api\""
    );
    assert_eq!(
        status_json(response).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"detail": messages::NO_CREDENTIALS})
        )
    );
    for header in ["Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer a b"] {
        let response = app
            .client
            .get(app.url("/api/notes/"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        let (status, body) = status_json(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{header}");
        assert!(body["detail"].is_string(), "{header}: {body}");
    }
    let lowercase_scheme = app
        .client
        .get(app.url("/api/notes/"))
        .header("authorization", format!("bearer {}", alice.tokens.access))
        .send()
        .await
        .unwrap();
    assert_eq!(lowercase_scheme.status(), StatusCode::OK);
}
