use crate::helpers::{SHELL, TestApp, status_json};
use base64::Engine;
use reqwest::{StatusCode, header};
use serde_json::json;
use sha2::{Digest, Sha256};

#[test]
fn the_server_routes_exactly_the_route_trees_paths() {
    let mut listed = server::http::spa::client_routes();
    listed.sort();
    // A note's page is declared by its prefix, and listed as axum writes its parameter.
    let mut declared = app::routes::paths::ALL
        .map(|p| match p {
            app::routes::paths::NOTE => "/notes/{id}".to_owned(),
            p => p.to_owned(),
        })
        .to_vec();
    declared.sort();
    assert_eq!(listed, declared);
}

#[tokio::test]
async fn client_routes_get_the_shell_and_other_paths_get_it_with_404() {
    let app = TestApp::spawn().await;
    let routes = server::http::spa::client_routes();
    let with_slash = routes.iter().filter(|p| *p != "/").map(|p| format!("{p}/"));
    for path in routes.iter().cloned().chain(with_slash) {
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "no-cache",
            "{path}"
        );
        assert_eq!(response.text().await.unwrap(), SHELL, "{path}");
    }
    let near_misses = routes
        .iter()
        .filter(|p| !p.contains('{'))
        .map(|p| format!("{p}x"));
    let others = [
        "/nope",
        "/notes",
        "/notes/1/x",
        "/app-0123456789abcdef.css",
        "/login//",
    ];
    for path in near_misses.chain(others.map(String::from)) {
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.text().await.unwrap(), SHELL, "{path}");
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_for_good_and_compressed() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/app-0123456789abcdef.js"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    let plain = app.client.get(app.url("/robots.txt")).send().await.unwrap();
    assert_eq!(plain.headers()[header::CACHE_CONTROL], "no-cache");

    // A browser revalidating a file it holds hears that it has not changed, not that it
    // is missing.
    let modified = plain.headers()[header::LAST_MODIFIED].clone();
    let revalidated = app
        .client
        .get(app.url("/robots.txt"))
        .header(header::IF_MODIFIED_SINCE, modified)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn the_policy_allows_the_shells_own_scripts_and_nothing_inline_else() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    let headers = response.headers();
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"boot()"));
    assert!(
        csp.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'"
        )),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
}

/// The service worker's script, checked to be revalidated at every load and to run under
/// its own policy.
async fn worker_script(app: &TestApp) -> String {
    let worker = app.client.get(app.url("/sw.js")).send().await.unwrap();
    assert_eq!(worker.status(), StatusCode::OK);
    let headers = worker.headers();
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    assert_eq!(headers[header::CONTENT_TYPE], "text/javascript");
    assert_eq!(
        headers[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'; connect-src 'self'"
    );
    worker.text().await.unwrap()
}

#[tokio::test]
async fn the_service_worker_is_revalidated_and_may_only_fetch_this_origin() {
    let app = TestApp::spawn().await;
    worker_script(&app).await;

    let manifest = app
        .client
        .get(app.url("/manifest.webmanifest"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        manifest.headers()[header::CONTENT_TYPE],
        "application/manifest+json"
    );
    // Every other file keeps the page's policy.
    let csp = manifest.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn a_build_without_a_worker_retires_the_one_browsers_hold() {
    let app = TestApp::spawn_with(&[("STATIC_DIR", "/nonexistent/dist")]).await;
    let script = worker_script(&app).await;
    assert!(
        script.contains("self.registration.unregister()"),
        "{script}"
    );
}

#[tokio::test]
async fn api_answers_are_never_cached_and_carry_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.post("/api/token/", json!({})).await;
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36);
    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-123");
}

#[tokio::test]
async fn probes_report_the_process_and_the_database() {
    let app = TestApp::spawn().await;
    let live = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(
        status_json(live).await,
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(
        status_json(ready).await,
        (StatusCode::OK, json!({"status": "ok"}))
    );
}

#[tokio::test]
async fn cross_origin_requests_are_allowed_only_from_configured_origins() {
    let app = TestApp::spawn_with(&[("CORS_ALLOWED_ORIGINS", "https://spa.example.com")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/notes/"))
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://spa.example.com").await.unwrap();
    assert_eq!(
        allowed.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://spa.example.com"
    );
    let refused = preflight("https://evil.example.com").await.unwrap();
    assert!(
        !refused
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );
}
