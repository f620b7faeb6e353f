//! The OpenAPI 3.1 document's frame: what the API is, its tags, the bearer scheme, and
//! the error answers every operation shares. The operations themselves are described on
//! their handlers (`routes/`), and `routes::api` builds the router and the document from
//! that one list, so an operation cannot be served without being documented, nor the
//! reverse.

use crate::http::reach;
use app::errors::{
    Detail, FieldErrors, REAUTHENTICATION_REQUIRED, TOKEN_NOT_VALID, TOTP_REQUIRED, TokenError,
    USER_NOT_FOUND, messages,
};
use axum::http::Method;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, Object, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response};
use utoipa::{IntoResponses, Modify, OpenApi, ToResponse};

/// The security scheme the protected operations name.
pub const BEARER: &str = "jwtAuth";
/// The security scheme of personal access tokens.
pub const ACCESS_TOKEN: &str = "tokenAuth";

pub mod tags {
    pub const AUTH: &str = "auth";
    pub const ACCOUNT: &str = "account";
    pub const ADMIN: &str = "admin";
    pub const SHARING: &str = "sharing";
    pub const NOTES: &str = "notes";
    pub const ATTACHMENTS: &str = "attachments";
    pub const EVENTS: &str = "events";
    pub const HEALTH: &str = "health";
    pub const SCHEMA: &str = "schema";
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Notes API",
        version = env!("CARGO_PKG_VERSION"),
        description = include_str!("openapi.md"),
        license(name = "MIT", identifier = "MIT"),
    ),
    // Relative, so the document is right wherever the server is reached from.
    servers((url = "/", description = "The server this document came from")),
    tags(
        (name = tags::AUTH, description = "Registration, sign-in and simplejwt's token endpoints"),
        (name = tags::ACCOUNT, description = "The signed-in account: password, two-step sign-in, sessions, activity, deletion"),
        (name = tags::SHARING, description = "Links anyone can open to read a note, and notes shared with people to read or edit"),
        (name = tags::ADMIN, description = "The operator's area: people, who may register, invitations, the audit log (operators only)"),
        (name = tags::NOTES, description = "The caller's private notes"),
        (name = tags::ATTACHMENTS, description = "Files notes refer to by URL: images shown in them, other files downloaded"),
        (name = tags::EVENTS, description = "The caller's changes as they happen, on every device: one Server-Sent Events stream"),
        (name = tags::HEALTH, description = "Probes for the hosting platform"),
        (name = tags::SCHEMA, description = "This document"),
    ),
    components(
        schemas(Detail, FieldErrors, TokenError, app::api::SecondStepRequired),
        responses(
            BadRequest,
            Conflict,
            Unauthorized,
            Forbidden,
            SignInFailed,
            TokenRejected,
            NotFound,
            PreconditionFailed,
            RequestTimeout,
            PayloadTooLarge,
            UnsupportedMediaType,
            TooManyRequests,
            ServiceUnavailable,
        ),
    ),
    modifiers(&BearerScheme),
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(
                "An access token from `POST /api/token/` (or a refresh or password change), \
                 sent as `Authorization: Bearer <access>`.",
            ))
            .build();
        let token = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("ntk")
            .description(Some(
                "A personal access token from `POST /api/user/tokens/` (`ntk_` and 64 hex \
                 digits), sent as `Authorization: Bearer ntk_…`. It reaches only the \
                 operations that list it, `read` tokens only their reads.",
            ))
            .build();
        let components = openapi.components.get_or_insert_default();
        components.add_security_scheme(BEARER, SecurityScheme::Http(scheme));
        components.add_security_scheme(ACCESS_TOKEN, SecurityScheme::Http(token));
    }
}

/// Each operation a path may hold, with its method.
fn operations(item: &mut PathItem) -> [(Method, &mut Option<Operation>); 8] {
    [
        (Method::GET, &mut item.get),
        (Method::PUT, &mut item.put),
        (Method::POST, &mut item.post),
        (Method::DELETE, &mut item.delete),
        (Method::OPTIONS, &mut item.options),
        (Method::HEAD, &mut item.head),
        (Method::PATCH, &mut item.patch),
        (Method::TRACE, &mut item.trace),
    ]
}

/// Adds personal access tokens to the operations they reach, as `http::reach` decides it
/// (not a second list here).
pub fn tokens_where_they_reach(openapi: &mut utoipa::openapi::OpenApi) {
    for (path, item) in &mut openapi.paths.paths {
        for (method, operation) in operations(item) {
            if let Some(operation) = operation
                && reach::needed(&method, path).is_some()
            {
                let requirement = SecurityRequirement::new(ACCESS_TOKEN, Vec::<String>::new());
                operation.security.get_or_insert_default().push(requirement);
            }
        }
    }
}

