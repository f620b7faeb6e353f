//! The operator's area: people listed with counts and never their notes, accounts
//! deactivated (their tokens stop), rights granted and revoked without ever leaving the
//! server without an operator, passwords set, two-step sign-in and sessions ended,
//! accounts deleted, and the recent sign-in an operator's change needs.

use crate::helpers::{PASSWORD, TestApp, TestUser, status_json};
use crate::two_step::{code, enrol};
use app::errors::messages;
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::time::Duration;

fn user_path(user: &TestUser) -> String {
    format!("/api/admin/users/{}/", user.id)
}

/// Every operation of the area, as a request a non-operator might try.
fn every_operation(someone: i64) -> Vec<(Method, String, Option<Value>)> {
    let user = format!("/api/admin/users/{someone}/");
    vec![
        (Method::GET, "/api/admin/users/".into(), None),
        (Method::GET, user.clone(), None),
        (
            Method::PATCH,
            user.clone(),
            Some(json!({"is_active": false})),
        ),
        (Method::DELETE, user.clone(), None),
        (
            Method::POST,
            format!("{user}password/"),
            Some(json!({"new_password": "staple in the stable"})),
        ),
        (Method::DELETE, format!("{user}totp/"), None),
        (Method::DELETE, format!("{user}sessions/"), None),
        (Method::GET, "/api/admin/settings/".into(), None),
        (
            Method::PUT,
            "/api/admin/settings/".into(),
            Some(json!({"registration": "closed"})),
        ),
        (Method::GET, "/api/admin/invites/".into(), None),
        (Method::POST, "/api/admin/invites/".into(), Some(json!({}))),
        (Method::DELETE, "/api/admin/invites/1/".into(), None),
        (Method::GET, "/api/admin/audit/".into(), None),
    ]
}

