//! Request extractors that answer bad input in the API's shapes: a JSON object body, the
//! authenticated user, whom tokens are issued to, a note id, `If-Match`,
//! `Idempotency-Key`, and the notes list's query parameters. The parameters describe
//! themselves for the OpenAPI document here, beside how they are read.

use crate::accounts::access_tokens;
use crate::accounts::audit::{self, Person};
use crate::accounts::liveness::Verdict;
use crate::accounts::operators;
use crate::accounts::sessions::{self, Device};
use crate::accounts::{tokens, users};
use crate::error::{ApiError, non_field};
use crate::http::state::AppState;
use crate::http::{forwarded, reach};
use crate::notes::Filters;
use crate::notes::precondition::Precondition;
use crate::notes::search::Terms;
use crate::notes::tags::TagFilter;
use crate::storage::paging::PageRequest;
use app::api::AuditAction;
use app::api::query;
use app::claims::TokenType;
use app::errors::{FieldErrors, messages};
use axum::extract::{
    ConnectInfo, FromRef, FromRequest, FromRequestParts, MatchedPath, Path, Request,
};
use axum::http::{HeaderName, header, request::Parts};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{
    KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{RefOr, Required};

/// Notes are text; a megabyte is far beyond the longest valid body.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// A JSON object body. An empty body counts as `{}`, as in Django REST framework, so a
/// client that sends nothing learns which fields are required.
pub struct JsonObject(pub Map<String, Value>);

impl<S> FromRequest<S> for JsonObject
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // One deadline for the whole body, not one per read: a client trickling a byte at
        // a time would otherwise hold its connection for as long as it liked. The body is
        // left unread, so hyper closes the connection after the answer.
        let within = AppState::from_ref(state).request_body_timeout;
        let bytes = tokio::time::timeout(
            within,
            axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES),
        )
        .await
        .map_err(|_| ApiError::BodyTimeout)?
        .map_err(|_| ApiError::PayloadTooLarge)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Map::new()));
        }
        match content_type {
            Some(ct) if is_json(&ct) => {}
            Some(ct) => {
                return Err(ApiError::UnsupportedMediaType(
                    messages::unsupported_media_type(&ct),
                ));
            }
            None => {
                return Err(ApiError::UnsupportedMediaType(
                    messages::unsupported_media_type(""),
                ));
            }
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(other) => Err(non_field(format!(
                "Invalid data. Expected a dictionary, but got {}.",
                json_type(&other)
            ))),
            Err(e) => Err(ApiError::BadRequest(format!("JSON parse error - {e}"))),
        }
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Reads text fields from a body, collecting every field's error before answering, as
/// a DRF serializer does. Like DRF's `CharField`, a number is taken as its text.
pub struct Fields<'a> {
    body: &'a Map<String, Value>,
    pub errors: FieldErrors,
}

impl<'a> Fields<'a> {
    pub fn new(body: &'a JsonObject) -> Self {
        Self {
            body: &body.0,
            errors: FieldErrors::default(),
        }
    }

