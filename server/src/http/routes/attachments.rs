//! Attachments: uploaded as multipart, listed with the space they take, served with the
//! headers that keep a file from running in the page, in ranges, and revalidated by ETag.

use crate::error::{ApiError, ApiResult};
use crate::http::extract::AuthUser;
use crate::http::openapi::{BadRequest, NotFound, Unauthorized, tags};
use crate::http::state::AppState;
use crate::notes::attachments::{self, Incoming, sniff};
use crate::storage::blobs::{Kind, key};
use crate::storage::entities::attachment;
use app::api::{Attachment, Attachments, paths};
use app::errors::messages;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use headers::HeaderMapExt;
use std::ops::{Bound, Range};

/// Marks an answer that carries a file as it is stored, never compressed on the way.
#[derive(Debug, Clone, Copy)]
pub struct AsStored;

/// An upload's multipart body.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Read as it streams, never as a whole: described for the document.
pub struct AttachmentUpload {
    /// The file, with its name in the part's `filename`.
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

/// The multipart body around the file: its boundaries and part headers.
const ENVELOPE: u64 = 64 * 1024;

/// Upload a file (new)
///
/// `multipart/form-data` with one part named `file`. The body streams to storage; it may
/// be up to `ATTACHMENT_MAX_MB` and take up to `UPLOAD_TIMEOUT`. An image's location data
/// is removed; the type is read from the bytes.
#[utoipa::path(
    post,
    path = paths::ATTACHMENTS,
    operation_id = "api_attachments_create",
    tag = tags::ATTACHMENTS,
    security(("jwtAuth" = [])),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data",
        description = "A part named `file`."),
    responses(
        (status = CREATED, description = "Kept.", body = Attachment),
        (status = BAD_REQUEST, response = BadRequest),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = REQUEST_TIMEOUT, description = "The file did not arrive within \
            `UPLOAD_TIMEOUT`; nothing was kept.", body = app::errors::Detail),
        (status = PAYLOAD_TOO_LARGE, description = "Over `ATTACHMENT_MAX_MB`, or over the \
            caller's quota (the `detail` says which).", body = app::errors::Detail),
        (status = UNSUPPORTED_MEDIA_TYPE, description = "Not multipart.", body = app::errors::Detail),
    ),
)]
pub async fn upload(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let limits = state.attachment_limits;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| ApiError::UnsupportedMediaType(messages::NOT_MULTIPART.to_owned()))?;
    let too_large =
        || ApiError::TooLarge(messages::attachment_too_large(limits.max_bytes / 1_000_000));
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limits.max_bytes + ENVELOPE) {
        return Err(too_large());
    }
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(limits.max_bytes + ENVELOPE)
            .per_field(limits.max_bytes + 1),
    );
    let mut parts =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let read_error = move |e: multer::Error| match e {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            too_large()
        }
        e => ApiError::BadRequest(format!("The upload could not be read: {e}")),
    };
    while let Some(part) = parts.next_field().await.map_err(read_error)? {
        if part.name() != Some("file") {
            // Anything else sent along is read past, never kept.
            let mut part = part;
            while part.chunk().await.map_err(read_error)?.is_some() {}
            continue;
        }
        let incoming = Incoming {
            name: part.file_name().map(str::to_owned),
            bytes: Box::pin(part.map(move |piece| piece.map_err(read_error))),
        };
        let file = attachments::upload(
            &state.db,
            &state.writer,
            &state.blobs,
            user.id,
            incoming,
            limits,
        )
        .await?;
        let api = attachments::to_api(&file);
        let location = HeaderValue::from_str(&api.url).expect("an id is ASCII");
        return Ok((
            StatusCode::CREATED,
            [(header::LOCATION, location)],
            Json(api),
        )
            .into_response());
    }
    Err(ApiError::BadRequest(messages::NO_FILE.to_owned()))
}

