use crate::helpers::{TestApp, TestUser, status_json};
use app::validation::NULL_CHARACTERS;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DbBackend};
use serde_json::json;

/// A user with these `(title, content)` notes, created in order (the last is newest).
async fn user_with(app: &TestApp, name: &str, notes: &[(&str, &str)]) -> TestUser {
    let user = app.user(name).await;
    for (title, content) in notes {
        app.create_note(&user, title, content).await;
    }
    user
}

#[tokio::test]
async fn search_finds_the_notes_holding_every_term_in_title_or_content_ignoring_case() {
    let app = TestApp::spawn().await;
    let alice = user_with(
        &app,
        "alice",
        &[
            ("Groceries", "milk and EGGS"),
            ("Garden", "plant tomatoes"),
            ("Recipe: eggs benedict", "hollandaise, muffins"),
            ("foo", "bar"),
        ],
    )
    .await;
    assert_eq!(
        app.search(&alice, "eggs").await,
        ["Recipe: eggs benedict", "Groceries"],
        "newest first, title or content"
    );
    assert_eq!(app.search(&alice, "EGGS Milk").await, ["Groceries"]);
    assert_eq!(
        app.search(&alice, "  eggs \t muffins  ").await,
        ["Recipe: eggs benedict"]
    );
    assert!(app.search(&alice, "eggs garden").await.is_empty());
    // A term is found in the title or in the content, never across the two.
    assert!(app.search(&alice, "foobar").await.is_empty());
    assert!(app.search(&alice, "oob").await.is_empty());
    assert_eq!(app.search(&alice, "oo").await, ["foo"]);
}

