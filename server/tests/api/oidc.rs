//! Sign-in through a real OpenID Connect provider (panva's `oidc-provider`, which
//! `scripts/oidc.sh` starts on loopback and names in `TEST_OIDC_ISSUER`): each test
//! registers a client of its own there, and a "browser" (a cookie jar that follows no
//! redirects) walks the provider's own sign-in form. Its users are `alice`, `bob`,
//! `carol`… with the password `<name>-password`.

use crate::helpers::{PASSWORD, TestApp, TestUser, status_json};
use crate::two_step::{code, enrol};
use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// Where the provider sends browsers back: the app's callback under this address. The
/// provider never connects to it, so the test carries the callback to the app itself.
const PUBLIC_URL: &str = "http://notes.test";
const NAME: &str = "Example SSO";

fn issuer() -> String {
    std::env::var("TEST_OIDC_ISSUER").expect(
        "TEST_OIDC_ISSUER names the test OpenID provider: run the tests under scripts/oidc.sh",
    )
}

/// A client of this test's own at the provider: its id and secret.
async fn register_client() -> (String, String) {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/reg", issuer()))
        .json(&json!({
            "redirect_uris": [format!("{PUBLIC_URL}/api/auth/oidc/callback/")],
            "token_endpoint_auth_method": "client_secret_basic",
        }))
        .send()
        .await
        .expect("the provider answers")
        .json()
        .await
        .expect("a client");
    (
        answer["client_id"].as_str().unwrap().to_owned(),
        answer["client_secret"].as_str().unwrap().to_owned(),
    )
}

/// The app, signing in through the provider, with `extra` settings.
async fn app_with(extra: &[(&str, &str)]) -> TestApp {
    let (id, secret) = register_client().await;
    let issuer = issuer();
    let mut settings = vec![
        ("OIDC_ISSUER", issuer.as_str()),
        ("OIDC_CLIENT_ID", id.as_str()),
        ("OIDC_CLIENT_SECRET", secret.as_str()),
        ("OIDC_NAME", NAME),
        ("PUBLIC_URL", PUBLIC_URL),
    ];
    settings.extend_from_slice(extra);
    let app = TestApp::spawn_with(&settings).await;
    ready(&app).await;
    app
}

