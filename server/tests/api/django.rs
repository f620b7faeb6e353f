//! Moving from the Django original: `import-django` into the app's database (SQLite, or
//! PostgreSQL under `scripts/postgres.sh`), then signing in with the passwords Django
//! hashed. The sources are Django-shaped databases the tests build (`support/django.rs`).

use crate::django_fixture::{self as fixture, Note, User, quick_pbkdf2};
use crate::helpers::{PASSWORD, TestApp, scratch_dir, status_json, titles};
use app::errors::messages;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use server::django::import::{self, ImportError, Options, Outcome, Summary};
use server::django::progress::Progress;
use server::storage::entities::{note, user};

const LETMEIN: &str = "lètmein";

/// A SQLite source in a scratch directory of its own.
async fn sqlite_source(users: &[User], notes: &[Note]) -> String {
    let path = scratch_dir().join("db.sqlite3");
    fixture::sqlite(&path, users, notes).await;
    path.display().to_string()
}

async fn run(app: &TestApp, source: &str, options: Options) -> Result<Summary, ImportError> {
    import::run(source, &app.database_url, options, &Progress::hidden()).await
}

async fn import_all(app: &TestApp, source: &str) -> Summary {
    let summary = run(app, source, Options::default())
        .await
        .expect("the import runs");
    assert_eq!(summary.outcome, Outcome::Imported, "{summary}");
    summary
}

async fn stored(app: &TestApp, id: i64) -> user::Model {
    user::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the user is in the target")
}

async fn counts(app: &TestApp) -> (u64, u64) {
    (
        user::Entity::find().count(&app.state.db).await.unwrap(),
        note::Entity::find().count(&app.state.db).await.unwrap(),
    )
}

async fn signs_in(app: &TestApp, username: &str, password: &str) -> bool {
    let (status, body) = status_json(app.sign_in(username, password).await).await;
    match status {
        StatusCode::OK => true,
        StatusCode::UNAUTHORIZED => {
            assert_eq!(body, json!({"detail": messages::BAD_CREDENTIALS}));
            false
        }
        other => panic!("signing in {username}: {other} {body}"),
    }
}

#[tokio::test]
async fn every_django_hasher_signs_in_and_is_replaced_by_argon2id() {
    let app = TestApp::spawn().await;
    // (username, Django hash, password). Vectors from Django's test suite where it
    // publishes them; the rest made by Django's algorithms (see the hasher unit tests).
    let accounts = [
        (
            "pbkdf2_default",
            "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=".to_owned(),
            LETMEIN,
        ),
        ("pbkdf2_fewer", quick_pbkdf2(PASSWORD), PASSWORD),
        (
            "pbkdf2_sha1",
            "pbkdf2_sha1$390000$seasalt2$aDapRanzW8aHTz97v2TcfHzWD+I=".to_owned(),
            LETMEIN,
        ),
        (
            "argon2id",
            "argon2$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpams$LLg0ZLtK7hZdVF03TNRR/957ajnYoRd2njTkw46R7ro"
                .to_owned(),
            LETMEIN,
        ),
        (
            "argon2i",
            "argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q".to_owned(),
            "secret",
        ),
        (
            "bcrypt_sha256",
            "bcrypt_sha256$$2b$12$bot07PPBcTe60Wh.R2qzau48CgboihxLBqvLtHDjCnq9m5t5MbuW6".to_owned(),
            LETMEIN,
        ),
        (
            "bcrypt",
            "bcrypt$$2b$04$76RGZvDcJhDzhHpoG6lgjuxFz1sUZH2PgGoRCU2VpYJPutW6yZA7S".to_owned(),
            LETMEIN,
        ),
        (
            "scrypt",
            "scrypt$16384$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw=="
                .to_owned(),
            LETMEIN,
        ),
    ];
    let users: Vec<User> = accounts
        .iter()
        .enumerate()
        .map(|(i, (name, hash, _))| User::new(i as i64 + 1, name, hash))
        .collect();
    let summary = import_all(&app, &sqlite_source(&users, &[]).await).await;
    assert_eq!(summary.users.imported, accounts.len() as u64);
    assert!(summary.notices.is_empty(), "{summary}");

    for (i, (name, hash, password)) in accounts.iter().enumerate() {
        let id = i as i64 + 1;
        assert!(!signs_in(&app, name, "not the password").await, "{name}");
        assert_eq!(
            &stored(&app, id).await.password_hash,
            hash,
            "{name}: a wrong password changes nothing"
        );

        assert!(
            signs_in(&app, name, password).await,
            "{name} signs in with the old password"
        );
        let upgraded = stored(&app, id).await.password_hash;
        assert!(
            upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{name}: {upgraded}"
        );
        assert!(
            signs_in(&app, name, password).await,
            "{name} signs in again"
        );
        assert!(!signs_in(&app, name, "not the password").await, "{name}");
        assert_eq!(
            stored(&app, id).await.password_hash,
            upgraded,
            "{name}: upgraded once"
        );
    }
}

