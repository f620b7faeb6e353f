use crate::helpers::{PASSWORD, TestApp};
use reqwest::StatusCode;

impl TestApp {
    /// `GET /metrics` from the metrics listener.
    pub async fn scrape(&self) -> String {
        let address = self.metrics_address.as_ref().expect("metrics are served");
        let response = self
            .client
            .get(format!("{address}/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        response.text().await.unwrap()
    }
}

/// The value of a series (0 when absent). The recorder is one per process, shared by the
/// tests running beside this one, so tests compare values before and after, and only
/// ever expect them to have grown.
pub fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

#[tokio::test]
async fn requests_are_counted_by_route_template_never_by_raw_path() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let note = app.create_note(&alice, "Counted", "once").await;
    let path = format!("/api/notes/{}/", note["id"]);
    let series = r#"http_requests_total{method="GET",route="/api/notes/{id}/",status="200"}"#;
    let before = value(&app.scrape().await, series);
    for _ in 0..3 {
        assert_eq!(
            app.get_as(&alice.tokens.access, &path).await.status(),
            StatusCode::OK
        );
    }
    let text = app.scrape().await;
    assert!(value(&text, series) >= before + 3.0, "{text}");
    assert!(!text.contains(&path), "a raw path became a label: {text}");
    assert!(text.contains(
        r#"http_request_duration_seconds_bucket{method="GET",route="/api/notes/{id}/",status="200",le="0.005"}"#
    ));
    // A path no route matches is one series, whatever the path.
    let unmatched = r#"http_requests_total{method="GET",route="unmatched",status="404"}"#;
    let before = value(&text, unmatched);
    let _ = app
        .client
        .get(app.url("/no/such/file-1.js"))
        .send()
        .await
        .unwrap();
    let text = app.scrape().await;
    assert!(value(&text, unmatched) >= before + 1.0, "{text}");
    assert!(!text.contains("file-1.js"));
}

#[tokio::test]
async fn metrics_are_not_on_the_public_port() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        !response
            .text()
            .await
            .unwrap()
            .contains("http_requests_total")
    );
}

#[tokio::test]
async fn sign_in_failures_refusals_pools_and_hash_waits_are_reported() {
    let app = TestApp::spawn_with(&[("LOGIN_MAX_FAILURES", "1")]).await;
    app.user("alice").await;
    let before = app.scrape().await;
    assert_eq!(
        app.sign_in("alice", "wrong guess").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("alice", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let after = app.scrape().await;
    for series in ["login_failures_total", "login_throttled_total"] {
        assert!(
            value(&after, series) >= value(&before, series) + 1.0,
            "{series}: {after}"
        );
    }
    let waits = "password_hash_queue_wait_seconds_count";
    assert!(
        value(&after, waits) >= value(&before, waits) + 1.0,
        "{after}"
    );
    let max = r#"db_pool_connections{pool="main",state="max"}"#;
    assert!(value(&after, max) >= 1.0, "{after}");
}