fn schema(name: &str) -> RefOr<utoipa::openapi::Schema> {
    Ref::from_schema_name(name).into()
}

fn any_of(names: &[&str]) -> RefOr<utoipa::openapi::Schema> {
    names
        .iter()
        .fold(AnyOfBuilder::new(), |any, name| any.item(schema(name)))
        .into()
}

/// A JSON error answer with named examples.
fn json_error(
    description: &str,
    schema: RefOr<utoipa::openapi::Schema>,
    examples: &[(&str, &str, Value)],
) -> ResponseBuilder {
    let content = examples.iter().fold(
        ContentBuilder::new().schema(Some(schema)),
        |content, (name, summary, value)| {
            content.examples_from_iter([(
                *name,
                ExampleBuilder::new()
                    .summary(*summary)
                    .value(Some(value.clone()))
                    .build(),
            )])
        },
    );
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content.build())
}

fn header(description: &str, schema_type: Type) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(Some(Object::with_type(schema_type)))
        .description(Some(description))
        .build()
}

fn www_authenticate(response: ResponseBuilder) -> RefOr<Response> {
    response
        .header(
            "WWW-Authenticate",
            header("`Bearer realm=\"api\"`", Type::String),
        )
        .build()
        .into()
}

macro_rules! error_response {
    ($name:ident, $body:expr) => {
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), $body)
            }
        }
    };
}

error_response!(
    BadRequest,
    json_error(
        "Invalid input: `{\"<field>\": [\"<message>\", ...]}` (`non_field_errors` for a body \
         that is not an object), or a `detail` for malformed JSON.",
        any_of(&["FieldErrors", "Detail"]),
        &[
            (
                "field_errors",
                "A field is missing or invalid",
                json!({"title": [messages::REQUIRED]}),
            ),
            (
                "not_an_object",
                "The body is JSON but not an object",
                json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
            ),
            (
                "malformed_json",
                "The body is not JSON",
                json!({"detail": "JSON parse error - expected value at line 1 column 1"}),
            ),
        ],
    )
    .build()
    .into()
);

error_response!(
    Unauthorized,
    www_authenticate(json_error(
        "No access token, or one that cannot authenticate (simplejwt's answers).",
        any_of(&["Detail", "TokenError"]),
        &[
            (
                "not_provided",
                "No Authorization header",
                json!({"detail": messages::NO_CREDENTIALS}),
            ),
            (
                "token_not_valid",
                "An invalid or expired access token",
                json!(TokenError::access(messages::TOKEN_INVALID)),
            ),
            (
                "user_not_found",
                "The token's account has been deleted",
                json!({"detail": messages::USER_NOT_FOUND, "code": USER_NOT_FOUND}),
            ),
        ],
    ))
);

error_response!(
    Forbidden,
    json_error(
        "Not an operator (Django REST framework's `IsAdminUser`), or, for an operator's \
         change, a sign-in older than `ADMIN_REAUTH_WINDOW`: `POST /api/user/reauthenticate/` \
         renews it.",
        schema("Detail"),
        &[
            (
                "permission_denied",
                "Not an operator",
                json!({"detail": messages::PERMISSION_DENIED}),
            ),
            (
                "reauthentication_required",
                "A sign-in too old for an operator's change",
                json!({"detail": messages::REAUTHENTICATION_REQUIRED, "code": REAUTHENTICATION_REQUIRED}),
            ),
        ],
    )
    .build()
    .into()
);

error_response!(
    SignInFailed,
    www_authenticate(json_error(
        "Wrong username or password, or an inactive account; or, for an account with \
         two-step sign-in, a right password: code `totp_required` and the challenge for \
         `POST /api/token/totp/`.",
        any_of(&["Detail", "SecondStepRequired"]),
        &[
            (
                "bad_credentials",
                "Wrong credentials",
                json!({"detail": messages::BAD_CREDENTIALS}),
            ),
            (
                "totp_required",
                "Right password; a code finishes",
                json!({
                    "detail": messages::TOTP_REQUIRED,
                    "code": TOTP_REQUIRED,
                    "challenge": "q2Vd0xk1Yy7pN4m8Jc5rTt9wLs3aHb6uEe2fGi0oPzQ"
                }),
            ),
        ],
    ))
);

error_response!(
    Conflict,
    json_error(
        "A state the request cannot apply to: two-step sign-in already on (or off), or an \
         operator's change that would leave the server without an active operator.",
        schema("Detail"),
        &[
            (
                "already_on",
                "Already on",
                json!({"detail": messages::TOTP_ALREADY_ON}),
            ),
            ("off", "Not on", json!({"detail": messages::TOTP_OFF})),
            (
                "last_operator",
                "The last active operator",
                json!({"detail": messages::LAST_OPERATOR}),
            ),
        ],
    )
    .build()
    .into()
);