    /// A field that must be present.
    pub fn required(&mut self, name: &str) -> Option<Cow<'a, str>> {
        if !self.body.contains_key(name) {
            self.errors.add(name, messages::REQUIRED);
            return None;
        }
        self.optional(name)
    }

    /// A present, non-blank string, as simplejwt's serializers want their fields.
    pub fn required_text(&mut self, name: &str) -> Option<Cow<'a, str>> {
        self.required(name)
            .filter(|v| self.not_blank(name, v.trim()))
    }

    /// A present, non-empty string whose white space counts, like a password.
    pub fn required_nonempty(&mut self, name: &str) -> Option<Cow<'a, str>> {
        self.required(name).filter(|v| self.not_blank(name, v))
    }

    /// The password in `field`, or `provider_proof` in its place (an account signed
    /// into through the provider may have no password).
    pub fn proof(&mut self, field: &'static str) -> Option<crate::accounts::proof::Proof> {
        use crate::accounts::proof::Proof;
        if self.body.contains_key("provider_proof") {
            return self
                .required_text("provider_proof")
                .map(|proof| Proof::Provider(proof.into_owned()));
        }
        self.required_nonempty(field)
            .map(|password| Proof::Password {
                field,
                password: password.into_owned(),
            })
    }

    fn not_blank(&mut self, name: &str, value: &str) -> bool {
        if value.is_empty() {
            self.errors.add(name, messages::BLANK);
        }
        !value.is_empty()
    }

    /// A field that may be absent; if present it must be text.
    pub fn optional(&mut self, name: &str) -> Option<Cow<'a, str>> {
        match self.body.get(name)? {
            Value::String(s) => Some(Cow::Borrowed(s)),
            Value::Number(n) => Some(Cow::Owned(n.to_string())),
            Value::Null => {
                self.errors.add(name, messages::NULL);
                None
            }
            _ => {
                self.errors.add(name, messages::NOT_A_STRING);
                None
            }
        }
    }

    /// A field that may be absent; if present it must be `true` or `false`.
    pub fn optional_bool(&mut self, name: &str) -> Option<bool> {
        match self.body.get(name)? {
            Value::Bool(b) => Some(*b),
            Value::Null => {
                self.errors.add(name, messages::NULL);
                None
            }
            _ => {
                self.errors.add(name, messages::NOT_A_BOOLEAN);
                None
            }
        }
    }

    /// A field that may be absent; if present, a whole number within `range` (DRF's
    /// `IntegerField` messages).
    pub fn optional_whole_number(
        &mut self,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let number = match self.body.get(name)? {
            Value::Number(n) => n.as_i64().or_else(|| {
                // 7.0 is 7, as Python's int() of a float with nothing after the point.
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            }),
            Value::String(s) => s.trim().parse().ok(),
            Value::Null => {
                self.errors.add(name, messages::NULL);
                return None;
            }
            _ => None,
        };
        let Some(number) = number else {
            self.errors.add(name, messages::NOT_AN_INTEGER);
            return None;
        };
        if number < *range.start() {
            self.errors.add(name, messages::at_least(*range.start()));
            return None;
        }
        if number > *range.end() {
            self.errors.add(name, messages::at_most(*range.end()));
            return None;
        }
        Some(number)
    }

    /// A field that may be absent (`None`) or `null` (`Some(None)`); otherwise a whole
    /// number within `range`, as [`Self::optional_whole_number`] reads one.
    pub fn optional_nullable_whole_number(
        &mut self,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<Option<i64>> {
        match self.body.get(name)? {
            Value::Null => Some(None),
            _ => self.optional_whole_number(name, range).map(Some),
        }
    }

    /// Parses a present value with a domain rule, keeping its messages on failure.
    pub fn check<T>(&mut self, name: &str, parsed: Result<T, Vec<String>>) -> Option<T> {
        parsed.map_err(|e| self.errors.extend(name, e)).ok()
    }

    /// The parsed values once every field is valid, or every field's errors.
    pub fn finish<T>(self, parsed: Option<T>) -> Result<T, ApiError> {
        self.errors.into_result().map_err(ApiError::Fields)?;
        // Each `None` above recorded an error, so valid fields always parsed.
        parsed.ok_or_else(|| ApiError::Internal("valid fields without a value".into()))
    }
}

/// A note id from the path. Anything but plain digits naming a positive id (including
/// bytes that are not UTF-8) names no note: `404`, as in the original's `<int:pk>` route.
#[derive(Debug, Clone, Copy)]
pub struct NoteId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for NoteId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::NotFound);
        }
        raw.parse()
            .ok()
            .filter(|id| *id > 0)
            .map(Self)
            .ok_or(ApiError::NotFound)
    }
}

/// An id in a path of two (a note's and a link's, a share's or a revision's): anything
/// but a positive number names nothing, as `NoteId` reads one alone.
pub fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0 && raw.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(ApiError::NotFound)
}

