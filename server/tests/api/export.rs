//! Export and import: a person takes all their notes out, as JSON or a zip of Markdown
//! files, and brings them back in, whole, once, or not at all.

use crate::helpers::{TestApp, TestUser, status_json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::{Read, Write};

pub(crate) async fn export(app: &TestApp, user: &TestUser, query: &str) -> reqwest::Response {
    let response = app
        .get_as(&user.tokens.access, &format!("/api/notes/export/{query}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "export {query}");
    response
}

pub(crate) async fn import(
    app: &TestApp,
    user: &TestUser,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url("/api/notes/import/"))
        .bearer_auth(&user.tokens.access)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    status_json(response).await
}

/// What a person wrote, without ids or whose it is, in creation order.
fn written(notes: &Value) -> Vec<Value> {
    let mut notes: Vec<Value> = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            json!([
                n["title"],
                n["content"],
                n["pinned"],
                n["created_at"],
                n["updated_at"]
            ])
        })
        .collect();
    notes.sort_by_key(|n| n[3].as_str().unwrap().to_owned());
    notes
}

/// Alice's notes: tags, a pin, awkward titles, and one in the trash.
async fn alice_writes(app: &TestApp) -> TestUser {
    let alice = app.user("alice").await;
    app.create_note(&alice, "Groceries", "Eggs, #home").await;
    let plans = app
        .create_note(&alice, "Plans: Monday?", "#work/meetings\nat ten")
        .await;
    app.send_as(
        &alice.tokens.access,
        Method::PATCH,
        &format!("/api/notes/{}/", plans["id"]),
        json!({"pinned": true}),
    )
    .await;
    app.create_note(&alice, "groceries", "a second list, same name")
        .await;
    let old = app.create_note(&alice, "Old", "thrown away").await;
    app.request(
        Method::DELETE,
        &format!("/api/notes/{}/", old["id"]),
        Some(&alice.tokens.access),
        None,
    )
    .await;
    alice
}

#[tokio::test]
async fn a_json_export_imported_into_another_account_gives_the_same_notes_once() {
    let app = TestApp::spawn().await;
    let alice = alice_writes(&app).await;
    let response = export(&app, &alice, "?format=json").await;
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"notes-")
    );
    let document: Value = response.json().await.unwrap();
    let notes = &document["notes"];
    assert_eq!(
        notes.as_array().unwrap().len(),
        3,
        "the trash stays out: {document}"
    );
    let plans = notes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["title"] == "Plans: Monday?")
        .unwrap();
    assert_eq!(plans["tags"], json!(["work/meetings"]));
    assert_eq!(plans["pinned"], true);

    let bob = app.user("bob").await;
    let body = serde_json::to_vec(&document).unwrap();
    let (status, result) = import(&app, &bob, "application/json", body.clone()).await;
    assert_eq!(
        (status, result),
        (StatusCode::OK, json!({"created": 3, "skipped": 0}))
    );
    assert_eq!(
        written(&app.notes(&bob.tokens.access).await),
        written(&app.notes(&alice.tokens.access).await)
    );
    let (_, tags) = status_json(app.get_as(&bob.tokens.access, "/api/tags/").await).await;
    assert_eq!(
        tags,
        json!([{"name": "home", "count": 1}, {"name": "work/meetings", "count": 1}])
    );

    let (status, again) = import(&app, &bob, "application/json", body).await;
    assert_eq!(
        (status, again),
        (StatusCode::OK, json!({"created": 0, "skipped": 3}))
    );
    assert_eq!(
        app.notes(&bob.tokens.access)
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn a_compressed_export_arrives_whole() {
    let app = TestApp::spawn().await;
    let alice = alice_writes(&app).await;
    let response = app
        .client
        .get(app.url("/api/notes/export/"))
        .bearer_auth(&alice.tokens.access)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let gzipped = response.bytes().await.expect("the body ends as it should");
    let mut json = String::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_string(&mut json)
        .unwrap();
    let document: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(document["notes"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn the_markdown_export_is_a_zip_any_reader_opens_and_it_imports_back_trash_and_all() {
    let app = TestApp::spawn().await;
    let alice = alice_writes(&app).await;
    let response = export(&app, &alice, "?format=markdown&trash=true").await;
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.unwrap().to_vec();

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Groceries.md",
            "Plans_ Monday_.md",
            "groceries (2).md",
            "trash/Old.md"
        ]
    );
    let mut text = String::new();
    archive
        .by_name("Plans_ Monday_.md")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.starts_with("---\nid: "), "{text}");
    assert!(
        text.contains("\ntitle: \"Plans: Monday?\"\ntags: [\"work/meetings\"]\npinned: true\n"),
        "{text}"
    );
    assert!(text.ends_with("\n---\n#work/meetings\nat ten"), "{text}");

    let bob = app.user("bob").await;
    let (status, result) = import(&app, &bob, "application/zip", bytes).await;
    assert_eq!(
        (status, result),
        (StatusCode::OK, json!({"created": 4, "skipped": 0}))
    );
    assert_eq!(
        written(&app.notes(&bob.tokens.access).await),
        written(&app.notes(&alice.tokens.access).await)
    );
    let (_, trash) = status_json(app.get_as(&bob.tokens.access, "/api/notes/trash/").await).await;
    assert_eq!(trash[0]["title"], "Old");
}

pub(crate) fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn two_imports_of_one_file_at_once_add_its_notes_once() {
    let app = TestApp::spawn().await;
    // Long enough that the two transactions overlap.
    let notes: Vec<Value> = (0..2000)
        .map(|n| json!({"title": format!("Note {n}"), "content": "text", "created_at": "2026-01-01T00:00:00Z"}))
        .collect();
    let body = serde_json::to_vec(&json!({ "notes": notes })).unwrap();
    let bob = app.user("bob").await;
    let (one, two) = tokio::join!(
        import(&app, &bob, "application/json", body.clone()),
        import(&app, &bob, "application/json", body),
    );
    assert_eq!((one.0, two.0), (StatusCode::OK, StatusCode::OK));
    let created = one.1["created"].as_u64().unwrap() + two.1["created"].as_u64().unwrap();
    assert_eq!(created, 2000, "{:?} {:?}", one.1, two.1);
    assert_eq!(app.count_rows("SELECT COUNT(*) FROM notes").await, 2000);
}

#[tokio::test]
async fn a_few_exports_run_at_once_and_another_hears_when_to_try_again() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    // 20 MB of JSON: more than loopback's buffers hold, so an unread download stays open.
    let text = "x".repeat(1000);
    app.insert_notes(
        &alice,
        (0..20_000).map(|n| (format!("Note {n}"), text.clone())),
    )
    .await;
    let mut running = Vec::new();
    for _ in 0..server::notes::export::AT_ONCE {
        running.push(export(&app, &alice, "").await);
    }
    let refused = app.get_as(&alice.tokens.access, "/api/notes/export/").await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.headers().contains_key("retry-after"));
    // One download read to its end (or given up) makes room.
    let whole = running.pop().unwrap().bytes().await.unwrap();
    assert!(whole.len() > 20_000_000);
    export(&app, &alice, "?format=markdown").await;
}