#[tokio::test]
async fn unusable_unsupported_and_inactive_accounts_do_not_sign_in() {
    let app = TestApp::spawn().await;
    let unusable = "!Kq7P2xVbN4mWz9Lc3RtY8uJf5HgD1sAeQo6iBnCv";
    let md5 = "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3";
    let users = [
        User::new(1, "social", unusable),
        User::new(2, "ancient", md5),
        User::new(3, "retired", &quick_pbkdf2(PASSWORD)).inactive(),
    ];
    let summary = import_all(&app, &sqlite_source(&users, &[]).await).await;
    assert_eq!(summary.users.imported, 3);
    assert_eq!(summary.notices.len(), 2, "{summary}");
    assert!(
        summary.notices[0].starts_with("user 1 \"social\": password:"),
        "{summary}"
    );
    assert!(summary.notices[1].contains("\"md5\""), "{summary}");

    assert!(!signs_in(&app, "social", unusable).await);
    assert!(!signs_in(&app, "social", &unusable[1..]).await);
    assert!(!signs_in(&app, "ancient", LETMEIN).await);
    assert!(
        !signs_in(&app, "retired", PASSWORD).await,
        "inactive: simplejwt's answer"
    );
    assert!(!stored(&app, 3).await.is_active);
    assert_eq!(stored(&app, 1).await.password_hash, unusable);
}

#[tokio::test]
async fn users_and_notes_keep_their_ids_authors_and_times_and_new_ids_follow() {
    let app = TestApp::spawn().await;
    let mut alice = User::new(3, "alice", &quick_pbkdf2(PASSWORD));
    alice.last_login = Some("2024-05-06 07:08:09.101112".into());
    let users = [alice, User::new(7, "bob", &quick_pbkdf2(PASSWORD))];
    let notes = [
        Note::new(5, 3, "first"),
        Note::new(9, 7, "bob's"),
        Note::new(12, 3, "second"),
    ];
    let summary = import_all(&app, &sqlite_source(&users, &notes).await).await;
    assert_eq!((summary.users.imported, summary.notes.imported), (2, 3));

    let alice = stored(&app, 3).await;
    assert_eq!(alice.username, "alice");
    assert!(alice.is_active);
    assert_eq!(
        alice.date_joined.to_rfc3339(),
        "2024-03-04T10:15:30.000021+00:00"
    );
    assert_eq!(
        alice.last_login.map(|t| t.to_rfc3339()).as_deref(),
        Some("2024-05-06T07:08:09.101112+00:00")
    );

    let pair = app.session("alice").await;
    assert_eq!(
        app.notes(&pair.access).await,
        json!([
            {"id": 12, "title": "second", "content": "the content of note 12\n  indented",
             "created_at": "2024-04-13T12:12:00.000156Z", "updated_at": "2024-04-13T12:12:00.000156Z",
             "author": 3, "pinned": false},
            {"id": 5, "title": "first", "content": "the content of note 5\n  indented",
             "created_at": "2024-04-06T05:05:00.000065Z", "updated_at": "2024-04-06T05:05:00.000065Z",
             "author": 3, "pinned": false},
        ])
    );

    // Search finds imported notes as it finds notes written here, by title or content.
    for (terms, ids) in [("SECOND", vec![12]), ("content indented", vec![12, 5])] {
        let (status, found) =
            status_json(app.list_with(&pair.access, &[("search", terms)]).await).await;
        assert_eq!(status, StatusCode::OK, "searching {terms:?}");
        let found: Vec<i64> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_i64().unwrap())
            .collect();
        assert_eq!(found, ids, "searching {terms:?}");
    }

    // New rows continue after the imported ids (PostgreSQL's sequences were moved on).
    let carol = app.user("carol").await;
    assert!(carol.id > 7, "{}", carol.id);
    let created = app.create_note(&carol, "new", "after the move").await;
    assert!(created["id"].as_i64().unwrap() > 12, "{created}");
}

