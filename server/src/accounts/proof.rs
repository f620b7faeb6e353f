//! What proves the person at the keyboard is the account's holder where a change asks
//! again: the password, or for an account signed into through the provider (which may
//! have no password) a fresh sign-in there (`accounts::oidc_codes`' proof, spent by the check).

use crate::accounts::oidc_codes;
use crate::accounts::passwords::Passwords;
use crate::error::ApiResult;
use crate::storage::entities::user;
use app::errors::FieldErrors;
use sea_orm::ConnectionTrait;

pub enum Proof {
    /// The password, checked against `field` (`password`, `old_password`).
    Password {
        field: &'static str,
        password: String,
    },
    /// `provider_proof`.
    Provider(String),
}

impl Proof {
    /// Whether it proves `user`: a wrong password is an error on its field, a bad proof
    /// one on `provider_proof`.
    pub async fn check(
        &self,
        db: &impl ConnectionTrait,
        passwords: &Passwords,
        user: &user::Model,
        wrong: &'static str,
    ) -> ApiResult<()> {
        match self {
            Self::Password { field, password } => {
                let hash = Some(user.password_hash.clone());
                if passwords.verify(password.clone(), hash).await? {
                    Ok(())
                } else {
                    Err(FieldErrors::single(field, wrong).into())
                }
            }
            Self::Provider(proof) => oidc_codes::prove(db, user, proof).await,
        }
    }
}
