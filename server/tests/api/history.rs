//! A note's history: every write that changes its words keeps the text it replaced
//! (exactly once), texts come back exactly however they were stored, what changed is
//! shown line by line, any version is restored under `If-Match`, a text set aside in a
//! conflict is kept, and only those who may read the note see any of it.

use crate::helpers::{PASSWORD, TestApp, TestUser, etag, status_json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::notes::history::thinning::{self, Retention};
use std::time::Duration;

async fn revisions(app: &TestApp, user: &TestUser, note: i64) -> Vec<Value> {
    let (status, page) = app
        .call(
            user,
            Method::GET,
            &format!("/api/notes/{note}/revisions/?page_size=100"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["results"].as_array().unwrap().clone()
}

async fn revision(app: &TestApp, user: &TestUser, note: i64, number: i64) -> (StatusCode, Value) {
    app.call(
        user,
        Method::GET,
        &format!("/api/notes/{note}/revisions/{number}/"),
        None,
    )
    .await
}

async fn put(app: &TestApp, user: &TestUser, note: i64, title: &str, content: &str) {
    let (status, body) = app
        .call(
            user,
            Method::PUT,
            &format!("/api/notes/{note}/"),
            Some(json!({"title": title, "content": content})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn numbers(list: &[Value]) -> Vec<i64> {
    list.iter()
        .map(|r| r["revision"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn every_write_that_changes_words_keeps_exactly_one_revision_and_nothing_else_does() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let id = app.create_note(&alice, "Groceries", "eggs\n").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/notes/{id}/");
    assert!(revisions(&app, &alice, id).await.is_empty());

    // PUT: one, the text as it was at version 1, saved by its author.
    put(&app, &alice, id, "Groceries", "eggs\nflour\n").await;
    let kept = revisions(&app, &alice, id).await;
    assert_eq!(kept.len(), 1);
    let first = &kept[0];
    assert_eq!(first["revision"], 1);
    assert_eq!(first["version"], 1);
    assert_eq!(first["kind"], "save");
    assert_eq!(first["title"], "Groceries");
    assert_eq!(
        first["saved_by"],
        json!({"id": alice.id, "username": "alice"})
    );
    assert_eq!(
        (first["chars"].as_i64(), first["lines_added"].as_i64()),
        (Some(5), Some(1))
    );
    assert!(first.get("content").is_none(), "a list carries no text");
    assert_eq!(revision(&app, &alice, id, 1).await.1["content"], "eggs\n");

    // A pin alone, and a save of the same words: none.
    let (status, _) = app
        .call(&alice, Method::PATCH, &path, Some(json!({"pinned": true})))
        .await;
    assert_eq!(status, StatusCode::OK);
    put(&app, &alice, id, "Groceries", "eggs\nflour\n").await;
    assert_eq!(revisions(&app, &alice, id).await.len(), 1);

    // PATCH of the title alone: one, with the text unchanged.
    let (status, _) = app
        .call(
            &alice,
            Method::PATCH,
            &path,
            Some(json!({"title": "Shopping"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // An edit through a share: one, and the next revision says who saved that text.
    app.share(&alice, id, "bob", "edit").await;
    let (status, _) = app
        .call(
            &bob,
            Method::PATCH,
            &path,
            Some(json!({"content": "eggs\nflour\nmilk\n"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    put(&app, &alice, id, "Shopping", "eggs\nmilk\n").await;
    let kept = revisions(&app, &alice, id).await;
    assert_eq!(numbers(&kept), [4, 3, 2, 1], "newest first");
    assert_eq!(kept[2]["title"], "Groceries");
    assert_eq!(kept[1]["title"], "Shopping");
    assert_eq!(kept[1]["saved_by"]["username"], "alice");
    assert_eq!(
        kept[0]["saved_by"],
        json!({"id": bob.id, "username": "bob"})
    );
    assert_eq!(
        (
            kept[0]["lines_added"].as_i64(),
            kept[0]["lines_removed"].as_i64()
        ),
        (Some(1), Some(0)),
        "bob's version added milk"
    );

    // A text set aside: kept whole, the note unchanged.
    let before = app.call(&alice, Method::GET, &path, None).await.1;
    let (status, aside) = app
        .call(
            &bob,
            Method::POST,
            &format!("/api/notes/{id}/revisions/"),
            Some(json!({"title": "Mine", "content": "eggs\nbutter\n"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{aside}");
    assert_eq!(aside["kind"], "set_aside");
    assert_eq!(aside["revision"], 5);
    assert_eq!(aside["version"], Value::Null);
    assert_eq!(app.call(&alice, Method::GET, &path, None).await.1, before);
    assert_eq!(
        revision(&app, &alice, id, 5).await.1["content"],
        "eggs\nbutter\n"
    );

    // A restore: one (the text it replaced), and the note has the old words again.
    let restored = app
        .request(
            Method::POST,
            &format!("/api/notes/{id}/revisions/1/restore/"),
            Some(&alice.tokens.access),
            None,
        )
        .await;
    assert_eq!(restored.status(), StatusCode::OK);
    let restored: Value = restored.json().await.unwrap();
    assert_eq!(
        (restored["title"].as_str(), restored["content"].as_str()),
        (Some("Groceries"), Some("eggs\n"))
    );
    let kept = revisions(&app, &alice, id).await;
    assert_eq!(numbers(&kept), [6, 5, 4, 3, 2, 1]);
    assert_eq!(
        revision(&app, &alice, id, 6).await.1["content"],
        "eggs\nmilk\n"
    );

    // Every text is what it was, the exact versions in order.
    let texts = [
        "eggs\n",
        "eggs\nflour\n",
        "eggs\nflour\n",
        "eggs\nflour\nmilk\n",
    ];
    for (n, text) in texts.iter().enumerate() {
        let (_, whole) = revision(&app, &alice, id, n as i64 + 1).await;
        assert_eq!(whole["content"], *text, "revision {}", n + 1);
    }

    // Bob's name outlives his account on what he saved.
    let gone = app
        .send_as(
            &bob.tokens.access,
            Method::DELETE,
            "/api/user/",
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let kept = revisions(&app, &alice, id).await;
    let bobs = kept.iter().find(|r| r["revision"] == 4).unwrap();
    assert_eq!(bobs["saved_by"], json!({"id": bob.id, "username": "bob"}));
}

/// A long note edited many times: what every revision says comes back exactly, with
/// small edits stored as deltas and the whole text kept now and then.
#[tokio::test]
async fn a_long_note_saved_many_times_gives_back_every_version_exactly() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut text: String = (0..300)
        .map(|n| format!("Line {n}: the quick brown fox jumps over the lazy dog.\n"))
        .collect();
    let id = app.create_note(&alice, "Long", &text).await["id"]
        .as_i64()
        .unwrap();
    let mut versions = vec![text.clone()];
    for n in 0..40 {
        text = match n % 4 {
            0 => text.replacen("quick", "slow", 1),
            1 => format!("{text}A new line {n} ✓\n"),
            2 => text.replacen(&format!("Line {n}:"), "", 1),
            // Now and then most of it rewritten: a delta as large as the text.
            _ if n % 13 == 3 => text.chars().rev().collect(),
            _ => text.replacen("lazy", "sleepy", 2),
        };
        if Some(&text) == versions.last() {
            text.push_str(&format!("Edit {n}\n"));
        }
        put(&app, &alice, id, "Long", &text).await;
        versions.push(text.clone());
    }
    assert_eq!(revisions(&app, &alice, id).await.len(), 40);
    for (n, expected) in versions.iter().take(40).enumerate() {
        let (status, whole) = revision(&app, &alice, id, n as i64 + 1).await;
        assert_eq!(status, StatusCode::OK);
        assert!(whole["content"] == **expected, "revision {} differs", n + 1);
    }
    let stored = app
        .count_rows(&format!(
            "SELECT COUNT(*) FROM note_revisions WHERE note_id = {id} AND content IS NOT NULL"
        ))
        .await;
    assert!((1..40).contains(&stored), "{stored} of 40 kept whole");
}

#[tokio::test]
async fn a_diff_shows_lines_and_words_changed_with_three_lines_around() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let old: String = (1..=10).map(|n| format!("line {n}\n")).collect();
    let id = app.create_note(&alice, "Before", &old).await["id"]
        .as_i64()
        .unwrap();
    put(
        &app,
        &alice,
        id,
        "After",
        &old.replace("line 5\n", "line five\n"),
    )
    .await;
    let newest = old
        .replace("line 5\n", "line five\n")
        .replace("line 9\n", "");
    put(&app, &alice, id, "After", &newest).await;

    let diff = |path: &str| {
        let path = format!("/api/notes/{id}/revisions/{path}");
        let app = &app;
        let alice = &alice;
        async move { app.call(alice, Method::GET, &path, None).await }
    };
    // By default, revision 1 against the next one (2).
    let (status, one) = diff("1/diff/").await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(
        (one["from"].clone(), one["to"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(one["title"], json!({"from": "Before", "to": "After"}));
    let hunks = one["hunks"].as_array().unwrap();
    assert_eq!(hunks.len(), 1);
    assert_eq!(
        (
            hunks[0]["old_start"].as_u64(),
            hunks[0]["new_start"].as_u64()
        ),
        (Some(2), Some(2))
    );
    let lines: Vec<(String, String)> = hunks[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["op"].as_str().unwrap().into(),
                l["text"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("equal", "line 2"),
        ("equal", "line 3"),
        ("equal", "line 4"),
        ("delete", "line 5"),
        ("insert", "line five"),
        ("equal", "line 6"),
        ("equal", "line 7"),
        ("equal", "line 8"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(lines, expected);
    assert_eq!(
        hunks[0]["lines"][4]["spans"],
        json!([{"start": 5, "end": 9}])
    );

    // The newest revision against the note itself, and any two named.
    let (_, two) = diff("2/diff/").await;
    assert_eq!(two["to"], "current");
    let deleted: Vec<&Value> = two["hunks"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["op"] != "equal")
        .collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        (deleted[0]["op"].as_str(), deleted[0]["text"].as_str()),
        (Some("delete"), Some("line 9"))
    );
    // Against the note itself: both changes, close enough for one stretch.
    let (_, against_current) = diff("1/diff/?against=current").await;
    let changed: Vec<&str> = against_current["hunks"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["op"] != "equal")
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["line 5", "line five", "line 9"]);
    let (_, backwards) = diff("2/diff/?against=1").await;
    assert_eq!(backwards["to"], 1);
    let (_, same) = diff("2/diff/?against=2").await;
    assert_eq!(same["hunks"], json!([]));

    let (status, bad) = diff("1/diff/?against=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad["against"].is_array(), "{bad}");
    assert_eq!(diff("1/diff/?against=9").await.0, StatusCode::NOT_FOUND);
    assert_eq!(diff("9/diff/").await.0, StatusCode::NOT_FOUND);
    assert_eq!(diff("0/diff/").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_restore_names_the_version_it_replaces_and_a_stale_one_is_refused() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let id = app.create_note(&alice, "Plan", "first\n").await["id"]
        .as_i64()
        .unwrap();
    put(&app, &alice, id, "Plan", "second\n").await;
    put(&app, &alice, id, "Plan", "third\n").await;
    let restore = format!("/api/notes/{id}/revisions/1/restore/");

    let stale = app
        .send_if_match(&alice.tokens.access, Method::POST, &restore, "\"2\"", None)
        .await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let note = app
        .call(&alice, Method::GET, &format!("/api/notes/{id}/"), None)
        .await
        .1;
    assert_eq!(note["content"], "third\n");
    assert_eq!(
        revisions(&app, &alice, id).await.len(),
        2,
        "a refused restore keeps nothing"
    );

    let done = app
        .send_if_match(&alice.tokens.access, Method::POST, &restore, "\"3\"", None)
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(etag(&done), "\"4\"");
    let (_, note) = status_json(done).await;
    assert_eq!(note["content"], "first\n");
    let kept = revisions(&app, &alice, id).await;
    assert_eq!(
        (kept[0]["revision"].as_i64(), kept[0]["version"].as_i64()),
        (Some(3), Some(3))
    );
    assert_eq!(revision(&app, &alice, id, 3).await.1["content"], "third\n");
    let missing = format!("/api/notes/{id}/revisions/7/restore/");
    assert_eq!(
        app.call(&alice, Method::POST, &missing, None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn history_goes_to_the_trash_with_its_note_and_is_deleted_with_it() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let id = app.create_note(&alice, "Draft", "one\n").await["id"]
        .as_i64()
        .unwrap();
    put(&app, &alice, id, "Draft", "two\n").await;
    let note = format!("/api/notes/{id}/");
    assert_eq!(
        app.call(&alice, Method::DELETE, &note, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(revision(&app, &alice, id, 1).await.0, StatusCode::NOT_FOUND);
    let list = format!("/api/notes/{id}/revisions/");
    assert_eq!(
        app.call(&alice, Method::GET, &list, None).await.0,
        StatusCode::NOT_FOUND
    );

    let back = format!("/api/notes/{id}/restore/");
    assert_eq!(
        app.call(&alice, Method::POST, &back, None).await.0,
        StatusCode::OK
    );
    assert_eq!(revision(&app, &alice, id, 1).await.1["content"], "one\n");

    let rows = format!("SELECT COUNT(*) FROM note_revisions WHERE note_id = {id}");
    assert_eq!(app.count_rows(&rows).await, 1);
    assert_eq!(
        app.call(&alice, Method::DELETE, &note, None).await.0,
        StatusCode::NO_CONTENT
    );
    let purge = format!("/api/notes/trash/{id}/");
    assert_eq!(
        app.call(&alice, Method::DELETE, &purge, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.count_rows(&rows).await, 0);

    // Emptying the trash, and deleting the account, take history with them too.
    let other = app.create_note(&alice, "Other", "a\n").await["id"]
        .as_i64()
        .unwrap();
    put(&app, &alice, other, "Other", "b\n").await;
    let kept = app.create_note(&alice, "Kept", "c\n").await["id"]
        .as_i64()
        .unwrap();
    put(&app, &alice, kept, "Kept", "d\n").await;
    app.call(
        &alice,
        Method::DELETE,
        &format!("/api/notes/{other}/"),
        None,
    )
    .await;
    assert_eq!(
        app.call(&alice, Method::DELETE, "/api/notes/trash/", None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let all = "SELECT COUNT(*) FROM note_revisions";
    assert_eq!(app.count_rows(all).await, 1);
    let gone = app
        .send_as(
            &alice.tokens.access,
            Method::DELETE,
            "/api/user/",
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.count_rows(all).await, 0);
}

#[tokio::test]
async fn people_a_note_is_shared_with_see_what_was_kept_since_and_strangers_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let mallory = app.user("mallory").await;
    let id = app
        .create_note(&alice, "Plan", "private first draft\n")
        .await["id"]
        .as_i64()
        .unwrap();
    put(&app, &alice, id, "Plan", "shared draft\n").await;
    // A share made a moment later: a second-granularity clock cannot blur the order.
    tokio::time::sleep(Duration::from_millis(20)).await;
    app.share(&alice, id, "bob", "edit").await;
    app.share(&alice, id, "carol", "read").await;
    put(&app, &alice, id, "Plan", "final\n").await;

    assert_eq!(numbers(&revisions(&app, &alice, id).await), [2, 1]);
    assert_eq!(numbers(&revisions(&app, &bob, id).await), [2]);
    assert_eq!(numbers(&revisions(&app, &carol, id).await), [2]);
    assert_eq!(
        revision(&app, &bob, id, 1).await.0,
        StatusCode::NOT_FOUND,
        "from before the share"
    );
    assert_eq!(
        revision(&app, &carol, id, 2).await.1["content"],
        "shared draft\n"
    );
    let diff = format!("/api/notes/{id}/revisions/2/diff/?against=1");
    assert_eq!(
        app.call(&bob, Method::GET, &diff, None).await.0,
        StatusCode::NOT_FOUND
    );

    // To read is not to restore or set aside.
    let restore = format!("/api/notes/{id}/revisions/2/restore/");
    let aside = format!("/api/notes/{id}/revisions/");
    let text = json!({"title": "Mine", "content": "mine\n"});
    assert_eq!(
        app.call(&carol, Method::POST, &restore, None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(&carol, Method::POST, &aside, Some(text.clone()))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, note) = app.call(&bob, Method::POST, &restore, None).await;
    assert_eq!(
        (status, note["content"].as_str()),
        (StatusCode::OK, Some("shared draft\n"))
    );

    // A stranger finds nothing, whatever they ask.
    for (method, path, body) in [
        (Method::GET, aside.clone(), None),
        (Method::POST, aside.clone(), Some(text.clone())),
        (Method::GET, format!("/api/notes/{id}/revisions/1/"), None),
        (
            Method::GET,
            format!("/api/notes/{id}/revisions/1/diff/"),
            None,
        ),
        (
            Method::POST,
            format!("/api/notes/{id}/revisions/1/restore/"),
            None,
        ),
    ] {
        let (status, body) = app.call(&mallory, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    // Nor does a bad set-aside text make one.
    let (status, errors) = app
        .call(
            &bob,
            Method::POST,
            &aside,
            Some(json!({"title": "", "content": "   "})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        errors["title"].is_array() && errors["content"].is_array(),
        "{errors}"
    );
}

#[tokio::test]
async fn thinning_keeps_the_last_of_each_day_and_every_text_it_keeps() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let texts: Vec<String> = (0..7)
        .map(|n| {
            (0..50)
                .map(|l| format!("line {l} of version {}\n", if l == n * 7 { n } else { 0 }))
                .collect()
        })
        .collect();
    let id = app.create_note(&alice, "Log", &texts[0]).await["id"]
        .as_i64()
        .unwrap();
    for text in &texts[1..] {
        put(&app, &alice, id, "Log", text).await;
    }
    app.call(
        &alice,
        Method::POST,
        &format!("/api/notes/{id}/revisions/"),
        Some(json!({"title": "Aside", "content": "set aside\n"})),
    )
    .await;
    // Revisions 1-2 saved three days ago, 3-4 two days ago; 5-6 (and the set-aside 7) now.
    let backend = app.backend();
    for (numbers, days) in [("1, 2", 3), ("3, 4", 2)] {
        let at = chrono::Utc::now() - chrono::Duration::days(days);
        let sql = format!(
            "UPDATE note_revisions SET saved_at = '{}', day = {} WHERE note_id = {id} AND revision IN ({numbers})",
            match backend {
                sea_orm::DbBackend::Postgres => at.to_rfc3339(),
                _ => at.format("%Y-%m-%d %H:%M:%S%.f%:z").to_string(),
            },
            at.timestamp().div_euclid(86_400),
        );
        use sea_orm::ConnectionTrait;
        app.state.writer.execute_unprepared(&sql).await.unwrap();
    }
    let retention = Retention::new(Duration::from_secs(3600), Duration::from_secs(30 * 86_400));
    let gone = thinning::thin(&app.state.writer, retention, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(gone, 2);
    assert_eq!(numbers(&revisions(&app, &alice, id).await), [7, 6, 5, 4, 2]);
    for n in [2, 4, 5, 6] {
        let (_, whole) = revision(&app, &alice, id, n).await;
        assert!(
            whole["content"] == texts[n as usize - 1],
            "revision {n} after thinning"
        );
    }
    assert_eq!(
        revision(&app, &alice, id, 7).await.1["content"],
        "set aside\n"
    );
    // A second pass finds nothing more; `off` never thins.
    assert_eq!(
        thinning::thin(&app.state.writer, retention, chrono::Utc::now())
            .await
            .unwrap(),
        0
    );
    let later = chrono::Utc::now() + chrono::Duration::days(1);
    assert_eq!(
        thinning::thin(&app.state.writer, Retention::OFF, later)
            .await
            .unwrap(),
        0
    );
    // The next revision is numbered past every one there was.
    put(&app, &alice, id, "Log", "new\n").await;
    assert_eq!(numbers(&revisions(&app, &alice, id).await)[0], 8);
}

/// Writers racing without `If-Match` all win, one after another, and each keeps exactly
/// the text it replaced: every version once, in order.
#[tokio::test]
async fn racing_unconditional_saves_each_keep_the_text_they_replaced() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let id = app.create_note(&alice, "Race", "start\n").await["id"]
        .as_i64()
        .unwrap();
    let saves: Vec<_> = (0..8)
        .map(|n| {
            let client = app.client.clone();
            let url = app.url(&format!("/api/notes/{id}/"));
            let token = alice.tokens.access.clone();
            tokio::spawn(async move {
                client
                    .put(url)
                    .bearer_auth(token)
                    .json(&json!({"title": "Race", "content": format!("writer {n}\n")}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    for save in saves {
        assert_eq!(save.await.unwrap(), StatusCode::OK);
    }
    let kept = revisions(&app, &alice, id).await;
    let versions: Vec<i64> = kept
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [8, 7, 6, 5, 4, 3, 2, 1]);
    // Each version's text is the one the save that made it wrote.
    let note = app
        .call(&alice, Method::GET, &format!("/api/notes/{id}/"), None)
        .await
        .1;
    let mut seen = vec![note["content"].as_str().unwrap().to_owned()];
    for n in 1..=8 {
        seen.push(
            revision(&app, &alice, id, n).await.1["content"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    seen.sort();
    let mut expected: Vec<String> = (0..8).map(|n| format!("writer {n}\n")).collect();
    expected.push("start\n".into());
    expected.sort();
    assert_eq!(seen, expected);
}
