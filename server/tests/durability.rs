//! An acknowledged write is on disk: the server is killed with SIGKILL in the middle of a
//! burst of concurrent writes to its SQLite database, and every note it answered 201 for
//! is there after a restart, in a database that passes SQLite's integrity check. (That
//! each commit is also synced, so that a power loss keeps it too, is the writer's
//! `synchronous = FULL`, asserted in the API tests.) Needs the release binary
//! (`SERVER_BIN` from `scripts/test.sh`), so the test is ignored by a plain `cargo test`.

// Shared with the replica tests, which read metrics too.
#[allow(dead_code)]
#[path = "support/server_process.rs"]
mod server_process;

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};
use server_process::ServerProcess;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WRITERS: usize = 16;
/// Kill once this many notes are acknowledged: well into the burst.
const KILL_AFTER: usize = 300;
/// Each writer stops after this many notes, should the kill never come.
const NOTES_PER_WRITER: usize = 200;

#[tokio::test]
#[ignore = "needs the release binary: scripts/test.sh"]
async fn every_acknowledged_note_survives_a_sigkill_mid_burst() {
    let dir = std::env::temp_dir().join(format!(
        "notes-durability-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let database_url = format!("sqlite://{}/notes.sqlite3?mode=rwc", dir.display());
    let vars = [("DATABASE_URL", database_url.as_str())];
    let mut server = ServerProcess::start(&dir.join("first"), &vars).await;

    server.register("alice").await;
    let pair = server.sign_in("alice").await;
    let access = pair["access"].as_str().unwrap().to_owned();

    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (client, url) = (server.client.clone(), server.url("/api/notes/"));
            let (access, acknowledged) = (access.clone(), acknowledged.clone());
            tokio::spawn(async move {
                let mut cut_off = 0;
                for n in 0..NOTES_PER_WRITER {
                    let body = json!({"title": format!("w{w} n{n}"), "content": "kept"});
                    let Ok(response) = client
                        .post(&url)
                        .bearer_auth(&access)
                        .json(&body)
                        .send()
                        .await
                    else {
                        cut_off += 1;
                        break;
                    };
                    if response.status() != 201 {
                        break;
                    }
                    // Acknowledged only once the whole answer has arrived.
                    let Ok(note) = response.json::<Value>().await else {
                        cut_off += 1;
                        break;
                    };
                    acknowledged
                        .lock()
                        .unwrap()
                        .insert(note["id"].as_i64().unwrap());
                }
                cut_off
            })
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < KILL_AFTER {
        assert!(
            Instant::now() < deadline,
            "the burst did not reach {KILL_AFTER} notes"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill();
    let mut cut_off = 0;
    for writer in writers {
        cut_off += writer.await.unwrap();
    }
    assert!(
        cut_off > 0,
        "no write was in flight at the kill; the test proved nothing"
    );
    let acknowledged = acknowledged.lock().unwrap().clone();

    let server = ServerProcess::start(&dir.join("second"), &vars).await;
    let list: Vec<Value> = server
        .client
        .get(server.url("/api/notes/"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored: BTreeSet<i64> = list.iter().map(|n| n["id"].as_i64().unwrap()).collect();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(stored.len() >= acknowledged.len());

    let db = Database::connect(&database_url).await.unwrap();
    let check = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(check.try_get_by_index::<String>(0).unwrap(), "ok");

    // And it takes writes again.
    let note = server
        .client
        .post(server.url("/api/notes/"))
        .bearer_auth(&access)
        .json(&json!({"title": "after", "content": "the crash"}))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 201);
}
