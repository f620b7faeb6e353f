use crate::helpers::{PASSWORD, TestApp, TestUser, field_errors, status_json};
use app::errors::messages;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn delete_account(app: &TestApp, user: &TestUser, body: Value) -> (StatusCode, Value) {
    let response = app
        .send_as(&user.tokens.access, Method::DELETE, "/api/user/", body)
        .await;
    status_json(response).await
}

/// Rows that still name the user, table by table.
async fn rows_of(app: &TestApp, user_id: i64) -> [i64; 3] {
    [
        app.count_rows(&format!("SELECT COUNT(*) FROM users WHERE id = {user_id}"))
            .await,
        app.count_rows(&format!(
            "SELECT COUNT(*) FROM notes WHERE author_id = {user_id}"
        ))
        .await,
        app.count_rows(&format!(
            "SELECT COUNT(*) FROM refresh_tokens WHERE user_id = {user_id}"
        ))
        .await,
    ]
}

#[tokio::test]
async fn the_account_shows_its_id_username_and_date_joined() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let (status, account) = status_json(app.get_as(&alice.tokens.access, "/api/user/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(account.as_object().unwrap().len(), 6, "{account}");
    assert_eq!(account["totp_enabled"], false);
    assert_eq!(account["notes_shared"], 0);
    assert_eq!(account["is_admin"], false);
    assert_eq!(
        (account["id"].as_i64(), account["username"].as_str()),
        (Some(alice.id), Some("alice"))
    );
    let joined = account["date_joined"].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(joined).unwrap();
    assert!(joined.ends_with('Z'), "{joined}");
    let age = chrono::Utc::now().signed_duration_since(parsed);
    assert!(age.num_seconds() < 60, "{joined}");
    let anonymous = app.request(Method::GET, "/api/user/", None, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deleting_the_account_takes_its_notes_and_sessions_and_leaves_no_rows() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let laptop = app.session("alice").await;
    let bob = app.user("bob").await;
    for n in 0..3 {
        app.create_note(&alice, &format!("alice {n}"), "searchable words")
            .await;
    }
    app.create_note(&bob, "bob's", "searchable words").await;
    assert_eq!(rows_of(&app, alice.id).await, [1, 3, 2]);

    assert_eq!(
        delete_account(&app, &alice, json!({})).await,
        (
            StatusCode::BAD_REQUEST,
            field_errors("password", &[messages::REQUIRED])
        )
    );
    assert_eq!(
        delete_account(&app, &alice, json!({"password": "not it at all"})).await,
        (
            StatusCode::BAD_REQUEST,
            field_errors("password", &[messages::WRONG_PASSWORD])
        )
    );
    assert_eq!(
        rows_of(&app, alice.id).await,
        [1, 3, 2],
        "a wrong password deletes nothing"
    );

    assert_eq!(
        delete_account(&app, &alice, json!({"password": PASSWORD})).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    assert_eq!(rows_of(&app, alice.id).await, [0, 0, 0]);
    app.assert_search_index_in_step().await;
    assert_eq!(app.search(&bob, "searchable").await, ["bob's"]);
    assert_eq!(rows_of(&app, bob.id).await, [1, 1, 1]);

    for refresh in [&alice.tokens.refresh, &laptop.refresh] {
        assert_eq!(
            app.refresh(refresh).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The name is free again, for a new account that the old token does not reach.
    let (status, again) = status_json(app.register("alice", PASSWORD).await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(again["id"], alice.id, "ids are never reused");
    let (status, body) = status_json(app.get_as(&alice.tokens.access, "/api/user/").await).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::UNAUTHORIZED, &json!("user_not_found"))
    );
}

#[tokio::test]
async fn a_deleted_users_live_access_token_is_refused_everywhere_without_a_500() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let note = app.create_note(&alice, "Gone", "soon").await;
    let note_path = format!("/api/notes/{}/", note["id"]);
    let token = alice.tokens.access.as_str();
    assert_eq!(
        delete_account(&app, &alice, json!({"password": PASSWORD}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );

    let user_not_found = |status: StatusCode, body: &Value| {
        status == StatusCode::UNAUTHORIZED && body["code"] == "user_not_found"
    };
    let note_body = json!({"title": "t", "content": "c"});
    for (method, path, body) in [
        (Method::GET, "/api/notes/".to_owned(), None),
        (Method::GET, "/api/notes/?page=1".to_owned(), None),
        (Method::GET, "/api/notes/?search=gone".to_owned(), None),
        (
            Method::GET,
            "/api/notes/?search=gone&page=last".to_owned(),
            None,
        ),
        (
            Method::POST,
            "/api/notes/".to_owned(),
            Some(note_body.clone()),
        ),
        (Method::GET, "/api/user/".to_owned(), None),
        (
            Method::DELETE,
            "/api/user/".to_owned(),
            Some(json!({"password": PASSWORD})),
        ),
        (Method::DELETE, "/api/user/sessions/".to_owned(), None),
        (
            Method::POST,
            "/api/user/password/".to_owned(),
            Some(json!({"old_password": PASSWORD, "new_password": "a brand new secret"})),
        ),
        (Method::GET, note_path.clone(), None),
        (Method::PUT, note_path.clone(), Some(note_body.clone())),
        (
            Method::PATCH,
            note_path.clone(),
            Some(json!({"title": "t"})),
        ),
        (Method::DELETE, note_path.clone(), None),
    ] {
        let (status, body) =
            status_json(app.request(method.clone(), &path, Some(token), body).await).await;
        // As simplejwt answers a token whose user is gone, on every operation.
        assert!(
            user_not_found(status, &body),
            "{method} {path}: {status} {body}"
        );
    }
    assert_eq!(
        rows_of(&app, alice.id).await,
        [0, 0, 0],
        "nothing was written"
    );
}

#[tokio::test]
async fn guessing_the_password_to_delete_an_account_is_throttled_like_sign_in() {
    let app = TestApp::spawn_with(&[("LOGIN_MAX_FAILURES", "3")]).await;
    let alice = app.user("alice").await;
    for _ in 0..3 {
        let (status, _) = delete_account(&app, &alice, json!({"password": "a wrong guess"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let response = app
        .send_as(
            &alice.tokens.access,
            Method::DELETE,
            "/api/user/",
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(
        rows_of(&app, alice.id).await[0],
        1,
        "the account is still there"
    );
    // The count is shared with sign-in: the same name is locked out there too.
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn ending_every_session_signs_out_each_device_this_one_included() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let phone = app.session("alice").await;
    let bob = app.user("bob").await;
    let response = app
        .request(
            Method::DELETE,
            "/api/user/sessions/",
            Some(&alice.tokens.access),
            None,
        )
        .await;
    assert_eq!(
        status_json(response).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    for refresh in [&alice.tokens.refresh, &phone.refresh] {
        let (status, body) = status_json(app.refresh(refresh).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    // Bob's session is his own.
    assert_eq!(
        app.refresh(&bob.tokens.refresh).await.status(),
        StatusCode::OK
    );
    // Their access tokens stop too (`liveness`); signing in again works.
    assert_eq!(
        app.get_as(&alice.tokens.access, "/api/notes/")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let fresh = app.session("alice").await;
    assert_eq!(app.refresh(&fresh.refresh).await.status(), StatusCode::OK);
    let anonymous = app
        .request(Method::DELETE, "/api/user/sessions/", None, None)
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
