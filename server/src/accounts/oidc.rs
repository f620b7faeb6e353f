//! Sign-in through an OpenID Connect provider: the authorization code flow with PKCE,
//! `state` and `nonce`, the ID token checked against the keys the provider's discovery
//! document names (the `openidconnect` crate does the protocol).
//!
//! A sign-in under way lives in the database (`oidc_logins`, keyed by its `state`'s
//! digest), so the provider's callback may reach any replica; it is spent by the callback,
//! and lasts ten minutes; a cookie ties it to the browser that started it. A finished
//! one hands the SPA a one-time code in the URL's
//! fragment (never a token in a URL), worth a token pair for 60 seconds, once; a proof
//! (a fresh sign-in at the provider, `max_age=0`) hands one that stands in for a
//! password the account does not have.

use crate::accounts::audit::{Line, Person};
use crate::accounts::oidc_codes::{self as codes, Purpose};
use crate::accounts::sessions::Device;
use crate::accounts::tokens::now;
use crate::accounts::{identities, registration, users};
use crate::error::{ApiError, ApiResult};
use crate::ops::metrics;
use crate::ops::settings::{OidcSettings, OidcSignup};
use crate::storage::entities::oidc_login::{self, Entity as OidcLogin};
use crate::storage::entities::user;
use crate::storage::pruning::Prune;
use app::api::{AuditAction, RegistrationMode};
use app::errors::messages;
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse, reqwest,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryTrait,
};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How long a person may take at the provider's page.
const LOGIN_SECS: i64 = 600;
/// Discovery is read again this often, so rotated keys are picked up.
const REDISCOVER: Duration = Duration::from_secs(3600);
/// The wait after a failed discovery, doubling up to [`REDISCOVER`].
const FIRST_RETRY: Duration = Duration::from_secs(1);

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The configured provider, and what discovery found of it.
pub struct Provider {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    scopes: Vec<Scope>,
    /// `OIDC_NAME`.
    pub name: String,
    pub signup: OidcSignup,
    http: reqwest::Client,
    client: RwLock<Option<Arc<Client>>>,
}

/// The cookie that holds a sign-in's `state` in the browser that started it.
pub const BINDING: &str = "notes_oidc";

/// A sign-in written down: where to send the browser, and the `Set-Cookie` that binds
/// the sign-in to it.
pub struct Started {
    pub url: String,
    pub binding: String,
}

/// A sign-in at the provider that ended well: whose identity, for what.
pub struct Verified {
    pub purpose: Purpose,
    /// Who started a link or a proof.
    pub user_id: Option<i64>,
    pub next: String,
    pub invite: Option<String>,
    pub identity: identities::Claimed,
}

impl Verified {
    /// The SPA's page this sign-in comes back to, with what happened in its fragment: the
    /// sign-in page (which goes on to `next` once signed in), or the page a link or a
    /// proof began on.
    pub fn back(&self) -> String {
        match self.purpose {
            Purpose::SignIn => format!("/login?next={}", encode(&self.next)),
            Purpose::Link | Purpose::Proof => self.next.clone(),
        }
    }
}

/// Where the callback sends the browser: the SPA's path, with what it needs in the
/// fragment.
pub struct Landing(pub String);

use crate::accounts::secrets::{digest, new_secret};

