//! The API's contract: the OpenAPI document at `/api/schema/` (JSON, or YAML with
//! `?format=yaml`), and for people Swagger UI at `/api/docs/`. Swagger UI's files are
//! compiled into the binary (`utoipa-swagger-ui`'s `vendored` feature) and served from
//! here: the page loads nothing from another host, and runs under the site's own
//! Content-Security-Policy (its scripts and styles are files, none inline).

use crate::error::{ApiError, ApiResult};
use crate::http::openapi::tags;
use app::errors::Detail;
use axum::extract::{Extension, Path};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Router, body::Bytes};
use std::sync::{Arc, LazyLock};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa_swagger_ui::Config;

pub const SCHEMA: &str = "/api/schema/";
pub const DOCS: &str = "/api/docs/";

/// The document, serialised once at start-up in both formats.
pub struct Document {
    json: Bytes,
    yaml: Bytes,
}

impl Document {
    pub fn new(openapi: &utoipa::openapi::OpenApi) -> Self {
        Self {
            json: openapi
                .to_pretty_json()
                .expect("the document serialises to JSON")
                .into(),
            yaml: openapi
                .to_yaml()
                .expect("the document serialises to YAML")
                .into(),
        }
    }
}

/// `?format=`, as Django REST framework's format override names a renderer.
#[derive(utoipa::ToSchema)]
enum Format {
    #[schema(rename = "json")]
    Json,
    #[schema(rename = "yaml")]
    Yaml,
}

impl Format {
    /// The last `format` of a query (JSON without one); DRF answers a format it has no
    /// renderer for with 404.
    fn from_query(query: Option<&str>) -> ApiResult<Self> {
        let format = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .filter(|(key, _)| key == "format")
            .last()
            .map(|(_, value)| value);
        match format.as_deref() {
            None | Some("json") => Ok(Self::Json),
            Some("yaml") => Ok(Self::Yaml),
            Some(_) => Err(ApiError::NotFound),
        }
    }
}

/// The body of `/api/schema/`, in either format.
struct OpenApiDocument;

impl utoipa::PartialSchema for OpenApiDocument {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("An OpenAPI 3.1 document: this one."))
            .into()
    }
}

impl utoipa::ToSchema for OpenApiDocument {}

/// The OpenAPI document
///
/// This document, generated from the server's code: JSON, or YAML with `?format=yaml`.
#[utoipa::path(
    get,
    path = SCHEMA,
    operation_id = "api_schema_retrieve",
    tag = tags::SCHEMA,
    params(("format" = inline(Option<Format>), Query, description = "`json` (the default) or `yaml`.")),
    responses(
        (status = OK, description = "The OpenAPI 3.1 document.", content(
            (inline(OpenApiDocument) = "application/json"),
            (inline(OpenApiDocument) = "application/yaml"),
        )),
        (status = NOT_FOUND, description = "A `format` other than `json` or `yaml`.", body = Detail,
            example = json!({"detail": app::errors::messages::NOT_FOUND})),
    ),
)]
pub async fn schema(
    Extension(document): Extension<Arc<Document>>,
    uri: Uri,
) -> ApiResult<Response> {
    let (body, content_type) = match Format::from_query(uri.query())? {
        Format::Json => (&document.json, "application/json"),
        Format::Yaml => (&document.yaml, "application/yaml"),
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body.clone()).into_response())
}

/// Swagger UI's settings, in the `swagger-initializer.js` it serves.
static SWAGGER: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        Config::from(SCHEMA)
            // Without the top bar, whose logo is an SVG with an inline <style> the site's
            // policy refuses (and whose URL box has nothing to explore here).
            .use_base_layout()
            .deep_linking(true)
            .display_operation_id(true)
            .display_request_duration(true)
            // Swagger UI would otherwise send the document to validator.swagger.io.
            .validator_url("none"),
    )
});

/// The docs page and its files.
pub fn page<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            DOCS.trim_end_matches('/'),
            get(|| async { Redirect::permanent(DOCS) }),
        )
        .route(DOCS, get(|| async { swagger_file("index.html") }))
        .route(
            &format!("{DOCS}{{*file}}"),
            get(|Path(file): Path<String>| async move { swagger_file(&file) }),
        )
}

fn swagger_file(file: &str) -> Response {
    match utoipa_swagger_ui::serve(file, SWAGGER.clone()) {
        Ok(Some(found)) => {
            let mut body = found.bytes.into_owned();
            if file == "index.html" {
                body = String::from_utf8_lossy(&body)
                    .replacen("<title>Swagger UI</title>", "<title>Notes API</title>", 1)
                    .into_bytes();
            }
            let mut response = body.into_response();
            let headers = response.headers_mut();
            if let Ok(content_type) = HeaderValue::from_str(&found.content_type) {
                headers.insert(header::CONTENT_TYPE, content_type);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Ok(None) => ApiError::NotFound.into_response(),
        Err(e) => ApiError::Internal(format!("Swagger UI file {file}: {e}")).into_response(),
    }
}
