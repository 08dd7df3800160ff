//! What a failed request means and how long to wait before trying again.
//!
//! Retried: no HTTP answer at all, 5xx, 429, and 403 when it is a rate limit. The wait doubles
//! from `RetryPolicy::base` up to `max_wait`, but is never shorter than what GitHub asked for
//! (`retry-after`, or `x-ratelimit-reset` when `x-ratelimit-remaining` is 0), and no attempt
//! starts past the deadline. Whether a *mutation* is retried as-is is not decided here: the
//! publish loop looks at GitHub's state again instead (see `publish.rs`).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::{error::Error, request::RetryPolicy};

/// A request that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No HTTP answer (refused, reset, dropped, timed out): it may or may not have taken effect.
    Transport(String),
    Status(StatusFailure),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusFailure {
    pub status: u16,
    /// GitHub's `message`, shortened.
    pub message: String,
    /// `422` with an `already_exists` validation error: the thing is there, look it up.
    pub already_exists: bool,
    pub rate_limited: bool,
    /// How long GitHub asked us to wait, if it did.
    pub server_wait: Option<Duration>,
}

/// The headers of an error answer that matter for retrying.
#[derive(Debug, Default, Clone, Copy)]
pub struct RateHeaders<'a> {
    pub retry_after: Option<&'a str>,
    pub remaining: Option<&'a str>,
    pub reset: Option<&'a str>,
}

impl StatusFailure {
    pub fn new(status: u16, body: &str, headers: RateHeaders<'_>) -> StatusFailure {
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let message = json["message"]
            .as_str()
            .unwrap_or(body)
            .chars()
            .take(200)
            .collect::<String>();
        let already_exists = status == 422
            && json["errors"]
                .as_array()
                .is_some_and(|errors| errors.iter().any(|error| error["code"] == "already_exists"));
        let rate_limited = matches!(status, 403 | 429)
            && (headers.remaining == Some("0")
                || headers.retry_after.is_some()
                || message.to_ascii_lowercase().contains("rate limit"));
        StatusFailure {
            status,
            message,
            already_exists,
            rate_limited,
            server_wait: server_wait(headers, now_epoch_seconds()),
        }
    }
}

impl Failure {
    pub fn is_retryable(&self) -> bool {
        match self {
            Failure::Transport(_) => true,
            Failure::Status(failure) => {
                failure.status >= 500 || failure.status == 429 || failure.rate_limited
            }
        }
    }

    pub fn already_exists(&self) -> bool {
        matches!(self, Failure::Status(failure) if failure.already_exists)
    }

    /// The error for a failure that is not worth retrying.
    pub fn into_error(self, what: &str) -> Error {
        match self {
            Failure::Transport(detail) => Error::Unexpected {
                what: what.to_string(),
                detail,
            },
            Failure::Status(failure) if failure.status == 401 => Error::TokenRejected {
                what: what.to_string(),
            },
            Failure::Status(failure) => Error::Api {
                what: what.to_string(),
                status: failure.status,
                message: failure.message,
            },
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Transport(detail) => write!(f, "no answer ({detail})"),
            Failure::Status(failure) => write!(f, "{} {}", failure.status, failure.message),
        }
    }
}

/// The wait GitHub asks for: `retry-after` seconds, or until `x-ratelimit-reset` (epoch seconds)
/// when no requests remain.
pub fn server_wait(headers: RateHeaders<'_>, now_epoch: u64) -> Option<Duration> {
    if let Some(seconds) = headers
        .retry_after
        .and_then(|value| value.trim().parse::<u64>().ok())
    {
        return Some(Duration::from_secs(seconds));
    }
    if headers.remaining == Some("0") {
        let reset = headers.reset?.trim().parse::<u64>().ok()?;
        return Some(Duration::from_secs(reset.saturating_sub(now_epoch)));
    }
    None
}

fn now_epoch_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Consecutive-failure backoff under one deadline for the whole command.
#[derive(Debug)]
pub struct Backoff {
    policy: RetryPolicy,
    started: Instant,
    consecutive_failures: u32,
    failures: u32,
}

impl Backoff {
    pub fn new(policy: RetryPolicy) -> Backoff {
        Backoff {
            policy,
            started: Instant::now(),
            consecutive_failures: 0,
            failures: 0,
        }
    }

    pub fn succeeded(&mut self) {
        self.consecutive_failures = 0;
    }

