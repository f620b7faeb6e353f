//! Who may register: open, by invitation or closed, as operators set it (and
//! `REGISTRATION` for a new database); invitations made, listed, spent once and deleted.

use crate::helpers::{PASSWORD, TestApp, TestUser, status_json};
use app::errors::messages;
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

async fn set_registration(app: &TestApp, root: &TestUser, mode: &str) {
    let (status, body) = app
        .call(
            root,
            Method::PUT,
            "/api/admin/settings/",
            Some(json!({"registration": mode})),
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"registration": mode}))
    );
}

async fn registration(app: &TestApp) -> Value {
    let (status, body) = status_json(
        app.request(Method::GET, "/api/user/register/", None, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    body["registration"].clone()
}

async fn register_with(app: &TestApp, username: &str, invite: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"username": username, "password": PASSWORD});
    if let Some(code) = invite {
        body["invite"] = json!(code);
    }
    status_json(app.post("/api/user/register/", body).await).await
}

async fn invite(app: &TestApp, root: &TestUser, body: Value) -> Value {
    let (status, invite) = app
        .call(root, Method::POST, "/api/admin/invites/", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    invite
}

#[tokio::test]
async fn registration_is_open_by_invitation_or_closed_as_an_operator_sets_it() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    assert_eq!(registration(&app).await, "open");

    set_registration(&app, &root, "closed").await;
    assert_eq!(registration(&app).await, "closed");
    let closed = (
        StatusCode::FORBIDDEN,
        json!({"detail": messages::REGISTRATION_CLOSED}),
    );
    assert_eq!(register_with(&app, "alice", None).await, closed);
    assert_eq!(
        register_with(&app, "", None).await,
        closed,
        "before the fields are read"
    );

    set_registration(&app, &root, "invite").await;
    assert_eq!(
        register_with(&app, "alice", None).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": messages::REGISTRATION_NEEDS_INVITE})
        )
    );
    let bad = (
        StatusCode::BAD_REQUEST,
        json!({"invite": [messages::INVITE_NOT_VALID]}),
    );
    assert_eq!(register_with(&app, "alice", Some("made-up")).await, bad);

    let made = invite(
        &app,
        &root,
        json!({"note": "For Alice", "expires_in_days": 3}),
    )
    .await;
    let code = made["code"].as_str().unwrap();
    assert!(code.len() >= 22, "128 bits: {code}");
    assert_eq!(made["note"], "For Alice");
    assert!(
        made["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/register?invite={code}")),
        "{made}"
    );
    assert!(
        made["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{made}"
    );
    let expires =
        chrono::DateTime::parse_from_rfc3339(made["expires_at"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!((71..=72).contains(&days), "{made}");

    let (status, user) = register_with(&app, "alice", Some(code)).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(
        register_with(&app, "bob", Some(code)).await,
        bad,
        "a code registers one account"
    );
    let (_, listed) = app
        .call(&root, Method::GET, "/api/admin/invites/", None)
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        (
            listed[0]["used_by"].as_str(),
            listed[0]["created_by"].as_str()
        ),
        (Some("alice"), Some("root"))
    );
    assert!(listed[0]["used_at"].is_string());
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::OK
    );

    // Open again: anyone registers, and a good code given anyway is spent.
    set_registration(&app, &root, "open").await;
    let spare = invite(&app, &root, json!({})).await;
    assert_eq!(
        register_with(&app, "carol", Some("made-up")).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        register_with(&app, "dave", spare["code"].as_str()).await.0,
        StatusCode::CREATED
    );
    let (_, listed) = app
        .call(&root, Method::GET, "/api/admin/invites/", None)
        .await;
    assert_eq!(listed[0]["used_by"], "dave", "newest first: {listed}");
}

#[tokio::test]
async fn bad_settings_and_invitations_are_field_errors() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    for (body, field, message) in [
        (
            json!({"registration": "sometimes"}),
            "registration",
            messages::not_a_choice("sometimes"),
        ),
        (json!({}), "registration", messages::REQUIRED.to_owned()),
    ] {
        let (status, answer) = app
            .call(&root, Method::PUT, "/api/admin/settings/", Some(body))
            .await;
        assert_eq!(
            (status, answer),
            (StatusCode::BAD_REQUEST, json!({field: [message]}))
        );
    }
    for (body, field, message) in [
        (
            json!({"expires_in_days": 0}),
            "expires_in_days",
            messages::at_least(1),
        ),
        (
            json!({"expires_in_days": 366}),
            "expires_in_days",
            messages::at_most(365),
        ),
        (
            json!({"expires_in_days": "soon"}),
            "expires_in_days",
            messages::NOT_AN_INTEGER.to_owned(),
        ),
        (
            json!({"note": "x".repeat(201)}),
            "note",
            "Ensure this field has no more than 200 characters.".to_owned(),
        ),
    ] {
        let (status, answer) = app
            .call(&root, Method::POST, "/api/admin/invites/", Some(body))
            .await;
        assert_eq!(
            (status, answer),
            (StatusCode::BAD_REQUEST, json!({field: [message]}))
        );
    }
    let (_, settings) = app
        .call(&root, Method::GET, "/api/admin/settings/", None)
        .await;
    assert_eq!(settings, json!({"registration": "open"}), "nothing changed");
}

#[tokio::test]
async fn people_racing_for_one_invitation_make_one_account() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    set_registration(&app, &root, "invite").await;
    let made = invite(&app, &root, json!({})).await;
    let code = made["code"].as_str().unwrap().to_owned();
    let racers: Vec<_> = (0..8)
        .map(|n| {
            app.post_request(
                "/api/user/register/",
                &json!({"username": format!("racer{n}"), "password": PASSWORD, "invite": code}),
            )
            .send()
        })
        .collect();
    let statuses: Vec<StatusCode> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| [StatusCode::CREATED, StatusCode::BAD_REQUEST].contains(s))
    );
    assert_eq!(
        app.count_rows("SELECT COUNT(*) FROM users WHERE username LIKE 'racer%'")
            .await,
        1
    );
}

#[tokio::test]
async fn an_expired_or_deleted_invitation_lets_nobody_in() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    set_registration(&app, &root, "invite").await;
    let expired = invite(&app, &root, json!({})).await;
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    let backend = app.backend();
    app.state
        .writer
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => "UPDATE invites SET expires_at = $1 WHERE id = $2",
                _ => "UPDATE invites SET expires_at = ? WHERE id = ?",
            },
            [past.into(), expired["id"].as_i64().unwrap().into()],
        ))
        .await
        .unwrap();
    let bad = (
        StatusCode::BAD_REQUEST,
        json!({"invite": [messages::INVITE_NOT_VALID]}),
    );
    assert_eq!(
        register_with(&app, "alice", expired["code"].as_str()).await,
        bad
    );

    let deleted = invite(&app, &root, json!({})).await;
    let path = format!("/api/admin/invites/{}/", deleted["id"]);
    assert_eq!(
        app.call(&root, Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(&root, Method::DELETE, &path, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        register_with(&app, "alice", deleted["code"].as_str()).await,
        bad
    );
}

#[tokio::test]
async fn a_new_database_starts_with_the_registration_setting_and_keeps_an_operators_choice() {
    let app = TestApp::spawn_with(&[("REGISTRATION", "closed")]).await;
    assert_eq!(registration(&app).await, "closed");
    // A restart with another value does not undo what the database holds.
    let again = TestApp::spawn_with(&[
        ("DATABASE_URL", app.database_url.as_str()),
        ("REGISTRATION", "open"),
    ])
    .await;
    assert_eq!(registration(&again).await, "closed");
}
