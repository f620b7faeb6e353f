//! The audit log: each person's security events in their own activity, and everything
//! in the operators' log, filtered, kept after an account is gone, pruned after its
//! retention.

use crate::helpers::{TestApp, TestUser};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::storage::pruning;

/// The actions of a page of the log, newest first.
fn actions(page: &Value) -> Vec<&str> {
    page["results"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page}"))
        .iter()
        .map(|line| line["action"].as_str().unwrap())
        .collect()
}

async fn activity(app: &TestApp, user: &TestUser) -> Value {
    let (status, page) = app
        .call(user, Method::GET, "/api/user/activity/", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

#[tokio::test]
async fn a_persons_security_events_are_in_their_activity_and_nobody_elses() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    assert_eq!(
        app.sign_in("alice", "wrong password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("nobody", "wrong password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let alice = app.change_password(&alice, "staple in the stable").await;
    app.post(
        "/api/token/blacklist/",
        json!({"refresh": alice.tokens.refresh.clone()}),
    )
    .await;
    let alice = TestUser {
        id: alice.id,
        tokens: app.session_with("alice", "staple in the stable").await,
    };

    let page = activity(&app, &alice).await;
    assert_eq!(
        actions(&page),
        [
            "sign_in",
            "session_ended",
            "password_changed",
            "sign_in_failed",
            "sign_in",
            "registered"
        ]
    );
    let failed = &page["results"][3];
    assert_eq!(
        (failed["detail"].as_str(), failed["ip"].as_str()),
        (Some("wrong password"), Some("127.0.0.1"))
    );
    assert!(
        failed["user_agent"].is_null(),
        "reqwest sends none: {failed}"
    );
    assert_eq!(page["results"][1]["detail"], "signed out");
    assert_eq!(
        actions(&activity(&app, &bob).await),
        ["sign_in", "registered"]
    );
}

#[tokio::test]
async fn operators_read_the_whole_log_by_person_and_action() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let alice = app.user("alice").await;
    let (status, _) = app
        .call(
            &root,
            Method::PATCH,
            &format!("/api/admin/users/{}/", alice.id),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, page) = app
        .call(
            &root,
            Method::GET,
            "/api/admin/audit/?user=alice&action=account_deactivated",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["count"], 1);
    let line = &page["results"][0];
    assert_eq!(
        (line["actor"].as_str(), line["target"].as_str()),
        (Some("root"), Some("alice"))
    );
    // Alice sees what was done to her account, by whom.
    let (_, listed) = app
        .call(&root, Method::GET, "/api/admin/audit/?user=alice", None)
        .await;
    assert_eq!(
        actions(&listed),
        ["account_deactivated", "sign_in", "registered"]
    );
    let (status, body) = app
        .call(
            &root,
            Method::GET,
            "/api/admin/audit/?action=sign_out",
            None,
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"action": ["\"sign_out\" is not a valid choice."]})
        )
    );
    let (_, everything) = app
        .call(&root, Method::GET, "/api/admin/audit/?page_size=2", None)
        .await;
    assert!(everything["count"].as_u64().unwrap() >= 5, "{everything}");
    assert!(everything["next"].is_string());
}

#[tokio::test]
async fn the_log_is_pruned_after_its_retention() {
    let app = TestApp::spawn_with(&[("AUDIT_RETENTION", "1s")]).await;
    app.user("alice").await;
    assert!(app.count_rows("SELECT COUNT(*) FROM audit_log").await >= 2);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let kinds = server::startup::prunable(&app.state);
    let pruned = pruning::prune(&app.state.writer, &kinds)
        .await
        .unwrap()
        .expect("nobody else is pruning");
    assert!(pruned.of("audit_log") >= 2, "{pruned}");
    assert_eq!(app.count_rows("SELECT COUNT(*) FROM audit_log").await, 0);
}