    /// The wait before the next attempt, or `None` when it would start past the deadline.
    pub fn next_wait(&mut self, failure: &Failure) -> Option<Duration> {
        self.failures += 1;
        self.consecutive_failures += 1;
        let doubling = 2u32.saturating_pow(self.consecutive_failures - 1);
        let backoff = self
            .policy
            .base
            .saturating_mul(doubling)
            .min(self.policy.max_wait);
        let asked = match failure {
            Failure::Status(failure) => match failure.server_wait {
                Some(wait) => wait,
                // A secondary rate limit without a hint: GitHub asks for at least a minute.
                None if failure.rate_limited => self.policy.max_wait,
                None => Duration::ZERO,
            },
            Failure::Transport(_) => Duration::ZERO,
        };
        let wait = backoff.max(asked);
        (self.started.elapsed() + wait <= self.policy.deadline).then_some(wait)
    }

    /// Waits before the next attempt, or explains why there is none.
    pub async fn wait(&mut self, what: &str, failure: &Failure) -> Result<(), Error> {
        match self.next_wait(failure) {
            Some(wait) => {
                eprintln!(
                    "xtask-github: {what}: {failure}; retrying in {} ms",
                    wait.as_millis()
                );
                tokio::time::sleep(wait).await;
                Ok(())
            }
            None => Err(Error::GaveUp {
                what: what.to_string(),
                attempts: self.failures,
                seconds: self.started.elapsed().as_secs(),
                last: failure.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, body: &str, headers: RateHeaders<'_>) -> Failure {
        Failure::Status(StatusFailure::new(status, body, headers))
    }

    #[test]
    fn what_is_retried() {
        let none = RateHeaders::default();
        assert!(Failure::Transport("reset".into()).is_retryable());
        assert!(status(502, "", none).is_retryable());
        assert!(status(429, "", none).is_retryable());
        assert!(!status(403, r#"{"message":"Resource not accessible"}"#, none).is_retryable());
        assert!(status(
            403,
            r#"{"message":"You have exceeded a secondary rate limit"}"#,
            none
        )
        .is_retryable());
        let exhausted = RateHeaders {
            remaining: Some("0"),
            reset: Some("0"),
            ..none
        };
        assert!(status(403, "{}", exhausted).is_retryable());
        assert!(!status(404, "", none).is_retryable());
        assert!(!status(422, "{}", none).is_retryable());
    }

    #[test]
    fn already_exists_is_recognised_only_in_validation_errors() {
        let none = RateHeaders::default();
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"Release","code":"already_exists","field":"tag_name"}]}"#;
        assert!(status(422, body, none).already_exists());
        assert!(!status(422, r#"{"message":"Validation Failed"}"#, none).already_exists());
        assert!(!status(500, body, none).already_exists());
    }

    #[test]
    fn server_wait_from_retry_after_or_rate_limit_reset() {
        let headers = |retry_after, remaining, reset| RateHeaders {
            retry_after,
            remaining,
            reset,
        };
        assert_eq!(
            server_wait(headers(Some("7"), None, None), 100),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            server_wait(headers(None, Some("0"), Some("130")), 100),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            server_wait(headers(None, Some("5"), Some("130")), 100),
            None
        );
        assert_eq!(
            server_wait(headers(None, Some("0"), Some("90")), 100),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_honours_the_server_and_the_deadline() {
        let policy = RetryPolicy {
            base: Duration::from_millis(100),
            max_wait: Duration::from_millis(350),
            deadline: Duration::from_secs(3600),
        };
        let mut backoff = Backoff::new(policy);
        let dropped = Failure::Transport("reset".into());
        let waits: Vec<_> = (0..4)
            .map(|_| backoff.next_wait(&dropped).unwrap().as_millis())
            .collect();
        assert_eq!(waits, [100, 200, 350, 350]);
        backoff.succeeded();
        assert_eq!(
            backoff.next_wait(&dropped),
            Some(Duration::from_millis(100))
        );
        let asked = RateHeaders {
            retry_after: Some("2"),
            ..RateHeaders::default()
        };
        assert_eq!(
            backoff.next_wait(&status(429, "", asked)),
            Some(Duration::from_secs(2))
        );
        backoff.succeeded();
        let secondary = r#"{"message":"You have exceeded a secondary rate limit"}"#;
        let waited = backoff.next_wait(&status(403, secondary, RateHeaders::default()));
        assert_eq!(
            waited,
            Some(Duration::from_millis(350)),
            "a hintless rate limit waits longest"
        );

        let mut no_time = Backoff::new(RetryPolicy {
            deadline: Duration::ZERO,
            ..policy
        });
        assert_eq!(no_time.next_wait(&dropped), None);
    }
}