error_response!(
    TokenRejected,
    www_authenticate(json_error(
        "The token in the body is invalid, expired, of the wrong type, spent or revoked.",
        schema("Detail"),
        &[
            (
                "token_not_valid",
                "Invalid or expired",
                json!({"detail": messages::TOKEN_INVALID, "code": TOKEN_NOT_VALID}),
            ),
            (
                "blacklisted",
                "Signed out or revoked",
                json!({"detail": messages::TOKEN_BLACKLISTED, "code": TOKEN_NOT_VALID}),
            ),
        ],
    ))
);

error_response!(
    NotFound,
    json_error(
        "No such note of the caller's (another user's note is not found either).",
        schema("Detail"),
        &[(
            "not_found",
            "Not found",
            json!({"detail": messages::NOT_FOUND})
        )],
    )
    .build()
    .into()
);

error_response!(
    PreconditionFailed,
    json_error(
        "`If-Match` does not name the note's current version; nothing was changed.",
        schema("Detail"),
        &[(
            "stale",
            "Changed since it was read",
            json!({"detail": messages::PRECONDITION_FAILED}),
        )],
    )
    .build()
    .into()
);

error_response!(
    RequestTimeout,
    json_error(
        "The body did not arrive in full within `REQUEST_BODY_TIMEOUT`; the connection is \
         closed after this answer.",
        schema("Detail"),
        &[(
            "body_timeout",
            "A body that stalled",
            json!({"detail": messages::REQUEST_BODY_TIMEOUT}),
        )],
    )
    .header("Connection", header("`close`", Type::String))
    .build()
    .into()
);

error_response!(
    PayloadTooLarge,
    json_error(
        "The body is over 1 MiB.",
        schema("Detail"),
        &[(
            "too_large",
            "Over 1 MiB",
            json!({"detail": messages::PAYLOAD_TOO_LARGE}),
        )],
    )
    .build()
    .into()
);

error_response!(
    UnsupportedMediaType,
    json_error(
        "A non-empty body that is not `application/json` (or `application/*+json`).",
        schema("Detail"),
        &[(
            "form",
            "A form body",
            json!({"detail": messages::unsupported_media_type("application/x-www-form-urlencoded")}),
        )],
    )
    .build()
    .into()
);

error_response!(
    TooManyRequests,
    json_error(
        "Too many failed attempts at this username from this client; try again after \
         `Retry-After` seconds.",
        schema("Detail"),
        &[(
            "throttled",
            "Throttled",
            json!({"detail": messages::throttled(900)}),
        )],
    )
    .header(
        "Retry-After",
        header("Seconds until the next attempt is taken.", Type::Integer,),
    )
    .build()
    .into()
);

error_response!(
    ServiceUnavailable,
    json_error(
        "More requests are being served than the server can answer in time \
         (`MAX_REQUESTS_IN_FLIGHT`); nothing was done. Try again after `Retry-After` seconds.",
        schema("Detail"),
        &[(
            "overloaded",
            "Overloaded",
            json!({"detail": messages::OVERLOADED}),
        )],
    )
    .header(
        "Retry-After",
        header("Seconds to wait before trying again.", Type::Integer),
    )
    .build()
    .into()
);

/// Adds the 503 any operation may answer under overload (`http::shed`) to every operation
/// but the probes, which are never shed.
pub fn shed_everywhere(openapi: &mut utoipa::openapi::OpenApi) {
    let unavailable = StatusCode::SERVICE_UNAVAILABLE.as_str();
    for (path, item) in &mut openapi.paths.paths {
        if matches!(path.as_str(), "/healthz" | "/readyz") {
            continue;
        }
        for operation in operations(item)
            .into_iter()
            .filter_map(|(_, op)| op.as_mut())
        {
            operation.responses.responses.insert(
                unavailable.to_owned(),
                Ref::from_response_name(ServiceUnavailable::response().0).into(),
            );
        }
    }
}

/// What every operation that reads a JSON body can answer before it reads a field: 400,
/// 408, 413 and 415, each the shared response above.
pub struct JsonBodyErrors;

impl IntoResponses for JsonBodyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        [
            (StatusCode::BAD_REQUEST, BadRequest::response().0),
            (StatusCode::REQUEST_TIMEOUT, RequestTimeout::response().0),
            (StatusCode::PAYLOAD_TOO_LARGE, PayloadTooLarge::response().0),
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                UnsupportedMediaType::response().0,
            ),
        ]
        .into_iter()
        .map(|(status, name)| {
            (
                status.as_str().to_owned(),
                Ref::from_response_name(name).into(),
            )
        })
        .collect()
    }
}