#[tokio::test]
async fn running_it_again_adds_nothing_and_keeps_upgraded_passwords() {
    let app = TestApp::spawn().await;
    let users = [
        User::new(1, "alice", &quick_pbkdf2(PASSWORD)),
        User::new(2, "bob", &quick_pbkdf2(PASSWORD)),
    ];
    let notes = [
        Note::new(1, 1, "one"),
        Note::new(2, 2, "two"),
        Note::new(3, 1, "three"),
    ];
    let source = sqlite_source(&users, &notes).await;
    import_all(&app, &source).await;
    assert!(signs_in(&app, "alice", PASSWORD).await);
    let upgraded = stored(&app, 1).await.password_hash;

    let again = import_all(&app, &source).await;
    assert_eq!(
        (
            again.users.imported,
            again.users.present,
            again.users.conflicting
        ),
        (0, 2, 0)
    );
    assert_eq!(
        (
            again.notes.imported,
            again.notes.present,
            again.notes.conflicting
        ),
        (0, 3, 0)
    );
    assert!(again.conflicts.is_empty(), "{again}");
    assert_eq!(counts(&app).await, (2, 3));
    assert_eq!(stored(&app, 1).await.password_hash, upgraded);
    assert!(signs_in(&app, "alice", PASSWORD).await);
}

