//! Taking one's notes out (`export`) and bringing them back in (`import`).

use crate::accounts::users;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::AuthUser;
use crate::http::openapi::{BadRequest, RequestTimeout, Unauthorized, tags};
use crate::http::state::AppState;
use crate::notes::attachments::archived::Storing;
use crate::notes::export::{Export, Format};
use crate::notes::import;
use app::api::{ImportResult, paths};
use app::errors::{FieldErrors, messages};
use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use utoipa::IntoParams;

/// `GET /api/notes/export/`'s parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (the default): one JSON document. `markdown`: a zip of one `.md` file per
    /// note, named from its title, with YAML front matter for the other fields.
    #[param(pattern = "^(json|markdown)$")]
    format: Option<String>,
    /// `true` to include the trash (in the zip, under `trash/`).
    trash: Option<bool>,
}

impl<S: Send + Sync> FromRequestParts<S> for ExportQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let (mut format, mut trash) = (None, None);
        let mut errors = FieldErrors::default();
        let raw = parts.uri.query().unwrap_or("");
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            match key.as_ref() {
                "format" => format = Some(value.into_owned()),
                "trash" => match value.as_ref() {
                    "true" | "1" => trash = Some(true),
                    "false" | "0" | "" => trash = Some(false),
                    _ => errors.add("trash", messages::NOT_A_BOOLEAN),
                },
                _ => {}
            }
        }
        match errors.is_empty() {
            true => Ok(Self { format, trash }),
            false => Err(errors.into()),
        }
    }
}

/// Export notes
///
/// All of the caller's notes, sent as they are read: `format=json` (the default) gives
/// one JSON document, `format=markdown` a zip of one `.md` file per note (named from
/// its title, unique ignoring case, safe on Windows, macOS and Linux) with YAML front
/// matter holding the other fields, and the caller's files in
/// `attachments/{id}/{name}` with the notes' links to them pointing there. The trash
/// comes too with `trash=true`.
#[utoipa::path(
    get,
    path = paths::EXPORT,
    operation_id = "api_notes_export_retrieve",
    tag = tags::NOTES,
    params(ExportQuery),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The notes, as a download.",
            content((app::api::Export = "application/json"), ("application/zip")),
            headers(("Content-Disposition" = String, description = "`attachment` and a file name."))),
        (status = BAD_REQUEST, response = BadRequest),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = SERVICE_UNAVAILABLE, description = "Other exports are running (a few at a time); try again after `Retry-After`.",
            body = app::errors::Detail, example = json!({"detail": messages::OVERLOADED})),
    ),
)]
pub async fn export(
    State(state): State<AppState>,
    user: AuthUser,
    query: ExportQuery,
) -> ApiResult<Response> {
    let format = match query.format.as_deref() {
        None | Some("json") => Format::Json,
        Some("markdown") => Format::Markdown,
        Some(_) => {
            return Err(FieldErrors::single("format", "Must be json or markdown.").into());
        }
    };
    // Before the first byte: a deleted account hears 401, not an empty export.
    users::by_id(&state.db, user.id).await?;
    // Held until the body is sent (it lives in the stream below).
    let running = state
        .exports
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::Overloaded)?;
    let export = Export {
        db: state.db.clone(),
        blobs: state.blobs.clone(),
        author: user.id,
        trash: query.trash.unwrap_or(false),
    };
    let day = chrono::Utc::now().format("%Y-%m-%d");
    let (chunks, content_type, file) = match format {
        Format::Json => (
            export.json(),
            "application/json",
            format!("notes-{day}.json"),
        ),
        Format::Markdown => (
            export.markdown(),
            "application/zip",
            format!("notes-{day}.zip"),
        ),
    };
    // Fused: the compression layer polls a body once more after its end.
    let stream = futures::stream::unfold((chunks, running), |(mut chunks, running)| async move {
        chunks.recv().await.map(|chunk| (chunk, (chunks, running)))
    })
    .fuse();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Import notes
///
/// Notes from an export, added to the caller's as new notes (new ids; creation and
/// change times kept; notes from the trash go to the trash): the JSON document (or its
/// list of notes alone) as `application/json`, or the Markdown zip as
/// `application/zip`, up to the server's `IMPORT_MAX_MB` (64 MB unless set). A note the
/// caller already has, same title, content and creation time, is skipped, so importing
/// a file twice adds nothing. The zip's files (`attachments/`, as its export writes them)
/// become the caller's, within the upload limits and quota (a file the caller still has,
/// the same bytes, is used as it is), and its notes' links point at them again. All or
/// nothing: any problem is a 400 naming where it is (`notes[3]`, or a file in the zip)
/// and what, and nothing is imported.
#[utoipa::path(
    post,
    path = paths::IMPORT,
    operation_id = "api_notes_import_create",
    tag = tags::NOTES,
    request_body(description = "An export.",
        content((app::api::Export = "application/json"), ("application/zip"))),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "What was imported.", body = ImportResult),
        (status = BAD_REQUEST, description = "The file, or a note in it, is not right; nothing was imported.",
            body = FieldErrors, example = json!({"notes[3]": ["title: Ensure this field has no more than 100 characters."]})),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = REQUEST_TIMEOUT, response = RequestTimeout),
        (status = PAYLOAD_TOO_LARGE, description = "Over `IMPORT_MAX_MB`, or a file in the zip over `ATTACHMENT_MAX_MB` or the caller's quota.", body = app::errors::Detail,
            example = json!({"detail": messages::PAYLOAD_TOO_LARGE})),
        (status = UNSUPPORTED_MEDIA_TYPE, description = "Neither JSON nor a zip.", body = app::errors::Detail,
            example = json!({"detail": messages::unsupported_media_type("text/plain")})),
    ),
)]
pub async fn import(
    State(state): State<AppState>,
    user: AuthUser,
    request: Request,
) -> ApiResult<Json<ImportResult>> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let zip = match content_type.as_str() {
        "application/json" => false,
        "application/zip" | "application/x-zip-compressed" => true,
        other => {
            return Err(ApiError::UnsupportedMediaType(
                messages::unsupported_media_type(other),
            ));
        }
    };
    // A file takes longer than a note to arrive: ten times the deadline of a JSON body.
    let within = state.request_body_timeout * 10;
    let bytes = tokio::time::timeout(
        within,
        axum::body::to_bytes(request.into_body(), state.import_max_bytes),
    )
    .await
    .map_err(|_| ApiError::BodyTimeout)?
    .map_err(|_| ApiError::PayloadTooLarge)?;
    let max_unpacked = 4 * state.import_max_bytes as u64;
    let archive = bytes.clone();
    let (notes, packed) = tokio::task::spawn_blocking(move || match zip {
        true => import::from_zip(&archive, max_unpacked),
        false => import::from_json(&archive).map(|notes| (notes, Vec::new())),
    })
    .await
    .map_err(|e| ApiError::Internal(format!("reading an import: {e}")))??;
    let to = Storing {
        db: &state.db,
        writer: &state.writer,
        blobs: &state.blobs,
        limits: state.attachment_limits,
    };
    Ok(Json(
        import::import_with_files(&to, user.id, notes, bytes, packed).await?,
    ))
}