#[tokio::test]
async fn search_takes_every_character_literally() {
    let app = TestApp::spawn().await;
    let alice = user_with(
        &app,
        "alice",
        &[
            ("Sale", "50% off everything"),
            ("Code", "snake_case names"),
            ("Quote", "she said \"hello\" and it's done"),
            ("Path", r"C:\Users\alice\notes.txt"),
            ("Plain", "fifty percent of a snakecase"),
        ],
    )
    .await;
    for (terms, expected) in [
        ("%", vec!["Sale"]),
        ("50%", vec!["Sale"]),
        ("0%", vec!["Sale"]),
        ("_", vec!["Code"]),
        ("e_c", vec!["Code"]),
        ("\"hello\"", vec!["Quote"]),
        ("\"", vec!["Quote"]),
        ("it's", vec!["Quote"]),
        ("'", vec!["Quote"]),
        (r"\", vec!["Path"]),
        (r"C:\Users", vec!["Path"]),
        (r"\n", vec!["Path"]),
        ("%%", vec![]),
        ("e%e", vec![]),
        ("*", vec![]),
        ("\"hello", vec!["Quote"]),
        ("NEAR(a", vec![]),
    ] {
        assert_eq!(app.search(&alice, terms).await, expected, "{terms:?}");
    }
}

#[tokio::test]
async fn case_is_ignored_beyond_ascii_for_long_and_short_terms() {
    let app = TestApp::spawn().await;
    let alice = user_with(
        &app,
        "alice",
        &[
            ("Crème brûlée", "dessert"),
            ("Ελληνικά", "ΟΔΟΣ και οδος"),
            ("Été", "summer"),
            ("Москва", "столица"),
        ],
    )
    .await;
    for (terms, expected) in [
        ("BRÛLÉE", vec!["Crème brûlée"]),
        ("CRÈME Dessert", vec!["Crème brûlée"]),
        ("ÉT", vec!["Été"]),
        ("é", vec!["Été", "Crème brûlée"]),
        ("ÈM", vec!["Crème brûlée"]),
        ("ελληνικά", vec!["Ελληνικά"]),
        // A final sigma is a sigma.
        ("οδοσ", vec!["Ελληνικά"]),
        ("ΜΟΣΚΒΑ", vec![]),
        ("МОСКВА", vec!["Москва"]),
        ("СТ", vec!["Москва"]),
        // Accents are letters of their own, as in icontains.
        ("creme", vec![]),
    ] {
        assert_eq!(app.search(&alice, terms).await, expected, "{terms:?}");
    }
}

/// SQLite refuses `LIKE` patterns over 50,000 bytes; such a term is compared otherwise.
/// (A URI holds at most 64 KiB, so this is about as long as a term can get.)
#[tokio::test]
async fn a_term_as_long_as_a_long_note_is_found() {
    let app = TestApp::spawn().await;
    // Far past the 64 characters the indexes are asked about, and as long as a request
    // head may be (MAX_HEADER_BYTES, 32 KiB by default, holds the URL too).
    let long = "ab".repeat(12_001);
    let alice = user_with(&app, "alice", &[("Long", &long), ("Short", "ab")]).await;
    let found = app.search(&alice, &long.to_uppercase()).await;
    assert!(found == ["Long"], "{found:?}");
    let found = app.search(&alice, &format!("{long}x")).await;
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(app.search(&alice, "AB").await, ["Short", "Long"]);
}

#[tokio::test]
async fn short_terms_of_one_or_two_characters_are_found_too() {
    let app = TestApp::spawn().await;
    let alice = user_with(
        &app,
        "alice",
        &[("x", "y"), ("Tax", "owed"), ("Box", "of things")],
    )
    .await;
    assert_eq!(app.search(&alice, "x").await, ["Box", "Tax", "x"]);
    assert_eq!(app.search(&alice, "y").await, ["x"]);
    assert_eq!(app.search(&alice, "OX").await, ["Box"]);
    assert_eq!(app.search(&alice, "ax ow").await, ["Tax"]);
    // A short term next to a long one: both must hold.
    assert_eq!(app.search(&alice, "x things").await, ["Box"]);
    assert!(app.search(&alice, "z").await.is_empty());
}

/// Past 1,000 matches in the table, SQLite walks the author's notes instead of asking the
/// FTS5 index for them all; either way the answer is the same.
#[tokio::test]
async fn a_term_in_over_a_thousand_notes_is_found_the_same_without_the_index() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let content = |n: usize| match n {
        n if n % 201 == 0 => "common and Rare",
        n if n % 10 == 0 => "other words",
        _ => "common",
    };
    app.insert_notes(
        &alice,
        (1..=1200).map(|n| (format!("note {n}"), content(n).to_owned())),
    )
    .await;
    let newest_first = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
        (1..=1200)
            .rev()
            .filter(|n| keep(*n))
            .map(|n| format!("note {n}"))
            .collect()
    };
    let rare = newest_first(&|n| n % 201 == 0);
    assert_eq!(app.search(&alice, "rare").await, rare);
    assert_eq!(app.search(&alice, "COMMON rare").await, rare);
    assert_eq!(app.search(&alice, "ommo ar").await, rare);
    let common = newest_first(&|n| n % 10 != 0 || n % 201 == 0);
    assert_eq!(common.len(), 1080, "more than the index is asked for");
    for (terms, expected) in [
        ("common", &common),
        ("OMMO", &common),
        ("common n", &common),
        ("e", &newest_first(&|_| true)),
    ] {
        let (status, last) = app
            .page(
                &alice,
                &[("search", terms), ("page", "last"), ("page_size", "100")],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{terms}");
        assert_eq!(last["count"], expected.len(), "{terms}");
        let tail = &expected[(expected.len() - 1) / 100 * 100..];
        assert_eq!(crate::helpers::titles(&last), tail, "{terms}");
        let (_, first) = app
            .page(
                &alice,
                &[("search", terms), ("page", "1"), ("page_size", "100")],
            )
            .await;
        assert_eq!(crate::helpers::titles(&first), &expected[..100], "{terms}");
        assert_eq!(app.search(&alice, terms).await, *expected, "{terms}");
    }
    app.assert_search_index_in_step().await;
}

#[tokio::test]
async fn search_follows_edits_and_deletions() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let token = alice.tokens.access.as_str();
    let note = app.create_note(&alice, "Trip", "pack the tent").await;
    let path = format!("/api/notes/{}/", note["id"]);
    assert_eq!(app.search(&alice, "tent").await, ["Trip"]);

    let edit = app
        .send_as(
            token,
            Method::PATCH,
            &path,
            json!({"content": "pack the hammock"}),
        )
        .await;
    assert_eq!(edit.status(), StatusCode::OK);
    assert!(app.search(&alice, "tent").await.is_empty());
    assert_eq!(app.search(&alice, "hammock trip").await, ["Trip"]);

    let retitle = app
        .send_as(
            token,
            Method::PUT,
            &path,
            json!({"title": "Holiday", "content": "beach"}),
        )
        .await;
    assert_eq!(retitle.status(), StatusCode::OK);
    assert!(app.search(&alice, "trip").await.is_empty());
    assert_eq!(app.search(&alice, "holiday beach").await, ["Holiday"]);
    app.assert_search_index_in_step().await;

    let deleted = app.request(Method::DELETE, &path, Some(token), None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(app.search(&alice, "holiday").await.is_empty());
    app.assert_search_index_in_step().await;
}

