//! SQLite's own paths: commits synced to disk, and the plain list read in the request's
//! thread (`inline_reads`), which must answer exactly as the pooled path does, or not
//! at all. On PostgreSQL these tests check that neither applies.

use crate::helpers::{TestApp, TestUser, titles};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::Value;
use server::notes;
use server::notes::inline_reads::MAX_ROWS;
use std::sync::Arc;

impl TestApp {
    /// The plain list as the pooled (sea-orm) path reads it.
    async fn pooled_list(&self, user: &TestUser) -> Vec<app::api::Note> {
        notes::list(&self.state.db, user.id, &notes::Filters::default())
            .await
            .unwrap()
    }

    /// The plain list as the inline reader answers it, if it does.
    fn inline_list(&self, user: &TestUser) -> Option<Vec<app::api::Note>> {
        let json = self.state.inline_reads.as_ref()?.notes_json(user.id)?;
        Some(serde_json::from_slice(&json).expect("the inline list is JSON of notes"))
    }
}

#[tokio::test]
async fn sqlite_syncs_every_commit_so_acknowledged_writes_survive_power_loss() {
    let app = TestApp::spawn().await;
    if app.backend() != DbBackend::Sqlite {
        assert!(app.state.inline_reads.is_none());
        return;
    }
    for db in [&app.state.writer, &app.state.db] {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA synchronous",
            ))
            .await
            .unwrap()
            .unwrap();
        // 2 is FULL: the write-ahead log is synced at every commit.
        assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 2);
    }
}