/// List your files (new)
///
/// Newest first, with the bytes they use of your quota.
#[utoipa::path(
    get,
    path = paths::ATTACHMENTS,
    operation_id = "api_attachments_list",
    tag = tags::ATTACHMENTS,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The caller's files.", body = Attachments),
        (status = UNAUTHORIZED, response = Unauthorized),
    ),
)]
pub async fn list(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Attachments>> {
    let files = attachments::list(&state.db, user.id).await?;
    let (used, quota) = attachments::usage(&state.db, user.id, &state.attachment_limits).await?;
    Ok(Json(Attachments {
        used,
        quota,
        results: files.iter().map(attachments::to_api).collect(),
    }))
}

/// Delete a file (new)
///
/// A note that still refers to it shows it as missing.
#[utoipa::path(
    delete,
    path = paths::ATTACHMENT,
    operation_id = "api_attachments_destroy",
    tag = tags::ATTACHMENTS,
    params(("id" = String, Path, description = "The file's id.")),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    attachments::delete(&state.db, &state.writer, &state.blobs, user.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?size=`: the file, or its smaller copy.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Size {
    /// `preview`: an image wider than 1,600 px as a smaller copy (other files as they are).
    size: Option<String>,
}

impl Size {
    pub(crate) fn kind(&self) -> ApiResult<Kind> {
        match self.size.as_deref() {
            None | Some("" | "original") => Ok(Kind::Original),
            Some("preview") => Ok(Kind::Preview),
            Some(_) => Err(ApiError::BadRequest(
                "size must be original or preview.".to_owned(),
            )),
        }
    }
}

/// Download a file (new)
///
/// To its owner, and to people who may read a note of its owner's that refers to it.
/// PNG, JPEG, GIF, WebP and AVIF are shown inline; anything else is a download. Honours
/// `Range` (one range) and `If-None-Match`.
#[utoipa::path(
    get,
    path = paths::ATTACHMENT,
    operation_id = "api_attachments_retrieve",
    tag = tags::ATTACHMENTS,
    params(("id" = String, Path, description = "The file's id."), Size),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The file, typed by its bytes (`application/octet-stream` when they say nothing known).", content_type = "*/*"),
        (status = PARTIAL_CONTENT, description = "The range asked for.", content_type = "*/*"),
        (status = NOT_MODIFIED, description = "`If-None-Match` names it."),
        (status = BAD_REQUEST, description = "`size` is not `original` or `preview`.", body = app::errors::Detail),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, response = NotFound),
        (status = RANGE_NOT_SATISFIABLE, description = "The range starts past the end.", body = app::errors::Detail),
    ),
)]
pub async fn download(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    Query(size): Query<Size>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let kind = size.kind()?;
    let file = attachments::readable(&state.db, user.id, &id).await?;
    serve(&state, &file, kind, &headers).await
}

/// The answer carrying `file` (its preview, if asked for and there is one), as `headers`
/// ask for it.
pub(crate) async fn serve(
    state: &AppState,
    file: &attachment::Model,
    kind: Kind,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let location = attachments::stored_at(file)?;
    let preview = match kind {
        Kind::Preview => {
            attachments::preview::ensure(&state.writer, &state.blobs, file, &location).await?
        }
        Kind::Original => None,
    };
    // The copy, if there is one; else the file itself.
    let (kind, content_type, size, etag) = match &preview {
        Some(content_type) => {
            let size = state
                .blobs
                .size(&location, &key(&file.id, Kind::Preview))
                .await?;
            let etag = format!("\"{}-preview\"", file.sha256);
            (Kind::Preview, content_type.as_str(), size, etag)
        }
        None => {
            let size = file.size.unwrap_or(0).unsigned_abs();
            let etag = format!("\"{}\"", file.sha256);
            (Kind::Original, file.content_type.as_str(), size, etag)
        }
    };
    let etag_value = HeaderValue::from_str(&etag).expect("hex digits");
    let mut response = Response::builder()
        .header(header::ETAG, etag_value.clone())
        .header(header::CACHE_CONTROL, "private, no-cache")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_SECURITY_POLICY, "sandbox")
        .header(header::ACCEPT_RANGES, "bytes")
        .extension(AsStored);
    let parsed: Option<headers::ETag> = etag.parse().ok();
    if let (Some(wanted), Some(tag)) = (headers.typed_get::<headers::IfNoneMatch>(), &parsed)
        && !wanted.precondition_passes(tag)
    {
        return Ok(response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .expect("valid headers"));
    }
    let whole = 0..size;
    let range = match headers.typed_get::<headers::Range>() {
        // A range of an older file than the client holds would mix two files.
        Some(_)
            if headers
                .typed_get::<headers::IfRange>()
                .is_some_and(|if_range| if_range.is_modified(parsed.as_ref(), None)) =>
        {
            None
        }
        Some(asked) => one_range(&asked, size)?,
        None => None,
    };
    let inline = sniff::inline(content_type);
    let disposition = content_disposition(&file.name, inline);
    response = response
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, disposition);
    let served = range.clone().unwrap_or(whole);
    if let Some(range) = &range {
        response = response.status(StatusCode::PARTIAL_CONTENT).header(
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{size}", range.start, range.end - 1),
        );
    }
    let bytes = state
        .blobs
        .read(&location, key(&file.id, kind), served.clone())
        .await?;
    Ok(response
        .header(header::CONTENT_LENGTH, served.end - served.start)
        .body(Body::from_stream(bytes))
        .expect("valid headers"))
}

/// The one range asked for, if one: several are answered whole.
fn one_range(asked: &headers::Range, size: u64) -> ApiResult<Option<Range<u64>>> {
    let ranges: Vec<_> = asked.satisfiable_ranges(size).collect();
    let [(start, end)] = ranges[..] else {
        return Ok(None);
    };
    let start = match start {
        Bound::Included(start) => start,
        Bound::Excluded(start) => start + 1,
        Bound::Unbounded => 0,
    };
    let end = match end {
        Bound::Included(end) => end.saturating_add(1).min(size),
        Bound::Excluded(end) => end.min(size),
        Bound::Unbounded => size,
    };
    if start >= size || start >= end {
        return Err(ApiError::RangeNotSatisfiable { size });
    }
    Ok(Some(start..end))
}

/// `inline` or `attachment`, with the name as RFC 6266 writes one that is not ASCII.
fn content_disposition(name: &str, inline: bool) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    let kind = if inline { "inline" } else { "attachment" };
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .expect("only visible ASCII")
}
