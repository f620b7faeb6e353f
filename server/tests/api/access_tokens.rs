//! Personal access tokens: a script's way in, which reads (and with `write`, writes)
//! notes and can do nothing else.

use crate::helpers::{PASSWORD, TestApp, TestUser, status_json};
use app::errors::messages;
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

async fn with_token(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    status_json(app.request(method, path, Some(token), body).await).await
}

fn refused(status: StatusCode, body: &Value, detail: &str) {
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, &json!({"detail": detail}))
    );
}

#[tokio::test]
async fn a_read_token_reads_notes_and_the_backup_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    app.create_note(&alice, "Diary", "kept").await;
    let body = json!({"name": "  nightly backup ", "scope": "read", "expires_in_days": 30});
    let (status, made) = app
        .call(&alice, Method::POST, "/api/user/tokens/", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let token = made["token"].as_str().unwrap();
    assert!(token.starts_with("ntk_"), "{token}");
    assert_eq!(token.len(), 4 + 64);
    assert!(token[4..].bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        (made["name"].as_str(), made["scope"].as_str()),
        (Some("nightly backup"), Some("read"))
    );
    let created =
        chrono::DateTime::parse_from_rfc3339(made["created_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(made["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_days(), 30);

    let (status, notes) = with_token(&app, token, Method::GET, "/api/notes/", None).await;
    assert_eq!(status, StatusCode::OK, "{notes}");
    assert_eq!(notes[0]["title"], "Diary");
    let (status, _) = with_token(&app, token, Method::GET, "/api/notes/export/", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = with_token(
        &app,
        token,
        Method::POST,
        "/api/notes/",
        Some(json!({"title": "no", "content": "no"})),
    )
    .await;
    refused(status, &body, messages::TOKEN_READ_ONLY);
    let id = notes[0]["id"].as_i64().unwrap();
    let (status, body) = with_token(
        &app,
        token,
        Method::DELETE,
        &format!("/api/notes/{id}/"),
        None,
    )
    .await;
    refused(status, &body, messages::TOKEN_READ_ONLY);
    assert_eq!(
        app.notes(&alice.tokens.access)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Listed with its use, never with the token; only its digest is kept.
    let (status, listed) = app
        .call(&alice, Method::GET, "/api/user/tokens/", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], made["id"]);
    assert!(listed[0].get("token").is_none(), "{}", listed[0]);
    assert!(listed[0]["last_used_at"].is_string(), "{}", listed[0]);
    let kept = app
        .count_rows(&format!(
            "SELECT COUNT(*) FROM access_tokens WHERE digest = '{token}' OR digest = '{}'",
            &token[4..]
        ))
        .await;
    assert_eq!(kept, 0, "the token itself is not stored");
}

#[tokio::test]
async fn a_write_token_writes_notes_and_nothing_that_cannot_be_undone() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    app.user("bob").await;
    let (_, token) = app.access_token(&alice, "write").await;
    let (status, note) = with_token(
        &app,
        &token,
        Method::POST,
        "/api/notes/",
        Some(json!({"title": "From a script", "content": "fed"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    let id = note["id"].as_i64().unwrap();
    let note_path = format!("/api/notes/{id}/");
    let (status, _) = with_token(
        &app,
        &token,
        Method::PATCH,
        &note_path,
        Some(json!({"content": "fed again"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = with_token(&app, &token, Method::DELETE, &note_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = with_token(
        &app,
        &token,
        Method::POST,
        &format!("/api/notes/{id}/restore/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Neither the account's security, nor the operator's area, nor what cannot be undone
    // or would expose the note.
    let password = json!({"old_password": PASSWORD, "new_password": "taken-over-by-a-script"});
    for (method, path, body) in [
        (
            Method::POST,
            "/api/user/password/".to_owned(),
            Some(password),
        ),
        (Method::GET, "/api/user/sessions/".to_owned(), None),
        (Method::DELETE, "/api/user/sessions/".to_owned(), None),
        (Method::GET, "/api/user/tokens/".to_owned(), None),
        (
            Method::POST,
            "/api/user/tokens/".to_owned(),
            Some(json!({"name": "another", "scope": "write"})),
        ),
        (
            Method::DELETE,
            "/api/user/".to_owned(),
            Some(json!({"password": PASSWORD})),
        ),
        (Method::POST, "/api/user/totp/".to_owned(), None),
        (Method::GET, "/api/user/activity/".to_owned(), None),
        (Method::GET, "/api/admin/users/".to_owned(), None),
        (Method::DELETE, "/api/notes/trash/".to_owned(), None),
        (Method::DELETE, format!("/api/notes/trash/{id}/"), None),
        (
            Method::POST,
            format!("/api/notes/{id}/links/"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/notes/{id}/shares/"),
            Some(json!({"username": "bob", "permission": "read"})),
        ),
    ] {
        let (status, body) = with_token(&app, &token, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert_eq!(
            body,
            json!({"detail": messages::TOKEN_CANNOT}),
            "{method} {path}"
        );
    }
    let (status, shares) = app
        .call(
            &alice,
            Method::GET,
            &format!("/api/notes/{id}/shares/"),
            None,
        )
        .await;
    assert_eq!((status, shares), (StatusCode::OK, json!([])));
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_revoked_token_stops_at_once_and_only_its_owner_revokes_it() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let (id, token) = app.access_token(&alice, "read").await;
    let path = format!("/api/user/tokens/{id}/");
    let (status, _) = app.call(&bob, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = with_token(&app, &token, Method::GET, "/api/notes/", None).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = app.call(&alice, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = with_token(&app, &token, Method::GET, "/api/notes/", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "token_not_valid");
    let (status, listed) = app
        .call(&alice, Method::GET, "/api/user/tokens/", None)
        .await;
    assert_eq!((status, listed), (StatusCode::OK, json!([])));
    let (status, _) = app.call(&alice, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Both are in the account's own log.
    let (_, activity) = app
        .call(&alice, Method::GET, "/api/user/activity/", None)
        .await;
    let actions: Vec<&str> = activity["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|line| line["action"].as_str())
        .collect();
    assert!(
        actions.starts_with(&["access_token_revoked", "access_token_created"]),
        "{actions:?}"
    );
}

#[tokio::test]
async fn tokens_end_with_a_password_change_sign_out_everywhere_deactivation_and_deletion() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let alice = app.user("alice").await;
    let works = async |token: &str| {
        with_token(&app, token, Method::GET, "/api/notes/", None)
            .await
            .0
            == StatusCode::OK
    };

    let (_, token) = app.access_token(&alice, "read").await;
    let alice = app.change_password(&alice, "a-new-password-42").await;
    assert!(!works(&token).await, "after a password change");

    let (_, token) = app.access_token(&alice, "read").await;
    let (status, _) = app
        .call(&alice, Method::DELETE, "/api/user/sessions/", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!works(&token).await, "after signing out everywhere");

    let alice = TestUser {
        id: alice.id,
        tokens: app.session_with("alice", "a-new-password-42").await,
    };
    let (_, token) = app.access_token(&alice, "read").await;
    let user_path = format!("/api/admin/users/{}/", alice.id);
    let (status, _) = app
        .call(
            &root,
            Method::PATCH,
            &user_path,
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!works(&token).await, "after deactivation");
    let (status, _) = app
        .call(
            &root,
            Method::PATCH,
            &user_path,
            Some(json!({"is_active": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!works(&token).await, "not again after reactivation");

    let alice = TestUser {
        id: alice.id,
        tokens: app.session_with("alice", "a-new-password-42").await,
    };
    let (_, token) = app.access_token(&alice, "read").await;
    let (status, _) = app
        .call(
            &alice,
            Method::DELETE,
            "/api/user/",
            Some(json!({"password": "a-new-password-42"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!works(&token).await, "after the account's deletion");
    let left = app.count_rows("SELECT COUNT(*) FROM access_tokens").await;
    assert_eq!(left, 0);
}

#[tokio::test]
async fn an_expired_or_unknown_token_is_refused_like_any_bad_token() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let (id, token) = app.access_token(&alice, "read").await;
    app.state
        .writer
        .execute_unprepared(&format!(
            "UPDATE access_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE id = {id}"
        ))
        .await
        .unwrap();
    for token in [token.as_str(), "ntk_0000", "ntk_"] {
        let (status, body) = with_token(&app, token, Method::GET, "/api/notes/", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token}: {body}");
        assert_eq!(body["code"], "token_not_valid");
    }
}

#[tokio::test]
async fn a_bad_request_for_a_token_says_which_field() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    for (body, field, message) in [
        (
            json!({"scope": "read"}),
            "name",
            messages::REQUIRED.to_owned(),
        ),
        (
            json!({"name": "  ", "scope": "read"}),
            "name",
            messages::BLANK.to_owned(),
        ),
        (
            json!({"name": "x".repeat(101), "scope": "read"}),
            "name",
            "Ensure this field has no more than 100 characters.".to_owned(),
        ),
        (
            json!({"name": "n", "scope": "admin"}),
            "scope",
            messages::not_a_choice("admin"),
        ),
        (
            json!({"name": "n", "scope": "read", "expires_in_days": 0}),
            "expires_in_days",
            messages::at_least(1),
        ),
        (
            json!({"name": "n", "scope": "read", "expires_in_days": 367}),
            "expires_in_days",
            messages::at_most(366),
        ),
    ] {
        let (status, answer) = app
            .call(
                &alice,
                Method::POST,
                "/api/user/tokens/",
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer, json!({field: [message]}), "{body}");
    }
    let body = json!({"name": "n", "scope": "write", "expires_in_days": null});
    let (status, made) = app
        .call(&alice, Method::POST, "/api/user/tokens/", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(made["expires_at"], Value::Null);
}

#[tokio::test]
async fn a_token_reaches_only_what_its_person_may_a_strangers_note_is_not_found() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let note = app.create_note(&alice, "Alice's", "hers").await;
    let path = format!("/api/notes/{}/", note["id"]);
    let (_, token) = app.access_token(&bob, "write").await;
    let (status, _) = with_token(&app, &token, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let edit = Some(json!({"content": "bob's now"}));
    let (status, _) = with_token(&app, &token, Method::PATCH, &path, edit).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, listed) = with_token(&app, &token, Method::GET, "/api/notes/", None).await;
    assert_eq!((status, listed), (StatusCode::OK, json!([])));
    let (_, kept) = app.call(&alice, Method::GET, &path, None).await;
    assert_eq!(kept["content"], "hers");
}
