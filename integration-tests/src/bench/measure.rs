//! What the bench reads about a gateway process (`/proc`) and how it sums up one run of messages.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Clock ticks per second for `/proc/PID/stat` times (`getconf CLK_TCK`, 100 if that fails).
pub fn clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100)
}

/// User plus system CPU time of process `pid` and its threads, in clock ticks.
pub fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("no ')' in stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) are utime and stime; `after` starts at field 3.
    let (Some(utime), Some(stime)) = (fields.get(11), fields.get(12)) else {
        bail!("short stat line: {stat}");
    };
    Ok(utime.parse::<u64>()? + stime.parse::<u64>()?)
}

/// A `kB` field of `/proc/PID/status` (`VmRSS`, `VmHWM`), in KiB.
pub fn status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .with_context(|| format!("no {field} in /proc/{pid}/status"))?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .context("empty field")?
        .parse()?)
}

/// Which way messages go in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// PRIVMSG from an IRC client, received as groupchat by the XMPP user.
    IrcToMuc,
    /// Groupchat from the XMPP user, received as PRIVMSG by the IRC client.
    MucToIrc,
}

impl Direction {
    /// How the table names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::IrcToMuc => "IRC -> MUC",
            Self::MucToIrc => "MUC -> IRC",
        }
    }
}

/// How fast messages are sent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// This many per second, evenly spaced.
    PerSecond(f64),
    /// Back to back, as fast as the socket takes them.
    Burst,
}

impl Pace {
    /// How the table names it.
    pub fn label(self) -> String {
        match self {
            Self::PerSecond(rate) => format!("paced {rate}/s"),
            Self::Burst => "burst".into(),
        }
    }
}

/// The body of message `seq` of run `tag`: `TAG SEQ SENT_MICROS`.
pub fn body(tag: &str, seq: usize) -> String {
    format!("{tag} {seq} {}", super::clock::now_micros())
}

/// Reads back a body written by [`body`] for run `tag`: the sequence number and the send time.
pub fn parse_body(tag: &str, text: &str) -> Option<(usize, u64)> {
    let mut words = text.split(' ');
    if words.next()? != tag {
        return None;
    }
    let seq = words.next()?.parse().ok()?;
    let sent = words.next()?.parse().ok()?;
    Some((seq, sent))
}

/// What one run of messages came to.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Which way.
    pub direction: Direction,
    /// How fast they were sent.
    pub pace: Pace,
    /// Messages sent.
    pub sent: usize,
    /// How long sending took.
    pub send_time: Duration,
    /// Distinct messages received.
    pub received: usize,
    /// Messages received more than once.
    pub duplicates: usize,
    /// From the first send to the last receipt.
    pub elapsed: Duration,
    /// Send-to-receive latency of each distinct message, sorted.
    pub latencies: Vec<Duration>,
    /// Gateway CPU ticks spent during the run.
    pub cpu_ticks: u64,
}

impl RunResult {
    /// Messages received per second, from the first send to the last receipt.
    pub fn throughput(&self) -> f64 {
        if self.elapsed.is_zero() {
            return 0.0;
        }
        self.received as f64 / self.elapsed.as_secs_f64()
    }

    /// Messages never received.
    pub fn lost(&self) -> usize {
        self.sent - self.received
    }

    /// The latency at quantile `q` (0..=1), in milliseconds.
    pub fn latency_ms(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
        self.latencies[index].as_secs_f64() * 1000.0
    }
}

/// Collects receipts of one run: distinct sequence numbers, duplicates, latencies, the last receipt.
#[derive(Debug)]
pub struct Receipts {
    tag: String,
    expected: usize,
    seen: HashSet<usize>,
    duplicates: usize,
    latencies: Vec<Duration>,
    last: Option<Instant>,
}

impl Receipts {
    /// Expects `expected` messages of run `tag`.
    pub fn new(tag: &str, expected: usize) -> Self {
        Self {
            tag: tag.to_owned(),
            expected,
            seen: HashSet::with_capacity(expected),
            duplicates: 0,
            latencies: Vec::with_capacity(expected),
            last: None,
        }
    }

    /// Takes in a received body (ignored unless it belongs to this run) read at `at`.
    pub fn take(&mut self, text: &str, at: Instant) {
        let Some((seq, sent)) = parse_body(&self.tag, text) else {
            return;
        };
        if !self.seen.insert(seq) {
            self.duplicates += 1;
            return;
        }
        let latency = super::clock::micros(at).saturating_sub(sent);
        self.latencies.push(Duration::from_micros(latency));
        self.last = Some(self.last.map_or(at, |last| last.max(at)));
    }

    /// Whether every message arrived.
    pub fn complete(&self) -> bool {
        self.seen.len() >= self.expected
    }

    /// How many distinct messages arrived so far.
    pub fn count(&self) -> usize {
        self.seen.len()
    }

    /// The summary, given the run's shape, first send and CPU ticks.
    pub fn finish(
        mut self,
        direction: Direction,
        pace: Pace,
        first_send: Instant,
        send_time: Duration,
        cpu_ticks: u64,
    ) -> RunResult {
        self.latencies.sort_unstable();
        RunResult {
            direction,
            pace,
            sent: self.expected,
            send_time,
            received: self.seen.len(),
            duplicates: self.duplicates,
            elapsed: self.last.map_or(Duration::ZERO, |last| {
                last.saturating_duration_since(first_send)
            }),
            latencies: self.latencies,
            cpu_ticks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip_and_other_runs_are_ignored() {
        let text = body("im-b", 42);
        let (seq, _) = parse_body("im-b", &text).expect("parses");
        assert_eq!(seq, 42);
        assert!(parse_body("im-p", &text).is_none());
        let mut receipts = Receipts::new("im-b", 2);
        receipts.take(&text, Instant::now());
        receipts.take(&text, Instant::now());
        receipts.take("other 1 2", Instant::now());
        assert_eq!(receipts.count(), 1);
        let result = receipts.finish(
            Direction::IrcToMuc,
            Pace::Burst,
            Instant::now(),
            Duration::ZERO,
            0,
        );
        assert_eq!((result.lost(), result.duplicates), (1, 1));
    }

    #[test]
    fn reads_own_process() {
        let pid = std::process::id();
        cpu_ticks(pid).expect("stat");
        assert!(status_kib(pid, "VmRSS").expect("status") > 0);
    }
}
