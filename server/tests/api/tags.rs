//! #tags (`GET /api/tags/`, `?tag=`) and pinned notes.

use crate::helpers::{TestApp, TestUser, database_before, etag, field_errors, status_json, titles};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn tags_of(app: &TestApp, user: &TestUser) -> Value {
    let (status, body) = status_json(app.get_as(&user.tokens.access, "/api/tags/").await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn tagged(app: &TestApp, user: &TestUser, tag: &str) -> Vec<String> {
    let (status, body) =
        status_json(app.list_with(&user.tokens.access, &[("tag", tag)]).await).await;
    assert_eq!(status, StatusCode::OK, "?tag={tag}: {body}");
    titles(&body)
}

async fn patch(app: &TestApp, user: &TestUser, id: &Value, body: Value) -> (StatusCode, Value) {
    let path = format!("/api/notes/{id}/");
    status_json(
        app.send_as(&user.tokens.access, Method::PATCH, &path, body)
            .await,
    )
    .await
}

#[tokio::test]
async fn tags_are_read_from_the_text_and_counted_with_the_tags_nested_in_them() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    app.create_note(&alice, "Standup", "#Work/Meetings at ten, #work")
        .await;
    app.create_note(&alice, "Review", "for #work/meetings only")
        .await;
    app.create_note(&alice, "Plan", "#WORK: plan the week")
        .await;
    app.create_note(
        &alice,
        "Code",
        "`#notatag` and [#nor](https://x.org) and #42\n\n    #indented",
    )
    .await;
    app.create_note(&alice, "Home", "#home").await;
    // Someone else's tags are theirs alone.
    let bob = app.user("bob").await;
    app.create_note(&bob, "Bob's", "#work #secret").await;

    assert_eq!(
        tags_of(&app, &alice).await,
        json!([
            {"name": "work", "count": 3},
            {"name": "Work/Meetings", "count": 2},
            {"name": "home", "count": 1},
        ]),
        "most used first, as first written, a parent counting its children's notes once"
    );
    assert_eq!(
        tagged(&app, &alice, "work").await,
        ["Plan", "Review", "Standup"]
    );
    assert_eq!(
        tagged(&app, &alice, "#WORK/meetings").await,
        ["Review", "Standup"]
    );
    assert_eq!(
        tagged(&app, &alice, "wor").await,
        Vec::<String>::new(),
        "whole tags only"
    );
    assert!(tagged(&app, &alice, "notatag").await.is_empty());
    assert!(tagged(&app, &alice, "secret").await.is_empty());
    assert_eq!(
        tagged(&app, &alice, "").await.len(),
        5,
        "blank is no filter"
    );
}

#[tokio::test]
async fn a_tag_filter_combines_with_search_and_paging_and_reads_underscores_literally() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    for n in 1..=5 {
        app.create_note(&alice, &format!("Log {n}"), &format!("#a_b entry {n}"))
            .await;
    }
    app.create_note(&alice, "Other", "#axb and #a_b/c/d entry")
        .await;

    let list = &alice.tokens.access;
    let (_, body) = status_json(
        app.list_with(list, &[("tag", "a_b"), ("search", "ENTRY 4")])
            .await,
    )
    .await;
    assert_eq!(titles(&body), ["Log 4"]);
    // `_` is no wildcard: `#axb` is not `#a_b`, but `#a_b/c/d` is inside it.
    assert_eq!(tagged(&app, &alice, "a_b").await.len(), 6);
    assert_eq!(tagged(&app, &alice, "a%b").await.len(), 0);
    // `a_b/c` is only a step on the way to `a_b/c/d`: it filters, but is not listed.
    assert_eq!(tagged(&app, &alice, "a_b/c").await, ["Other"]);
    let names: Vec<Value> = tags_of(&app, &alice)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, [json!("a_b"), json!("a_b/c/d"), json!("axb")]);

    let (status, first) = status_json(
        app.list_with(list, &[("tag", "a_b"), ("page_size", "4")])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["count"], 6);
    assert_eq!(titles(&first), ["Other", "Log 5", "Log 4", "Log 3"]);
    let next = first["next"].as_str().expect("a next page");
    assert!(next.contains("tag=a_b"), "{next}");
    let second: Value = app
        .client
        .get(next)
        .bearer_auth(list)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(titles(&second), ["Log 2", "Log 1"]);

    let (status, body) = status_json(app.list_with(list, &[("tag", "a\0")]).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["tag"].is_array(), "{body}");
}

