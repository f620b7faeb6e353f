//! Two server processes on one PostgreSQL database, as replicas behind a gateway: what
//! must hold across them holds through the database. Needs the release binary and a
//! PostgreSQL server (`scripts/test.sh` provides `SERVER_BIN` and `scripts/postgres.sh`),
//! so the tests are ignored by a plain `cargo test` and run with `--ignored` there.

// Shared with the durability test, which kills its server.
#[allow(dead_code)]
#[path = "support/server_process.rs"]
mod server_process;

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};
use server_process::{ServerProcess, credentials, env};

const MAX_FAILURES: usize = 4;

struct Replicas {
    a: ServerProcess,
    b: ServerProcess,
    database_url: String,
}

impl Replicas {
    /// A fresh database and two servers on it, started at once as a deployment's
    /// replicas are: they take turns to apply the migrations.
    async fn start() -> Self {
        let admin_url = env("TEST_POSTGRES_URL");
        let admin = Database::connect(&admin_url).await.unwrap();
        let name = format!("notes_replicas_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let (base, _) = admin_url.rsplit_once('/').unwrap();
        let database_url = format!("{base}/{name}");
        let dir = std::env::temp_dir().join(format!("notes-replicas-{name}"));
        let max = MAX_FAILURES.to_string();
        let vars = [
            ("DATABASE_URL", database_url.as_str()),
            ("LOGIN_MAX_FAILURES", max.as_str()),
            // A spent token presented again is reuse at once: no second-tab grace.
            ("REFRESH_REUSE_GRACE", "0"),
        ];
        let (dir_a, dir_b) = (dir.join("a"), dir.join("b"));
        let (a, b) = tokio::join!(
            ServerProcess::start(&dir_a, &vars),
            ServerProcess::start(&dir_b, &vars)
        );
        Self { a, b, database_url }
    }

    /// Replica A for even `n`, B for odd: a gateway alternating between them.
    fn at(&self, n: usize) -> &ServerProcess {
        if n.is_multiple_of(2) {
            &self.a
        } else {
            &self.b
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        let db = Database::connect(&self.database_url).await.unwrap();
        let row = db
            .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }
}

async fn status(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}

fn refresh_body(pair: &Value) -> Value {
    json!({"refresh": pair["refresh"]})
}

#[tokio::test]
#[ignore = "needs the release binary and PostgreSQL: scripts/test.sh"]
async fn the_sign_in_limit_holds_when_attempts_alternate_between_replicas() {
    let replicas = Replicas::start().await;
    replicas.a.register("alice").await;
    let wrong = json!({"username": "alice", "password": "a wrong guess"});
    for n in 0..MAX_FAILURES {
        let answer = status(replicas.at(n).post("/api/token/", &wrong)).await;
        assert_eq!(answer, 401, "attempt {n} was refused early");
    }
    // Each replica has seen only half the attempts; counted apart, both would let more in.
    for n in 0..2 {
        assert_eq!(
            status(replicas.at(n).post("/api/token/", &wrong)).await,
            429
        );
    }
    assert_eq!(
        status(replicas.b.post("/api/token/", &credentials("alice"))).await,
        429
    );
    assert!(replicas.a.metric("login_throttled_total").await >= 1.0);
    assert!(replicas.b.metric("login_throttled_total").await >= 2.0);

    // Concurrent guesses at another name, spread over both, are counted before checking.
    replicas.a.register("bob").await;
    let wrong = json!({"username": "bob", "password": "a wrong guess"});
    let guesses: Vec<_> = (0..10)
        .map(|n| tokio::spawn(replicas.at(n).post("/api/token/", &wrong).send()))
        .collect();
    let mut checked = 0;
    for guess in guesses {
        match guess.await.unwrap().unwrap().status().as_u16() {
            401 => checked += 1,
            429 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        checked, MAX_FAILURES,
        "passwords checked across both replicas"
    );
}

#[tokio::test]
#[ignore = "needs the release binary and PostgreSQL: scripts/test.sh"]
async fn a_refresh_token_spent_on_one_replica_is_reuse_on_the_other() {
    let replicas = Replicas::start().await;
    replicas.a.register("alice").await;
    let first = replicas.a.sign_in("alice").await;
    let rotated = replicas
        .a
        .post("/api/token/refresh/", &refresh_body(&first))
        .send()
        .await
        .unwrap();
    assert_eq!(rotated.status(), 200);
    let second: Value = rotated.json().await.unwrap();

    let before = replicas
        .b
        .metric("refresh_token_reuse_detected_total")
        .await;
    let replayed = replicas
        .b
        .post("/api/token/refresh/", &refresh_body(&first))
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), 401);
    assert_eq!(
        replayed.json::<Value>().await.unwrap()["code"],
        "token_not_valid"
    );
    assert_eq!(
        replicas
            .b
            .metric("refresh_token_reuse_detected_total")
            .await,
        before + 1.0
    );
    // The whole family is revoked: the pair A handed out no longer refreshes on A.
    assert_eq!(
        status(
            replicas
                .a
                .post("/api/token/refresh/", &refresh_body(&second))
        )
        .await,
        401
    );
}

#[tokio::test]
#[ignore = "needs the release binary and PostgreSQL: scripts/test.sh"]
async fn racing_refreshes_on_both_replicas_rotate_exactly_once() {
    let replicas = Replicas::start().await;
    replicas.a.register("alice").await;
    for round in 0..5 {
        let pair = replicas.a.sign_in("alice").await;
        let racers: Vec<_> = (0..6)
            .map(|n| {
                tokio::spawn(
                    replicas
                        .at(n)
                        .post("/api/token/refresh/", &refresh_body(&pair))
                        .send(),
                )
            })
            .collect();
        let mut granted = 0;
        for racer in racers {
            match racer.await.unwrap().unwrap().status().as_u16() {
                200 => granted += 1,
                401 => {}
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(granted, 1, "round {round}: one token, one rotation");
        // The family holds the signed-in token and the one it was exchanged for.
        let family = claims_jti(pair["refresh"].as_str().unwrap());
        let rows = replicas
            .count(&format!(
                "SELECT COUNT(*) FROM refresh_tokens WHERE family_id = '{family}'"
            ))
            .await;
        assert_eq!(rows, 2, "round {round}");
    }
}

#[tokio::test]
#[ignore = "needs the release binary and PostgreSQL: scripts/test.sh"]
async fn signing_out_on_one_replica_ends_the_session_on_the_other() {
    let replicas = Replicas::start().await;
    replicas.a.register("alice").await;
    let pair = replicas.a.sign_in("alice").await;
    let signed_out = replicas
        .b
        .post("/api/token/blacklist/", &refresh_body(&pair))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 200);
    assert_eq!(
        status(replicas.a.post("/api/token/refresh/", &refresh_body(&pair))).await,
        401
    );
    let verify = json!({"token": pair["refresh"]});
    assert_eq!(
        status(replicas.a.post("/api/token/verify/", &verify)).await,
        400
    );
    // The account's other sessions go on.
    let other = replicas.b.sign_in("alice").await;
    assert_eq!(
        status(
            replicas
                .a
                .post("/api/token/refresh/", &refresh_body(&other))
        )
        .await,
        200
    );
}

#[tokio::test]
#[ignore = "needs the release binary and PostgreSQL: scripts/test.sh"]
async fn an_access_token_revoked_on_one_replica_is_refused_on_the_other_at_once() {
    let replicas = Replicas::start().await;
    replicas.a.register("alice").await;
    let pair = replicas.a.sign_in("alice").await;
    let access = pair["access"].as_str().unwrap();
    let made: Value = replicas
        .a
        .post(
            "/api/user/tokens/",
            &json!({"name": "backup", "scope": "read"}),
        )
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = made["token"].as_str().unwrap();
    let notes = || {
        reqwest::Client::new()
            .get(replicas.b.url("/api/notes/"))
            .bearer_auth(token)
    };
    assert_eq!(status(notes()).await, 200);
    let revoke = reqwest::Client::new()
        .delete(replicas.a.url(&format!("/api/user/tokens/{}/", made["id"])))
        .bearer_auth(access);
    assert_eq!(status(revoke).await, 204);
    // No cache on B to wait out: the very next request is refused.
    assert_eq!(status(notes()).await, 401);
}

/// A JWT's `jti`, read without checking the signature; a first refresh token's `jti`
/// names its family.
fn claims_jti(token: &str) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: Value = serde_json::from_slice(&bytes).unwrap();
    claims["jti"].as_str().unwrap().to_owned()
}

/// The `note` events one stream said, read until `count` arrived: each event's id and its
/// note's id.
async fn notes_heard(stream: &mut reqwest::Response, count: usize) -> Vec<(i64, i64)> {
    let mut buffer = String::new();
    let mut heard = Vec::new();
    while heard.len() < count {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(20), stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("only {} of {count} events came", heard.len()))
            .unwrap()
            .expect("the stream goes on");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if !block.contains("event: note") {
                continue;
            }
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|line| line.strip_prefix(name))
                    .unwrap()
                    .to_owned()
            };
            let data: Value = serde_json::from_str(&field("data: ")).unwrap();
            heard.push((field("id: ").parse().unwrap(), data["id"].as_i64().unwrap()));
        }
    }
    heard
}