fn parameter(
    name: &str,
    location: ParameterIn,
    description: &str,
    schema: impl Into<RefOr<Schema>>,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(location.clone())
        .required(if location == ParameterIn::Path {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

fn positive_integer() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
}

impl IntoParams for NoteId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![parameter(
            "id",
            ParameterIn::Path,
            "The note's id.",
            positive_integer().examples([7]),
        )]
    }
}

/// `If-Match`, as the precondition of a write.
pub struct IfMatch(pub Precondition);

impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![parameter(
            "If-Match",
            ParameterIn::Header,
            "Change the note only if it is still this version: the `ETag` it was read with \
             (`\"3\"`), a list of them, or `*`. Otherwise 412 and nothing changes; without it \
             the last write wins.",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .examples(["\"3\""]),
        )]
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Self(Precondition::from_headers(&parts.headers)))
    }
}

/// `Idempotency-Key` on a creation: the same key sent again gets the note the first
/// request made (see `notes::creation_keys`). A structured-field string (`"…"`, as the
/// IETF draft writes it) or the bare token most clients send; the two are one key.
pub struct IdempotencyKey(pub Option<String>);

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// `true` on a creation answered with the note an earlier request made under its key.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Room for a UUID many times over, and an index entry of a sensible size.
const MAX_IDEMPOTENCY_KEY: usize = 255;

impl IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![parameter(
            "Idempotency-Key",
            ParameterIn::Header,
            "Create the note at most once for this key: sent again (say, because the answer \
             was lost), the request gets the note the first one made, with \
             `Idempotent-Replayed: true`. 1 to 255 printable ASCII characters, unique to \
             the caller; kept as long as the note.",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(MAX_IDEMPOTENCY_KEY))
                // HTTP drops white space around a value: a key neither starts nor ends
                // with it.
                .pattern(Some("^[!-~]([ -~]*[!-~])?$"))
                .examples(["\"8e03978e-40d5-43e8-bc93-6894a57f9324\""]),
        )]
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(IDEMPOTENCY_KEY) else {
            return Ok(Self(None));
        };
        let text = value.to_str().unwrap_or_default();
        // `""` reads as itself: the schema's pattern allows it, so it must be a key.
        let key = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .filter(|inner| !inner.is_empty())
            .unwrap_or(text);
        let printable = key.bytes().all(|b| (b' '..=b'~').contains(&b));
        if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !printable {
            return Err(ApiError::BadRequest(
                messages::BAD_IDEMPOTENCY_KEY.to_owned(),
            ));
        }
        Ok(Self(Some(key.to_owned())))
    }
}

/// `GET /api/notes/`'s parameters. A parameter given twice counts by its last value, as
/// Django's `QueryDict.get` reads it; bytes that are not UTF-8 read as U+FFFD, as there.
pub struct ListQuery {
    pub filters: Filters,
    /// `None` unless `page` or `page_size` was sent: the original's plain list.
    pub paging: Option<PageRequest>,
}

impl IntoParams for ListQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            parameter(
                query::SEARCH,
                ParameterIn::Query,
                "Only the notes whose title or content contains every white-space-separated \
                 term, ignoring case (at most 32 terms; no NUL).",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .examples(["milk eggs"]),
            ),
            parameter(
                query::TAG,
                ParameterIn::Query,
                "Only the notes with this #tag, without the `#` and in any case; a tag nested \
                 in it counts too (`work` finds `#work/meetings`). No NUL.",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .examples(["work"]),
            ),
        ]
        .into_iter()
        .chain(paging_parameters())
        .collect()
    }
}

