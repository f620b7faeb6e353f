//! Expired records are pruned once, however many replicas prune at the same time.

use crate::helpers::TestApp;
use sea_orm::{ActiveValue::Set, EntityTrait};
use server::storage::entities::refresh_token;
use server::storage::pruning;

#[tokio::test]
async fn racing_prunes_delete_each_expired_record_once_and_nothing_live() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let now = chrono::Utc::now().timestamp();
    let rows: Vec<_> = (0..60)
        .map(|n| {
            let expires_at = if n < 50 { now - 60 } else { now + 3600 };
            refresh_token::ActiveModel {
                jti: Set(format!("{n:032}")),
                family_id: Set(format!("{n:032}")),
                user_id: Set(alice.id),
                issued_at: Set(now - 7200),
                expires_at: Set(expires_at),
                spent_at: Set(None),
                grace_used: Set(false),
                revoked: Set(false),
                user_agent: Set(None),
                ip: Set(None),
                authenticated_at: Set(Some(now - 7200)),
            }
        })
        .collect();
    refresh_token::Entity::insert_many(rows)
        .exec_without_returning(&app.state.writer)
        .await
        .unwrap();
    let live_before = app.count_rows("SELECT COUNT(*) FROM refresh_tokens").await - 50;

    let prunes: Vec<_> = (0..4)
        .map(|_| {
            let db = app.state.writer.clone();
            let kinds = server::startup::prunable(&app.state);
            tokio::spawn(async move { pruning::prune(&db, &kinds).await })
        })
        .collect();
    let mut deleted = 0;
    for prune in prunes {
        if let Some(pruned) = prune
            .await
            .unwrap()
            .expect("a prune never fails for a race")
        {
            deleted += pruned.of("refresh_tokens");
        }
    }
    assert_eq!(deleted, 50);
    assert_eq!(
        app.count_rows("SELECT COUNT(*) FROM refresh_tokens").await,
        live_before
    );
    // Alice's own session is among the live ones.
    assert!(!app.rotate(&alice.tokens.refresh).await.access.is_empty());
}

#[tokio::test]
async fn sign_in_counts_whose_window_ended_are_pruned() {
    let app = TestApp::spawn().await;
    if app.backend() != sea_orm::DbBackend::Postgres {
        // One process: the count lives in memory, and the table stays empty.
        app.user("alice").await;
        assert_eq!(
            app.sign_in("alice", "wrong guess").await.status(),
            reqwest::StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.count_rows("SELECT COUNT(*) FROM login_attempts").await,
            0
        );
        return;
    }
    use sea_orm::ConnectionTrait;
    app.state
        .writer
        .execute_unprepared(
            "INSERT INTO login_attempts (key, attempts, window_start) VALUES \
             ('ended', 3, now() - interval '1 day'), ('current', 1, now())",
        )
        .await
        .unwrap();
    let kinds = server::startup::prunable(&app.state);
    let pruned = pruning::prune(&app.state.writer, &kinds)
        .await
        .unwrap()
        .expect("no other pruner");
    assert_eq!(pruned.of("login_attempts"), 1);
    assert_eq!(
        app.count_rows("SELECT COUNT(*) FROM login_attempts WHERE key = 'current'")
            .await,
        1
    );
}