#[tokio::test]
async fn conflicts_stop_the_import_unless_skipped() {
    let app = TestApp::spawn().await;
    // Someone registered here before the move, as user 1.
    let here = app.user("alice").await;
    assert_eq!(here.id, 1);
    let users = [
        User::new(1, "carol", &quick_pbkdf2(PASSWORD)),
        User::new(2, "alice", &quick_pbkdf2(PASSWORD)),
        User::new(3, "dave", &quick_pbkdf2(PASSWORD)),
    ];
    let notes = [
        Note::new(1, 1, "carol's"),
        Note::new(2, 2, "alice's"),
        Note::new(3, 2, "alice's too"),
        Note::new(4, 3, "dave's"),
    ];
    let source = sqlite_source(&users, &notes).await;

    let stopped = run(&app, &source, Options::default()).await.unwrap();
    assert_eq!(stopped.outcome, Outcome::StoppedByConflicts, "{stopped}");
    assert_eq!(
        stopped.conflicts,
        [
            "user 1 \"carol\": its id belongs to the target's user \"alice\"; it and its 1 notes are left out",
            "user 2 \"alice\": the target's user 1 has this username; it and its 2 notes are left out",
        ]
    );
    assert_eq!(counts(&app).await, (1, 0), "nothing was written");
    assert!(
        stopped.to_string().contains("nothing was written"),
        "{stopped}"
    );

    let skipped = run(
        &app,
        &source,
        Options {
            skip_conflicts: true,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(skipped.outcome, Outcome::Imported, "{skipped}");
    assert_eq!((skipped.users.imported, skipped.users.conflicting), (1, 2));
    assert_eq!((skipped.notes.imported, skipped.notes.conflicting), (1, 3));
    assert_eq!(counts(&app).await, (2, 1));
    assert!(signs_in(&app, "dave", PASSWORD).await);
    // The account that was here keeps its password and has none of the original's notes.
    assert_eq!(app.notes(&here.tokens.access).await, json!([]));
    assert!(signs_in(&app, "alice", PASSWORD).await);
}

#[tokio::test]
async fn a_dry_run_reports_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let users = [User::new(1, "alice", &quick_pbkdf2(PASSWORD))];
    let notes = [Note::new(1, 1, &"long ".repeat(30))];
    let source = sqlite_source(&users, &notes).await;
    let dry = run(
        &app,
        &source,
        Options {
            dry_run: true,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(dry.outcome, Outcome::DryRun);
    assert_eq!((dry.users.imported, dry.notes.imported), (1, 1));
    assert_eq!(dry.notices.len(), 1, "{dry}");
    assert!(dry.to_string().contains("would import 1"), "{dry}");
    assert_eq!(counts(&app).await, (0, 0));
    assert!(!signs_in(&app, "alice", PASSWORD).await);
}

#[tokio::test]
async fn a_failing_import_leaves_the_target_untouched() {
    let app = TestApp::spawn().await;
    let users = [User::new(1, "alice", &quick_pbkdf2(PASSWORD))];
    // More notes than one INSERT takes, and the last one fails: the first batches are
    // written before it.
    let notes: Vec<Note> = (1..=1_200)
        .map(|id| Note::new(id, 1, if id == 1_200 { "explode" } else { "fine" }))
        .collect();
    let source = sqlite_source(&users, &notes).await;

    let (arm, disarm) = match app.backend() {
        DbBackend::Postgres => (
            "CREATE FUNCTION explode() RETURNS trigger AS $$ BEGIN \
             IF NEW.title = 'explode' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END \
             $$ LANGUAGE plpgsql; CREATE TRIGGER explode BEFORE INSERT ON notes \
             FOR EACH ROW EXECUTE FUNCTION explode()",
            "DROP TRIGGER explode ON notes",
        ),
        _ => (
            "CREATE TRIGGER explode BEFORE INSERT ON notes WHEN NEW.title = 'explode' \
             BEGIN SELECT RAISE(ABORT, 'boom'); END",
            "DROP TRIGGER explode",
        ),
    };
    app.state.db.execute_unprepared(arm).await.unwrap();
    let failed = run(&app, &source, Options::default()).await.unwrap_err();
    assert!(matches!(failed, ImportError::Target(_)), "{failed}");
    assert_eq!(failed.exit_code(), 1);
    assert!(failed.to_string().contains("boom"), "{failed}");
    assert_eq!(counts(&app).await, (0, 0), "nothing of it landed");

    app.state.db.execute_unprepared(disarm).await.unwrap();
    let summary = import_all(&app, &source).await;
    assert_eq!((summary.users.imported, summary.notes.imported), (1, 1_200));
}

#[tokio::test]
async fn data_this_server_would_refuse_is_kept_as_it_stands_and_reported() {
    let app = TestApp::spawn().await;
    let long_title = "t".repeat(130);
    let users = [
        // Django's `create_user` validates nothing, and SQLite keeps any length.
        User::new(1, "with space", &quick_pbkdf2(PASSWORD)),
        // Full-width letters: sign-up here stores the NFKC form, "alice2".
        User::new(2, "ａｌｉｃｅ2", &quick_pbkdf2(PASSWORD)),
        User::new(3, &"n".repeat(160), &quick_pbkdf2(PASSWORD)),
    ];
    let mut blank = Note::new(2, 1, "blank content");
    blank.content = "   ".into();
    let notes = [Note::new(1, 1, &long_title), blank];
    let summary = import_all(&app, &sqlite_source(&users, &notes).await).await;
    assert_eq!((summary.users.imported, summary.notes.imported), (3, 2));
    let notices = summary.notices.join("\n");
    for expected in [
        "user 1 \"with space\": username: Enter a valid username.",
        "user 2 \"ａｌｉｃｅ2\": username: sign-up here would store it as \"alice2\".",
        "user 3 \"nnnn",
        "username: Ensure this field has no more than 150 characters.",
        "note 1: title: Ensure this field has no more than 100 characters. Kept as it is.",
        "note 2: content: This field may not be blank. Kept as it is.",
    ] {
        assert!(
            notices.contains(expected),
            "{expected:?} missing from:\n{notices}"
        );
    }

    assert!(signs_in(&app, "with space", PASSWORD).await);
    assert!(signs_in(&app, "ａｌｉｃｅ2", PASSWORD).await);
    assert!(signs_in(&app, &"n".repeat(160), PASSWORD).await);
    let pair = app.session("with space").await;
    let listed = app.notes(&pair.access).await;
    assert!(titles(&listed).contains(&long_title), "{listed}");
    // Editing goes by this server's rules again.
    let (status, _) = status_json(
        app.send_as(
            &pair.access,
            Method::PATCH,
            "/api/notes/1/",
            json!({"title": "shorter"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_original_on_postgresql_moves_too() {
    let Ok(admin_url) = std::env::var("TEST_POSTGRES_URL") else {
        eprintln!("skipped: TEST_POSTGRES_URL is not set (run under scripts/postgres.sh)");
        return;
    };
    let app = TestApp::spawn().await;
    let mut alice = User::new(4, "alice", &quick_pbkdf2(PASSWORD));
    alice.last_login = Some("2024-05-06 07:08:09.101112".into());
    let users = [
        alice,
        User::new(
            5,
            "bob",
            "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=",
        )
        .inactive(),
    ];
    let notes = [Note::new(10, 4, "from Choreo"), Note::new(11, 5, "bob's")];
    let source = fixture::postgres(&admin_url, &users, &notes).await;

    let summary = import_all(&app, &source).await;
    assert_eq!((summary.users.imported, summary.notes.imported), (2, 2));
    let alice = stored(&app, 4).await;
    assert_eq!(
        alice.date_joined.to_rfc3339(),
        "2024-03-05T10:15:30.000028+00:00"
    );
    assert!(!stored(&app, 5).await.is_active);
    assert!(!signs_in(&app, "bob", LETMEIN).await);

    let pair = app.session("alice").await;
    let listed: Value = app.notes(&pair.access).await;
    assert_eq!(listed[0]["id"], 10);
    assert_eq!(listed[0]["created_at"], "2024-04-11T10:10:00.000130Z");
    assert!(
        stored(&app, 4)
            .await
            .password_hash
            .starts_with("$argon2id$")
    );

    let again = import_all(&app, &source).await;
    assert_eq!((again.users.present, again.notes.present), (2, 2));
}