/// `page` and `page_size`, as every paged list reads them.
fn paging_parameters() -> [Parameter; 2] {
    let last = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["last"]));
    [
        parameter(
            query::PAGE,
            ParameterIn::Query,
            "Answer this page of a `PageNumberPagination` list: a number from 1, or \
             `last`. Any other value, or a page past the last, is 404 `Invalid page.`.",
            OneOfBuilder::new()
                .item(positive_integer())
                .item(last)
                .examples([json!(2)]),
        ),
        parameter(
            query::PAGE_SIZE,
            ParameterIn::Query,
            "Notes per page (20 by default); a larger number is cut to 100, and one that \
             is not a positive number is ignored. Given alone, it turns paging on too.",
            // Any size is taken (and cut), so no 64-bit bound as on ids and pages.
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .examples([50]),
        ),
    ]
}

/// `GET /api/notes/trash/`'s parameters: paging only.
pub struct PagingQuery(pub Option<PageRequest>);

impl IntoParams for PagingQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        paging_parameters().into()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PagingQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let (mut page, mut page_size) = (None, None);
        let raw = parts.uri.query().unwrap_or("");
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            match key.as_ref() {
                query::PAGE => page = Some(value),
                query::PAGE_SIZE => page_size = Some(value),
                _ => {}
            }
        }
        Ok(Self(PageRequest::parse(
            page.as_deref(),
            page_size.as_deref(),
        )))
    }
}

/// A query's parameters, each by its last value (as Django's `QueryDict.get`); bytes that
/// are not UTF-8 read as U+FFFD.
fn query_values(parts: &Parts) -> std::collections::HashMap<String, String> {
    let raw = parts.uri.query().unwrap_or("");
    url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

/// Always a page: the operator's lists are never answered whole.
fn always_paged(values: &std::collections::HashMap<String, String>) -> PageRequest {
    let page = values.get(query::PAGE).map_or("", String::as_str);
    PageRequest::parse(Some(page), values.get(query::PAGE_SIZE).map(String::as_str))
        .expect("a page was asked for")
}

/// `true`/`false` as django-filter's `BooleanFilter` reads them (`1`/`0`, any case).
fn boolean_filter(
    values: &std::collections::HashMap<String, String>,
    name: &str,
) -> Result<Option<bool>, ApiError> {
    match values
        .get(name)
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("") => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(_) => Err(FieldErrors::single(name, messages::NOT_A_BOOLEAN).into()),
    }
}

fn boolean_parameter(name: &str, description: &str) -> Parameter {
    parameter(
        name,
        ParameterIn::Query,
        description,
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["true", "false"])),
    )
}

/// `GET /api/admin/users/`'s parameters.
pub struct AdminUsersQuery {
    pub filter: operators::Filter,
    pub paging: PageRequest,
}

impl IntoParams for AdminUsersQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            parameter(
                "search",
                ParameterIn::Query,
                "Only the people whose username contains this, in any case.",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .examples(["ali"]),
            ),
            boolean_parameter(
                "is_active",
                "Only active (`true`) or deactivated (`false`) accounts.",
            ),
            boolean_parameter(
                "is_admin",
                "Only operators (`true`) or everyone else (`false`).",
            ),
            parameter(
                "ordering",
                ParameterIn::Query,
                "The order: `username` (the default), `date_joined`, `last_login` (never \
                 signed in last) or `notes`, `-` first for descending. Anything else is \
                 ignored, as Django REST framework's `OrderingFilter` ignores it.",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .examples(["-last_login"]),
            ),
        ]
        .into_iter()
        .chain(paging_parameters())
        .collect()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AdminUsersQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let values = query_values(parts);
        let search = values.get("search").map(|s| s.trim().to_owned());
        if search.as_deref().is_some_and(|s| s.contains('\0')) {
            return Err(FieldErrors::single("search", app::validation::NULL_CHARACTERS).into());
        }
        Ok(Self {
            filter: operators::Filter {
                search,
                is_active: boolean_filter(&values, "is_active")?,
                is_admin: boolean_filter(&values, "is_admin")?,
                ordering: operators::Ordering::parse(
                    values.get("ordering").map_or("", |o| o.trim()),
                ),
            },
            paging: always_paged(&values),
        })
    }
}