#[tokio::test]
async fn markdown_written_by_hand_imports_once_however_often_it_is_sent() {
    let app = TestApp::spawn().await;
    let bob = app.user("bob").await;
    let zip = zip_of(&[
        ("Shopping list.md", b"- milk\n- eggs #home"),
        ("notes.txt", b"not a note"),
    ]);
    let (status, first) = import(&app, &bob, "application/zip", zip.clone()).await;
    assert_eq!(
        (status, first),
        (StatusCode::OK, json!({"created": 1, "skipped": 0}))
    );
    let (status, again) = import(&app, &bob, "application/zip", zip).await;
    assert_eq!(
        (status, again),
        (StatusCode::OK, json!({"created": 0, "skipped": 1}))
    );
    let notes = app.notes(&bob.tokens.access).await;
    assert_eq!(notes[0]["title"], "Shopping list");
    assert_eq!(notes[0]["content"], "- milk\n- eggs #home");
}

#[tokio::test]
async fn a_bad_file_is_named_with_what_is_wrong_and_imports_nothing() {
    let app = TestApp::spawn_with(&[("IMPORT_MAX_MB", "1")]).await;
    let bob = app.user("bob").await;
    let good = json!({"title": "Fine", "content": "ok", "created_at": "2026-01-01T00:00:00Z"});
    let cases: Vec<(&str, Vec<u8>, Value)> = vec![
        ("application/json", b"{\"notes\": [".to_vec(), json!("file")),
        ("application/json", b"{\"items\": 3}".to_vec(), json!("file")),
        (
            "application/json",
            serde_json::to_vec(&json!({"notes": [good, {"title": "", "content": "x", "created_at": "2026-01-01T00:00:00Z"}]})).unwrap(),
            json!({"notes[1]": ["title: This field may not be blank."]}),
        ),
        (
            "application/json",
            serde_json::to_vec(&json!([good, {"title": "When", "content": "x", "created_at": "yesterday"}])).unwrap(),
            json!({"notes[1]": ["created_at: \"yesterday\" is not a date and time (RFC 3339)."]}),
        ),
        (
            // Read no further than the first entry that is not a note.
            "application/json",
            serde_json::to_vec(&json!([good, {"title": "No content"}, 7])).unwrap(),
            json!("notes[1]"),
        ),
        ("application/json", b"[0, 0, 0]".to_vec(), json!("notes[0]")),
        ("application/zip", b"PK not really".to_vec(), json!("file")),
        (
            "application/zip",
            zip_of(&[("fine.md", b"fine"), ("../../escape.md", b"x")]),
            json!({"../../escape.md": ["A path that leaves the archive."]}),
        ),
        (
            "application/zip",
            zip_of(&[("notes/bad.md", b"---\ntitle: x\n")]),
            json!({"notes/bad.md": ["the front matter has no closing `---`"]}),
        ),
        (
            // A bomb: 5 MB of zeros packs into a few kilobytes, over 4 x 1 MB unpacked.
            "application/zip",
            zip_of(&[("bomb.md", &vec![b'a'; 5_000_000])]),
            json!("file"),
        ),
    ];
    for (content_type, body, expected) in cases {
        let (status, errors) = import(&app, &bob, content_type, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{errors}");
        match expected {
            Value::String(field) => {
                assert!(errors[&field].is_array(), "{errors}");
                assert_eq!(errors.as_object().unwrap().len(), 1, "{errors}");
            }
            expected => assert_eq!(errors, expected),
        }
    }
    assert_eq!(
        app.notes(&bob.tokens.access).await,
        json!([]),
        "nothing imported"
    );

    let (status, _) = import(&app, &bob, "text/plain", b"notes".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, body) = import(&app, &bob, "application/json", vec![b' '; 1_000_001]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let (status, body) = status_json(
        app.get_as(&bob.tokens.access, "/api/notes/export/?format=pdf")
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"format": ["Must be json or markdown."]})
        )
    );
}
