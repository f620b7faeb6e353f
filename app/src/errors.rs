//! The error bodies of the API, in the original's shapes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The key Django REST framework uses for errors that belong to no one field.
pub const NON_FIELD_ERRORS: &str = "non_field_errors";

/// simplejwt's `code` for every rejected token.
pub const TOKEN_NOT_VALID: &str = "token_not_valid";

/// The `code` of the `401` that asks for sign-in's second step.
pub const TOTP_REQUIRED: &str = "totp_required";

/// The `code` of the `403` that asks an operator to give their password again.
pub const REAUTHENTICATION_REQUIRED: &str = "reauthentication_required";

/// simplejwt's `code` for a valid access token whose user no longer exists.
pub const USER_NOT_FOUND: &str = "user_not_found";

/// Messages the server sends and the SPA may recognise.
pub mod messages {
    pub const REQUIRED: &str = "This field is required.";
    pub const NULL: &str = "This field may not be null.";
    pub const BLANK: &str = "This field may not be blank.";
    pub const NOT_A_STRING: &str = "Not a valid string.";
    pub const NOT_A_BOOLEAN: &str = "Must be a valid boolean.";
    pub const NOT_AN_INTEGER: &str = "A valid integer is required.";
    pub const USERNAME_TAKEN: &str = "A user with that username already exists.";
    pub const BAD_CREDENTIALS: &str = "No active account found with the given credentials";
    pub const NO_CREDENTIALS: &str = "Authentication credentials were not provided.";
    pub const TOKEN_INVALID: &str = "Token is invalid or expired";
    pub const TOKEN_BLACKLISTED: &str = "Token is blacklisted";
    pub const NOT_FOUND: &str = "Not found.";
    pub const WRONG_OLD_PASSWORD: &str =
        "Your old password was entered incorrectly. Please enter it again.";
    pub const WRONG_PASSWORD: &str =
        "Your password was entered incorrectly. Please enter it again.";
    /// `404` for a page number that is not a number from 1 to the last page, as DRF.
    pub const INVALID_PAGE: &str = "Invalid page.";
    /// `412`: `If-Match` does not name the note's current version.
    pub const PRECONDITION_FAILED: &str =
        "The note has changed: If-Match does not name its current version.";
    /// `400`: an `Idempotency-Key` the server cannot keep.
    pub const BAD_IDEMPOTENCY_KEY: &str =
        "Idempotency-Key must be 1 to 255 printable ASCII characters.";
    /// `408`: the body did not arrive within the server's time limit.
    pub const REQUEST_BODY_TIMEOUT: &str = "Request body was not received in time.";
    /// `503`: more requests are being served than the server can answer in time.
    pub const OVERLOADED: &str = "The server is busy; try again in a moment.";
    /// `413`: the body is over the server's limit.
    pub const PAYLOAD_TOO_LARGE: &str = "Request body is too large.";
    pub const RANGE_NOT_SATISFIABLE: &str = "The requested range is past the end of the file.";
    pub const STORAGE_UNAVAILABLE: &str =
        "Attachments cannot be reached right now; try again in a moment.";
    pub const NO_FILE: &str = "No file was submitted: send one as the multipart part \"file\".";
    pub const EMPTY_FILE: &str = "The submitted file is empty.";
    pub const NOT_MULTIPART: &str = "Send the file as multipart/form-data.";

    /// An attachment over `ATTACHMENT_MAX_MB`.
    pub fn attachment_too_large(max_mb: u64) -> String {
        format!("The file is larger than {max_mb} MB, the largest this server takes.")
    }

    /// An upload that would take a person past their quota.
    pub fn over_quota(used: u64, quota: u64) -> String {
        format!("Not enough space: {used} of {quota} bytes are used, and this file does not fit.")
    }
    /// `401` with code [`super::USER_NOT_FOUND`].
    pub const USER_NOT_FOUND: &str = "User not found";
    /// simplejwt's `detail` when an `Authorization` header's token is refused.
    pub const TOKEN_NOT_VALID_FOR_ANY_TYPE: &str = "Given token not valid for any token type";