/// `GET /api/admin/audit/`'s parameters.
pub struct AuditQuery {
    pub filter: audit::Filter,
    pub paging: PageRequest,
}

impl IntoParams for AuditQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let actions: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        vec![
            parameter(
                "user",
                ParameterIn::Query,
                "Only the lines naming this username, as the one who acted or the one acted on.",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .examples(["alice"]),
            ),
            parameter(
                "action",
                ParameterIn::Query,
                "Only the lines of this action.",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(actions)),
            ),
        ]
        .into_iter()
        .chain(paging_parameters())
        .collect()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuditQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let values = query_values(parts);
        let user = values
            .get("user")
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty() && !u.contains('\0'));
        let action = match values.get("action").map(|a| a.trim()) {
            None | Some("") => None,
            Some(name) => Some(audit::parse_action(name)?),
        };
        Ok(Self {
            filter: audit::Filter { user, action },
            paging: always_paged(&values),
        })
    }
}

/// `page` and `page_size` of a list that is always paged (the operator's, one's activity).
pub struct Paged(pub PageRequest);

impl IntoParams for Paged {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        paging_parameters().into()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Paged {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Self(always_paged(&query_values(parts))))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let (mut search, mut tag, mut page, mut page_size) = (None, None, None, None);
        let raw = parts.uri.query().unwrap_or("");
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            match key.as_ref() {
                query::SEARCH => search = Some(value),
                query::TAG => tag = Some(value),
                query::PAGE => page = Some(value),
                query::PAGE_SIZE => page_size = Some(value),
                _ => {}
            }
        }
        Ok(Self {
            filters: Filters {
                search: Terms::parse(search.as_deref().unwrap_or(""))?,
                tag: TagFilter::parse(tag.as_deref().unwrap_or(""))?,
            },
            paging: PageRequest::parse(page.as_deref(), page_size.as_deref()),
        })
    }
}

/// The user an `Authorization: Bearer <access token>` header names, whose account is
/// active and whose session is live (`accounts::liveness`: believed for a few seconds per
/// replica, so most requests read no database). Or a personal access token (`ntk_…`),
/// read from the database on every request, on a route it reaches (`http::reach`).
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    /// The session the token belongs to (tokens from before sessions were listed name
    /// none, and neither does a personal access token).
    pub session: Option<String>,
    /// The personal access token's id, when it is one.
    pub access_token: Option<i64>,
    /// When the token expires, in seconds since the epoch.
    pub expires_at: i64,
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::NotAuthenticated);
        };
        let value = value
            .to_str()
            .map_err(|_| ApiError::BadAccessToken(messages::TOKEN_INVALID))?;
        let mut words = value.split_ascii_whitespace();
        match words.next() {
            Some(scheme) if scheme.eq_ignore_ascii_case("bearer") => {}
            // Another scheme is not ours to judge: the request is simply unauthenticated.
            _ => return Err(ApiError::NotAuthenticated),
        }
        let (Some(token), None) = (words.next(), words.next()) else {
            return Err(ApiError::BadRequestAuthHeader);
        };
        let state = AppState::from_ref(state);
        if token.starts_with(access_tokens::PREFIX) {
            return Self::with_access_token(parts, &state, token).await;
        }
        let claims = state
            .tokens
            .verify(token, TokenType::Access)
            .map_err(|rejection| ApiError::BadAccessToken(rejection.message()))?;
        let verdict = state
            .liveness
            .check(&state.db, claims.user_id, claims.sid.as_deref())
            .await?;
        match verdict {
            Verdict::Live => Ok(Self {
                id: claims.user_id,
                session: claims.sid,
                access_token: None,
                expires_at: claims.exp,
            }),
            Verdict::SessionEnded => Err(ApiError::BadAccessToken(messages::SESSION_ENDED)),
            Verdict::Inactive => Err(ApiError::BadAccessToken(messages::USER_INACTIVE)),
            Verdict::Gone => Err(ApiError::UserNotFound),
        }
    }
}

