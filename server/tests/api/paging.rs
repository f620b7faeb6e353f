use crate::helpers::{TestApp, TestUser, status_json, titles};
use app::errors::messages;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The titles `"note {n}"` from `from` down to `to`: newest first.
fn numbered(from: usize, to: usize) -> Vec<String> {
    (to..=from).rev().map(|n| format!("note {n}")).collect()
}

async fn user_with_notes(app: &TestApp, count: usize) -> TestUser {
    let alice = app.user("alice").await;
    app.create_numbered(&alice, "note", count).await;
    alice
}

fn invalid_page() -> (StatusCode, Value) {
    (
        StatusCode::NOT_FOUND,
        json!({"detail": messages::INVALID_PAGE}),
    )
}

#[tokio::test]
async fn without_page_or_page_size_the_list_stays_the_originals_plain_list() {
    let app = TestApp::spawn().await;
    let alice = user_with_notes(&app, 25).await;
    let (status, body) = app.page(&alice, &[("other", "1")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(titles(&body), numbered(25, 1), "all 25, not a page of 20");
}

#[tokio::test]
async fn pages_walk_the_list_newest_first_with_drfs_links() {
    let app = TestApp::spawn().await;
    let alice = user_with_notes(&app, 45).await;
    let list = app.url("/api/notes/");

    let (status, first) = app.page(&alice, &[("page", "1")]).await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "{first}");
    assert_eq!(first["count"], 45);
    assert_eq!(first["next"], format!("{list}?page=2"));
    assert_eq!(first["previous"], Value::Null);
    assert_eq!(titles(&first), numbered(45, 26));

    let (_, second) = app.page(&alice, &[("page", "2")]).await;
    assert_eq!(second["next"], format!("{list}?page=3"));
    // DRF drops `page` to go back to the first page; here `page=1` stays, since a URL
    // without `page` or `page_size` would answer the plain list.
    assert_eq!(second["previous"], format!("{list}?page=1"));
    assert_eq!(titles(&second), numbered(25, 6));

    let (_, third) = app.page(&alice, &[("page", "3")]).await;
    assert_eq!(third["next"], Value::Null);
    assert_eq!(third["previous"], format!("{list}?page=2"));
    assert_eq!(titles(&third), numbered(5, 1));

    let (_, last) = app.page(&alice, &[("page", "last")]).await;
    assert_eq!(last, third);

    // Following every `next` from the first page visits each note once.
    let mut seen = Vec::new();
    let mut url = Some(format!("{list}?page_size=7"));
    while let Some(next) = url {
        let response = app
            .client
            .get(&next)
            .bearer_auth(&alice.tokens.access)
            .send()
            .await
            .unwrap();
        let (status, page) = status_json(response).await;
        assert_eq!(status, StatusCode::OK, "{next}");
        seen.extend(titles(&page));
        url = page["next"].as_str().map(str::to_owned);
        assert!(seen.len() <= 45, "the walk ends");
    }
    assert_eq!(seen, numbered(45, 1));
}

#[tokio::test]
async fn bad_page_numbers_are_404_invalid_page_as_in_drf() {
    let app = TestApp::spawn().await;
    let alice = user_with_notes(&app, 45).await;
    for page in [
        "4",
        "0",
        "-1",
        "abc",
        "1.0",
        "LAST",
        "2 3",
        "99999999999999999999999",
    ] {
        assert_eq!(
            app.page(&alice, &[("page", page)]).await,
            invalid_page(),
            "page={page:?}"
        );
    }
    // Python's int() reads these, so DRF does too.
    for (page, first_title) in [(" 2 ", "note 25"), ("+2", "note 25"), ("", "note 45")] {
        let (status, body) = app.page(&alice, &[("page", page)]).await;
        assert_eq!(status, StatusCode::OK, "page={page:?}");
        assert_eq!(titles(&body)[0], first_title, "page={page:?}");
    }
}

#[tokio::test]
async fn a_bad_page_size_falls_back_to_20_and_a_large_one_is_cut_to_100() {
    let app = TestApp::spawn().await;
    let alice = user_with_notes(&app, 105).await;
    for size in ["0", "-3", "abc", "", "2.5"] {
        let (status, body) = app.page(&alice, &[("page_size", size)]).await;
        assert_eq!(status, StatusCode::OK, "page_size={size:?}");
        assert_eq!(titles(&body).len(), 20, "page_size={size:?}");
        assert_eq!(body["count"], 105);
    }
    let (_, small) = app.page(&alice, &[("page_size", "7")]).await;
    assert_eq!(titles(&small), numbered(105, 99));
    for large in ["101", "1000", "99999999999999999999999"] {
        let (_, body) = app.page(&alice, &[("page_size", large)]).await;
        assert_eq!(titles(&body), numbered(105, 6), "page_size={large}");
        // The link keeps what the client asked for; the next request cuts it again.
        let next = body["next"].as_str().unwrap();
        assert!(
            next.ends_with(&format!("?page=2&page_size={large}")),
            "{next}"
        );
    }
    let (_, second) = app
        .page(&alice, &[("page_size", "1000"), ("page", "2")])
        .await;
    assert_eq!(titles(&second), numbered(5, 1));
    // Back to the first page: `page_size` keeps paging on, so `page` goes, as in DRF.
    assert!(
        second["previous"]
            .as_str()
            .unwrap()
            .ends_with("/api/notes/?page_size=1000")
    );
}

#[tokio::test]
async fn an_empty_list_has_one_empty_page() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    for page in ["1", "last"] {
        assert_eq!(
            app.page(&alice, &[("page", page)]).await,
            (
                StatusCode::OK,
                json!({"count": 0, "next": null, "previous": null, "results": []})
            )
        );
    }
    assert_eq!(app.page(&alice, &[("page", "2")]).await, invalid_page());
}