/// Waits (a bounded while) for discovery, which runs in the background.
async fn ready(app: &TestApp) {
    for _ in 0..100 {
        let response = app
            .request(Method::GET, "/api/auth/oidc/start/", None, None)
            .await;
        let to = location(&response);
        if !to.contains("oidc_error") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the provider was not discovered");
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a redirect");
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// What the SPA finds in the fragment of where it lands: `name`'s value.
fn fragment(to: &str, name: &str) -> Option<String> {
    let (_, fragment) = to.split_once('#')?;
    url::form_urlencoded::parse(fragment.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// A browser: its cookies at the provider are its session there.
struct Browser {
    http: reqwest::Client,
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// Goes from `url` (the provider's authorization page) to the provider's answer for
    /// the app, filling in the sign-in form as `who` whenever it appears.
    async fn through_provider(&self, url: &str, who: &str) -> String {
        let mut at = url::Url::parse(url).unwrap();
        let mut forms = 0;
        for _ in 0..10 {
            if at.as_str().starts_with(PUBLIC_URL) {
                return at.to_string();
            }
            let response = if at.path().starts_with("/interaction/") {
                forms += 1;
                assert!(forms <= 1, "the sign-in form came back: wrong password?");
                self.http
                    .post(at.clone())
                    .form(&[("login", who), ("password", &format!("{who}-password"))])
                    .send()
                    .await
            } else {
                self.http.get(at.clone()).send().await
            }
            .expect("the provider answers");
            let to = response
                .headers()
                .get(LOCATION)
                .unwrap_or_else(|| panic!("a redirect from {at}: {}", response.status()));
            at = at.join(to.to_str().unwrap()).unwrap();
        }
        panic!("the provider never sent the browser back");
    }

    /// Whether the provider asked for the password on the way.
    async fn asked_for_password(&self, url: &str) -> bool {
        let response = self.http.get(url).send().await.unwrap();
        location(&response).starts_with("/interaction/")
    }

    /// From the app's start page through the provider, as `who`: the provider's answer
    /// for the app, in this browser.
    async fn start(&self, app: &TestApp, query: &str, who: &str) -> Back {
        let start = app.url(&format!("/api/auth/oidc/start/{query}"));
        let response = self.http.get(start).send().await.unwrap();
        let to = location(&response);
        assert!(to.starts_with(&issuer()), "to the provider: {to}");
        self.back(self.through_provider(&to, who).await)
    }

    fn back(&self, url: String) -> Back {
        Back {
            url,
            http: self.http.clone(),
        }
    }
}

/// The provider's answer for the app (the app's callback URL), in the browser that
/// started the sign-in, whose cookie ties the sign-in to it.
struct Back {
    url: String,
    http: reqwest::Client,
}

impl Back {
    /// Another answer, in the same browser.
    fn with_url(&self, url: String) -> Self {
        Self {
            url,
            http: self.http.clone(),
        }
    }
}

/// The app's answer to the provider's callback: where it sends the browser.
async fn callback(app: &TestApp, back: &Back) -> String {
    let path = back.url.strip_prefix(PUBLIC_URL).unwrap();
    location(&back.http.get(app.url(path)).send().await.unwrap())
}

/// `POST /api/token/oidc/`.
async fn redeem(app: &TestApp, code: &str) -> (StatusCode, Value) {
    status_json(app.post("/api/token/oidc/", json!({ "code": code })).await).await
}

/// Signs in through the provider as `who`, in a browser of its own: the tokens.
async fn sign_in(app: &TestApp, who: &str) -> TestUser {
    let landed = callback(app, &Browser::new().start(app, "", who).await).await;
    let code = fragment(&landed, "oidc_code").unwrap_or_else(|| panic!("a code: {landed}"));
    let (status, pair) = redeem(app, &code).await;
    assert_eq!(status, StatusCode::OK, "{pair}");
    let tokens: app::api::TokenPair = serde_json::from_value(pair).unwrap();
    let (_, account) = status_json(app.get_as(&tokens.access, "/api/user/").await).await;
    TestUser {
        id: account["id"].as_i64().unwrap(),
        tokens,
    }
}

async fn username(app: &TestApp, user: &TestUser) -> String {
    let (_, account) = app.call(user, Method::GET, "/api/user/", None).await;
    account["username"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_first_sign_in_makes_an_account_and_the_next_signs_into_it() {
    let app = app_with(&[]).await;
    let (status, providers) = status_json(
        app.request(Method::GET, "/api/auth/providers/", None, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        providers,
        json!({"providers": [{"id": "oidc", "name": NAME, "start_url": "/api/auth/oidc/start/"}]})
    );

    let browser = Browser::new();
    let landed = callback(&app, &browser.start(&app, "?next=/notes/7", "alice").await).await;
    assert!(
        landed.starts_with("/login?next=%2Fnotes%2F7#oidc_code="),
        "{landed}"
    );
    let code = fragment(&landed, "oidc_code").unwrap();
    let (status, pair) = redeem(&app, &code).await;
    assert_eq!(status, StatusCode::OK, "{pair}");
    let alice = TestUser {
        id: 0,
        tokens: serde_json::from_value(pair).unwrap(),
    };
    assert_eq!(username(&app, &alice).await, "alice");

    // The code is spent; it never was a token.
    let (status, body) = redeem(&app, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"][0], app::errors::messages::OIDC_CODE_INVALID);

    // Again, from another browser: the same account, and no other.
    let again = sign_in(&app, "alice").await;
    assert_eq!(username(&app, &again).await, "alice");
    assert_eq!(app.count_rows("SELECT COUNT(*) FROM users").await, 1);

    // The account has no password to guess: the provider is its way in.
    assert_eq!(
        app.sign_in("alice", "").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.sign_in("alice", "alice-password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, identities) = app
        .call(&again, Method::GET, "/api/user/identities/", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(identities["has_password"], false);
    assert_eq!(identities["identities"][0]["provider"], NAME);
    assert_eq!(identities["identities"][0]["username"], "alice");

    let (_, activity) = app
        .call(&again, Method::GET, "/api/user/activity/", None)
        .await;
    let lines: Vec<(String, String)> = activity["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["action"].as_str().unwrap().to_owned(),
                line["detail"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let through = format!("through {NAME}");
    assert!(
        lines.contains(&("registered".into(), through.clone())),
        "{lines:?}"
    );
    assert!(lines.contains(&("sign_in".into(), through)), "{lines:?}");
}

#[tokio::test]
async fn a_first_sign_in_takes_a_free_username() {
    let app = app_with(&[]).await;
    app.user("bob").await;
    let other_bob = sign_in(&app, "bob").await;
    assert_eq!(username(&app, &other_bob).await, "bob2");
}

#[tokio::test]
async fn a_tampered_or_replayed_state_and_an_expired_code_are_refused() {
    let app = app_with(&[]).await;
    let back = Browser::new().start(&app, "", "alice").await;
    let tampered = back.with_url(back.url.replace("state=", "state=x"));
    let landed = callback(&app, &tampered).await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(app::errors::messages::OIDC_EXPIRED)
    );
    // The real one works once; the same answer again finds its sign-in spent.
    let landed = callback(&app, &back).await;
    assert!(fragment(&landed, "oidc_code").is_some(), "{landed}");
    let replayed = callback(&app, &back).await;
    assert_eq!(
        fragment(&replayed, "oidc_error").as_deref(),
        Some(app::errors::messages::OIDC_EXPIRED)
    );

    // A code left past its 60 seconds.
    app.state
        .writer
        .execute_unprepared("UPDATE oidc_codes SET expires_at = expires_at - 61")
        .await
        .unwrap();
    let (status, body) = redeem(&app, &fragment(&landed, "oidc_code").unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(app.count_rows("SELECT COUNT(*) FROM users").await, 1);

    // A sign-in left at the provider past its ten minutes.
    let back = Browser::new().start(&app, "", "alice").await;
    app.state
        .writer
        .execute_unprepared("UPDATE oidc_logins SET started_at = started_at - 601")
        .await
        .unwrap();
    let landed = callback(&app, &back).await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(app::errors::messages::OIDC_EXPIRED)
    );
}

#[tokio::test]
async fn a_sign_in_finishes_only_in_the_browser_that_started_it() {
    // Someone signs in as themselves, stops at the provider's answer, and sends it to
    // another person: opened in that person's browser, it must not sign them in as the
    // sender.
    let app = app_with(&[]).await;
    let senders = Browser::new().start(&app, "", "erin").await;
    let victim = Browser::new();
    let landed = callback(&app, &victim.back(senders.url.clone())).await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(app::errors::messages::OIDC_EXPIRED)
    );
    assert!(fragment(&landed, "oidc_code").is_none());
    // Nor did it end the sign-in: the browser that started it finishes it.
    let landed = callback(&app, &senders).await;
    assert!(fragment(&landed, "oidc_code").is_some(), "{landed}");
}

#[tokio::test]
async fn an_id_token_for_another_nonce_or_another_client_is_refused() {
    let app = app_with(&[]).await;
    // The sign-in's nonce is not the one the provider signed.
    let back = Browser::new().start(&app, "", "alice").await;
    app.state
        .writer
        .execute_unprepared("UPDATE oidc_logins SET nonce = 'another'")
        .await
        .unwrap();
    let landed = callback(&app, &back).await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(app::errors::messages::OIDC_FAILED)
    );

    // A code the provider gave another client (another audience), brought to this app
    // with this app's sign-in state.
    let other = app_with(&[]).await;
    let theirs = Browser::new().start(&other, "", "alice").await;
    let ours = Browser::new().start(&app, "", "alice").await;
    let their_code = url::Url::parse(&theirs.url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let mut swapped = url::Url::parse(&ours.url).unwrap();
    let pairs: Vec<(String, String)> = swapped
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "code" {
                their_code.clone()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    swapped.query_pairs_mut().clear().extend_pairs(pairs);
    let landed = callback(&app, &ours.with_url(swapped.to_string())).await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(app::errors::messages::OIDC_FAILED)
    );
    assert_eq!(app.count_rows("SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn a_provider_under_another_issuer_name_is_never_trusted_and_password_sign_in_stays_up() {
    // The provider's discovery document names `http://127.0.0.1:…`, not this.
    let wrong = issuer().replace("127.0.0.1", "localhost");
    let (id, secret) = register_client().await;
    let app = TestApp::spawn_with(&[
        ("OIDC_ISSUER", wrong.as_str()),
        ("OIDC_CLIENT_ID", id.as_str()),
        ("OIDC_CLIENT_SECRET", secret.as_str()),
        ("PUBLIC_URL", PUBLIC_URL),
    ])
    .await;
    let metrics = app.metrics_address.clone().unwrap();
    let mut failures = 0.0;
    for _ in 0..100 {
        let text = reqwest::get(format!("{metrics}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        failures = text
            .lines()
            .find_map(|l| l.strip_prefix("oidc_discovery_failures_total "))
            .map_or(0.0, |n| n.parse().unwrap());
        if failures > 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(failures >= 1.0, "the failed discovery is counted");
    let to = location(
        &app.request(Method::GET, "/api/auth/oidc/start/", None, None)
            .await,
    );
    assert_eq!(
        fragment(&to, "oidc_error").as_deref(),
        Some(app::errors::messages::OIDC_UNREACHABLE)
    );
    assert_eq!(
        app.request(Method::GET, "/readyz", None, None)
            .await
            .status(),
        StatusCode::OK
    );
    app.user("carol").await;
}

/// A first sign-in through the provider, in a browser of its own: where it lands.
async fn first_sign_in(app: &TestApp, query: &str, who: &str) -> String {
    callback(app, &Browser::new().start(app, query, who).await).await
}

#[tokio::test]
async fn a_first_sign_in_makes_an_account_only_where_registration_allows() {
    use app::errors::messages::{OIDC_NO_ACCOUNT, REGISTRATION_CLOSED, REGISTRATION_NEEDS_INVITE};

    let closed = app_with(&[("REGISTRATION", "closed")]).await;
    let landed = first_sign_in(&closed, "", "dave").await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(REGISTRATION_CLOSED)
    );
    assert_eq!(closed.count_rows("SELECT COUNT(*) FROM users").await, 0);

    let never = app_with(&[("OIDC_SIGNUP", "never")]).await;
    let landed = first_sign_in(&never, "", "dave").await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(OIDC_NO_ACCOUNT)
    );

    let always = app_with(&[("REGISTRATION", "closed"), ("OIDC_SIGNUP", "always")]).await;
    let landed = first_sign_in(&always, "", "dave").await;
    assert!(fragment(&landed, "oidc_code").is_some(), "{landed}");

    let invited = app_with(&[]).await;
    let root = invited.operator("root").await;
    let (status, _) = invited
        .call(
            &root,
            Method::PUT,
            "/api/admin/settings/",
            Some(json!({"registration": "invite"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let landed = first_sign_in(&invited, "", "dave").await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(REGISTRATION_NEEDS_INVITE)
    );
    let (status, invite) = invited
        .call(&root, Method::POST, "/api/admin/invites/", Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    let code = invite["code"].as_str().unwrap().to_owned();
    let query = format!("?invite={code}");
    let landed = first_sign_in(&invited, &query, "dave").await;
    assert!(fragment(&landed, "oidc_code").is_some(), "{landed}");
    // Spent: the next newcomer needs another.
    let landed = first_sign_in(&invited, &query, "erin").await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(app::errors::messages::INVITE_NOT_VALID)
    );
}

#[tokio::test]
async fn two_step_sign_in_and_deactivation_apply_as_to_a_password() {
    let app = app_with(&[]).await;
    let frank = sign_in(&app, "frank").await;
    let (secret, _) = enrol(&app, &frank).await;

    let landed = callback(&app, &Browser::new().start(&app, "", "frank").await).await;
    let (status, body) = redeem(&app, &fragment(&landed, "oidc_code").unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "totp_required");
    let (status, pair) = status_json(
        app.post(
            "/api/token/totp/",
            json!({"challenge": body["challenge"], "code": code(&secret, 1)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{pair}");

    let root = app.operator("root").await;
    let (status, _) = app
        .call(
            &root,
            Method::PATCH,
            &format!("/api/admin/users/{}/", frank.id),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let landed = callback(&app, &Browser::new().start(&app, "", "frank").await).await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(app::errors::messages::OIDC_INACTIVE)
    );
}

/// Starts what an account-page button starts (`path`: linking, or a proof): the browser
/// comes back to the app's callback.
async fn from_account(
    app: &TestApp,
    user: &TestUser,
    path: &str,
    browser: &Browser,
    who: &str,
) -> String {
    // From the browser, which keeps the cookie the answer sets.
    let response = browser
        .http
        .post(app.url(path))
        .bearer_auth(&user.tokens.access)
        .json(&json!({"next": "/account"}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = body["authorization_url"].as_str().unwrap();
    callback(app, &browser.back(browser.through_provider(url, who).await)).await
}

#[tokio::test]
async fn a_person_links_and_unlinks_an_identity_but_keeps_a_way_to_sign_in() {
    let app = app_with(&[]).await;
    let bob = app.user("bob").await;
    let landed = from_account(&app, &bob, "/api/user/identities/", &Browser::new(), "bob").await;
    assert_eq!(landed, "/account#oidc_linked=1");
    // The provider now signs into bob's own account.
    let through = sign_in(&app, "bob").await;
    assert_eq!(through.id, bob.id);

    // An identity is one account's: alice's cannot join bob's.
    let alice = sign_in(&app, "alice").await;
    let landed = from_account(
        &app,
        &bob,
        "/api/user/identities/",
        &Browser::new(),
        "alice",
    )
    .await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(app::errors::messages::OIDC_LINKED_ELSEWHERE)
    );

    // Alice has no password: her only identity stays.
    let (_, hers) = app
        .call(&alice, Method::GET, "/api/user/identities/", None)
        .await;
    let id = hers["identities"][0]["id"].as_i64().unwrap();
    let (status, body) = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/api/user/identities/{id}/"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["detail"], app::errors::messages::LAST_SIGN_IN);

    // Bob has one: his goes, in his activity, and the provider no longer signs him in.
    let (_, his) = app
        .call(&bob, Method::GET, "/api/user/identities/", None)
        .await;
    assert_eq!(his["has_password"], true);
    let id = his["identities"][0]["id"].as_i64().unwrap();
    let (status, _) = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/api/user/identities/{id}/"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not alice's to unlink");
    let (status, _) = app
        .call(
            &bob,
            Method::DELETE,
            &format!("/api/user/identities/{id}/"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, activity) = app
        .call(&bob, Method::GET, "/api/user/activity/", None)
        .await;
    let actions: Vec<&str> = activity["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"identity_linked") && actions.contains(&"identity_unlinked"));
    let newcomer = sign_in(&app, "bob").await;
    assert_ne!(newcomer.id, bob.id);

    // A token reaches none of it.
    let (status, token) = app
        .call(
            &bob,
            Method::POST,
            "/api/user/tokens/",
            Some(json!({"name": "t", "scope": "write"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let token = token["token"].as_str().unwrap();
    assert_eq!(
        app.get_as(token, "/api/user/identities/").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn without_a_password_a_fresh_sign_in_at_the_provider_proves_the_person() {
    let app = app_with(&[]).await;
    let browser = Browser::new();
    let landed = callback(&app, &browser.start(&app, "", "carol").await).await;
    let (_, pair) = redeem(&app, &fragment(&landed, "oidc_code").unwrap()).await;
    let carol = TestUser {
        id: 0,
        tokens: serde_json::from_value(pair).unwrap(),
    };

    // The proof asks the provider for a sign-in now, even with its session alive.
    let (status, body) = app
        .call(
            &carol,
            Method::POST,
            "/api/auth/oidc/proof/",
            Some(json!({"next": "/account"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let url = body["authorization_url"].as_str().unwrap();
    assert!(url.contains("max_age=0"), "{url}");
    assert!(browser.asked_for_password(url).await);
    let proof_of =
        |landed: &str| fragment(landed, "provider_proof").unwrap_or_else(|| panic!("{landed}"));
    let proof =
        proof_of(&from_account(&app, &carol, "/api/auth/oidc/proof/", &browser, "carol").await);

    // A first password, with the proof in place of the old one: once.
    let body = json!({"provider_proof": proof, "new_password": PASSWORD});
    let (status, pair) = app
        .call(
            &carol,
            Method::POST,
            "/api/user/password/",
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{pair}");
    let carol = TestUser {
        id: 0,
        tokens: serde_json::from_value(pair).unwrap(),
    };
    let (status, errors) = app
        .call(&carol, Method::POST, "/api/user/password/", Some(body))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        errors["provider_proof"][0],
        app::errors::messages::PROOF_INVALID
    );
    assert_eq!(
        app.sign_in("carol", PASSWORD).await.status(),
        StatusCode::OK
    );

    // Another's proof is not hers; her own deletes the account.
    let dave = sign_in(&app, "dave").await;
    let daves = proof_of(
        &from_account(
            &app,
            &dave,
            "/api/auth/oidc/proof/",
            &Browser::new(),
            "dave",
        )
        .await,
    );
    let (status, _) = app
        .call(
            &carol,
            Method::DELETE,
            "/api/user/",
            Some(json!({"provider_proof": daves})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let proof =
        proof_of(&from_account(&app, &carol, "/api/auth/oidc/proof/", &browser, "carol").await);
    let (status, body) = app
        .call(
            &carol,
            Method::DELETE,
            "/api/user/",
            Some(json!({"provider_proof": proof})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // Someone else's identity is no proof for dave.
    let landed = from_account(
        &app,
        &dave,
        "/api/auth/oidc/proof/",
        &Browser::new(),
        "erin",
    )
    .await;
    assert_eq!(
        fragment(&landed, "oidc_error").as_deref(),
        Some(app::errors::messages::OIDC_NOT_YOU)
    );
}

#[tokio::test]
async fn without_a_provider_there_is_none_to_offer() {
    let app = TestApp::spawn().await;
    let (status, body) = status_json(
        app.request(Method::GET, "/api/auth/providers/", None, None)
            .await,
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"providers": []})));
    let response = app
        .request(Method::GET, "/api/auth/oidc/start/", None, None)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (status, _) = redeem(&app, "anything").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn one_address_starts_at_most_thirty_sign_ins_a_minute() {
    let app = app_with(&[]).await;
    let mut statuses = Vec::new();
    for _ in 0..32 {
        let response = app
            .request(Method::GET, "/api/auth/oidc/start/", None, None)
            .await;
        statuses.push(response.status());
    }
    // `ready` started one or two already; then 429 until the minute has passed.
    let admitted = statuses
        .iter()
        .take_while(|s| **s == StatusCode::SEE_OTHER)
        .count();
    assert!((25..=29).contains(&admitted), "{statuses:?}");
    assert!(
        statuses[admitted..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert!(app.count_rows("SELECT COUNT(*) FROM oidc_logins").await <= 30);
}

#[tokio::test]
async fn a_sign_in_started_on_one_replica_finishes_on_another() {
    // Two servers on one database, as replicas behind a load balancer: the callback and
    // the code may each reach the other one.
    let (id, secret) = register_client().await;
    let issuer = issuer();
    let settings = |database: Option<&str>| {
        let mut settings = vec![
            ("OIDC_ISSUER".to_owned(), issuer.clone()),
            ("OIDC_CLIENT_ID".to_owned(), id.clone()),
            ("OIDC_CLIENT_SECRET".to_owned(), secret.clone()),
            ("PUBLIC_URL".to_owned(), PUBLIC_URL.to_owned()),
        ];
        if let Some(url) = database {
            settings.push(("DATABASE_URL".to_owned(), url.to_owned()));
        }
        settings
    };
    let spawn = |settings: Vec<(String, String)>| async move {
        let borrowed: Vec<(&str, &str)> = settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let app = TestApp::spawn_with(&borrowed).await;
        ready(&app).await;
        app
    };
    let a = spawn(settings(None)).await;
    let b = spawn(settings(Some(&a.database_url))).await;

    let back = Browser::new().start(&a, "", "alice").await;
    let landed = callback(&b, &back).await;
    let code = fragment(&landed, "oidc_code").unwrap_or_else(|| panic!("{landed}"));
    let (status, pair) = redeem(&a, &code).await;
    assert_eq!(status, StatusCode::OK, "{pair}");
    let (status, _) = redeem(&b, &code).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "spent on the other replica"
    );
}