#[tokio::test]
async fn nobody_but_an_operator_reaches_the_area_and_its_answer_reveals_nothing() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let alice = app.user("alice").await;
    for (method, path, body) in every_operation(root.id) {
        let (status, answer) = app.call(&alice, method.clone(), &path, body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {answer}");
        assert_eq!(answer, json!({"detail": messages::PERMISSION_DENIED}));
        let anonymous = app.request(method.clone(), &path, None, body).await;
        assert_eq!(
            anonymous.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
    }
    let (_, account) = app.call(&alice, Method::GET, "/api/user/", None).await;
    assert_eq!(account["is_admin"], false);
    let (_, account) = app.call(&root, Method::GET, "/api/user/", None).await;
    assert_eq!(account["is_admin"], true);
}

#[tokio::test]
async fn an_operator_lists_people_with_their_counts_and_never_what_they_wrote() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let alice = app.user("alice").await;
    app.session("alice").await;
    for n in 0..3 {
        app.create_note(&alice, &format!("Secret plan {n}"), "meet at the old mill")
            .await;
    }
    let response = app.get_as(&root.tokens.access, "/api/admin/users/").await;
    let text = response.text().await.unwrap();
    assert!(
        !text.contains("Secret plan") && !text.contains("old mill"),
        "{text}"
    );
    let page: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(page["count"], 2);
    let row = &page["results"][0];
    assert_eq!(row["username"], "alice", "by username: {page}");
    let keys: Vec<&str> = row
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys.iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        [
            "id",
            "username",
            "date_joined",
            "last_login",
            "is_active",
            "is_admin",
            "totp_enabled",
            "notes",
            "sessions",
            "storage_used",
            "storage_quota_mb"
        ]
        .into_iter()
        .collect(),
    );
    assert_eq!(
        (row["notes"].as_u64(), row["sessions"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(
        (row["is_active"].as_bool(), row["is_admin"].as_bool()),
        (Some(true), Some(false))
    );
    let last_login = row["last_login"]
        .as_str()
        .expect("a sign-in records last_login");
    assert!(chrono::DateTime::parse_from_rfc3339(last_login).is_ok());

    let (status, one) = app.call(&root, Method::GET, &user_path(&alice), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&one, row);
    for missing in [
        "/api/admin/users/999/",
        "/api/admin/users/abc/",
        "/api/admin/users/0/",
    ] {
        let (status, _) = app.call(&root, Method::GET, missing, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
}

/// The usernames of a page of `GET /api/admin/users/` with these parameters.
async fn usernames(app: &TestApp, root: &TestUser, query: &str) -> Vec<String> {
    let (status, page) = app
        .call(
            root,
            Method::GET,
            &format!("/api/admin/users/?{query}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{query}: {page}");
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_list_is_searched_filtered_sorted_and_paged() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let alice = app.user("Alice").await;
    let bob = app.user("bob").await;
    app.user("carol").await;
    app.create_note(&bob, "one", "x").await;
    app.create_note(&bob, "two", "x").await;
    app.create_note(&alice, "one", "x").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.session("carol").await;

    assert_eq!(usernames(&app, &root, "search=ALI").await, ["Alice"]);
    assert_eq!(
        usernames(&app, &root, "search=_").await,
        Vec::<String>::new(),
        "no wildcards"
    );
    assert_eq!(usernames(&app, &root, "is_admin=true").await, ["root"]);
    assert_eq!(
        usernames(&app, &root, "is_admin=false&ordering=-username").await,
        ["carol", "bob", "Alice"]
    );
    assert_eq!(
        usernames(&app, &root, "ordering=-notes").await[..2],
        ["bob", "Alice"]
    );
    assert_eq!(
        usernames(&app, &root, "ordering=-last_login").await[0],
        "carol"
    );
    assert_eq!(
        usernames(&app, &root, "ordering=password").await,
        ["Alice", "bob", "carol", "root"],
        "an ordering not offered is ignored"
    );
    let (status, page) = app
        .call(
            &root,
            Method::GET,
            "/api/admin/users/?page_size=3&page=2",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (page["count"].as_u64(), page["next"].is_null()),
        (Some(4), true)
    );
    assert!(
        page["previous"].as_str().unwrap().contains("page_size=3"),
        "{page}"
    );
    let (status, body) = app
        .call(
            &root,
            Method::GET,
            "/api/admin/users/?is_active=maybe",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"is_active": [messages::NOT_A_BOOLEAN]}));
    let (status, _) = app
        .call(&root, Method::GET, "/api/admin/users/?page=9", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn patch(app: &TestApp, by: &TestUser, whom: &TestUser, body: Value) -> (StatusCode, Value) {
    app.call(by, Method::PATCH, &user_path(whom), Some(body))
        .await
}

#[tokio::test]
async fn deactivating_someone_ends_their_sessions_and_their_token_at_once() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let alice = app.user("alice").await;
    assert_eq!(
        app.get_as(&alice.tokens.access, "/api/notes/")
            .await
            .status(),
        StatusCode::OK
    );

    let (status, row) = patch(&app, &root, &alice, json!({"is_active": false})).await;
    assert_eq!(status, StatusCode::OK, "{row}");
    assert_eq!(
        (row["is_active"].as_bool(), row["sessions"].as_u64()),
        (Some(false), Some(0))
    );
    let (status, body) = status_json(app.get_as(&alice.tokens.access, "/api/notes/").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "token_not_valid");
    assert_eq!(
        app.refresh(&alice.tokens.refresh).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = status_json(app.sign_in("alice", PASSWORD).await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"detail": messages::BAD_CREDENTIALS})
        )
    );

    let (status, _) = patch(&app, &root, &alice, json!({"is_active": true})).await;
    assert_eq!(status, StatusCode::OK);
    let back = app.session("alice").await;
    assert_eq!(
        app.get_as(&back.access, "/api/notes/").await.status(),
        StatusCode::OK
    );

    let (status, body) = patch(&app, &root, &alice, json!({"is_active": "no"})).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"is_active": [messages::NOT_A_BOOLEAN]})
        )
    );
}

