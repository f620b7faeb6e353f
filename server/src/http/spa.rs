//! Serving the built SPA from `dist/`: hashed assets cached for a year, the app shell
//! and the service worker never cached (the worker under a policy of its own), `200`
//! for the client routes of `app`'s route tree (as leptos_axum lists them) and `404`
//! (still the shell, which shows its not-found page) for any other path.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::any;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// The service worker, written by the post-build hook.
const WORKER: &str = "/sw.js";
/// The worker's own policy: it fetches this origin's files into its cache and does
/// nothing else (it imports no script and shows nothing).
const WORKER_CSP: &str = "default-src 'none'; connect-src 'self'";

/// Answered for the worker when the build has none (a development build): a browser
/// that holds one from an earlier build swaps it for this, which deletes its caches and
/// itself, and loads its pages again from the server, so no one is kept on that build.
const RETIRING_WORKER: &str = "self.addEventListener('install', () => self.skipWaiting());\n\
self.addEventListener('activate', (event) => event.waitUntil((async () => {\n\
  for (const key of await caches.keys()) if (key.startsWith('notes-')) await caches.delete(key);\n\
  await self.registration.unregister();\n\
  for (const client of await self.clients.matchAll({ type: 'window' })) client.navigate(client.url);\n\
})()));\n";

/// Shown at every SPA path when `dist/` has not been built.
const PLACEHOLDER: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Notes API</title></head><body><h1>The Notes API is up.</h1>\
<p>The web app is not built yet: run <code>scripts/build-spa.sh</code>.</p></body></html>";

#[derive(Clone)]
pub struct Spa {
    shell: Arc<str>,
    assets: ServeDir,
    /// Content-Security-Policy for every response.
    pub csp: HeaderValue,
}

impl Spa {
    pub fn load(dir: &Path) -> Self {
        let shell = match std::fs::read_to_string(dir.join("index.html")) {
            Ok(html) => html,
            Err(_) => {
                tracing::warn!(dir = %dir.display(), "no built SPA; serving a placeholder page");
                PLACEHOLDER.to_owned()
            }
        };
        let csp = content_security_policy(&shell);
        Self {
            shell: shell.into(),
            assets: ServeDir::new(dir).append_index_html_on_directories(false),
            csp,
        }
    }

    fn shell(&self, status: StatusCode) -> Response {
        let mut response = (status, Html(self.shell.to_string())).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}

/// Script sources: this origin, wasm compilation, and each inline script of the shell
/// (Trunk's loader) by its hash. Nothing else runs.
fn content_security_policy(shell: &str) -> HeaderValue {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for script in inline_scripts(shell) {
        let digest = Sha256::digest(script.as_bytes());
        let hash = base64::engine::general_purpose::STANDARD.encode(digest);
        script_src.push_str(&format!(" 'sha256-{hash}'"));
    }
    let policy = format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data: blob:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy).expect("the policy is plain ASCII")
}

/// The bodies of `<script>` elements without `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_and_more = &after[open_end + 1..];
        let Some(close) = body_and_more.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            scripts.push(&body_and_more[..close]);
        }
        rest = &body_and_more[close..];
    }
    scripts
}

/// Trunk names built files `<name>-<hash>[_bg].<ext>`, the hash a 64-bit number in hex
/// without leading zeros (so one name in sixteen has 15 digits or fewer): their content
/// never changes under that name.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// The paths of the SPA's client routes: leptos_axum walks `app`'s route tree, built
/// natively, and lists each route as axum writes a path.
pub fn client_routes() -> Vec<String> {
    leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|route| route.path().to_owned())
        .collect()
}

/// Everything outside `/api/`: each client route, with and without a trailing slash,
/// gets the shell with `200`; any other path a built file if there is one, else the
/// shell with `404`.
pub fn routes(spa: Spa) -> Router {
    let mut router = Router::new().route("/index.html", any(shell));
    for path in client_routes() {
        if path != "/" {
            router = router.route(&format!("{path}/"), any(shell));
        }
        router = router.route(&path, any(shell));
    }
    router.fallback(file).with_state(spa)
}

fn method_not_allowed(method: &Method) -> Option<Response> {
    (method != Method::GET && method != Method::HEAD)
        .then(|| crate::error::ApiError::MethodNotAllowed(method.clone()).into_response())
}

async fn shell(State(spa): State<Spa>, method: Method) -> Response {
    method_not_allowed(&method).unwrap_or_else(|| spa.shell(StatusCode::OK))
}

async fn file(State(spa): State<Spa>, request: Request) -> Response {
    if let Some(refused) = method_not_allowed(request.method()) {
        return refused;
    }
    let path = request.uri().path().to_owned();
    let mut response = match spa.assets.clone().oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    // Only a missing file gets the shell: `304 Not Modified` for a revalidated file, or a
    // range answer, is the file's own. A build without a worker has the retiring one.
    if response.status() == StatusCode::NOT_FOUND {
        if path != WORKER {
            return spa.shell(StatusCode::NOT_FOUND);
        }
        response = ([(header::CONTENT_TYPE, "text/javascript")], RETIRING_WORKER).into_response();
    }
    let cache = if is_hashed_asset(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if path == WORKER {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(WORKER_CSP),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_only() {
        let html =
            r#"<head><script src="/a.js"></script><script type="module">import x;</script></head>"#;
        assert_eq!(inline_scripts(html), ["import x;"]);
    }

    #[test]
    fn hashes_the_inline_loader_into_the_policy() {
        let csp = content_security_policy("<script>init()</script>");
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert!(
            csp.to_str()
                .unwrap()
                .contains(&format!("'sha256-{digest}'"))
        );
        assert!(!csp.to_str().unwrap().contains("unsafe-inline"));
    }

    #[test]
    fn recognises_trunks_hashed_names() {
        assert!(is_hashed_asset("/frontend-0123456789abcdef.js"));
        assert!(is_hashed_asset("/frontend-0123456789abcdef_bg.wasm"));
        assert!(is_hashed_asset("/main-0123456789abcdef.css"));
        // A hash with a leading zero digit, as Trunk writes it.
        assert!(is_hashed_asset("/frontend-4173783b6c5add6.js"));
        assert!(!is_hashed_asset("/favicon.ico"));
        assert!(!is_hashed_asset("/my-notes.txt"));
    }
}
