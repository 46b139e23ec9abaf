//! Flood control: a token bucket per connection (`flood_burst` lines at once, then `flood_per_second`).

use std::time::Duration;

use tokio::time::Instant;

/// A token bucket; with a rate of 0 it never throttles.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    burst: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub(crate) fn new(burst: u32, per_second: f64) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            burst,
            per_second,
            tokens: burst,
            last: Instant::now(),
        }
    }

    /// Takes a token if there is one; otherwise how long until there is.
    pub(crate) fn take(&mut self, now: Instant) -> Result<(), Duration> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / self.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_lines_wait_for_tokens() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(5, 2.0);
        for _ in 0..5 {
            assert!(bucket.take(start).is_ok());
        }
        let wait = bucket.take(start).unwrap_err();
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500));
        assert!(bucket.take(start + Duration::from_millis(500)).is_ok());
    }

    #[test]
    fn a_rate_of_zero_never_throttles() {
        let now = Instant::now();
        let mut bucket = TokenBucket::new(1, 0.0);
        for _ in 0..1000 {
            assert!(bucket.take(now).is_ok());
        }
    }
}
