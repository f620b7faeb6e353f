//! Attachments: a person uploads a file, their notes refer to it by URL, and the file is
//! served only by the note access rule, safely, in ranges and revalidated. The script
//! runs these tests once per backend (`TEST_ATTACHMENT_STORAGE`).

use crate::helpers::{TestApp, TestUser, status_json};
use chrono::Utc;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, Response, StatusCode, header};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// A PNG's signature and header, then `size` bytes standing for its pixels.
fn png(size: usize) -> Vec<u8> {
    let mut bytes =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0\x90\x91h6".to_vec();
    bytes.extend((0..size).map(|i| (i * 7 % 251) as u8));
    bytes
}

impl TestApp {
    /// Uploads `bytes` as `name` for `user`, claiming `claimed` as its type.
    async fn upload_as(
        &self,
        user: &TestUser,
        name: &str,
        claimed: &str,
        bytes: Vec<u8>,
    ) -> Response {
        let part = Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(claimed)
            .unwrap();
        self.client
            .post(self.url("/api/attachments/"))
            .bearer_auth(&user.tokens.access)
            .multipart(Form::new().part("file", part))
            .send()
            .await
            .expect("the server answers")
    }

    /// Uploads a file that must be taken; answers what the server says of it.
    async fn attach(&self, user: &TestUser, name: &str, bytes: Vec<u8>) -> Value {
        let response = self
            .upload_as(user, name, "application/octet-stream", bytes)
            .await;
        let (status, file) = status_json(response).await;
        assert_eq!(status, StatusCode::CREATED, "{file}");
        file
    }

    /// `GET` of a path with these headers, as `user` if any.
    async fn fetch(
        &self,
        user: Option<&TestUser>,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(user) = user {
            request = request.bearer_auth(&user.tokens.access);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("the server answers")
    }

    async fn attachments(&self, user: &TestUser) -> Value {
        let (status, list) = self
            .call(user, Method::GET, "/api/attachments/", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        list
    }
}

fn path_of(file: &Value) -> String {
    file["url"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_file_uploads_lists_and_downloads_as_it_was() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bytes = png(3 * 1024 * 1024 + 17);
    let file = app.attach(&alice, "whiteboard.png", bytes.clone()).await;
    assert_eq!(file["name"], "whiteboard.png");
    assert_eq!(file["content_type"], "image/png");
    assert_eq!(file["size"], bytes.len());
    assert_eq!(file["sha256"], hex::encode(Sha256::digest(&bytes)));
    let id = file["id"].as_str().unwrap();
    assert_eq!(file["url"], format!("/api/attachments/{id}/"));

    let list = app.attachments(&alice).await;
    assert_eq!(list["used"], bytes.len());
    assert_eq!(list["quota"], 1_024_000_000u64);
    assert_eq!(list["results"][0]["id"], id);

    let got = app.fetch(Some(&alice), &path_of(&file), &[]).await;
    assert_eq!(got.status(), StatusCode::OK);
    let h = got.headers().clone();
    assert_eq!(h[header::CONTENT_TYPE], "image/png");
    assert!(
        h[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::CONTENT_SECURITY_POLICY], "sandbox");
    assert!(
        h[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("private")
    );
    assert_eq!(h[header::CONTENT_LENGTH], bytes.len().to_string().as_str());
    assert!(
        h.get(header::CONTENT_ENCODING).is_none(),
        "a file is sent as it is"
    );
    assert_eq!(got.bytes().await.unwrap(), bytes);
}

#[tokio::test]
async fn a_file_is_revalidated_by_its_etag_and_read_in_ranges() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bytes = png(2 * 1024 * 1024);
    let file = app.attach(&alice, "video.png", bytes.clone()).await;
    let path = path_of(&file);
    let etag = format!("\"{}\"", file["sha256"].as_str().unwrap());

    let again = app
        .fetch(Some(&alice), &path, &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    let other = app
        .fetch(Some(&alice), &path, &[("if-none-match", "\"other\"")])
        .await;
    assert_eq!(other.status(), StatusCode::OK);

    // Across the database's 1 MiB chunks.
    let (from, to) = (1_048_570usize, 1_048_600usize);
    let part = app
        .fetch(
            Some(&alice),
            &path,
            &[("range", &format!("bytes={from}-{to}"))],
        )
        .await;
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()[header::CONTENT_RANGE],
        format!("bytes {from}-{to}/{}", bytes.len()).as_str()
    );
    assert_eq!(part.bytes().await.unwrap(), &bytes[from..=to]);

    let tail = app
        .fetch(Some(&alice), &path, &[("range", "bytes=-10")])
        .await;
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap(), &bytes[bytes.len() - 10..]);

    let past = app
        .fetch(
            Some(&alice),
            &path,
            &[("range", &format!("bytes={}-", bytes.len()))],
        )
        .await;
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        past.headers()[header::CONTENT_RANGE],
        format!("bytes */{}", bytes.len()).as_str()
    );

    // A range of another version of the file than the client holds: the whole file.
    let stale = app
        .fetch(
            Some(&alice),
            &path,
            &[("range", "bytes=0-1"), ("if-range", "\"older\"")],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::OK);
    assert_eq!(stale.bytes().await.unwrap().len(), bytes.len());
}

#[tokio::test]
async fn an_svg_or_html_file_is_downloaded_never_shown() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let svg =
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.domain)</script></svg>";
    for (name, claimed, bytes) in [
        ("logo.svg", "image/svg+xml", svg.to_vec()),
        (
            "page.html",
            "text/html",
            b"<html><script>alert(1)</script></html>".to_vec(),
        ),
        // A claim of an image does not make one.
        ("photo.png", "image/png", svg.to_vec()),
    ] {
        let (status, file) = status_json(app.upload_as(&alice, name, claimed, bytes).await).await;
        assert_eq!(status, StatusCode::CREATED, "{file}");
        assert!(
            !file["content_type"].as_str().unwrap().starts_with("image/"),
            "{file}"
        );
        let got = app.fetch(Some(&alice), &path_of(&file), &[]).await;
        let h = got.headers();
        assert!(
            h[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .starts_with("attachment;"),
            "{name}"
        );
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], "sandbox");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}