#[tokio::test]
#[ignore = "needs the release binary and PostgreSQL: scripts/test.sh"]
async fn writes_on_either_replica_reach_streams_on_both_in_commit_order() {
    let replicas = Replicas::start().await;
    replicas.a.register("alice").await;
    let access = replicas.a.sign_in("alice").await["access"]
        .as_str()
        .unwrap()
        .to_owned();
    let open = |replica: &ServerProcess| {
        replica
            .client
            .get(replica.url("/api/events/"))
            .bearer_auth(&access)
            .send()
    };
    let (mut on_a, mut on_b) = (
        open(&replicas.a).await.unwrap(),
        open(&replicas.b).await.unwrap(),
    );
    assert_eq!((on_a.status().as_u16(), on_b.status().as_u16()), (200, 200));

    // One write on A, heard on B (the second; a generous timeout here, the
    // benchmark measures the time).
    let create = |n: usize| {
        replicas
            .at(n)
            .client
            .post(replicas.at(n).url("/api/notes/"))
            .bearer_auth(&access)
            .json(&json!({"title": format!("Note {n}"), "content": "x"}))
            .send()
    };
    let first = create(0).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let heard = notes_heard(&mut on_b, 1).await;
    assert_eq!(heard[0].1, first["id"].as_i64().unwrap());

    // Many writers at once on both: each stream hears every note once, ids rising. An id
    // handed out before another but committed after it would be skipped for good.
    const WRITES: usize = 120;
    let writes: Vec<_> = (1..=WRITES).map(|n| tokio::spawn(create(n))).collect();
    let mut made = std::collections::BTreeSet::new();
    for write in writes {
        let answer = write.await.unwrap().unwrap();
        assert_eq!(answer.status(), 201);
        made.insert(
            answer.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    made.insert(first["id"].as_i64().unwrap());
    for (name, stream) in [("A", &mut on_a), ("B", &mut on_b)] {
        let skip = usize::from(name == "B");
        let heard = notes_heard(stream, WRITES + 1 - skip).await;
        let ids: Vec<i64> = heard.iter().map(|(id, _)| *id).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "{name}: ids out of order"
        );
        let notes: std::collections::BTreeSet<i64> = heard.iter().map(|(_, note)| *note).collect();
        let expected: std::collections::BTreeSet<i64> = made.iter().copied().skip(skip).collect();
        assert_eq!(notes, expected, "{name} heard every note once");
    }
}
