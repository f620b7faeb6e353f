//! The server's one error type and the one place it becomes an HTTP answer, in the
//! original's shapes.

use app::errors::{
    Detail, FieldErrors, NON_FIELD_ERRORS, REAUTHENTICATION_REQUIRED, TOKEN_NOT_VALID,
    TOTP_REQUIRED, TokenError, USER_NOT_FOUND, messages,
};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid fields: {0:?}")]
    Fields(FieldErrors),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    #[error("request body too large")]
    PayloadTooLarge,
    /// A 413 that says which limit: an attachment's size, or a person's quota.
    #[error("too large: {0}")]
    TooLarge(String),
    /// A `Range` that starts past the end of a file of `size` bytes.
    #[error("range not satisfiable")]
    RangeNotSatisfiable { size: u64 },
    /// Where attachments are kept cannot be reached now (logged, never shown).
    #[error("storage unavailable: {0}")]
    StorageUnavailable(String),
    /// A service the request needs (the sign-in provider) cannot be reached now: 503.
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    #[error("request body not received in time")]
    BodyTimeout,
    #[error("wrong credentials")]
    BadCredentials,
    #[error("no credentials")]
    NotAuthenticated,
    /// An access token that cannot authenticate a request, and why (a simplejwt message).
    #[error("bad access token: {0}")]
    BadAccessToken(&'static str),
    /// `Authorization: Bearer` without exactly one token after it.
    #[error("malformed Authorization header")]
    BadRequestAuthHeader,
    /// A token in a request body that is invalid, expired, of the wrong type or revoked.
    #[error("token not valid: {0}")]
    TokenNotValid(&'static str),
    #[error("the token's user is gone")]
    UserNotFound,
    #[error("not found")]
    NotFound,
    /// Authenticated, and not allowed: DRF's `403` with a `detail`.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// An operator's change from a session whose sign-in is older than
    /// `ADMIN_REAUTH_WINDOW`: `POST /api/user/reauthenticate/` renews it.
    #[error("reauthentication required")]
    ReauthenticationRequired,
    /// A page number that is not a number, below 1 or past the last page.
    #[error("invalid page")]
    InvalidPage,
    /// `If-Match` does not name the note's current version; nothing was changed.
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("method {0} not allowed")]
    MethodNotAllowed(axum::http::Method),
    /// A state the request cannot apply to, such as two-step sign-in already on.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The password was right, and the account signs in in two steps: the challenge
    /// takes the second.
    #[error("second step required")]
    SecondStepRequired { challenge: String },
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    /// More requests in flight than the server can serve in time (`MAX_REQUESTS_IN_FLIGHT`).
    #[error("overloaded")]
    Overloaded,
    /// `MAX_STREAMS` event streams are open, or the server is shutting down.
    #[error("too many event streams")]
    TooManyStreams,
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("internal: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

/// `Retry-After` of a 503 for overload.
pub const RETRY_OVERLOADED_SECS: u64 = 1;

/// `Retry-After` of a 503 for a stream past `MAX_STREAMS`.
pub const RETRY_STREAMS_SECS: u64 = 30;

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::Fields(errors)
    }
}

fn detail(status: StatusCode, detail: &str) -> Response {
    let body = Detail {
        detail: detail.to_owned(),
        code: None,
    };
    (status, Json(body)).into_response()
}

/// simplejwt's 401 for a token: a `detail` and its `code`, with the bearer challenge.
fn token_rejected(detail: &str, code: &str) -> Response {
    let body = Detail {
        detail: detail.to_owned(),
        code: Some(code.to_owned()),
    };
    bearer_challenge((StatusCode::UNAUTHORIZED, Json(body)).into_response())
}

