use crate::helpers::{PASSWORD, TestApp, field_errors, status_json};
use app::errors::messages;
use app::validation::{
    PASSWORD_NUMERIC, PASSWORD_TOO_COMMON, PASSWORD_TOO_SHORT, PASSWORD_TOO_SIMILAR,
    USERNAME_INVALID,
};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn registering_answers_201_with_the_new_users_id_and_name() {
    let app = TestApp::spawn().await;
    let (status, body) = status_json(app.register("alice", PASSWORD).await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["username"], "alice");
    assert!(body["id"].as_i64().unwrap() > 0);
    assert_eq!(
        body.as_object().unwrap().len(),
        2,
        "no password hash leaks: {body}"
    );
}

#[tokio::test]
async fn a_taken_username_is_a_field_error_but_usernames_are_case_sensitive() {
    let app = TestApp::spawn().await;
    app.user("alice").await;
    let (status, body) = status_json(app.register("alice", "another good secret").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, field_errors("username", &[messages::USERNAME_TAKEN]));
    assert_eq!(
        app.register("Alice", PASSWORD).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn racing_registrations_of_one_name_create_one_user() {
    let app = TestApp::spawn().await;
    let body = json!({"username": "racer", "password": PASSWORD});
    let attempts = (0..6).map(|_| app.post_request("/api/user/register/", &body).send());
    let statuses: Vec<StatusCode> = futures_statuses(attempts).await;
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
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::BAD_REQUEST)
    );
}

async fn futures_statuses(
    requests: impl Iterator<
        Item = impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
    >,
) -> Vec<StatusCode> {
    let handles: Vec<_> = requests.map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap().unwrap().status());
    }
    statuses
}

#[tokio::test]
async fn every_missing_field_is_reported_at_once() {
    let app = TestApp::spawn().await;
    let (status, body) = status_json(app.post("/api/user/register/", json!({})).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"username": [messages::REQUIRED], "password": [messages::REQUIRED]})
    );
}

#[tokio::test]
async fn passwords_must_pass_djangos_validators() {
    let app = TestApp::spawn().await;
    for (password, expected) in [
        ("x7#q", vec![PASSWORD_TOO_SHORT]),
        ("password123", vec![PASSWORD_TOO_COMMON]),
        ("8675309112358", vec![PASSWORD_NUMERIC]),
        ("bob.builder!", vec![PASSWORD_TOO_SIMILAR]),
        ("", vec![messages::BLANK]),
    ] {
        let (status, body) = status_json(app.register("bob.builder", password).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{password:?}");
        assert_eq!(body, field_errors("password", &expected), "{password:?}");
    }
}

#[tokio::test]
async fn usernames_must_follow_djangos_rules() {
    let app = TestApp::spawn().await;
    let too_long = "a".repeat(151);
    for (username, expected) in [
        ("with space", USERNAME_INVALID.to_owned()),
        ("semi;colon", USERNAME_INVALID.to_owned()),
        (too_long.as_str(), app::validation::too_long(150)),
        ("  ", messages::BLANK.to_owned()),
    ] {
        let (status, body) = status_json(app.register(username, PASSWORD).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{username:?}");
        assert_eq!(body, json!({"username": [expected]}), "{username:?}");
    }
}

#[tokio::test]
async fn fields_of_the_wrong_type_are_field_errors() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/api/user/register/",
            json!({"username": true, "password": null}),
        )
        .await;
    let (status, body) = status_json(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"username": [messages::NOT_A_STRING], "password": [messages::NULL]})
    );
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let laptop = app.session("alice").await;
    let change = |old: &str, new: &str| {
        app.send_as(
            &alice.tokens.access,
            Method::POST,
            "/api/user/password/",
            json!({"old_password": old, "new_password": new}),
        )
    };

    let (status, body) = status_json(change("not it", "a brand new secret").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        field_errors("old_password", &[messages::WRONG_OLD_PASSWORD])
    );
    let (status, body) = status_json(change(PASSWORD, "alice1").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["new_password"].as_array().unwrap().len(), 2, "{body}");

    let response = change(PASSWORD, "a brand new secret").await;
    assert_eq!(response.status(), StatusCode::OK);
    let pair: app::api::TokenPair = response.json().await.unwrap();
    for old_refresh in [&alice.tokens.refresh, &laptop.refresh] {
        let (status, body) = status_json(app.refresh(old_refresh).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    assert_eq!(app.refresh(&pair.refresh).await.status(), StatusCode::OK);
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("alice", "a brand new secret").await.status(),
        StatusCode::OK
    );
}
