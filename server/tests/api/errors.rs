use crate::helpers::{TestApp, status_json};
use app::errors::{NON_FIELD_ERRORS, messages};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn raw_post(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut request = app.client.post(app.url(path)).body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn malformed_json_is_a_400_with_a_detail() {
    let app = TestApp::spawn().await;
    let (status, body) = status_json(
        raw_post(
            &app,
            "/api/token/",
            Some("application/json"),
            "{\"username\": ",
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error"),
        "{body}"
    );
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_a_non_field_error() {
    let app = TestApp::spawn().await;
    let (status, body) =
        status_json(raw_post(&app, "/api/token/", Some("application/json"), "[1, 2]").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({NON_FIELD_ERRORS: ["Invalid data. Expected a dictionary, but got list."]})
    );
}

#[tokio::test]
async fn other_content_types_are_415() {
    let app = TestApp::spawn().await;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let response = raw_post(
            &app,
            "/api/user/register/",
            content_type,
            "username=a&password=b",
        )
        .await;
        let (status, body) = status_json(response).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .starts_with("Unsupported media type")
        );
    }
    let charset = raw_post(
        &app,
        "/api/token/",
        Some("application/json; charset=utf-8"),
        "{}",
    )
    .await;
    assert_eq!(
        charset.status(),
        StatusCode::BAD_REQUEST,
        "JSON with a charset is JSON"
    );
}

#[tokio::test]
async fn an_empty_body_lists_the_required_fields() {
    let app = TestApp::spawn().await;
    let (status, body) = status_json(raw_post(&app, "/api/token/refresh/", None, "").await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"refresh": [messages::REQUIRED]})
        )
    );
}

#[tokio::test]
async fn an_oversized_body_is_413_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let huge = json!({"title": "big", "content": "x".repeat(2 << 20)});
    let response = app
        .send_as(&alice.tokens.access, Method::POST, "/api/notes/", huge)
        .await;
    let (status, body) = status_json(response).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body["detail"].is_string());
    let list = app.notes(&alice.tokens.access).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn unknown_api_paths_and_methods_answer_in_json() {
    let app = TestApp::spawn().await;
    let (status, body) = status_json(
        app.client
            .get(app.url("/api/nothing/here/"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"detail": messages::NOT_FOUND})
        )
    );
    let (status, body) =
        status_json(app.client.get(app.url("/api/token/")).send().await.unwrap()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"detail": "Method \"GET\" not allowed."})
        )
    );
}

#[tokio::test]
async fn no_input_makes_the_server_fail() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let note = app.create_note(&alice, "n", "c").await;
    let note_path = format!("/api/notes/{}/", note["id"]);
    let bodies = [
        "",
        "null",
        "0",
        "\"str\"",
        "{",
        "{\"title\": {}}",
        "{\"title\": \"\\ud800\"}",
        "{\"username\": \"\\u0000\", \"password\": \"\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\"}",
        "{\"refresh\": \"a.b.c\", \"token\": \"....\"}",
        "[[[[[[[[[[]]]]]]]]]]",
    ];
    let paths = [
        "/api/user/register/",
        "/api/token/",
        "/api/token/refresh/",
        "/api/token/verify/",
        "/api/token/blacklist/",
        "/api/notes/",
        note_path.as_str(),
    ];
    for path in paths {
        for body in bodies {
            for method in [Method::POST, Method::PUT, Method::PATCH] {
                let response = app
                    .client
                    .request(method.clone(), app.url(path))
                    .bearer_auth(&alice.tokens.access)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                assert!(
                    status.is_client_error() || status.is_success(),
                    "{method} {path} {body:?}: {status}"
                );
            }
        }
    }
    assert_eq!(
        app.get_as(&alice.tokens.access, &note_path).await.status(),
        StatusCode::OK
    );
}