/// The media types the API document gives a download's `status`.
async fn documented_download_types(app: &TestApp, status: &str) -> Vec<String> {
    let (_, doc) = status_json(
        app.client
            .get(app.url("/api/schema/"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let content = &doc["paths"]["/api/attachments/{id}/"]["get"]["responses"][status]["content"];
    content.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn the_api_document_allows_every_type_a_download_answers() {
    // Schemathesis checks each answer's type against the document; a download is typed by
    // its bytes, so the document must not name one type.
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    for status in ["200", "206"] {
        assert_eq!(documented_download_types(&app, status).await, ["*/*"]);
    }
    let mut answered = Vec::new();
    for (name, bytes) in [
        ("whiteboard.png", png(64)),
        (
            "report.pdf",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".to_vec(),
        ),
        ("notes.bin", vec![0u8; 64]),
    ] {
        let file = app.attach(&alice, name, bytes).await;
        let got = app.fetch(Some(&alice), &path_of(&file), &[]).await;
        answered.push(
            got.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(
        answered,
        ["image/png", "application/pdf", "application/octet-stream"]
    );
}

#[tokio::test]
async fn bad_uploads_get_a_clear_error_and_leave_nothing() {
    let app = TestApp::spawn_with(&[("ATTACHMENT_MAX_MB", "1")]).await;
    let alice = app.user("alice").await;
    let detail = |v: &Value| v["detail"].as_str().unwrap_or_default().to_owned();

    let (status, body) = status_json(
        app.upload_as(&alice, "big.bin", "application/pdf", vec![7; 1_000_001])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(detail(&body).contains("1 MB"), "{body}");

    let (status, body) = status_json(
        app.upload_as(&alice, "empty.txt", "text/plain", Vec::new())
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(detail(&body).contains("empty"), "{body}");

    let no_file = app
        .client
        .post(app.url("/api/attachments/"))
        .bearer_auth(&alice.tokens.access)
        .multipart(Form::new().text("note", "hello"))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(no_file).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(detail(&body).contains("\"file\""), "{body}");

    let json = app
        .send_as(
            &alice.tokens.access,
            Method::POST,
            "/api/attachments/",
            json!({"file": "x"}),
        )
        .await;
    assert_eq!(json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let broken = app
        .client
        .post(app.url("/api/attachments/"))
        .bearer_auth(&alice.tokens.access)
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nunfinished")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);

    let anonymous = app
        .client
        .post(app.url("/api/attachments/"))
        .multipart(Form::new().part("file", Part::bytes(png(10)).file_name("a.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let list = app.attachments(&alice).await;
    assert_eq!(list["results"], json!([]));
    assert_eq!(list["used"], 0);
    assert_eq!(app.count_rows("SELECT COUNT(*) FROM attachments").await, 0);
    assert_eq!(
        app.count_rows("SELECT COUNT(*) FROM attachment_chunks")
            .await,
        0
    );

    // A name with folders or control characters is cleaned, and the file taken.
    let file = app.attach(&alice, "../../etc/pass\twd", png(10)).await;
    assert_eq!(file["name"], "passwd");
}

#[tokio::test]
async fn the_quota_says_what_is_used_and_allowed() {
    let app = TestApp::spawn_with(&[("STORAGE_QUOTA_MB", "1")]).await;
    let alice = app.user("alice").await;
    app.attach(&alice, "first.png", png(600_000)).await;
    let (status, body) = status_json(
        app.upload_as(&alice, "second.png", "image/png", png(600_000))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("600033") && detail.contains("1000000"),
        "{detail}"
    );
    assert_eq!(
        app.attachments(&alice).await["results"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Another person's quota is their own.
    let bob = app.user("bob").await;
    app.attach(&bob, "mine.png", png(600_000)).await;
}

#[tokio::test]
async fn a_file_is_read_only_through_a_note_of_its_owners_that_refers_to_it() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let file = app.attach(&alice, "receipt.png", png(100)).await;
    let path = path_of(&file);
    let status = |r: Response| r.status();

    // Another person, even knowing the id, finds nothing; nor does anyone without a token.
    assert_eq!(
        status(app.fetch(Some(&bob), &path, &[]).await),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(app.fetch(None, &path, &[]).await),
        StatusCode::UNAUTHORIZED
    );
    let bobs_delete = app.call(&bob, Method::DELETE, &path, None).await.0;
    assert_eq!(bobs_delete, StatusCode::NOT_FOUND);
    // Pasting it into a note of one's own does not open it.
    app.create_note(&bob, "stolen", &format!("![x]({path})"))
        .await;
    assert_eq!(
        status(app.fetch(Some(&bob), &path, &[]).await),
        StatusCode::NOT_FOUND
    );

    // A note of alice's that refers to it, shared with bob, does.
    let note = app
        .create_note(&alice, "Lunch", &format!("![receipt]({path})"))
        .await;
    let id = note["id"].as_i64().unwrap();
    assert_eq!(
        status(app.fetch(Some(&bob), &path, &[]).await),
        StatusCode::NOT_FOUND
    );
    let share = app.share(&alice, id, "bob", "read").await;
    assert_eq!(
        status(app.fetch(Some(&bob), &path, &[]).await),
        StatusCode::OK
    );
    // Bob's own note referring to it still counts for nothing: only alice's.
    let other = app.attach(&alice, "other.png", png(50)).await;
    assert_eq!(
        status(app.fetch(Some(&bob), &path_of(&other), &[]).await),
        StatusCode::NOT_FOUND
    );

    app.call(
        &alice,
        Method::DELETE,
        &format!("/api/notes/{id}/shares/{}/", share["id"]),
        None,
    )
    .await;
    assert_eq!(
        status(app.fetch(Some(&bob), &path, &[]).await),
        StatusCode::NOT_FOUND
    );

    // Through a link: the page shows it, and only files its note refers to are served.
    let (made, link) = app
        .call(
            &alice,
            Method::POST,
            &format!("/api/notes/{id}/links/"),
            Some(json!({})),
        )
        .await;
    assert_eq!(made, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().unwrap();
    let page_path = &url[url.find("/s/").unwrap()..];
    let page = app.fetch(None, page_path, &[]).await.text().await.unwrap();
    let file_id = file["id"].as_str().unwrap();
    let served = format!("{page_path}/attachments/{file_id}/");
    assert!(
        page.contains(&format!("src=\"{served}?size=preview\"")),
        "{page}"
    );
    let got = app.fetch(None, &served, &[]).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap(), png(100));
    let not_in_note = format!("{page_path}/attachments/{}/", other["id"].as_str().unwrap());
    assert_eq!(
        status(app.fetch(None, &not_in_note, &[]).await),
        StatusCode::NOT_FOUND
    );
    let wrong_link = format!("/s/AAAAAAAAAAAAAAAAAAAAAA/attachments/{file_id}/");
    assert_eq!(
        status(app.fetch(None, &wrong_link, &[]).await),
        StatusCode::NOT_FOUND
    );

    // Deleted by its owner, it is gone for everyone.
    assert_eq!(
        app.call(&alice, Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status(app.fetch(Some(&alice), &path, &[]).await),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(app.fetch(None, &served, &[]).await),
        StatusCode::NOT_FOUND
    );
}

/// Big-endian EXIF data with an orientation and a GPS block (a latitude).
fn exif_with_gps() -> Vec<u8> {
    let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
    t.extend_from_slice(&[0, 2]);
    t.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    t.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    t.extend_from_slice(&[0, 0, 0, 0]);
    t.extend_from_slice(&[0, 1]);
    t.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 56]);
    t.extend_from_slice(&[0, 0, 0, 0]);
    for (n, d) in [(52u32, 1u32), (31, 1), (1234, 100)] {
        t.extend_from_slice(&n.to_be_bytes());
        t.extend_from_slice(&d.to_be_bytes());
    }
    t
}

#[tokio::test]
async fn a_photos_location_is_removed_at_upload() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let exif = exif_with_gps();
    let mut jpeg = b"\xff\xd8\xff\xe1".to_vec();
    jpeg.extend_from_slice(&((exif.len() + 8) as u16).to_be_bytes());
    jpeg.extend_from_slice(b"Exif\0\0");
    jpeg.extend_from_slice(&exif);
    jpeg.extend_from_slice(b"\xff\xda\0\x08scan data \xff\xd9");
    let gps = |exif: &[u8]| {
        exif::Reader::new()
            .read_raw(exif.to_vec())
            .unwrap()
            .fields()
            .filter(|f| f.tag.context() == exif::Context::Gps)
            .count()
    };
    assert_eq!(gps(&exif), 1);
    let file = app.attach(&alice, "photo.jpg", jpeg.clone()).await;
    assert_eq!(file["content_type"], "image/jpeg");
    let kept = app
        .fetch(Some(&alice), &path_of(&file), &[])
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(kept.len(), jpeg.len());
    assert_eq!(gps(&kept[12..12 + exif.len()]), 0);
    assert_eq!(file["sha256"], hex::encode(Sha256::digest(&kept)));
}

#[tokio::test]
async fn files_nothing_refers_to_are_deleted_a_day_later_and_used_ones_stay() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let used = app.attach(&alice, "used.png", png(10)).await;
    let unused = app.attach(&alice, "unused.png", png(10)).await;
    let note = app
        .create_note(&alice, "Trip", &format!("![map]({})", path_of(&used)))
        .await;
    let id = note["id"].as_i64().unwrap();
    let prune = |hours: i64| {
        let (db, blobs) = (app.state.writer.clone(), app.state.blobs.clone());
        async move {
            server::notes::attachments::pruning::prune(
                &db,
                &blobs,
                Duration::from_secs(600),
                Utc::now() + chrono::Duration::hours(hours),
            )
            .await
            .unwrap()
        }
    };
    let status = |r: Response| r.status();

    assert_eq!(prune(1).await, 0, "a new file has its day");
    assert_eq!(prune(25).await, 1);
    assert_eq!(
        status(app.fetch(Some(&alice), &path_of(&unused), &[]).await),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(app.fetch(Some(&alice), &path_of(&used), &[]).await),
        StatusCode::OK
    );

    // Taken out of the note, it is still in the note's history; in the trash, still there.
    let edited = app
        .send_as(
            &alice.tokens.access,
            Method::PUT,
            &format!("/api/notes/{id}/"),
            json!({"title": "Trip", "content": "no map"}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    assert_eq!(prune(50).await, 0);
    app.call(&alice, Method::DELETE, &format!("/api/notes/{id}/"), None)
        .await;
    assert_eq!(prune(75).await, 0);
    // Deleted for good, it goes a day after it was last seen referred to.
    let purged = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/api/notes/trash/{id}/"),
            None,
        )
        .await
        .0;
    assert_eq!(purged, StatusCode::NO_CONTENT);
    assert_eq!(prune(76).await, 0);
    assert_eq!(prune(101).await, 1);
    assert_eq!(
        status(app.fetch(Some(&alice), &path_of(&used), &[]).await),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count_rows("SELECT COUNT(*) FROM attachment_chunks")
            .await,
        0
    );
}

#[tokio::test]
async fn deleting_an_account_deletes_its_files_bytes() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let file = app.attach(&alice, "a.png", png(2_000_000)).await;
    let row =
        server::storage::entities::attachment::Entity::find_by_id(file["id"].as_str().unwrap())
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
    let (status, _) = app
        .call(
            &alice,
            Method::DELETE,
            "/api/user/",
            Some(json!({"password": crate::helpers::PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let location = server::notes::attachments::stored_at(&row).unwrap();
    let key = server::storage::blobs::key(&row.id, server::storage::blobs::Kind::Original);
    let read = async {
        use futures::StreamExt;
        let mut stream = app.state.blobs.read(&location, key, 0..10).await?;
        match stream.next().await {
            Some(Ok(bytes)) if !bytes.is_empty() => Ok(bytes),
            _ => Err(server::error::ApiError::NotFound),
        }
    };
    assert!(read.await.is_err(), "the bytes are gone");
    assert_eq!(app.count_rows("SELECT COUNT(*) FROM attachments").await, 0);
}

#[tokio::test]
async fn files_move_to_another_storage_and_a_stopped_move_finishes_when_run_again() {
    use server::notes::attachments::moving::move_all;
    use server::ops::settings::StorageLocation;
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let mut files = Vec::new();
    for (i, size) in [10, 1_500_000, 20].into_iter().enumerate() {
        files.push((
            app.attach(&alice, &format!("{i}.png"), png(size)).await,
            png(size),
        ));
    }
    let (db, blobs) = (&app.state.writer, &app.state.blobs);
    let all_readable = || async {
        for (file, bytes) in &files {
            let got = app.fetch(Some(&alice), &path_of(file), &[]).await;
            assert_eq!(got.status(), StatusCode::OK);
            assert_eq!(got.bytes().await.unwrap(), bytes);
        }
    };
    let dir = crate::helpers::scratch_dir().join("moved");
    let to = StorageLocation::File(dir.clone());

    // Stopped after one file: that one is there, the others where they were.
    let first = move_all(db, blobs, &to, Some(1), |_| {}).await.unwrap();
    assert_eq!(first.files, 1);
    all_readable().await;
    let stored_there = format!(
        "SELECT COUNT(*) FROM attachments WHERE storage = 'file://{}'",
        dir.display()
    );
    assert_eq!(app.count_rows(&stored_there).await, 1);
    // Run again, it moves the rest, and once more, nothing.
    let rest = move_all(db, blobs, &to, None, |_| {}).await.unwrap();
    assert_eq!(rest.files, 2);
    assert_eq!(
        move_all(db, blobs, &to, None, |_| {}).await.unwrap().files,
        0
    );
    assert_eq!(app.count_rows(&stored_there).await, 3);
    all_readable().await;
    assert!(dir.join("attachments").read_dir().unwrap().count() == 3);

    // And back into the database; chunks a killed run left behind are swept.
    let byte = match app.backend() {
        sea_orm::DbBackend::Postgres => "decode('00', 'hex')",
        _ => "X'00'",
    };
    app.state
        .writer
        .execute_unprepared(&format!("INSERT INTO attachment_chunks (object_key, seq, bytes) VALUES ('attachments/left-over', 0, {byte})"))
        .await
        .unwrap();
    let back = move_all(db, blobs, &StorageLocation::Database, None, |_| {})
        .await
        .unwrap();
    assert_eq!(back.files, 3);
    all_readable().await;
    assert_eq!(
        app.count_rows(
            "SELECT COUNT(*) FROM attachment_chunks WHERE object_key = 'attachments/left-over'"
        )
        .await,
        0
    );
    assert_eq!(
        dir.join("attachments").read_dir().unwrap().count(),
        0,
        "the old copies are gone"
    );
}

/// A real PNG, `width` by `height`.
fn picture(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 7]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_wide_image_has_a_smaller_copy_and_a_small_one_is_its_own() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let wide = app.attach(&alice, "panorama.png", picture(2400, 600)).await;
    let preview = format!("{}?size=preview", path_of(&wide));
    let got = app.fetch(Some(&alice), &preview, &[]).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.headers()[header::CONTENT_TYPE], "image/jpeg");
    let etag = got.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert!(etag.ends_with("-preview\""), "{etag}");
    let copy = image::load_from_memory(&got.bytes().await.unwrap()).unwrap();
    assert_eq!((copy.width(), copy.height()), (1600, 400));
    // Made once: asked again, the same copy, and revalidated.
    let again = app
        .fetch(Some(&alice), &preview, &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        app.count_rows("SELECT COUNT(*) FROM attachments WHERE preview_type = 'image/jpeg'")
            .await,
        1
    );
    // The original is still the original.
    let original = app.fetch(Some(&alice), &path_of(&wide), &[]).await;
    assert_eq!(original.headers()[header::CONTENT_TYPE], "image/png");

    let small_bytes = picture(800, 600);
    let small = app.attach(&alice, "small.png", small_bytes.clone()).await;
    let got = app
        .fetch(
            Some(&alice),
            &format!("{}?size=preview", path_of(&small)),
            &[],
        )
        .await;
    assert_eq!(got.headers()[header::CONTENT_TYPE], "image/png");
    assert_eq!(got.bytes().await.unwrap(), small_bytes);

    let bad = app
        .fetch(Some(&alice), &format!("{}?size=huge", path_of(&small)), &[])
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    // Deleting the file deletes its copy too.
    assert_eq!(
        app.call(&alice, Method::DELETE, &path_of(&wide), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.count_rows("SELECT COUNT(*) FROM attachment_chunks")
            .await,
        app.count_rows(&format!(
            "SELECT COUNT(*) FROM attachment_chunks WHERE object_key = 'attachments/{}'",
            small["id"].as_str().unwrap()
        ))
        .await
    );
}

#[tokio::test]
async fn the_json_export_lists_ones_files_and_its_import_passes_them_over() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let receipt = app.attach(&alice, "receipt.png", png(2048)).await;
    let report = app
        .attach(&alice, "report.pdf", b"%PDF-1.4 report".to_vec())
        .await;
    let content = format!(
        "![receipt]({}) and [report.pdf]({})",
        receipt["url"].as_str().unwrap(),
        report["url"].as_str().unwrap()
    );
    app.create_note(&alice, "Trip", &content).await;

    let exported = app
        .get_as(&alice.tokens.access, "/api/notes/export/?format=json")
        .await;
    assert_eq!(exported.status(), StatusCode::OK);
    let document: Value = exported.json().await.unwrap();
    assert_eq!(document["notes"][0]["content"], content.as_str());
    let listed = document["attachments"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{document}");
    // Newest first, described as the API describes them.
    assert_eq!(listed[0], report);
    assert_eq!(listed[1], receipt);

    let bob = app.user("bob").await;
    let imported = app
        .client
        .post(app.url("/api/notes/import/"))
        .bearer_auth(&bob.tokens.access)
        .json(&document)
        .send()
        .await
        .unwrap();
    let (status, result) = status_json(imported).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["created"], 1);
    assert_eq!(
        app.attachments(&bob).await["results"],
        json!([]),
        "descriptions are not files"
    );
}

/// The files of a zip, by name.
fn unzipped(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            (file.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

#[tokio::test]
async fn the_markdown_export_carries_the_files_and_its_import_brings_them_back() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let photo = png(4096);
    let receipt = app.attach(&alice, "receipt.png", photo.clone()).await;
    let report = app
        .attach(&alice, "Q3 report (final).pdf", b"%PDF-1.4 report".to_vec())
        .await;
    let (receipt_id, report_id) = (
        receipt["id"].as_str().unwrap(),
        report["id"].as_str().unwrap(),
    );
    let content = format!(
        "![receipt]({}) and [the report]({})",
        receipt["url"].as_str().unwrap(),
        report["url"].as_str().unwrap()
    );
    app.create_note(&alice, "Trip", &content).await;
    let old = app
        .create_note(
            &alice,
            "Old trip",
            &format!("![]({})", receipt["url"].as_str().unwrap()),
        )
        .await;
    let (status, _) = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/api/notes/{}/", old["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let zip = crate::export::export(&app, &alice, "?format=markdown&trash=true")
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let files = unzipped(&zip);
    assert_eq!(
        files[&format!("attachments/{receipt_id}/receipt.png")],
        photo
    );
    assert_eq!(
        files[&format!("attachments/{report_id}/Q3 report (final).pdf")],
        b"%PDF-1.4 report"
    );
    // The links open the files in the archive, from the note's own folder.
    let trip = String::from_utf8(files["Trip.md"].clone()).unwrap();
    assert!(
        trip.ends_with(&format!(
            "![receipt](attachments/{receipt_id}/receipt.png) and \
             [the report](attachments/{report_id}/Q3%20report%20%28final%29.pdf)"
        )),
        "{trip}"
    );
    let trashed = String::from_utf8(files["trash/Old trip.md"].clone()).unwrap();
    assert!(
        trashed.ends_with(&format!("![](../attachments/{receipt_id}/receipt.png)")),
        "{trashed}"
    );

    // Into another account: the files become Bob's, the links point at them.
    let bob = app.user("bob").await;
    let (status, result) = crate::export::import(&app, &bob, "application/zip", zip.clone()).await;
    assert_eq!(
        (status, result),
        (StatusCode::OK, json!({"created": 2, "skipped": 0}))
    );
    let bobs = app.attachments(&bob).await;
    let bobs = bobs["results"].as_array().unwrap();
    assert_eq!(bobs.len(), 2);
    let his = |of: &Value| {
        bobs.iter()
            .find(|file| file["sha256"] == of["sha256"] && file["name"] == of["name"])
            .unwrap_or_else(|| panic!("{of} not in {bobs:?}"))
            .clone()
    };
    let (his_receipt, his_report) = (his(&receipt), his(&report));
    assert_ne!(his_receipt["id"], receipt["id"]);
    let notes = app.notes(&bob.tokens.access).await;
    let trip = notes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["title"] == "Trip")
        .unwrap();
    assert_eq!(
        trip["content"],
        format!(
            "![receipt]({}) and [the report]({})",
            his_receipt["url"].as_str().unwrap(),
            his_report["url"].as_str().unwrap()
        )
    );
    let got = app.fetch(Some(&bob), &path_of(&his_receipt), &[]).await;
    assert_eq!(got.bytes().await.unwrap(), photo);

    // Back into the account it came from, or again into Bob's: nothing new.
    for user in [&alice, &bob] {
        let (status, result) =
            crate::export::import(&app, user, "application/zip", zip.clone()).await;
        assert_eq!(
            (status, result),
            (StatusCode::OK, json!({"created": 0, "skipped": 2}))
        );
        assert_eq!(
            app.attachments(user).await["results"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}

#[tokio::test]
async fn an_archive_with_a_file_too_large_imports_nothing_and_keeps_no_file() {
    let app = TestApp::spawn_with(&[("ATTACHMENT_MAX_MB", "1")]).await;
    let bob = app.user("bob").await;
    let (small, large) = (
        "0b6f5a8e-4a7c-4f53-9d0e-2b1c8f9a7d31",
        "7d6f1c2e-0a4b-4c5d-8e9f-0a1b2c3d4e5f",
    );
    let note = format!("![](attachments/{small}/a.png) [big](attachments/{large}/big.bin)");
    let zip = crate::export::zip_of(&[
        ("Note.md", note.as_bytes()),
        (&format!("attachments/{small}/a.png"), &png(100)),
        (
            &format!("attachments/{large}/big.bin"),
            &vec![7u8; 1_000_001],
        ),
    ]);
    let (status, body) = crate::export::import(&app, &bob, "application/zip", zip).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("1 MB"), "{body}");
    assert_eq!(app.notes(&bob.tokens.access).await, json!([]));
    assert_eq!(app.attachments(&bob).await["results"], json!([]));
    assert_eq!(app.attachments(&bob).await["used"], 0);
}

#[tokio::test]
async fn an_operator_gives_one_person_a_quota_of_their_own_and_the_log_says_so() {
    let app = TestApp::spawn().await;
    let root = app.operator("root").await;
    let bob = app.user("bob").await;
    app.attach(&bob, "first.png", png(600_000)).await;
    let person = format!("/api/admin/users/{}/", bob.id);
    let give = async |quota: Value| {
        app.call(
            &root,
            Method::PATCH,
            &person,
            Some(json!({"storage_quota_mb": quota})),
        )
        .await
    };

    for (bad, says) in [
        (json!(-1), "greater than or equal to 0"),
        (json!(1_000_001), "less than or equal to 1000000"),
        (json!("lots"), "A valid integer is required."),
    ] {
        let (status, body) = give(bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(
            body["storage_quota_mb"][0].as_str().unwrap().contains(says),
            "{bad}: {body}"
        );
    }

    let (status, shown) = give(json!(1)).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["storage_quota_mb"], 1);
    assert_eq!(shown["storage_used"], png(600_000).len());
    assert_eq!(app.attachments(&bob).await["quota"], 1_000_000);
    let response = app
        .upload_as(&bob, "second.png", "image/png", png(600_000))
        .await;
    let (status, body) = status_json(response).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("of 1000000 bytes"),
        "{body}"
    );

    // Back to the server's quota: the upload goes through.
    let (status, shown) = give(json!(null)).await;
    assert_eq!(
        (status, &shown["storage_quota_mb"]),
        (StatusCode::OK, &json!(null))
    );
    app.attach(&bob, "second.png", png(600_000)).await;

    let (_, log) = app
        .call(
            &root,
            Method::GET,
            "/api/admin/audit/?action=quota_changed",
            None,
        )
        .await;
    let lines: Vec<_> = log["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| (line["target"].clone(), line["detail"].clone()))
        .collect();
    assert_eq!(
        lines,
        [
            (json!("bob"), json!("the server's")),
            (json!("bob"), json!("1 MB"))
        ]
    );
}