#[tokio::test]
async fn the_last_active_operator_stays_one_and_nobody_deactivates_themselves() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let alice = app.user("alice").await;
    let last = (
        StatusCode::CONFLICT,
        json!({"detail": messages::LAST_OPERATOR}),
    );
    assert_eq!(
        patch(&app, &root, &root, json!({"is_admin": false})).await,
        last
    );
    assert_eq!(
        patch(&app, &root, &root, json!({"is_active": false})).await,
        (
            StatusCode::CONFLICT,
            json!({"detail": messages::OWN_ACCOUNT_DEACTIVATION})
        )
    );
    assert_eq!(
        app.call(&root, Method::DELETE, &user_path(&root), None)
            .await,
        (
            StatusCode::CONFLICT,
            json!({"detail": messages::OWN_ACCOUNT_DELETION})
        )
    );
    assert_eq!(
        app.call(
            &root,
            Method::DELETE,
            "/api/user/",
            Some(json!({"password": PASSWORD}))
        )
        .await,
        last,
        "not from the account page either"
    );

    let (status, row) = patch(&app, &root, &alice, json!({"is_admin": true})).await;
    assert_eq!(
        (status, row["is_admin"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let alice = TestUser {
        id: alice.id,
        tokens: app.session("alice").await,
    };
    // Now either may step down, but not both.
    let (status, _) = patch(&app, &alice, &root, json!({"is_admin": false})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        patch(&app, &alice, &alice, json!({"is_admin": false})).await,
        last
    );
    let (status, body) = app
        .call(&root, Method::GET, "/api/admin/users/", None)
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::FORBIDDEN,
            json!({"detail": messages::PERMISSION_DENIED})
        ),
        "a demoted operator loses the area at once"
    );
}

#[tokio::test]
async fn two_operators_demoting_each_other_at_once_leave_one_operator() {
    let app = TestApp::spawn().await;
    for round in 0..4 {
        let a = app.operator(&format!("a{round}")).await;
        let b = app.operator(&format!("b{round}")).await;
        if round > 0 {
            // The earlier rounds' operators step down first, so a and b are the only ones.
            app.state
                .writer
                .execute_unprepared(&format!(
                    "UPDATE users SET is_admin = FALSE WHERE id NOT IN ({}, {})",
                    a.id, b.id
                ))
                .await
                .unwrap();
        }
        let (first, second) = tokio::join!(
            patch(&app, &a, &b, json!({"is_admin": false})),
            patch(&app, &b, &a, json!({"is_admin": false})),
        );
        let mut statuses = [first.0, second.0];
        statuses.sort();
        // The one that lost either found itself the last operator (409) or, having been
        // demoted meanwhile, no longer an operator (403).
        assert_eq!(
            statuses[0],
            StatusCode::OK,
            "round {round}: {first:?} {second:?}"
        );
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::CONFLICT].contains(&statuses[1]),
            "round {round}: {first:?} {second:?}"
        );
        let operators = app
            .count_rows("SELECT COUNT(*) FROM users WHERE is_admin AND is_active")
            .await;
        assert_eq!(operators, 1, "round {round}");
    }
}

