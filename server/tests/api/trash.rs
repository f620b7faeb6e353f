//! The trash: a delete can be undone until the note expires, and to the original's
//! client a deleted note is gone exactly as before.

use crate::helpers::{TestApp, TestUser, etag, status_json, titles};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::storage::pruning;

async fn delete(app: &TestApp, user: &TestUser, path: &str) -> StatusCode {
    app.request(Method::DELETE, path, Some(&user.tokens.access), None)
        .await
        .status()
}

async fn trash_of(app: &TestApp, user: &TestUser) -> Value {
    let (status, body) =
        status_json(app.get_as(&user.tokens.access, "/api/notes/trash/").await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn restore(app: &TestApp, user: &TestUser, id: &Value) -> reqwest::Response {
    let path = format!("/api/notes/{id}/restore/");
    app.request(Method::POST, &path, Some(&user.tokens.access), None)
        .await
}

#[tokio::test]
async fn a_deleted_note_is_gone_to_every_read_until_it_is_restored_whole() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let kept = app.create_note(&alice, "Kept", "stays").await;
    let note = app.create_note(&alice, "Plans", "#work for Monday").await;
    let id = &note["id"];
    let pinned = app
        .send_as(
            &alice.tokens.access,
            Method::PATCH,
            &format!("/api/notes/{id}/"),
            json!({"pinned": true}),
        )
        .await;
    let version = etag(&pinned);

    // Both paths answer as the original did.
    assert_eq!(
        delete(&app, &alice, &format!("/api/notes/delete/{id}/")).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete(&app, &alice, &format!("/api/notes/{id}/")).await,
        StatusCode::NOT_FOUND
    );
    let gone = app
        .get_as(&alice.tokens.access, &format!("/api/notes/{id}/"))
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(titles(&app.notes(&alice.tokens.access).await), ["Kept"]);
    assert_eq!(app.search(&alice, "Monday").await, Vec::<String>::new());
    let (_, tags) = status_json(app.get_as(&alice.tokens.access, "/api/tags/").await).await;
    assert_eq!(tags, json!([]));

    let trash = trash_of(&app, &alice).await;
    assert_eq!(trash.as_array().unwrap().len(), 1, "{trash}");
    assert_eq!(trash[0]["id"], *id);
    assert_eq!(trash[0]["content"], "#work for Monday");
    assert!(trash[0]["deleted_at"].as_str().unwrap().ends_with('Z'));

    let restored = restore(&app, &alice, id).await;
    assert_eq!(restored.status(), StatusCode::OK);
    assert_eq!(etag(&restored), version, "the version it had");
    let back: Value = restored.json().await.unwrap();
    assert_eq!(back["id"], *id);
    assert_eq!(back["pinned"], true);
    assert_eq!(
        back["updated_at"], note["updated_at"],
        "a pin is not an edit"
    );
    assert_eq!(
        titles(&app.notes(&alice.tokens.access).await),
        ["Plans", "Kept"],
        "pinned first again"
    );
    assert_eq!(app.search(&alice, "Monday").await, ["Plans"]);
    let (_, tags) = status_json(app.get_as(&alice.tokens.access, "/api/tags/").await).await;
    assert_eq!(tags, json!([{"name": "work", "count": 1}]));
    assert_eq!(trash_of(&app, &alice).await, json!([]));
    app.assert_search_index_in_step().await;

    // The ETag taken before the delete still names it.
    let edited = app
        .send_if_match(
            &alice.tokens.access,
            Method::PATCH,
            &format!("/api/notes/{id}/"),
            &version,
            Some(json!({"title": "Plans, again"})),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    // Restoring again (a retry) answers the note as it is now, and changes nothing.
    let again = restore(&app, &alice, id).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again.json::<Value>().await.unwrap()["title"],
        "Plans, again"
    );
    assert_eq!(
        restore(&app, &alice, &kept["id"]).await.status(),
        StatusCode::OK,
        "a note never deleted"
    );
    assert_eq!(
        titles(&app.notes(&alice.tokens.access).await),
        ["Plans, again", "Kept"]
    );
    let bob = app.user("bob").await;
    assert_eq!(
        restore(&app, &bob, id).await.status(),
        StatusCode::NOT_FOUND,
        "someone else's note, in the list"
    );
}

#[tokio::test]
async fn a_delete_under_if_match_moves_only_the_version_named() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let note = app.create_note(&alice, "Draft", "one").await;
    let path = format!("/api/notes/{}/", note["id"]);
    let stale = app
        .send_if_match(&alice.tokens.access, Method::DELETE, &path, "\"7\"", None)
        .await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(trash_of(&app, &alice).await, json!([]));
    let current = app
        .send_if_match(&alice.tokens.access, Method::DELETE, &path, "\"1\"", None)
        .await;
    assert_eq!(current.status(), StatusCode::NO_CONTENT);
    assert_eq!(trash_of(&app, &alice).await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_trash_is_its_owners_alone_and_can_be_emptied_one_or_all() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let mut ids = Vec::new();
    for title in ["One", "Two", "Three"] {
        let note = app.create_note(&alice, title, "text").await;
        assert_eq!(
            delete(&app, &alice, &format!("/api/notes/{}/", note["id"])).await,
            StatusCode::NO_CONTENT
        );
        ids.push(note["id"].clone());
    }
    assert_eq!(
        titles(&trash_of(&app, &alice).await),
        ["Three", "Two", "One"]
    );
    assert_eq!(trash_of(&app, &bob).await, json!([]));
    assert_eq!(
        restore(&app, &bob, &ids[0]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        delete(&app, &bob, &format!("/api/notes/trash/{}/", ids[0])).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        delete(&app, &bob, "/api/notes/trash/").await,
        StatusCode::NO_CONTENT
    );

    let (status, page) = status_json(
        app.get_as(&alice.tokens.access, "/api/notes/trash/?page_size=2")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["count"], 3);
    assert_eq!(titles(&page["results"]), ["Three", "Two"]);
    assert!(
        page["next"]
            .as_str()
            .unwrap()
            .ends_with("/api/notes/trash/?page=2&page_size=2")
    );

    assert_eq!(
        delete(&app, &alice, &format!("/api/notes/trash/{}/", ids[1])).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        restore(&app, &alice, &ids[1]).await.status(),
        StatusCode::NOT_FOUND,
        "deleted for good"
    );
    assert_eq!(titles(&trash_of(&app, &alice).await), ["Three", "One"]);
    assert_eq!(
        delete(&app, &alice, "/api/notes/trash/").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(trash_of(&app, &alice).await, json!([]));
    assert_eq!(
        app.count_rows("SELECT COUNT(*) FROM trashed_notes").await,
        0
    );
}

#[tokio::test]
async fn the_pruner_deletes_what_has_been_in_the_trash_past_its_retention() {
    let app = TestApp::spawn_with(&[("TRASH_RETENTION", "1h")]).await;
    let alice = app.user("alice").await;
    for title in ["Old", "Recent"] {
        let note = app.create_note(&alice, title, "text").await;
        delete(&app, &alice, &format!("/api/notes/{}/", note["id"])).await;
    }
    // "Old" was deleted 61 minutes ago, "Recent" 59.
    for (title, minutes) in [("Old", 61), ("Recent", 59)] {
        let when = chrono::Utc::now() - chrono::Duration::minutes(minutes);
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        use server::storage::entities::trashed_note::{Column, Entity};
        Entity::update_many()
            .col_expr(Column::DeletedAt, Expr::value(when))
            .filter(Column::Title.eq(title))
            .exec(&app.state.writer)
            .await
            .unwrap();
    }
    let pruned = pruning::prune(&app.state.writer, &server::startup::prunable(&app.state))
        .await
        .unwrap()
        .expect("no other replica prunes");
    assert_eq!(pruned.of("trashed_notes"), 1);
    assert_eq!(titles(&trash_of(&app, &alice).await), ["Recent"]);
}

#[tokio::test]
async fn deleting_the_account_takes_its_trash_with_it() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let note = app.create_note(&alice, "Secret", "text").await;
    delete(&app, &alice, &format!("/api/notes/{}/", note["id"])).await;
    let deleted = app
        .send_as(
            &alice.tokens.access,
            Method::DELETE,
            "/api/user/",
            json!({"password": crate::helpers::PASSWORD}),
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.count_rows("SELECT COUNT(*) FROM trashed_notes").await,
        0
    );
}

#[tokio::test]
async fn a_note_with_a_title_longer_than_today_allows_is_trashed_and_restored_whole() {
    // Notes imported from the Django app keep what Django took: `notes.title` has no
    // length limit, so the trash may not have one either.
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let long = "t".repeat(250);
    app.insert_notes(&alice, [(long.clone(), "legacy".to_owned())])
        .await;
    let id = app.notes(&alice.tokens.access).await[0]["id"].clone();
    assert_eq!(
        delete(&app, &alice, &format!("/api/notes/{id}/")).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(trash_of(&app, &alice).await[0]["title"], long);
    let back = restore(&app, &alice, &id).await;
    assert_eq!(back.status(), StatusCode::OK);
    assert_eq!(back.json::<Value>().await.unwrap()["title"], long);
}