#[tokio::test]
async fn search_sees_only_the_callers_notes() {
    let app = TestApp::spawn().await;
    let alice = user_with(&app, "alice", &[("Mine", "secret plan")]).await;
    let bob = user_with(&app, "bob", &[("Bob's", "secret plan too")]).await;
    assert_eq!(app.search(&alice, "secret").await, ["Mine"]);
    assert_eq!(app.search(&bob, "secret").await, ["Bob's"]);
}

#[tokio::test]
async fn an_empty_search_is_the_plain_list_and_a_nul_is_a_field_error() {
    let app = TestApp::spawn().await;
    let alice = user_with(&app, "alice", &[("One", "1"), ("Two", "2")]).await;
    for blank in ["", "   ", "\t\n"] {
        assert_eq!(app.search(&alice, blank).await, ["Two", "One"], "{blank:?}");
    }
    let (status, body) = status_json(
        app.list_with(&alice.tokens.access, &[("search", "a\0b")])
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"search": [NULL_CHARACTERS]})
        )
    );
    let many: Vec<String> = (1..=33).map(|n| format!("t{n}")).collect();
    let (status, body) = status_json(
        app.list_with(&alice.tokens.access, &[("search", &many.join(" "))])
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"search": ["Ensure this field has no more than 32 terms."]})
        )
    );
    // Given twice, the last value counts, as Django's `QueryDict.get` reads it.
    let response = app
        .list_with(
            &alice.tokens.access,
            &[("search", "one"), ("search", "two")],
        )
        .await;
    let (status, body) = status_json(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(crate::helpers::titles(&body), ["Two"]);
}

#[tokio::test]
async fn the_search_index_exists_on_each_database() {
    let app = TestApp::spawn().await;
    let sql = match app.backend() {
        DbBackend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE name = 'notes_fts'",
        _ => "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'idx_notes_search_trgm'",
    };
    assert_eq!(app.count_rows(sql).await, 1);
}

/// Notes written before this release are folded by the migration that adds search.
#[tokio::test]
async fn notes_written_before_the_upgrade_are_found() {
    let url =
        crate::helpers::database_before(3, &[("Ancient", "Written in ÅRHUS"), ("Older", "plain")])
            .await;

    let app = TestApp::spawn_with(&[("DATABASE_URL", &url)]).await;
    let old = TestUser {
        id: 1,
        tokens: app.session("old").await,
    };
    assert_eq!(app.search(&old, "århus").await, ["Ancient"]);
    assert_eq!(app.search(&old, "PLAIN").await, ["Older"]);
    app.assert_search_index_in_step().await;
    // Their first ETag is version 1.
    let response = app.get_as(&old.tokens.access, "/api/notes/1/").await;
    assert_eq!(crate::helpers::etag(&response), "\"1\"");
}

/// A managed PostgreSQL may refuse `CREATE EXTENSION pg_trgm`; the server still starts
/// and searches, without the index. (PostgreSQL only: SQLite has FTS5 built in.)
#[tokio::test]
async fn without_pg_trgm_the_migration_succeeds_and_search_still_works() {
    let Ok(admin_url) = std::env::var("TEST_POSTGRES_URL") else {
        eprintln!("skipped: PostgreSQL only (TEST_POSTGRES_URL is not set)");
        return;
    };
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let (role, database) = (
        format!("limited_{suffix}"),
        format!("notes_limited_{suffix}"),
    );
    let admin = Database::connect(&admin_url).await.unwrap();
    for sql in [
        format!("CREATE ROLE {role} LOGIN"),
        format!("CREATE DATABASE {database}"),
        // May connect and create tables, but not extensions (which need CREATE on the
        // database itself).
        format!("GRANT CONNECT ON DATABASE {database} TO {role}"),
    ] {
        admin.execute_unprepared(&sql).await.unwrap();
    }
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let owner = Database::connect(format!("{base}/{database}"))
        .await
        .unwrap();
    owner
        .execute_unprepared(&format!("GRANT USAGE, CREATE ON SCHEMA public TO {role}"))
        .await
        .unwrap();
    owner.close().await.unwrap();
    let limited_url = base.replacen("postgres@", &format!("{role}@"), 1) + "/" + &database;

    let app = TestApp::spawn_with(&[("DATABASE_URL", &limited_url)]).await;
    let alice = user_with(
        &app,
        "alice",
        &[("Kept", "without an index"), ("Other", "x")],
    )
    .await;
    assert_eq!(app.search(&alice, "INDEX").await, ["Kept"]);
    assert_eq!(app.search(&alice, "x").await, ["Other", "Kept"]);
    let extensions = app
        .count_rows("SELECT COUNT(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        .await;
    assert_eq!(extensions, 0, "the role could not create the extension");
}
