use crate::helpers::{PASSWORD, TestApp, claims, status_json};
use app::errors::{TOKEN_NOT_VALID, messages};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use std::time::Duration;

fn is_token_not_valid(status: StatusCode, body: &Value) -> bool {
    status == StatusCode::UNAUTHORIZED && body["code"] == TOKEN_NOT_VALID
}

#[tokio::test]
async fn sign_in_hands_out_a_pair_with_simplejwt_claims() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let access = claims(&alice.tokens.access);
    let refresh = claims(&alice.tokens.refresh);
    assert_eq!(access["token_type"], "access");
    assert_eq!(refresh["token_type"], "refresh");
    assert_eq!(access["user_id"], alice.id);
    assert_eq!(
        access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
        30 * 60
    );
    assert_eq!(
        refresh["exp"].as_i64().unwrap() - refresh["iat"].as_i64().unwrap(),
        24 * 60 * 60
    );
    let jti = access["jti"].as_str().unwrap();
    assert!(jti.len() == 32 && jti.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(access["jti"], refresh["jti"]);
}

#[tokio::test]
async fn wrong_credentials_get_the_originals_401_whether_or_not_the_user_exists() {
    let app = TestApp::spawn().await;
    app.user("alice").await;
    for (username, password) in [
        // White space is part of a password, never trimmed to a blank field.
        ("alice", "   "),
        ("alice", "not the password"),
        ("nobody", PASSWORD),
        ("bad name!", PASSWORD),
    ] {
        let (status, body) = status_json(app.sign_in(username, password).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body, json!({"detail": messages::BAD_CREDENTIALS}));
    }
}

