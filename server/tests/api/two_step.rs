//! Two-step sign-in and the sessions list, as a person's authenticator app and browsers
//! use them. Codes are computed here from the secret the server hands out, by this file's
//! own RFC 6238 function (held to the RFC's test vectors), not by the server's.

use crate::helpers::{PASSWORD, TestApp, TestUser, field_errors, status_json};
use app::errors::messages;
use hmac::{KeyInit, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// RFC 6238 with HMAC-SHA1: the code of `digits` digits for the step holding `unix`.
fn hotp(secret: &[u8], unix: u64, digits: u32) -> String {
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret).unwrap();
    mac.update(&(unix / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0xf);
    let binary = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!(
        "{:0width$}",
        binary % 10u32.pow(digits),
        width = digits as usize
    )
}

#[test]
fn the_tests_code_function_meets_rfc_6238s_vectors() {
    for (time, code) in [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_234_567_890, "89005924"),
        (20_000_000_000, "65353130"),
    ] {
        assert_eq!(hotp(b"12345678901234567890", time, 8), code);
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The authenticator's code `steps` steps from now.
pub fn code(secret: &str, steps: i64) -> String {
    let key = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, secret).unwrap();
    hotp(&key, unix_now().saturating_add_signed(steps * 30), 6)
}

/// Waits out the last seconds of a step, so a code computed now is judged in the same one.
async fn early_in_a_step() {
    let into = unix_now() % 30;
    if into >= 26 {
        tokio::time::sleep(Duration::from_secs(30 - into)).await;
    }
}

async fn post_as(app: &TestApp, user: &TestUser, path: &str, body: Value) -> (StatusCode, Value) {
    status_json(
        app.send_as(&user.tokens.access, Method::POST, path, body)
            .await,
    )
    .await
}

/// Starts the set-up: the secret, as the page shows it for typing in.
async fn start(app: &TestApp, user: &TestUser) -> String {
    let (status, setup) = post_as(app, user, "/api/user/totp/", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{setup}");
    setup["secret"].as_str().unwrap().to_owned()
}

/// Turns two-step sign-in on; the secret and the recovery codes.
pub async fn enrol(app: &TestApp, user: &TestUser) -> (String, Vec<String>) {
    early_in_a_step().await;
    let secret = start(app, user).await;
    let (status, body) = post_as(
        app,
        user,
        "/api/user/totp/confirm/",
        json!({"code": code(&secret, 0)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (secret, codes)
}

/// Signs in with the password: the challenge of the `401` that asks for a code.
async fn challenge(app: &TestApp, username: &str) -> String {
    let (status, body) = status_json(app.sign_in(username, PASSWORD).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "totp_required");
    body["challenge"].as_str().unwrap().to_owned()
}

async fn second_step(app: &TestApp, challenge: &str, code: &str) -> (StatusCode, Value) {
    status_json(
        app.post(
            "/api/token/totp/",
            json!({"challenge": challenge, "code": code}),
        )
        .await,
    )
    .await
}

async fn totp_enabled(app: &TestApp, user: &TestUser) -> bool {
    let (_, account) = status_json(app.get_as(&user.tokens.access, "/api/user/").await).await;
    account["totp_enabled"].as_bool().unwrap()
}

#[tokio::test]
async fn only_a_confirmed_code_turns_two_step_sign_in_on() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let (status, setup) = post_as(&app, &alice, "/api/user/totp/", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let secret = setup["secret"].as_str().unwrap();
    assert!(
        setup["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with(&format!("otpauth://totp/Notes:alice?secret={secret}")),
        "{setup}"
    );
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));

    // Started but not confirmed: the password alone still signs in.
    assert!(!totp_enabled(&app, &alice).await);
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::OK
    );
    // Starting again replaces the secret; a code for the first one is wrong now.
    early_in_a_step().await;
    let first_code = code(secret, 0);
    let second = start(&app, &alice).await;
    assert_ne!(second, secret);
    let (status, body) = post_as(
        &app,
        &alice,
        "/api/user/totp/confirm/",
        json!({"code": first_code}),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            field_errors("code", &[messages::WRONG_CODE])
        )
    );
    let (status, body) = post_as(
        &app,
        &alice,
        "/api/user/totp/confirm/",
        json!({"code": code(&second, 0)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes = body["recovery_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert!(totp_enabled(&app, &alice).await);

    let (status, body) = post_as(&app, &alice, "/api/user/totp/", json!({})).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::CONFLICT,
            json!({"detail": messages::TOTP_ALREADY_ON})
        )
    );
}

#[tokio::test]
async fn a_code_finishes_the_sign_in_once_and_a_wrong_password_answers_as_before() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let (secret, _) = enrol(&app, &alice).await;

    let (status, body) = status_json(app.sign_in("alice", "wrong password").await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"detail": messages::BAD_CREDENTIALS})
        ),
        "the same answer as without two-step sign-in: it tells nothing"
    );
    let response = app.sign_in("alice", PASSWORD).await;
    assert!(response.headers().contains_key("www-authenticate"));
    let (status, body) = status_json(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["detail"], messages::TOTP_REQUIRED);
    assert!(body.get("access").is_none());
    let challenge = body["challenge"].as_str().unwrap();

    // The step the set-up used is spent: the next step's code (one step of drift) works.
    let next = code(&secret, 1);
    let (status, pair) = second_step(&app, challenge, &next).await;
    assert_eq!(status, StatusCode::OK, "{pair}");
    let access = pair["access"].as_str().unwrap();
    assert_eq!(
        app.get_as(access, "/api/notes/").await.status(),
        StatusCode::OK
    );

    // The challenge is spent, and so is the code, even with a new challenge.
    let (status, body) = second_step(&app, challenge, &next).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            field_errors("challenge", &[messages::CHALLENGE_EXPIRED])
        )
    );
    let again = challenge_of(&app).await;
    for replayed in [next, code(&secret, 0), code(&secret, -1)] {
        let (status, body) = second_step(&app, &again, &replayed).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::BAD_REQUEST,
                field_errors("code", &[messages::WRONG_CODE])
            )
        );
    }
    let (status, _) = second_step(&app, "made-up", "123456").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn challenge_of(app: &TestApp) -> String {
    challenge(app, "alice").await
}

