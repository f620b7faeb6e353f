//! A note through a link, as a page anyone can read: `/s/{token}`, written here, readable
//! with JavaScript off, on a phone and in print. It is served from the app's own origin,
//! where people's tokens live, so it runs no script at all (`script-src 'none'`); the
//! note's Markdown is written as HTML by the same rules the app uses (`markup`), every
//! text escaped. It shows the note as it is now. Every link that does not open a note
//! (revoked, expired, unknown, in the trash, deleted) gets the same 404 page. The page is
//! never indexed or kept by a cache, and sends no referrer from its links.

use crate::error::{ApiError, ApiResult};
use crate::http::extract::ClientIp;
use crate::http::state::AppState;
use crate::notes::links;
use crate::storage::entities::note;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use markup::html::escape;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{token}", get(page))
        .route("/s/{token}/attachments/{id}/", get(attachment))
}

/// The page's only style: small, both themes, and print.
const STYLE: &str = "\
:root{color-scheme:light dark;--text:#1d2330;--muted:#5b6475;--bg:#f5f6f8;--surface:#fff;--border:#d5d9e2;--accent:#2f5bd3}\
@media (prefers-color-scheme:dark){:root{--text:#e6e9ef;--muted:#a2abbb;--bg:#12151c;--surface:#1b2029;--border:#343b49;--accent:#7a9cff}}\
*{box-sizing:border-box}\
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.6 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}\
main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem 3rem}\
article{background:var(--surface);border:1px solid var(--border);border-radius:10px;padding:1.25rem 1.25rem 1.5rem;overflow-wrap:anywhere}\
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .25rem}\
.meta,footer{color:var(--muted);font-size:.9rem}\
a{color:var(--accent)}\
pre{overflow-x:auto;padding:.75rem;background:var(--bg);border-radius:6px}\
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.92em}\
blockquote{margin:0;padding-left:.75rem;border-left:3px solid var(--border);color:var(--muted)}\
table{border-collapse:collapse;display:block;overflow-x:auto}th,td{border:1px solid var(--border);padding:.3rem .5rem}\
li.task{list-style:none}li.task input{margin:0 .4em 0 -1.4em}\
img{max-width:100%}\
footer{margin-top:1rem;text-align:center}\
@media print{body{background:#fff;color:#000}article{border:0;padding:0}footer{display:none}a{color:#000}}";

/// `script-src 'none'` and nothing else but this page's own style.
static POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
    HeaderValue::from_str(&format!(
        "default-src 'none'; script-src 'none'; style-src 'sha256-{digest}'; img-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ))
    .expect("a header value")
});

/// The page around `body`: a title, a description for a pasted link's preview, the
/// style.
fn document(title: &str, description: &str, body: &str) -> String {
    let (title, description) = (escape(title), escape(description));
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\">\
         <title>{title}</title>\
         <meta name=\"description\" content=\"{description}\">\
         <meta property=\"og:type\" content=\"article\">\
         <meta property=\"og:title\" content=\"{title}\">\
         <meta property=\"og:description\" content=\"{description}\">\
         <style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    )
}

/// The start of the note's text, as one line for a preview.
fn description(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(157) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

fn answer(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, POLICY.clone());
    headers.insert(
        HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn not_found() -> Response {
    let body = "<article><h1>This link does not work</h1>\
                <p>It may have expired or been revoked, or the note was deleted.</p></article>";
    answer(
        StatusCode::NOT_FOUND,
        document("Link not found · Notes", "This link does not work.", body),
    )
}

/// The note a link opens, for the page and for `GET /api/shared/{token}/` alike: the
/// address's request admitted, the link found, its view counted.
pub(crate) async fn opened(
    state: &AppState,
    client: std::net::IpAddr,
    token: &str,
) -> ApiResult<note::Model> {
    state.link_opens.admit(client)?;
    let (link, note) = links::open(&state.db, token).await?;
    if let Err(e) = state.link_views.count(&state.writer, link.id, client).await {
        // A view not counted is no reason to keep the note from its reader.
        tracing::warn!(error = %e, "a link's view was not counted");
    }
    Ok(note)
}

async fn page(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(token): Path<String>,
) -> Response {
    let note = match opened(&state, client, &token).await {
        Ok(note) => note,
        Err(ApiError::NotFound) => return not_found(),
        Err(other) => return other.into_response(),
    };
    let changed = note.updated_at;
    let text = markup::html::html_with_attachments(
        &markup::markdown::blocks(&note.content),
        &format!("/s/{token}/attachments/"),
    );
    let body = format!(
        "<article><h1>{}</h1><p class=\"meta\">Last changed \
         <time datetime=\"{}\">{}</time></p><div class=\"markdown\">{text}</div></article>\
         <footer>Shared from Notes · read only</footer>",
        escape(&note.title),
        changed.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        changed.format("%-d %B %Y, %H:%M UTC"),
    );
    answer(
        StatusCode::OK,
        document(&note.title, &description(&note.content), &body),
    )
}

/// A file the link's note shows: only one it refers to, and only its owner's.
async fn attachment(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path((token, id)): Path<(String, String)>,
    Query(size): Query<crate::http::routes::attachments::Size>,
    headers: axum::http::HeaderMap,
) -> Response {
    let served = async {
        state.link_opens.admit(client)?;
        let (_, note) = links::open(&state.db, &token).await?;
        let file = crate::notes::attachments::linked(&state.db, &note, &id).await?;
        crate::http::routes::attachments::serve(&state, &file, size.kind()?, &headers).await
    };
    match served.await {
        Ok(response) => response,
        Err(ApiError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(other) => other.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_is_the_texts_first_line_cut_short() {
        assert_eq!(
            description("Eggs,\n\nflour  and milk."),
            "Eggs, flour and milk."
        );
        let long = "word ".repeat(100);
        let cut = description(&long);
        assert!(cut.ends_with('…') && cut.chars().count() == 158, "{cut}");
    }

    #[test]
    fn the_policy_runs_no_script_and_allows_the_style_by_its_digest() {
        let policy = POLICY.to_str().unwrap();
        assert!(policy.contains("script-src 'none'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let page = document("<script>x</script>", "\"a\"", "");
        assert!(page.contains("&lt;script&gt;x&lt;/script&gt;") && page.contains("&quot;a&quot;"));
    }
}