#[tokio::test]
async fn an_operator_sets_a_password_turns_two_step_off_and_ends_sessions() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let alice = app.user("alice").await;
    let path = format!("{}password/", user_path(&alice));

    let (status, body) = app
        .call(
            &root,
            Method::POST,
            &path,
            Some(json!({"new_password": "alice"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["new_password"]
            .as_array()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let (status, _) = app
        .call(
            &root,
            Method::POST,
            &path,
            Some(json!({"new_password": "staple in the stable"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.get_as(&alice.tokens.access, "/api/notes/")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let pair: Value = app
        .sign_in("alice", "staple in the stable")
        .await
        .json()
        .await
        .unwrap();
    let alice = TestUser {
        id: alice.id,
        tokens: serde_json::from_value(pair).unwrap(),
    };

    let (secret, _) = enrol(&app, &alice).await;
    let (status, _) = app.call(&root, Method::GET, &user_path(&alice), None).await;
    assert_eq!(status, StatusCode::OK);
    let totp = format!("{}totp/", user_path(&alice));
    for _ in 0..2 {
        let (status, _) = app.call(&root, Method::DELETE, &totp, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "also when already off");
    }
    let (_, row) = app.call(&root, Method::GET, &user_path(&alice), None).await;
    assert_eq!(row["totp_enabled"], false);
    assert!(!secret.is_empty() && !code(&secret, 0).is_empty());
    let signed_in = app.sign_in("alice", "staple in the stable").await;
    assert_eq!(
        signed_in.status(),
        StatusCode::OK,
        "the password alone signs in again"
    );

    let sessions = format!("{}sessions/", user_path(&alice));
    let (status, _) = app.call(&root, Method::DELETE, &sessions, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, row) = app.call(&root, Method::GET, &user_path(&alice), None).await;
    assert_eq!(row["sessions"], 0);
    assert_eq!(
        app.get_as(&alice.tokens.access, "/api/notes/")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn deleting_an_account_takes_everything_of_theirs_and_stays_in_the_log() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let alice = app.user("alice").await;
    let note = app.create_note(&alice, "doomed", "x").await;
    let trashed = app.create_note(&alice, "trashed", "x").await;
    app.send_as(
        &alice.tokens.access,
        Method::DELETE,
        &format!("/api/notes/{}/", trashed["id"]),
        json!({}),
    )
    .await;
    let (status, _) = app
        .call(&root, Method::DELETE, &user_path(&alice), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .call(&root, Method::DELETE, &user_path(&alice), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for table in [
        "users WHERE id",
        "notes WHERE author_id",
        "trashed_notes WHERE author_id",
        "refresh_tokens WHERE user_id",
    ] {
        assert_eq!(
            app.count_rows(&format!("SELECT COUNT(*) FROM {table} = {}", alice.id))
                .await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        app.get_as(&alice.tokens.access, &format!("/api/notes/{}/", note["id"]))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let (_, log) = app
        .call(
            &root,
            Method::GET,
            "/api/admin/audit/?action=account_deleted",
            None,
        )
        .await;
    assert_eq!(log["count"], 1, "{log}");
    assert_eq!(
        (
            log["results"][0]["actor"].as_str(),
            log["results"][0]["target"].as_str()
        ),
        (Some("root"), Some("alice"))
    );
}

#[tokio::test]
async fn an_operators_change_needs_a_recent_sign_in_which_a_refresh_does_not_renew() {
    let app = TestApp::spawn_with(&[("ADMIN_REAUTH_WINDOW", "2s")]).await;
    let root = app.operator("root").await;
    let alice = app.user("alice").await;
    let (status, _) = patch(&app, &root, &alice, json!({"is_admin": false})).await;
    assert_eq!(status, StatusCode::OK, "a sign-in just now is recent");
    tokio::time::sleep(Duration::from_millis(3100)).await;

    let stale = (
        StatusCode::FORBIDDEN,
        json!({"detail": messages::REAUTHENTICATION_REQUIRED, "code": "reauthentication_required"}),
    );
    assert_eq!(
        patch(&app, &root, &alice, json!({"is_active": false})).await,
        stale
    );
    let (status, _) = app
        .call(&root, Method::GET, "/api/admin/users/", None)
        .await;
    assert_eq!(status, StatusCode::OK, "reading needs no recent sign-in");
    let refreshed = TestUser {
        id: root.id,
        tokens: app.rotate(&root.tokens.refresh).await,
    };
    assert_eq!(
        patch(&app, &refreshed, &alice, json!({"is_active": false})).await,
        stale,
        "a refresh is not a sign-in"
    );

    let reauthenticate = |password: &str| {
        app.call(
            &refreshed,
            Method::POST,
            "/api/user/reauthenticate/",
            Some(json!({"password": password})),
        )
    };
    let (status, body) = reauthenticate("not it").await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"password": [messages::WRONG_PASSWORD]})
        )
    );
    let (status, pair) = reauthenticate(PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{pair}");
    let fresh = TestUser {
        id: root.id,
        tokens: serde_json::from_value(pair).unwrap(),
    };
    assert_eq!(
        crate::helpers::claims(&fresh.tokens.access)["sid"],
        crate::helpers::claims(&root.tokens.access)["sid"],
        "the same session"
    );
    let (status, _) = patch(&app, &fresh, &alice, json!({"is_active": false})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = patch(&app, &refreshed, &alice, json!({"is_active": true})).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the session's proof is recent, whichever of its tokens asks"
    );
}

#[tokio::test]
async fn reauthenticating_with_two_step_sign_in_takes_a_code_too() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let (secret, recovery) = enrol(&app, &root).await;
    let path = "/api/user/reauthenticate/";
    let (status, body) = app
        .call(
            &root,
            Method::POST,
            path,
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"code": [messages::REQUIRED]})
        )
    );
    let (status, body) = app
        .call(
            &root,
            Method::POST,
            path,
            Some(json!({"password": PASSWORD, "code": "000000"})),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"code": [messages::WRONG_CODE]})
        )
    );
    let (status, pair) = app
        .call(
            &root,
            Method::POST,
            path,
            Some(json!({"password": PASSWORD, "code": recovery[0]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!secret.is_empty());
    let root = TestUser {
        id: root.id,
        tokens: serde_json::from_value(pair).unwrap(),
    };
    let (_, activity) = app
        .call(&root, Method::GET, "/api/user/activity/", None)
        .await;
    assert_eq!(activity["results"][0]["action"], "reauthenticated");
    assert_eq!(activity["results"][1]["action"], "recovery_code_used");
}

#[tokio::test]
async fn a_new_password_is_not_a_recent_sign_in() {
    let app = TestApp::spawn_with(&[("ADMIN_REAUTH_WINDOW", "2s")]).await;
    let root = app.operator("root").await;
    let alice = app.user("alice").await;
    // Past the window in whole seconds, which is how a sign-in's time is kept.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    // The password alone (not the second factor a sign-in would ask for) renews nothing.
    let root = app.change_password(&root, "staple in the stable").await;
    let (status, body) = patch(&app, &root, &alice, json!({"is_active": false})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("reauthentication_required"))
    );
}

#[tokio::test]
async fn a_person_sees_what_an_operator_did_to_their_account_but_not_from_where() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let alice = app.user("alice").await;
    let sessions = format!("{}sessions/", user_path(&alice));
    let sent = app
        .client
        .delete(app.url(&sessions))
        .bearer_auth(&root.tokens.access)
        .header("User-Agent", "The operator's browser")
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::NO_CONTENT);
    let alice = TestUser {
        id: alice.id,
        tokens: app.session("alice").await,
    };
    let (_, activity) = app
        .call(&alice, Method::GET, "/api/user/activity/", None)
        .await;
    let ended = activity["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["action"] == "sessions_ended")
        .expect("the operator's action is in her activity");
    assert_eq!(ended["actor"], "root");
    assert!(
        ended["ip"].is_null() && ended["user_agent"].is_null(),
        "{ended}"
    );
    let own = &activity["results"][0];
    assert_eq!(
        (own["action"].as_str(), own["ip"].as_str()),
        (Some("sign_in"), Some("127.0.0.1"))
    );
    let (_, log) = app
        .call(
            &root,
            Method::GET,
            "/api/admin/audit/?action=sessions_ended",
            None,
        )
        .await;
    assert_eq!(
        log["results"][0]["user_agent"], "The operator's browser",
        "operators see it all"
    );
}

#[tokio::test]
async fn the_first_operator_comes_from_the_environment_once_and_never_changes_an_account() {
    let settings = [
        ("SUPERUSER_USERNAME", "root"),
        ("SUPERUSER_PASSWORD", "a long root password"),
    ];
    let app = TestApp::spawn_with(&settings).await;
    let root: Value = app
        .sign_in("root", "a long root password")
        .await
        .json()
        .await
        .unwrap();
    let access = root["access"].as_str().unwrap();
    let (_, account) = status_json(app.get_as(access, "/api/user/").await).await;
    assert_eq!(account["is_admin"], true);

    // Started again (another replica, or a restart) with another password: nothing changes.
    let again = TestApp::spawn_with(&[
        ("DATABASE_URL", app.database_url.as_str()),
        ("SUPERUSER_USERNAME", "root"),
        ("SUPERUSER_PASSWORD", "another root password"),
    ])
    .await;
    assert_eq!(
        again
            .sign_in("root", "another root password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        again.sign_in("root", "a long root password").await.status(),
        StatusCode::OK
    );
    assert_eq!(again.count_rows("SELECT COUNT(*) FROM users").await, 1);

    // An existing account of that name is not made an operator.
    let plain = TestApp::spawn().await;
    plain.user("boss").await;
    let later = TestApp::spawn_with(&[
        ("DATABASE_URL", plain.database_url.as_str()),
        ("SUPERUSER_USERNAME", "boss"),
        ("SUPERUSER_PASSWORD", "a long root password"),
    ])
    .await;
    assert_eq!(
        later
            .count_rows("SELECT COUNT(*) FROM users WHERE is_admin")
            .await,
        0
    );
}