#[tokio::test]
async fn sign_in_needs_both_fields() {
    let app = TestApp::spawn().await;
    let (status, body) = status_json(app.post("/api/token/", json!({"username": " "})).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"username": [messages::BLANK], "password": [messages::REQUIRED]})
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after_for_that_username_only() {
    let app = TestApp::spawn_with(&[("LOGIN_MAX_FAILURES", "3")]).await;
    app.user("alice").await;
    app.user("bob").await;
    for _ in 0..3 {
        assert_eq!(
            app.sign_in("alice", "wrong guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let throttled = app.sign_in("alice", PASSWORD).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = throttled.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&wait));
    assert!(throttled.json::<Value>().await.unwrap()["detail"].is_string());
    assert_eq!(app.sign_in("bob", PASSWORD).await.status(), StatusCode::OK);
    // Guesses sent all at once are counted before any is checked.
    let body = json!({"username": "bob", "password": "wrong guess"});
    let guesses: Vec<_> = (0..8)
        .map(|_| tokio::spawn(app.post_request("/api/token/", &body).send()))
        .collect();
    let mut refused = Vec::new();
    for guess in guesses {
        refused.push(guess.await.unwrap().unwrap().status());
    }
    refused.sort();
    assert_eq!(
        refused
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        3,
        "{refused:?}"
    );
    assert_eq!(
        refused
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        5,
        "{refused:?}"
    );
    // Spellings that sign in as alice count as alice.
    for alias in [" alice", "alice\t", "ａｌｉｃｅ"] {
        let response = app.sign_in(alias, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{alias:?}"
        );
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_attempts() {
    let app =
        TestApp::spawn_with(&[("LOGIN_MAX_FAILURES", "2"), ("TRUSTED_PROXY_HOPS", "1")]).await;
    app.user("alice").await;
    let sign_in_from = |client: &'static str, password: &'static str| {
        app.client
            .post(app.url("/api/token/"))
            .header("x-forwarded-for", client)
            .json(&json!({"username": "alice", "password": password}))
            .send()
    };
    for _ in 0..2 {
        let guess = sign_in_from("198.51.100.1", "wrong guess").await.unwrap();
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = sign_in_from("198.51.100.1", PASSWORD).await.unwrap();
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    // A forged left-hand entry does not make the attacker someone else...
    let forged = sign_in_from("203.0.113.5, 198.51.100.1", PASSWORD)
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);
    // ...while the real owner, elsewhere, is not locked out by them.
    let owner = sign_in_from("203.0.113.5", PASSWORD).await.unwrap();
    assert_eq!(owner.status(), StatusCode::OK);
}

#[tokio::test]
async fn refreshing_rotates_the_refresh_token_without_extending_the_session() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let first = app.rotate(&alice.tokens.refresh).await;
    assert_ne!(first.refresh, alice.tokens.refresh);
    assert_eq!(
        claims(&first.refresh)["exp"],
        claims(&alice.tokens.refresh)["exp"]
    );
    app.notes(&first.access).await;
    let second = app.rotate(&first.refresh).await;
    assert_eq!(
        claims(&second.refresh)["exp"],
        claims(&first.refresh)["exp"]
    );
}

#[tokio::test]
async fn a_spent_refresh_token_replayed_after_the_grace_window_revokes_its_family() {
    let app = TestApp::spawn_with(&[("REFRESH_REUSE_GRACE", "0")]).await;
    let alice = app.user("alice").await;
    let other_session = app.session("alice").await;
    let rotated = app.rotate(&alice.tokens.refresh).await;

    let (status, body) = status_json(app.refresh(&alice.tokens.refresh).await).await;
    assert!(is_token_not_valid(status, &body), "{status} {body}");
    assert_eq!(body["detail"], messages::TOKEN_BLACKLISTED);
    // The thief's replay also ends the legitimate holder's rotated token...
    let (status, body) = status_json(app.refresh(&rotated.refresh).await).await;
    assert!(is_token_not_valid(status, &body), "{status} {body}");
    // ...but not the user's other sessions.
    let other = &other_session.refresh;
    assert_eq!(app.refresh(other).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn two_tabs_refreshing_at_once_both_get_a_valid_pair_but_a_third_caller_is_a_thief() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let body = json!({"refresh": alice.tokens.refresh});
    let tabs: Vec<_> = (0..2)
        .map(|_| tokio::spawn(app.post_request("/api/token/refresh/", &body).send()))
        .collect();
    let mut pairs = Vec::new();
    for tab in tabs {
        let response = tab.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        pairs.push(response.json::<app::api::TokenPair>().await.unwrap());
    }
    for pair in &pairs {
        app.notes(&pair.access).await;
    }
    // Inside the window still, but the one late caller has had its pair.
    let (status, body) = status_json(app.refresh(&alice.tokens.refresh).await).await;
    assert!(is_token_not_valid(status, &body), "{status} {body}");
    for pair in &pairs {
        let (status, body) = status_json(app.refresh(&pair.refresh).await).await;
        assert!(
            is_token_not_valid(status, &body),
            "the family is revoked: {body}"
        );
    }
}

#[tokio::test]
async fn one_revoked_token_revokes_its_whole_family() {
    // What a sign-out racing a rotation leaves behind: the revoke marked the token being
    // spent but not the one minted from it. The minted one must be refused too.
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let rotated = app.rotate(&alice.tokens.refresh).await;
    let spent_jti = claims(&alice.tokens.refresh)["jti"]
        .as_str()
        .unwrap()
        .to_owned();
    server::storage::entities::refresh_token::ActiveModel {
        jti: Set(spent_jti),
        revoked: Set(true),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .unwrap();
    let (status, body) = status_json(app.refresh(&rotated.refresh).await).await;
    assert!(is_token_not_valid(status, &body), "{status} {body}");
    assert_eq!(body["detail"], messages::TOKEN_BLACKLISTED);
    let (status, _) = status_json(
        app.post("/api/token/verify/", json!({"token": rotated.refresh}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn racing_refreshes_of_one_token_rotate_it_once() {
    let app = TestApp::spawn_with(&[("REFRESH_REUSE_GRACE", "0")]).await;
    let alice = app.user("alice").await;
    let body = json!({"refresh": alice.tokens.refresh});
    let handles: Vec<_> = (0..8)
        .map(|_| tokio::spawn(app.post_request("/api/token/refresh/", &body).send()))
        .collect();
    let mut ok = 0;
    for h in handles {
        let (status, body) = status_json(h.await.unwrap().unwrap()).await;
        match status {
            StatusCode::OK => ok += 1,
            _ => assert!(is_token_not_valid(status, &body), "{status} {body}"),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn token_types_are_not_interchangeable() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let (status, body) = status_json(app.refresh(&alice.tokens.access).await).await;
    assert!(is_token_not_valid(status, &body));
    assert_eq!(body["detail"], "Token has wrong type");
    let (status, body) = status_json(app.get_as(&alice.tokens.refresh, "/api/notes/").await).await;
    assert!(is_token_not_valid(status, &body));
    assert_eq!(body["messages"][0]["token_type"], "access");
    assert_eq!(body["messages"][0]["message"], "Token has wrong type");
}

#[tokio::test]
async fn expired_access_tokens_are_refused_and_a_refresh_restores_access() {
    let app = TestApp::spawn_with(&[("ACCESS_TOKEN_LIFETIME", "1s")]).await;
    let alice = app.user("alice").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, body) = status_json(app.get_as(&alice.tokens.access, "/api/notes/").await).await;
    assert!(is_token_not_valid(status, &body), "{status} {body}");
    let pair = app.rotate(&alice.tokens.refresh).await;
    app.notes(&pair.access).await;
}

#[tokio::test]
async fn an_expired_session_needs_a_new_sign_in_and_its_records_are_pruned() {
    let app = TestApp::spawn_with(&[("REFRESH_TOKEN_LIFETIME", "1s")]).await;
    let alice = app.user("alice").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, body) = status_json(app.refresh(&alice.tokens.refresh).await).await;
    assert!(is_token_not_valid(status, &body));
    let pruned = server::accounts::sessions::prune_expired(&app.state.db)
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn verify_accepts_live_tokens_only() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    for token in [&alice.tokens.access, &alice.tokens.refresh] {
        let (status, body) = status_json(
            app.post("/api/token/verify/", json!({"token": token}))
                .await,
        )
        .await;
        assert_eq!((status, body), (StatusCode::OK, json!({})));
    }
    let (status, body) = status_json(
        app.post("/api/token/verify/", json!({"token": "a.b.c"}))
            .await,
    )
    .await;
    assert!(is_token_not_valid(status, &body));
    app.post(
        "/api/token/blacklist/",
        json!({"refresh": alice.tokens.refresh}),
    )
    .await;
    // As in simplejwt: a blacklisted token fails verification as invalid input.
    let (status, body) = status_json(
        app.post("/api/token/verify/", json!({"token": alice.tokens.refresh}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"non_field_errors": [messages::TOKEN_BLACKLISTED]})
    );
}

#[tokio::test]
async fn blacklisting_signs_out_that_session_and_its_rotations_only() {
    let app = TestApp::spawn_with(&[("REFRESH_REUSE_GRACE", "0")]).await;
    let alice = app.user("alice").await;
    let laptop = app.session("alice").await;
    let rotated = app.rotate(&alice.tokens.refresh).await;

    let response = app
        .post("/api/token/blacklist/", json!({"refresh": rotated.refresh}))
        .await;
    assert_eq!(status_json(response).await, (StatusCode::OK, json!({})));
    let (status, body) = status_json(app.refresh(&rotated.refresh).await).await;
    assert!(is_token_not_valid(status, &body));
    let (status, _) = status_json(
        app.post("/api/token/blacklist/", json!({"refresh": rotated.refresh}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.refresh(&laptop.refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn forged_and_tampered_tokens_are_refused() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut parts: Vec<String> = alice.tokens.access.split('.').map(str::to_owned).collect();
    let mut payload = claims(&alice.tokens.access);
    payload["user_id"] = json!(alice.id + 1);
    parts[1] = b64.encode(payload.to_string());
    let tampered = parts.join(".");
    let unsigned = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let other_secret =
        TestApp::spawn_with(&[("JWT_SECRET", "another-secret-another-secret-12345")]).await;
    let foreign = other_secret.user("alice").await.tokens.access;
    for token in [tampered, unsigned, foreign, "garbage".to_owned()] {
        let (status, body) = status_json(app.get_as(&token, "/api/notes/").await).await;
        assert!(
            is_token_not_valid(status, &body),
            "{token}: {status} {body}"
        );
    }
}

#[tokio::test]
async fn a_deleted_users_token_cannot_create_notes() {
    use sea_orm::EntityTrait;
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    server::storage::entities::user::Entity::delete_by_id(alice.id)
        .exec(&app.state.db)
        .await
        .unwrap();
    let response = app
        .send_as(
            &alice.tokens.access,
            Method::POST,
            "/api/notes/",
            json!({"title": "t", "content": "c"}),
        )
        .await;
    let (status, body) = status_json(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "user_not_found");
}