#[tokio::test]
async fn the_inline_list_answers_exactly_as_the_pooled_list() {
    let app = TestApp::spawn().await;
    if app.backend() != DbBackend::Sqlite {
        return;
    }
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    // No notes: declined, so the pooled path can tell an empty list from a deleted user.
    assert_eq!(app.inline_list(&alice), None);
    app.create_note(
        &alice,
        "Première",
        "naïve café ☕ \"quoted\" \\ back\nslash",
    )
    .await;
    app.create_note(&bob, "Bob's", "not alice's").await;
    let second = app.create_note(&alice, "Second", "to be edited").await;
    let path = format!("/api/notes/{}/", second["id"]);
    let edited = app
        .send_as(
            &alice.tokens.access,
            Method::PATCH,
            &path,
            serde_json::json!({"content": "edited"}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    // A note written straight into the database, a day older.
    app.insert_notes(&alice, [("Old".to_owned(), "from before".to_owned())])
        .await;

    let inline = app
        .inline_list(&alice)
        .expect("a short list is read inline");
    assert_eq!(inline, app.pooled_list(&alice).await);
    assert_eq!(
        inline.iter().map(|n| n.title.as_str()).collect::<Vec<_>>(),
        ["Second", "Première", "Old"]
    );
    assert_eq!(inline[0].content, "edited");
    // And over HTTP, the same JSON.
    let listed = app.notes(&alice.tokens.access).await;
    assert_eq!(listed, serde_json::to_value(&inline).unwrap());

    // A time stored in another form sqlx reads (as an older tool may have written it)
    // is declined inline, and the pooled path answers it.
    app.state
        .writer
        .execute_unprepared(
            "UPDATE notes SET created_at = '2020-01-02 03:04:05.678901' WHERE title = 'Old'",
        )
        .await
        .unwrap();
    assert_eq!(app.inline_list(&alice), None);
    let listed = app.notes(&alice.tokens.access).await;
    assert_eq!(listed[2]["created_at"], "2020-01-02T03:04:05.678901Z");
}

#[tokio::test]
async fn a_long_list_is_declined_inline_and_answered_whole() {
    let app = TestApp::spawn().await;
    if app.backend() != DbBackend::Sqlite {
        return;
    }
    let alice = app.user("alice").await;
    let notes = (1..=MAX_ROWS).map(|n| (format!("Note {n}"), "long list".to_owned()));
    app.insert_notes(&alice, notes).await;
    assert_eq!(app.inline_list(&alice).map(|l| l.len()), Some(MAX_ROWS));
    app.create_note(&alice, "One more", "the newest").await;
    assert_eq!(app.inline_list(&alice), None);
    let listed = titles(&app.notes(&alice.tokens.access).await);
    assert_eq!(listed.len(), MAX_ROWS + 1);
    assert_eq!(listed[0], "One more");
}

#[tokio::test]
async fn lists_read_inline_see_every_acknowledged_write_under_concurrent_writes() {
    let app = Arc::new(TestApp::spawn().await);
    let alice = Arc::new(app.user("alice").await);
    // Each task writes a note, then lists: its own note must be there (and a deleted one
    // gone), whatever the other tasks write meanwhile.
    let tasks: Vec<_> = (0..6)
        .map(|t| {
            let (app, alice) = (app.clone(), alice.clone());
            tokio::spawn(async move {
                let access = alice.tokens.access.as_str();
                for n in 0..8 {
                    let title = format!("t{t} n{n}");
                    let id = app.create_note(&alice, &title, "c").await["id"].clone();
                    let listed =
                        |list: Value| list.as_array().unwrap().iter().any(|note| note["id"] == id);
                    assert!(
                        listed(app.notes(access).await),
                        "{title} missing from the list just after its 201"
                    );
                    if n % 2 == 1 {
                        let path = format!("/api/notes/{id}/");
                        let deleted = app.request(Method::DELETE, &path, Some(access), None).await;
                        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
                        assert!(
                            !listed(app.notes(access).await),
                            "{title} still listed just after its 204"
                        );
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let list = app.notes(&alice.tokens.access).await;
    assert_eq!(list.as_array().unwrap().len(), 6 * 4);
}

#[tokio::test]
async fn notes_created_together_share_a_commit_a_refused_one_costs_only_itself_and_a_key_makes_one()
{
    use sea_orm::{ActiveValue::Set, TransactionTrait};
    use server::storage::entities::note;
    let app = TestApp::spawn().await;
    let Some(batches) = app.state.note_batches.clone() else {
        assert_ne!(app.backend(), DbBackend::Sqlite);
        return;
    };
    let alice = app.user("alice").await;
    let note_of = |author: i64, title: &str| {
        let now = chrono::Utc::now();
        note::ActiveModel {
            title: Set(title.to_owned()),
            content: Set("batched".to_owned()),
            search_text: Set(migrations::search::searchable(title, "batched")),
            created_at: Set(now),
            updated_at: Set(now),
            author_id: Set(author),
            version: Set(1),
            ..Default::default()
        }
    };
    // Holding the one writer connection makes the notes queue up behind it, so they
    // are written together once it is free.
    let hold = app.state.writer.begin().await.unwrap();
    let inserts: Vec<_> = (0..12)
        .map(|n| {
            // Note 6 names a user that does not exist: the foreign key refuses it.
            let author = if n == 6 { alice.id + 1000 } else { alice.id };
            // Notes 8 and 9 go under one Idempotency-Key, in the same batch.
            let key = (n == 8 || n == 9).then_some((alice.id, "twice"));
            let (batches, note) = (batches.clone(), note_of(author, &format!("b{n}")));
            tokio::spawn(async move { batches.insert(note, key).await })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    hold.rollback().await.unwrap();
    let (mut ids, mut replayed) = (Vec::new(), Vec::new());
    for (n, insert) in inserts.into_iter().enumerate() {
        match insert.await.unwrap() {
            Ok(written) if n != 6 => {
                ids.push(written.note.id);
                if written.replayed {
                    replayed.push(n);
                }
            }
            Err(_) if n == 6 => {}
            other => panic!("note {n}: {:?}", other.map(|c| c.note)),
        }
    }
    assert!(matches!(replayed[..], [8] | [9]), "{replayed:?}");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 10);
    let listed = app.notes(&alice.tokens.access).await;
    assert_eq!(listed.as_array().unwrap().len(), 10);

    // And over HTTP, a burst of creations each answers its own note.
    let creations: Vec<_> = (0..24)
        .map(|n| {
            let request = app
                .post_request(
                    "/api/notes/",
                    &serde_json::json!({"title": format!("h{n}"), "content": "burst"}),
                )
                .bearer_auth(&alice.tokens.access);
            tokio::spawn(request.send())
        })
        .collect();
    for (n, creation) in creations.into_iter().enumerate() {
        let response = creation.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["title"], format!("h{n}"));
    }
    assert_eq!(
        app.count_rows(&format!(
            "SELECT COUNT(*) FROM notes WHERE author_id = {}",
            alice.id
        ))
        .await,
        34
    );
}

#[tokio::test]
async fn no_pooled_connection_sees_the_database_from_before_its_migrations() {
    use sea_orm::EntityTrait;
    // A pooled connection that kept a snapshot from before the migrations answered its
    // first write with "no such table: users" (in about one start in ten); the migrations
    // now run on connections of their own, closed before the pools open.
    for round in 0..12 {
        let app = TestApp::spawn().await;
        let alice = app.user("alice").await;
        for other in 0..=4 {
            server::storage::entities::user::Entity::delete_by_id(alice.id + other)
                .exec(&app.state.db)
                .await
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
    }
}