#[tokio::test]
async fn search_and_paging_combine_and_links_keep_the_search() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    for n in 1..=30 {
        app.create_note(&alice, &format!("note {n}"), "alpha beta")
            .await;
        if n % 3 == 0 {
            app.create_note(&alice, &format!("other {n}"), "gamma")
                .await;
        }
    }
    let search = [("search", "ALPHA note"), ("page_size", "12"), ("page", "2")];
    let (status, page) = app.page(&alice, &search).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["count"], 30);
    assert_eq!(titles(&page), numbered(18, 7));
    let list = app.url("/api/notes/");
    // Parameters sorted by name and form-encoded, as DRF's `replace_query_param`.
    assert_eq!(
        page["next"],
        format!("{list}?page=3&page_size=12&search=ALPHA+note")
    );
    assert_eq!(
        page["previous"],
        format!("{list}?page_size=12&search=ALPHA+note")
    );
    let (_, last) = app
        .page(
            &alice,
            &[
                ("search", "ALPHA note"),
                ("page_size", "12"),
                ("page", "last"),
            ],
        )
        .await;
    assert_eq!(titles(&last), numbered(6, 1));
    let (_, none) = app
        .page(&alice, &[("search", "delta"), ("page", "1")])
        .await;
    assert_eq!(none["count"], 0);
    // Characters that need encoding survive the round trip.
    let (_, odd) = app
        .page(&alice, &[("search", "a&b=c %"), ("page", "1"), ("x", "é")])
        .await;
    assert_eq!(odd["count"], 0);
    let (_, gammas) = app
        .page(
            &alice,
            &[("search", "gamma"), ("page_size", "4"), ("q", "a&b é")],
        )
        .await;
    assert_eq!(gammas["count"], 10);
    assert_eq!(
        gammas["next"],
        format!("{list}?page=2&page_size=4&q=a%26b+%C3%A9&search=gamma")
    );
}

#[tokio::test]
async fn links_use_the_host_header_and_forwarded_headers_only_from_trusted_proxies() {
    let app = TestApp::spawn().await;
    let alice = user_with_notes(&app, 3).await;
    let next = |response: reqwest::Response| async move {
        let (status, body) = status_json(response).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["next"].as_str().unwrap().to_owned()
    };
    let get = |headers: &[(&str, &str)]| {
        let mut request = app
            .client
            .get(app.url("/api/notes/?page_size=1"))
            .bearer_auth(&alice.tokens.access);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    assert_eq!(
        next(get(&[("host", "notes.example:8443")]).await.unwrap()).await,
        "http://notes.example:8443/api/notes/?page=2&page_size=1"
    );
    // Without trusted proxies, a client's forwarded headers are not believed.
    assert_eq!(
        next(
            get(&[
                ("host", "notes.example"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "evil.example"),
            ])
            .await
            .unwrap()
        )
        .await,
        "http://notes.example/api/notes/?page=2&page_size=1"
    );
    for bad in ["evil.example/x?", "a b", "user@host"] {
        let response = get(&[("host", bad)]).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }

    let proxied = TestApp::spawn_with(&[("TRUSTED_PROXY_HOPS", "1")]).await;
    let bob = user_with_notes(&proxied, 2).await;
    let response = proxied
        .client
        .get(proxied.url("/api/notes/?page_size=1"))
        .bearer_auth(&bob.tokens.access)
        .header("host", "10.0.0.7:8000")
        .header("x-forwarded-proto", "http, https")
        .header("x-forwarded-host", "forged.example, notes.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        next(response).await,
        "https://notes.example.com/api/notes/?page=2&page_size=1",
        "the entry the one trusted proxy appended"
    );
}