#[tokio::test]
async fn codes_one_step_either_way_are_taken_and_two_steps_are_not() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    early_in_a_step().await;
    let secret = start(&app, &alice).await;
    for far in [-2, 2] {
        let (status, _) = post_as(
            &app,
            &alice,
            "/api/user/totp/confirm/",
            json!({"code": code(&secret, far)}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{far} steps away");
    }
    // A clock a step behind confirms; one a step ahead signs in.
    let (status, _) = post_as(
        &app,
        &alice,
        "/api/user/totp/confirm/",
        json!({"code": code(&secret, -1)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let challenge = challenge_of(&app).await;
    let (status, _) = second_step(&app, &challenge, &code(&secret, 1)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_new_ones_replace_the_old() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let (secret, codes) = enrol(&app, &alice).await;

    let (status, _) = second_step(&app, &challenge_of(&app).await, &codes[0].to_uppercase()).await;
    assert_eq!(status, StatusCode::OK, "typed in capitals, it still counts");
    let (status, body) = second_step(&app, &challenge_of(&app).await, &codes[0]).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            field_errors("code", &[messages::WRONG_CODE])
        ),
        "spent"
    );

    early_in_a_step().await;
    let (status, body) = post_as(
        &app,
        &alice,
        "/api/user/totp/recovery-codes/",
        json!({"code": code(&secret, 1)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = body["recovery_codes"].as_array().unwrap();
    assert_eq!(fresh.len(), 10);
    let (status, _) = second_step(&app, &challenge_of(&app).await, &codes[1]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the old codes are gone");
    let (status, _) =
        second_step(&app, &challenge_of(&app).await, fresh[0].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);

    // Kept only as digests: neither the codes nor the secret are in the database.
    let stored = app
        .count_rows(&format!(
            "SELECT COUNT(*) FROM recovery_codes WHERE code_hash = '{}' OR code_hash = '{}'",
            codes[2], fresh[1]
        ))
        .await;
    assert_eq!(stored, 0);
    let plain = app
        .count_rows(&format!(
            "SELECT COUNT(*) FROM totp_secrets WHERE sealed LIKE '%{secret}%'"
        ))
        .await;
    assert_eq!(plain, 0);
    assert_eq!(app.count_rows("SELECT COUNT(*) FROM totp_secrets").await, 1);
}

#[tokio::test]
async fn wrong_codes_count_toward_the_sign_in_throttle() {
    let app = TestApp::spawn_with(&[("LOGIN_MAX_FAILURES", "3")]).await;
    let alice = app.user("alice").await;
    let (secret, _) = enrol(&app, &alice).await;
    // The password's attempt stands until a code is right: 1, then two wrong codes.
    let challenge = challenge_of(&app).await;
    for _ in 0..2 {
        let (status, _) = second_step(&app, &challenge, "000000").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, _) = second_step(&app, &challenge, &code(&secret, 1)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "even a right code");
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "and the password"
    );
}

#[tokio::test]
async fn codes_guessed_from_many_addresses_are_counted_for_the_account() {
    let app =
        TestApp::spawn_with(&[("LOGIN_MAX_FAILURES", "3"), ("TRUSTED_PROXY_HOPS", "1")]).await;
    let alice = app.user("alice").await;
    let (secret, _) = enrol(&app, &alice).await;
    let challenge = challenge_of(&app).await;
    let from = |address: &str, code: String| {
        app.post_request(
            "/api/token/totp/",
            &json!({"challenge": challenge, "code": code}),
        )
        .header("X-Forwarded-For", address)
        .send()
    };
    // Each guess from an address of its own, as from every /64 of a /48.
    for address in ["2001:db8:0:1::1", "2001:db8:0:2::1", "2001:db8:0:3::1"] {
        let response = from(address, "000000".into()).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    let response = from("2001:db8:0:4::1", code(&secret, 1)).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the account's attempts at a code are used up, whatever the address"
    );
}

#[tokio::test]
async fn turning_it_off_takes_the_password_and_a_code() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let (_, codes) = enrol(&app, &alice).await;
    let disable = |body: Value| {
        let app = &app;
        let token = alice.tokens.access.clone();
        async move {
            status_json(
                app.send_as(&token, Method::DELETE, "/api/user/totp/", body)
                    .await,
            )
            .await
        }
    };
    let (status, body) = disable(json!({"password": "wrong one", "code": codes[0]})).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            field_errors("password", &[messages::WRONG_PASSWORD])
        )
    );
    let (status, _) = disable(json!({"password": PASSWORD, "code": "000000"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let waiting = challenge_of(&app).await;
    let (status, _) = disable(json!({"password": PASSWORD, "code": codes[0]})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = second_step(&app, &waiting, &codes[1]).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            field_errors("challenge", &[messages::CHALLENGE_EXPIRED])
        ),
        "a sign-in waiting for its code cannot finish once it is off"
    );
    assert!(!totp_enabled(&app, &alice).await);
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.count_rows("SELECT COUNT(*) FROM recovery_codes").await,
        0
    );
    let (status, _) = disable(json!({"password": PASSWORD, "code": codes[1]})).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// Signs in from a browser that names itself `user_agent`.
async fn sign_in_from(app: &TestApp, user_agent: &str) -> Value {
    let response = app
        .post_request(
            "/api/token/",
            &json!({"username": "alice", "password": PASSWORD}),
        )
        .header("User-Agent", user_agent)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn sessions(app: &TestApp, access: &str) -> Vec<Value> {
    let (status, list) = status_json(app.get_as(access, "/api/user/sessions/").await).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn each_sign_in_is_a_session_that_can_be_ended_from_another() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let laptop = sign_in_from(&app, "Firefox on the laptop").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let phone = sign_in_from(&app, "Safari on the phone").await;

    let listed = sessions(&app, laptop["access"].as_str().unwrap()).await;
    assert_eq!(
        listed.len(),
        3,
        "the helper's sign-in, the laptop and the phone"
    );
    assert_eq!(
        listed[0]["user_agent"], "Safari on the phone",
        "most recent first"
    );
    assert_eq!(listed[0]["ip"], "127.0.0.1");
    let current: Vec<&Value> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["user_agent"], "Firefox on the laptop");
    let phone_id = listed[0]["id"].as_str().unwrap().to_owned();

    // Bob cannot end Alice's session; Alice's laptop can.
    let end = |token: String, id: String| {
        let app = &app;
        async move {
            app.send_as(
                &token,
                Method::DELETE,
                &format!("/api/user/sessions/{id}/"),
                json!({}),
            )
            .await
            .status()
        }
    };
    assert_eq!(
        end(bob.tokens.access.clone(), phone_id.clone()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        end(
            laptop["access"].as_str().unwrap().to_owned(),
            phone_id.clone()
        )
        .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.refresh(phone["refresh"].as_str().unwrap())
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "its refresh token stops working at once"
    );
    let listed = sessions(&app, laptop["access"].as_str().unwrap()).await;
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|s| s["id"] != phone_id.as_str()));
    assert_eq!(
        end(laptop["access"].as_str().unwrap().to_owned(), phone_id).await,
        StatusCode::NOT_FOUND,
        "already ended"
    );

    // A refresh moves the session up and records where it came from.
    let response = app
        .post_request(
            "/api/token/refresh/",
            &json!({"refresh": alice.tokens.refresh}),
        )
        .header("User-Agent", "Chrome on the desktop")
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let listed = sessions(&app, laptop["access"].as_str().unwrap()).await;
    assert_eq!(listed[0]["user_agent"], "Chrome on the desktop");
    assert_eq!(
        listed[0]["ip"], "127.0.0.1",
        "X-Forwarded-For is not believed without TRUSTED_PROXY_HOPS"
    );

    // Signing out everywhere still ends them all, the asking session's token with them.
    let access = laptop["access"].as_str().unwrap();
    assert_eq!(
        app.send_as(access, Method::DELETE, "/api/user/sessions/", json!({}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get_as(access, "/api/user/sessions/").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let again = sign_in_from(&app, "Firefox on the laptop").await;
    let listed = sessions(&app, again["access"].as_str().unwrap()).await;
    assert_eq!(listed.len(), 1, "only the new one: {listed:?}");
}
