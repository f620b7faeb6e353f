//! Requests per client address, per replica: what may be asked without an account (a
//! note's link) is not free for one address to hammer. governor's keyed limiter, a
//! generic cell rate per address.

use crate::error::{ApiError, ApiResult};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// Addresses remembered before the ones seen long ago are forgotten.
const FORGET_PAST: usize = 10_000;

pub struct PerClient {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl PerClient {
    /// `per_minute` requests a minute from one address, all of them at once if need be.
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
        }
    }

    /// Lets a request from `client` through, or answers 429 with how long to wait.
    pub fn admit(&self, client: IpAddr) -> ApiResult<()> {
        if self.limiter.len() > FORGET_PAST {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::TooManyAttempts {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }
}
