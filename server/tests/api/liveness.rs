//! An access token dies with its session and its account: signed out, ended from the
//! sessions list, every session ended by a password change, or the account deactivated,
//! the token stops at once on the replica that did it and within 5 seconds on the others.

use crate::helpers::{PASSWORD, TestApp, status_json};
use app::errors::messages;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

async fn notes_status(app: &TestApp, access: &str) -> StatusCode {
    app.get_as(access, "/api/notes/").await.status()
}

#[tokio::test]
async fn an_ended_sessions_access_token_stops_at_once_and_the_others_go_on() {
    let app = TestApp::spawn().await;
    let laptop = app.user("alice").await;
    let phone = app.session("alice").await;
    let desktop = app.session("alice").await;
    for access in [&laptop.tokens.access, &phone.access, &desktop.access] {
        assert_eq!(notes_status(&app, access).await, StatusCode::OK);
    }

    // Signed out on the phone.
    app.post("/api/token/blacklist/", json!({"refresh": phone.refresh}))
        .await;
    let (status, body) = status_json(app.get_as(&phone.access, "/api/notes/").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "token_not_valid");
    assert_eq!(body["messages"][0]["message"], messages::SESSION_ENDED);
    assert_eq!(
        notes_status(&app, &laptop.tokens.access).await,
        StatusCode::OK
    );

    // The desktop ended from the laptop's sessions list.
    let sid = crate::helpers::claims(&desktop.access)["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = app
        .call(
            &laptop,
            Method::DELETE,
            &format!("/api/user/sessions/{sid}/"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        notes_status(&app, &desktop.access).await,
        StatusCode::UNAUTHORIZED
    );

    // A password change ends every other session; the pair it answers works.
    let tablet = app.session("alice").await;
    let changed = app.change_password(&laptop, "staple in the stable").await;
    assert_eq!(
        notes_status(&app, &tablet.access).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        notes_status(&app, &laptop.tokens.access).await,
        StatusCode::UNAUTHORIZED
    );
    let laptop = changed;
    assert_eq!(
        notes_status(&app, &laptop.tokens.access).await,
        StatusCode::OK
    );

    // Signing out everywhere ends this one too.
    let (status, _) = app
        .call(&laptop, Method::DELETE, "/api/user/sessions/", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        notes_status(&app, &laptop.tokens.access).await,
        StatusCode::UNAUTHORIZED
    );

    // A deleted account's token is refused as simplejwt refuses it.
    let bob = app.user("bob").await;
    let (status, _) = app
        .call(
            &bob,
            Method::DELETE,
            "/api/user/",
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = status_json(app.get_as(&bob.tokens.access, "/api/notes/").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("user_not_found"))
    );
}

#[tokio::test]
async fn a_deactivated_persons_token_stops_within_five_seconds_on_another_replica() {
    let one = TestApp::spawn().await;
    let other = TestApp::spawn_with(&[("DATABASE_URL", one.database_url.as_str())]).await;
    let root = one.operator("root").await;
    let alice = other.user("alice").await;
    // The other replica has seen her token live, and remembers it.
    assert_eq!(
        notes_status(&other, &alice.tokens.access).await,
        StatusCode::OK
    );

    let (status, _) = one
        .call(
            &root,
            Method::PATCH,
            &format!("/api/admin/users/{}/", alice.id),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let deactivated = Instant::now();
    // Polled, a bounded number of times, for well past the promise.
    let mut refused = None;
    for _ in 0..120 {
        if notes_status(&other, &alice.tokens.access).await == StatusCode::UNAUTHORIZED {
            refused = Some(deactivated.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refused = refused.expect("the token was refused on the other replica");
    assert!(
        refused <= Duration::from_millis(5500),
        "refused after {refused:?}"
    );
    let (_, body) = status_json(other.get_as(&alice.tokens.access, "/api/notes/").await).await;
    assert_eq!(body["messages"][0]["message"], messages::USER_INACTIVE);
}