#[tokio::test]
async fn tags_follow_every_write_of_the_text() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let note = app.create_note(&alice, "Trip", "#travel soon").await;
    let id = &note["id"];
    let path = format!("/api/notes/{id}/");
    let put = app
        .send_as(
            &alice.tokens.access,
            Method::PUT,
            &path,
            json!({"title": "Trip", "content": "#holiday"}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(
        tags_of(&app, &alice).await,
        json!([{"name": "holiday", "count": 1}])
    );
    let (status, _) = patch(&app, &alice, id, json!({"content": "#holiday #beach"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tagged(&app, &alice, "beach").await, ["Trip"]);
    // A title-only change keeps them.
    patch(&app, &alice, id, json!({"title": "Trip!"})).await;
    assert_eq!(tagged(&app, &alice, "holiday").await, ["Trip!"]);
    let deleted = app
        .send_as(&alice.tokens.access, Method::DELETE, &path, Value::Null)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(tags_of(&app, &alice).await, json!([]));
    assert_eq!(app.count_rows("SELECT COUNT(*) FROM note_tags").await, 0);
}

#[tokio::test]
async fn pinned_notes_come_first_and_a_pin_is_not_an_edit() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    for title in ["Oldest", "Middle", "Newest"] {
        let note = app.create_note(&alice, title, "text").await;
        assert_eq!(note["pinned"], false);
    }
    let oldest = app.notes(&alice.tokens.access).await[2].clone();
    let before = app
        .get_as(
            &alice.tokens.access,
            &format!("/api/notes/{}/", oldest["id"]),
        )
        .await;
    let version = etag(&before);

    let (status, pinned) = patch(&app, &alice, &oldest["id"], json!({"pinned": true})).await;
    assert_eq!(status, StatusCode::OK, "{pinned}");
    assert_eq!(pinned["pinned"], true);
    assert_eq!(
        pinned["updated_at"], oldest["updated_at"],
        "pinning is not editing"
    );
    assert_eq!(
        titles(&app.notes(&alice.tokens.access).await),
        ["Oldest", "Newest", "Middle"]
    );
    // Paged from either end, in the same order.
    let (_, last) = app
        .page(&alice, &[("page", "last"), ("page_size", "2")])
        .await;
    assert_eq!(titles(&last), ["Middle"]);
    let (_, first) = app.page(&alice, &[("page_size", "2")]).await;
    assert_eq!(titles(&first), ["Oldest", "Newest"]);
    // A pin is each person's own, not a change to the note: its version stays, so a pin
    // never makes another person's (or tab's) next save a 412.
    let after = app
        .get_as(
            &alice.tokens.access,
            &format!("/api/notes/{}/", oldest["id"]),
        )
        .await;
    assert_eq!(etag(&after), version);
    let unpinned = app
        .send_if_match(
            &alice.tokens.access,
            Method::PATCH,
            &format!("/api/notes/{}/", oldest["id"]),
            &version,
            Some(json!({"pinned": false})),
        )
        .await;
    assert_eq!(unpinned.status(), StatusCode::OK);
    patch(&app, &alice, &oldest["id"], json!({"pinned": true})).await;
    // A PUT without `pinned` keeps it; one created pinned starts pinned.
    let path = format!("/api/notes/{}/", oldest["id"]);
    let put = app
        .send_as(
            &alice.tokens.access,
            Method::PUT,
            &path,
            json!({"title": "Oldest", "content": "new"}),
        )
        .await;
    assert_eq!(put.json::<Value>().await.unwrap()["pinned"], true);
    let created = app
        .send_as(
            &alice.tokens.access,
            Method::POST,
            "/api/notes/",
            json!({"title": "Pinned", "content": "x", "pinned": true}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(
        titles(&app.notes(&alice.tokens.access).await)[..2],
        ["Pinned", "Oldest"]
    );

    for bad in [json!("yes"), json!(1), Value::Null] {
        let (status, body) = patch(&app, &alice, &oldest["id"], json!({"pinned": bad})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let message = if bad.is_null() {
            "This field may not be null."
        } else {
            "Must be a valid boolean."
        };
        assert_eq!(body, field_errors("pinned", &[message]));
    }
}

/// Notes written before tags were kept have theirs read by the migration.
#[tokio::test]
async fn notes_written_before_the_upgrade_have_their_tags() {
    let url = database_before(9, &[("Old", "#legacy and #Legacy/sub"), ("Plain", "none")]).await;
    let app = TestApp::spawn_with(&[("DATABASE_URL", &url)]).await;
    let old = TestUser {
        id: 1,
        tokens: app.session("old").await,
    };
    assert_eq!(
        tags_of(&app, &old).await,
        json!([{"name": "legacy", "count": 1}, {"name": "Legacy/sub", "count": 1}])
    );
    assert_eq!(app.notes(&old.tokens.access).await[0]["pinned"], false);
}

#[tokio::test]
async fn a_note_with_thousands_of_tags_is_written_in_statements_the_database_takes() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    // 8,000 rows of five values each: more than one statement may carry (SQLite 32,766).
    let content: String = (0..8000).map(|n| format!("#t{n} ")).collect();
    let note = app.create_note(&alice, "Many", &content).await;
    let tags = tags_of(&app, &alice).await;
    assert_eq!(tags.as_array().unwrap().len(), 8000);
    assert_eq!(tagged(&app, &alice, "t7999").await, ["Many"]);
    let (status, _) = patch(
        &app,
        &alice,
        &note["id"],
        json!({"content": format!("{content} #more")}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tags_of(&app, &alice).await.as_array().unwrap().len(), 8001);
}