/// A path of this site to go back to; anything else (another site, `//host`) is `/`.
pub fn local_path(next: Option<&str>) -> String {
    // The fragment is the callback's to write.
    let next = next.map(|path| path.split('#').next().unwrap_or_default());
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.len() <= 2000
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

impl Provider {
    /// The provider `OIDC_*` configure, or none. Discovery happens later
    /// ([`Self::keep_discovered`]): an unreachable provider must not stop the server.
    pub fn from_settings(settings: &OidcSettings) -> Result<Option<Arc<Self>>, String> {
        let (Some(issuer), Some(client_id), Some(public)) = (
            &settings.oidc_issuer,
            &settings.oidc_client_id,
            &settings.public_url,
        ) else {
            return Ok(None);
        };
        let issuer = IssuerUrl::new(issuer.clone()).map_err(|e| format!("OIDC_ISSUER: {e}"))?;
        let callback = public
            .join(app::api::paths::OIDC_CALLBACK)
            .map_err(|e| format!("PUBLIC_URL: {e}"))?;
        let redirect = RedirectUrl::from_url(callback);
        let mut scopes: Vec<Scope> = settings
            .oidc_scopes
            .split_whitespace()
            .filter(|s| *s != "openid")
            .map(|s| Scope::new(s.to_owned()))
            .collect();
        scopes.dedup();
        // Redirects are not followed: a discovery document that points elsewhere is
        // refused rather than chased (and cannot turn this server against its network).
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("OIDC_ISSUER: {e}"))?;
        Ok(Some(Arc::new(Self {
            issuer,
            client_id: ClientId::new(client_id.clone()),
            client_secret: settings.oidc_client_secret.clone().map(ClientSecret::new),
            redirect,
            scopes,
            name: settings.oidc_name.trim().to_owned(),
            signup: settings.oidc_signup,
            http,
            client: RwLock::new(None),
        })))
    }

    /// The issuer, as identities are keyed by it.
    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// Reads the discovery document and keys now and every hour; while the provider
    /// cannot be reached, again after 1 s, 2 s, 4 s… up to an hour, logged and counted.
    /// Password sign-in never waits for it.
    pub fn keep_discovered(self: &Arc<Self>) {
        let provider = Arc::clone(self);
        tokio::spawn(async move {
            let mut retry = FIRST_RETRY;
            loop {
                let wait = match provider.discover().await {
                    Ok(()) => {
                        retry = FIRST_RETRY;
                        REDISCOVER
                    }
                    Err(e) => {
                        tracing::warn!(issuer = provider.issuer(), error = %e,
                            retry_in = ?retry, "the OpenID Connect provider cannot be read");
                        let wait = retry;
                        retry = (retry * 2).min(REDISCOVER);
                        wait
                    }
                };
                tokio::time::sleep(wait).await;
            }
        });
    }

    async fn discover(&self) -> Result<(), String> {
        let found = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http).await;
        metrics::oidc_discovery(found.is_ok());
        let metadata = found.map_err(|e| error_chain(&e))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            self.client_secret.clone(),
        )
        .set_redirect_uri(self.redirect.clone());
        let first = self
            .client
            .write()
            .expect("the provider's lock is never poisoned")
            .replace(Arc::new(client))
            .is_none();
        if first {
            tracing::info!(issuer = self.issuer(), "OpenID Connect sign-in is ready");
        }
        Ok(())
    }

    fn client(&self) -> ApiResult<Arc<Client>> {
        self.client
            .read()
            .expect("the provider's lock is never poisoned")
            .clone()
            .ok_or(ApiError::Unavailable(messages::OIDC_UNREACHABLE))
    }

    /// Where to send the browser to sign in at the provider, once the sign-in is
    /// written down. A proof asks the provider for a fresh sign-in (`max_age=0`).
    pub async fn start(
        &self,
        db: &impl ConnectionTrait,
        purpose: Purpose,
        user_id: Option<i64>,
        next: &str,
        invite: Option<String>,
    ) -> ApiResult<Started> {
        let client = self.client()?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (state, nonce) = (new_secret(), new_secret());
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                {
                    let state = state.clone();
                    move || CsrfToken::new(state)
                },
                {
                    let nonce = nonce.clone();
                    move || Nonce::new(nonce)
                },
            )
            .add_scopes(self.scopes.iter().cloned())
            .set_pkce_challenge(challenge);
        if purpose == Purpose::Proof {
            request = request
                .set_max_age(Duration::ZERO)
                .add_prompt(CoreAuthPrompt::Login);
        }
        let (url, _, _) = request.url();
        OidcLogin::insert(oidc_login::ActiveModel {
            state_hash: Set(digest(&state)),
            purpose: Set(purpose.as_str().to_owned()),
            user_id: Set(user_id),
            verifier: Set(verifier.secret().clone()),
            nonce: Set(nonce),
            next: Set(next.to_owned()),
            invite: Set(invite),
            started_at: Set(now()),
        })
        .exec_without_returning(db)
        .await?;
        Ok(Started {
            url: url.to_string(),
            binding: self.binding(&state, LOGIN_SECS),
        })
    }

    /// The `Set-Cookie` that ties a sign-in to the browser that started it: the
    /// callback takes only the `state` this browser holds, so a sign-in started by
    /// someone else (their identity, a link sent to trick a person into their account)
    /// is refused. Sent only to the callback, and only over HTTPS where the site is.
    fn binding(&self, state: &str, max_age: i64) -> String {
        let secure = if self.redirect.url().scheme() == "https" {
            "; Secure"
        } else {
            ""
        };
        format!(
            "{BINDING}={state}; Path={}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
            app::api::paths::OIDC_CALLBACK
        )
    }

    /// The `Set-Cookie` that forgets the binding once the callback has used it.
    pub fn unbinding(&self) -> String {
        self.binding("", 0)
    }

    /// Ends a sign-in the provider refused (or that was cancelled there).
    pub async fn abandon(&self, db: &impl ConnectionTrait, state: &str) -> ApiResult<()> {
        OidcLogin::delete_many()
            .filter(oidc_login::Column::StateHash.eq(digest(state)))
            .exec(db)
            .await?;
        Ok(())
    }

    /// Checks the provider's answer: the sign-in it ends (spent now, so a replayed
    /// `state` finds nothing), the code exchanged with its PKCE verifier, the ID token's
    /// signature, issuer, audience, expiry and `nonce`, and for a proof a sign-in made
    /// after it began. `Err` carries what to tell the person.
    pub async fn verify(
        &self,
        db: &impl ConnectionTrait,
        state: &str,
        code: &str,
    ) -> Result<Verified, &'static str> {
        let taken = OidcLogin::delete_many()
            .filter(oidc_login::Column::StateHash.eq(digest(state)))
            .exec_with_returning(db)
            .await
            .map_err(|e| logged("reading a sign-in", &e))?;
        let Some(login) = taken.into_iter().next() else {
            return Err(messages::OIDC_EXPIRED);
        };
        let Some(purpose) = Purpose::parse(&login.purpose) else {
            return Err(messages::OIDC_EXPIRED);
        };
        if login.started_at + LOGIN_SECS < now() {
            return Err(messages::OIDC_EXPIRED);
        }
        let client = self.client().map_err(|_| messages::OIDC_UNREACHABLE)?;
        let answer = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| logged("exchanging the code", &e))?
            .set_pkce_verifier(PkceCodeVerifier::new(login.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| logged("exchanging the code", &e))?;
        let id_token = answer
            .id_token()
            .ok_or_else(|| logged("reading the answer", &"no ID token"))?;
        let claims = id_token
            .claims(
                &client.id_token_verifier(),
                &Nonce::new(login.nonce.clone()),
            )
            .map_err(|e| logged("checking the ID token", &e))?;
        if purpose == Purpose::Proof {
            // `max_age=0` asked for a sign-in now: one from before this began is not a proof.
            let fresh = claims
                .auth_time()
                .is_some_and(|at| at.timestamp() >= login.started_at - 5);
            if !fresh {
                return Err(messages::PROOF_INVALID);
            }
        }
        let username = claims
            .preferred_username()
            .map(|name| name.as_str().to_owned())
            .or_else(|| claims.email().map(|email| email.as_str().to_owned()))
            .unwrap_or_default();
        Ok(Verified {
            purpose,
            user_id: login.user_id,
            next: login.next,
            invite: login.invite,
            identity: identities::Claimed {
                issuer: self.issuer().to_owned(),
                subject: claims.subject().as_str().to_owned(),
                username,
            },
        })
    }

    /// What a verified sign-in leads to: a sign-in code for the person the identity is
    /// linked to (an account made for it where sign-up is allowed), an identity linked,
    /// or a proof.
    pub async fn land(
        &self,
        (db, writer): (&DatabaseConnection, &DatabaseConnection),
        verified: Verified,
        from: &Device,
    ) -> ApiResult<Landing> {
        let back = verified.back();
        let Verified {
            purpose,
            user_id,
            invite,
            identity,
            ..
        } = verified;
        let known = identities::find(db, &identity).await?;
        match (purpose, user_id) {
            (Purpose::SignIn, _) => {
                let user = match known {
                    Some(found) => {
                        identities::seen(writer, found.id, &identity.username).await?;
                        users::by_id(db, found.user_id).await?
                    }
                    None => {
                        self.sign_up(writer, &identity, invite.as_deref(), from)
                            .await?
                    }
                };
                if !user.is_active {
                    Line::own(&Person::from(&user), AuditAction::SignInFailed)
                        .detail(format!("through {}: the account is deactivated", self.name))
                        .record(writer, from)
                        .await?;
                    return Err(ApiError::Forbidden(messages::OIDC_INACTIVE));
                }
                let code = codes::issue(writer, Purpose::SignIn, user.id).await?;
                Ok(Landing(format!("{back}#oidc_code={code}")))
            }
            (Purpose::Link, Some(user_id)) => {
                let user = users::by_id(db, user_id).await?;
                match known {
                    Some(found) if found.user_id != user_id => {
                        Err(ApiError::Forbidden(messages::OIDC_LINKED_ELSEWHERE))
                    }
                    Some(_) => Ok(Landing(format!("{back}#oidc_linked=1"))),
                    None => {
                        identities::link(writer, &user, &identity, &self.name, from).await?;
                        Ok(Landing(format!("{back}#oidc_linked=1")))
                    }
                }
            }
            (Purpose::Proof, Some(user_id)) => match known {
                Some(found) if found.user_id == user_id => {
                    identities::seen(writer, found.id, &identity.username).await?;
                    let proof = codes::issue(writer, Purpose::Proof, user_id).await?;
                    Ok(Landing(format!("{back}#provider_proof={proof}")))
                }
                _ => Err(ApiError::Forbidden(messages::OIDC_NOT_YOU)),
            },
            _ => Err(ApiError::Forbidden(messages::OIDC_EXPIRED)),
        }
    }

    /// An account for an identity seen for the first time, where `OIDC_SIGNUP` and the
    /// registration setting allow one: never a way around a closed server.
    async fn sign_up(
        &self,
        writer: &DatabaseConnection,
        identity: &identities::Claimed,
        invite: Option<&str>,
        from: &Device,
    ) -> ApiResult<user::Model> {
        let mode = match self.signup {
            OidcSignup::Never => return Err(ApiError::Forbidden(messages::OIDC_NO_ACCOUNT)),
            OidcSignup::Always => RegistrationMode::Open,
            OidcSignup::Follow => registration::mode(writer).await?,
        };
        registration::register_identity(writer, mode, identity, invite, &self.name, from).await
    }
}

/// `text` as one part of a URL's query or fragment.
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The provider's or the network's fault, logged in full; the person is told it could
/// not be checked.
fn logged(doing: &str, error: &dyn std::fmt::Display) -> &'static str {
    tracing::warn!(error = %error, "OpenID Connect sign-in failed {doing}");
    messages::OIDC_FAILED
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Sign-ins at the provider never finished, for the pruner.
pub struct Expired;

impl Prune for Expired {
    fn what(&self) -> &'static str {
        "oidc_logins"
    }

    fn statement(&self, backend: sea_orm::DbBackend) -> Option<sea_orm::Statement> {
        Some(
            OidcLogin::delete_many()
                .filter(oidc_login::Column::StartedAt.lte(now() - LOGIN_SECS))
                .build(backend),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_a_path_of_this_site_is_gone_back_to() {
        assert_eq!(local_path(Some("/notes/3?x=1#top")), "/notes/3?x=1");
        for elsewhere in [
            "https://evil.test/",
            "//evil.test/",
            "/\\evil.test",
            "notes",
            "",
        ] {
            assert_eq!(local_path(Some(elsewhere)), "/", "{elsewhere}");
        }
        assert_eq!(local_path(None), "/");
    }
}