fn bearer_challenge(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"api\""),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Fields(errors) => (StatusCode::BAD_REQUEST, Json(errors)).into_response(),
            Self::BadRequest(message) => detail(StatusCode::BAD_REQUEST, &message),
            Self::UnsupportedMediaType(message) => {
                detail(StatusCode::UNSUPPORTED_MEDIA_TYPE, &message)
            }
            Self::PayloadTooLarge => {
                detail(StatusCode::PAYLOAD_TOO_LARGE, messages::PAYLOAD_TOO_LARGE)
            }
            Self::TooLarge(message) => detail(StatusCode::PAYLOAD_TOO_LARGE, &message),
            Self::RangeNotSatisfiable { size } => {
                let mut response = detail(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    messages::RANGE_NOT_SATISFIABLE,
                );
                response.headers_mut().insert(
                    header::CONTENT_RANGE,
                    HeaderValue::from_str(&format!("bytes */{size}")).expect("digits"),
                );
                response
            }
            Self::StorageUnavailable(message) => {
                tracing::error!(error = %message, "attachment storage unavailable");
                let mut response = detail(
                    StatusCode::SERVICE_UNAVAILABLE,
                    messages::STORAGE_UNAVAILABLE,
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(30u32));
                response
            }
            Self::Unavailable(message) => {
                let mut response = detail(StatusCode::SERVICE_UNAVAILABLE, message);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(30u32));
                response
            }
            Self::BodyTimeout => {
                let mut response =
                    detail(StatusCode::REQUEST_TIMEOUT, messages::REQUEST_BODY_TIMEOUT);
                // The unread rest of the body could not be told from a next request.
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                response
            }
            Self::BadCredentials => {
                bearer_challenge(detail(StatusCode::UNAUTHORIZED, messages::BAD_CREDENTIALS))
            }
            Self::NotAuthenticated => {
                bearer_challenge(detail(StatusCode::UNAUTHORIZED, messages::NO_CREDENTIALS))
            }
            // simplejwt's answer for a bad `Authorization` header, `messages` included.
            Self::BadAccessToken(message) => bearer_challenge(
                (StatusCode::UNAUTHORIZED, Json(TokenError::access(message))).into_response(),
            ),
            Self::BadRequestAuthHeader => token_rejected(
                "Authorization header must contain two space-delimited values",
                "bad_authorization_header",
            ),
            Self::TokenNotValid(message) => token_rejected(message, TOKEN_NOT_VALID),
            Self::UserNotFound => token_rejected(messages::USER_NOT_FOUND, USER_NOT_FOUND),
            Self::NotFound => detail(StatusCode::NOT_FOUND, messages::NOT_FOUND),
            Self::Forbidden(message) => detail(StatusCode::FORBIDDEN, message),
            Self::ReauthenticationRequired => {
                let body = Detail {
                    detail: messages::REAUTHENTICATION_REQUIRED.to_owned(),
                    code: Some(REAUTHENTICATION_REQUIRED.to_owned()),
                };
                (StatusCode::FORBIDDEN, Json(body)).into_response()
            }
            Self::InvalidPage => detail(StatusCode::NOT_FOUND, messages::INVALID_PAGE),
            Self::PreconditionFailed => detail(
                StatusCode::PRECONDITION_FAILED,
                messages::PRECONDITION_FAILED,
            ),
            Self::MethodNotAllowed(method) => detail(
                StatusCode::METHOD_NOT_ALLOWED,
                &format!("Method \"{method}\" not allowed."),
            ),
            Self::Conflict(message) => detail(StatusCode::CONFLICT, message),
            Self::SecondStepRequired { challenge } => {
                let body = app::api::SecondStepRequired {
                    detail: messages::TOTP_REQUIRED.to_owned(),
                    code: TOTP_REQUIRED.to_owned(),
                    challenge,
                };
                bearer_challenge((StatusCode::UNAUTHORIZED, Json(body)).into_response())
            }
            Self::TooManyAttempts { retry_after_secs } => {
                let mut response = detail(
                    StatusCode::TOO_MANY_REQUESTS,
                    &messages::throttled(retry_after_secs),
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                response
            }
            Self::Overloaded => {
                let mut response = detail(StatusCode::SERVICE_UNAVAILABLE, messages::OVERLOADED);
                // A second is long enough for the requests in flight to be answered.
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(RETRY_OVERLOADED_SECS),
                );
                response
            }
            Self::TooManyStreams => {
                let mut response = detail(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Too many event streams are open. Try again later.",
                );
                // Long enough for other streams to close or a replica to take it.
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_STREAMS_SECS));
                response
            }
            // The row went away between reading and writing it: a concurrent delete.
            Self::Database(DbErr::RecordNotUpdated | DbErr::RecordNotFound(_)) => {
                Self::NotFound.into_response()
            }
            Self::Database(err) => match err.sql_err() {
                // The only unique column a request can collide on here is
                // `users.username` (a creation key's collision is settled in
                // `notes::creation_keys`, and an invitation's 128-bit code is never drawn
                // twice); the pre-check in `accounts::users` loses a race now and then,
                // and this catches it.
                Some(SqlErr::UniqueConstraintViolation(_)) => {
                    Self::Fields(FieldErrors::single("username", messages::USERNAME_TAKEN))
                        .into_response()
                }
                // A note for a user deleted since their token was issued.
                Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                    Self::UserNotFound.into_response()
                }
                _ => internal(&err.to_string()),
            },
            Self::Internal(message) => internal(&message),
        }
    }
}

/// Logged with the request's id (the trace span carries it); the caller learns nothing.
fn internal(message: &str) -> Response {
    tracing::error!(error = %message, "internal error");
    detail(
        StatusCode::INTERNAL_SERVER_ERROR,
        "A server error occurred.",
    )
}

/// A field error outside any one field, e.g. a body that is not a JSON object.
pub fn non_field(message: impl Into<String>) -> ApiError {
    ApiError::Fields(FieldErrors::single(NON_FIELD_ERRORS, message))
}