    /// `401` with code [`super::TOTP_REQUIRED`]: the password was right; a code finishes.
    pub const TOTP_REQUIRED: &str =
        "Enter the code from your authenticator app to finish signing in.";
    /// A code (or recovery code) that is wrong, too old, or already used.
    pub const WRONG_CODE: &str = "That code is not right, or it has been used already.";
    /// A sign-in challenge that is unknown, used or past its five minutes.
    pub const CHALLENGE_EXPIRED: &str = "This sign-in has expired. Enter your password again.";
    /// `409`s of two-step sign-in's set-up.
    pub const TOTP_ALREADY_ON: &str =
        "Two-step sign-in is already on. Turn it off before setting it up again.";
    pub const TOTP_NOT_STARTED: &str = "Start setting up two-step sign-in first.";
    pub const TOTP_OFF: &str = "Two-step sign-in is not on.";

    /// An access token whose session was ended (signed out, ended from the sessions list,
    /// a password changed): refused within seconds, as simplejwt refuses a blacklisted one.
    pub const SESSION_ENDED: &str = "Token is blacklisted";
    /// An access token of an account an operator deactivated.
    pub const USER_INACTIVE: &str = "User is inactive";
    /// `403` to everyone but operators under `/api/admin/`, as DRF's `IsAdminUser`.
    pub const PERMISSION_DENIED: &str = "You do not have permission to perform this action.";
    /// A personal access token, where only a signed-in session may act.
    pub const TOKEN_CANNOT: &str =
        "An access token cannot do this: sign in to the account to do it.";
    /// A `read` personal access token sent with a write.
    pub const TOKEN_READ_ONLY: &str = "This access token may only read.";
    /// Sign-in through the OpenID Connect provider, as the SPA is told on its way back.
    pub const OIDC_EXPIRED: &str = "This sign-in expired or was used already. Start again.";
    pub const OIDC_FAILED: &str =
        "The sign-in provider's answer could not be checked. Start again.";
    pub const OIDC_UNREACHABLE: &str =
        "The sign-in provider cannot be reached now. Try again later, or use your password.";
    pub const OIDC_NO_ACCOUNT: &str =
        "No account here is linked to that identity, and this server does not make one for it.";
    pub const OIDC_LINKED_ELSEWHERE: &str = "That identity is linked to another account.";
    pub const OIDC_NOT_YOU: &str = "That identity is not linked to your account.";
    pub const OIDC_INACTIVE: &str = "This account is deactivated.";
    /// `POST /api/token/oidc/` with a code that is unknown, spent or older than 60 s.
    pub const OIDC_CODE_INVALID: &str = "This sign-in code is not valid or has expired.";
    /// Unlinking the only way left to sign in.
    pub const LAST_SIGN_IN: &str =
        "This is your only way to sign in: set a password or link another first.";
    /// A proof from the provider, where the account has no password.
    pub const PROOF_INVALID: &str = "Confirm with your sign-in provider again.";
    /// `403` with code [`super::REAUTHENTICATION_REQUIRED`].
    pub const REAUTHENTICATION_REQUIRED: &str =
        "Confirm your password to continue: changes in the operator's area need a recent sign-in.";
    /// `403` from registration, by the server's setting.
    pub const REGISTRATION_CLOSED: &str = "Registration is closed.";
    pub const REGISTRATION_NEEDS_INVITE: &str = "Registration needs an invitation.";
    /// An invitation's code that is unknown, expired or used.
    pub const INVITE_NOT_VALID: &str =
        "This invitation is not valid: it may have expired or been used already.";
    /// `409`s of the operator's guard rails.
    pub const LAST_OPERATOR: &str =
        "This is the last active operator: make someone else an operator first.";
    pub const OWN_ACCOUNT_DEACTIVATION: &str =
        "You cannot deactivate your own account; another operator can.";
    pub const OWN_ACCOUNT_DELETION: &str =
        "Delete your own account from your account page, not from the operator's area.";

    /// `403`: a write to a note shared with the caller to read only.
    pub const SHARED_READ_ONLY: &str = "This note is shared with you to read only.";
    /// `403`: deleting or sharing a note shared with the caller, which only its owner may.
    pub const OWNER_ONLY: &str = "Only the note's owner can do that.";
    /// Sharing with oneself, or with nobody by that name.
    pub const SHARE_WITH_SOMEONE: &str = "There is no other person with that username.";
    pub const ALREADY_SHARED: &str = "This note is shared with them already.";
    /// A link's expiry in the past.
    pub const EXPIRY_IN_THE_PAST: &str = "The time must be in the future.";
    pub const NOT_A_TIME: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