impl AuthUser {
    /// A personal access token: on record and unexpired first (401, as any bad token),
    /// then allowed here (403).
    async fn with_access_token(
        parts: &Parts,
        state: &AppState,
        token: &str,
    ) -> Result<Self, ApiError> {
        let bearer = access_tokens::authenticate((&state.db, &state.writer), token)
            .await?
            .ok_or(ApiError::BadAccessToken(messages::TOKEN_INVALID))?;
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        let needed = route.and_then(|route| reach::needed(&parts.method, route));
        match needed {
            None => Err(ApiError::Forbidden(messages::TOKEN_CANNOT)),
            Some(needed) if needed > bearer.scope => {
                Err(ApiError::Forbidden(messages::TOKEN_READ_ONLY))
            }
            Some(_) => Ok(Self {
                id: bearer.user_id,
                session: None,
                access_token: Some(bearer.id),
                expires_at: bearer.expires_at.unwrap_or(i64::MAX),
            }),
        }
    }
}

/// An operator, as the database says now (never a token): everyone else gets DRF's
/// `IsAdminUser` answer, 403.
#[derive(Debug, Clone)]
pub struct Operator {
    pub user: AuthUser,
    pub person: Person,
}

impl<S> FromRequestParts<S> for Operator
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        let state = AppState::from_ref(state);
        let account = users::by_id(&state.db, user.id).await?;
        if !(account.is_admin && account.is_active) {
            return Err(ApiError::Forbidden(messages::PERMISSION_DENIED));
        }
        Ok(Self {
            user,
            person: Person::from(&account),
        })
    }
}

/// An operator whose session proved who they are within `ADMIN_REAUTH_WINDOW`: what an
/// operator's changes need, so a stolen token (or refresh token) is not enough.
#[derive(Debug, Clone)]
pub struct FreshOperator(pub Operator);

impl<S> FromRequestParts<S> for FreshOperator
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let operator = Operator::from_request_parts(parts, state).await?;
        let state = AppState::from_ref(state);
        let Some(session) = &operator.user.session else {
            return Err(ApiError::ReauthenticationRequired);
        };
        let proved = sessions::authenticated_at(&state.db, session).await?;
        let window = state.admin_reauth_window.as_secs() as i64;
        match proved {
            Some(at) if tokens::now() - at <= window => Ok(Self(operator)),
            _ => Err(ApiError::ReauthenticationRequired),
        }
    }
}

/// `User-Agent` kept for the sessions list is cut to this many characters.
const USER_AGENT_CHARS: usize = 512;

/// Whom tokens are being issued to: the browser's `User-Agent` and the client's address
/// (through `TRUSTED_PROXY_HOPS` proxies, and whole, not the /64 throttling counts).
pub struct Issuing(pub Device);

impl<S> FromRequestParts<S> for Issuing
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let peer = peer(parts)?;
        let hops = AppState::from_ref(state).trusted_proxy_hops;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .chars()
                    .take(USER_AGENT_CHARS)
                    .collect::<String>()
            })
            .filter(|ua| !ua.trim().is_empty());
        Ok(Self(Device {
            user_agent,
            ip: Some(forwarded::client_address(peer, &parts.headers, hops).to_string()),
        }))
    }
}

fn peer(parts: &Parts) -> Result<IpAddr, ApiError> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .ok_or_else(|| ApiError::Internal("served without ConnectInfo".into()))
}

/// Who is asking, as far as throttling can tell: the peer address, or behind
/// `TRUSTED_PROXY_HOPS` proxies the address the outermost trusted one saw in
/// `X-Forwarded-For` (entries further left are the client's to forge). An IPv6 client
/// is its /64, the block one subscriber gets, so rotating addresses inside it is no
/// escape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let hops = AppState::from_ref(state).trusted_proxy_hops;
        Ok(Self(forwarded::client_ip(
            peer(parts)?,
            &parts.headers,
            hops,
        )))
    }
}