    /// DRF's `IntegerField` bounds.
    pub fn at_least(min: i64) -> String {
        format!("Ensure this value is greater than or equal to {min}.")
    }

    pub fn too_many_tokens(max: u64) -> String {
        format!("You have {max} access tokens, the most one may hold: revoke one first.")
    }

    pub fn at_most(max: i64) -> String {
        format!("Ensure this value is less than or equal to {max}.")
    }

    /// DRF's `ChoiceField` message.
    pub fn not_a_choice(value: &str) -> String {
        format!("\"{value}\" is not a valid choice.")
    }

    /// `415`, as DRF words it.
    pub fn unsupported_media_type(content_type: &str) -> String {
        format!("Unsupported media type \"{content_type}\" in request.")
    }

    /// `429`, as DRF's throttles word it.
    pub fn throttled(retry_after_secs: u64) -> String {
        format!("Request was throttled. Expected available in {retry_after_secs} seconds.")
    }
}

/// `400 {"<field>": ["<message>", ...], ...}`. Ordered, so answers are stable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    pub fn extend(&mut self, field: &str, messages: impl IntoIterator<Item = String>) {
        for message in messages {
            self.add(field, message);
        }
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message of the first field: one line for a person.
    pub fn first(&self) -> Option<&str> {
        self.0.values().flatten().next().map(String::as_str)
    }

    pub fn get(&self, field: &str) -> &[String] {
        self.0.get(field).map(Vec::as_slice).unwrap_or_default()
    }

    /// `Ok(())` when nothing was added, so validation can end with `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

// By hand: the derive puts a newtype's examples on the map's values, not on the map.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for FieldErrors {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
        ObjectBuilder::new()
            .description(Some(
                "Each invalid field's messages; `non_field_errors` for the body as a whole.",
            ))
            .additional_properties(Some(
                ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)),
            ))
            .examples([
                serde_json::json!({"username": [messages::USERNAME_TAKEN]}),
                serde_json::json!({"title": [messages::REQUIRED], "content": [messages::BLANK]}),
                serde_json::json!({NON_FIELD_ERRORS: ["Invalid data. Expected a dictionary, but got list."]}),
            ])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for FieldErrors {}

/// `{"detail": "...", "code": "..."}`: every error that is not about a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(
        json!({"detail": messages::NOT_FOUND}),
        json!({"detail": messages::TOKEN_INVALID, "code": TOKEN_NOT_VALID})
    ))
)]
pub struct Detail {
    pub detail: String,
    /// simplejwt's machine-readable reason, on token errors: `token_not_valid`,
    /// `user_not_found` or `bad_authorization_header`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub code: Option<String>,
}

/// simplejwt's `401` for an `Authorization` header whose token cannot authenticate: why,
/// for each token class it was tried as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({
        "detail": messages::TOKEN_NOT_VALID_FOR_ANY_TYPE,
        "code": TOKEN_NOT_VALID,
        "messages": [{"token_class": "AccessToken", "token_type": "access", "message": messages::TOKEN_INVALID}]
    })))
)]
pub struct TokenError {
    pub detail: String,
    pub code: String,
    pub messages: Vec<TokenMessage>,
}

impl TokenError {
    /// simplejwt's answer for an access token in the `Authorization` header that cannot
    /// authenticate, and why.
    pub fn access(message: impl Into<String>) -> Self {
        Self {
            detail: messages::TOKEN_NOT_VALID_FOR_ANY_TYPE.into(),
            code: TOKEN_NOT_VALID.into(),
            messages: vec![TokenMessage {
                token_class: "AccessToken".into(),
                token_type: "access".into(),
                message: message.into(),
            }],
        }
    }
}

/// One entry of [`TokenError::messages`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenMessage {
    pub token_class: String,
    pub token_type: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_read_in_the_original_shapes() {
        let fields: FieldErrors =
            serde_json::from_str(r#"{"username":["A user with that username already exists."]}"#)
                .unwrap();
        assert_eq!(fields.get("username"), [messages::USERNAME_TAKEN]);
        assert_eq!(fields.first(), Some(messages::USERNAME_TAKEN));

        let detail: Detail = serde_json::from_str(
            r#"{"detail":"Token is invalid or expired","code":"token_not_valid","messages":[]}"#,
        )
        .unwrap();
        assert_eq!(detail.detail, messages::TOKEN_INVALID);
        assert_eq!(detail.code.as_deref(), Some(TOKEN_NOT_VALID));
    }
}
