//! Key layouts shared by the ordered key-value backends.
//!
//! Composite keys are `prefix \0 rest`: the prefix part must not contain NUL (checked), the last part may, so
//! a prefix scan over `prefix \0` finds exactly one prefix's keys. Numbers are big-endian so byte order is
//! numeric order. Time-index keys start with the 8-byte time, so pruning is one range scan from the start.

use std::time::{SystemTime, UNIX_EPOCH};

use super::StoreError;

/// Separates the parts of a composite key.
pub(crate) const SEP: u8 = 0;

/// Checks that a value used as a key prefix has no NUL byte.
pub(crate) fn prefix_part<'a>(what: &'static str, value: &'a str) -> Result<&'a [u8], StoreError> {
    if value.as_bytes().contains(&SEP) {
        return Err(StoreError::InvalidKey {
            what,
            value: value.to_owned(),
        });
    }
    Ok(value.as_bytes())
}

/// `head \0 tail`.
pub(crate) fn join(head: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(head.len() + 1 + tail.len());
    key.extend_from_slice(head);
    key.push(SEP);
    key.extend_from_slice(tail);
    key
}

/// `head \0`: the prefix of every key under `head`.
pub(crate) fn prefix(head: &[u8]) -> Vec<u8> {
    join(head, &[])
}

/// The first key after every key starting with `head \0` (`head \x01`), to skip to the next head.
pub(crate) fn after_prefix(head: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(head.len() + 1);
    key.extend_from_slice(head);
    key.push(SEP + 1);
    key
}

/// Splits `head \0 tail` at its first NUL.
pub(crate) fn split(key: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = key.iter().position(|&byte| byte == SEP)?;
    Some((&key[..at], &key[at + 1..]))
}

/// `time(8, big-endian) ‖ rest`: a time-index key.
pub(crate) fn timed(at: u64, rest: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + rest.len());
    key.extend_from_slice(&at.to_be_bytes());
    key.extend_from_slice(rest);
    key
}

/// Splits a time-index key into its time and the rest.
pub(crate) fn split_timed(key: &[u8]) -> Option<(u64, &[u8])> {
    let (time, rest) = key.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*time), rest))
}

/// Reads a big-endian u64 from exactly 8 bytes.
pub(crate) fn read_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

/// Nanoseconds since the Unix epoch; times before it count as 0, times after 2554 as the maximum.
pub(crate) fn nanos(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    })
}

/// A dedupe index value: the first entry's sequence number, then when it was accepted.
pub(crate) fn dedupe_value(seq: u64, at: u64) -> [u8; 16] {
    let mut value = [0; 16];
    value[..8].copy_from_slice(&seq.to_be_bytes());
    value[8..].copy_from_slice(&at.to_be_bytes());
    value
}

/// Reads a dedupe index value back.
pub(crate) fn read_dedupe_value(value: &[u8]) -> Option<(u64, u64)> {
    let (seq, at) = value.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*seq), read_u64(at)?))
}

/// A message-id forward value: when it was mapped, then the canonical id.
pub(crate) fn forward_value(at: u64, canonical: &[u8]) -> Vec<u8> {
    timed(at, canonical)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn prefix_part_rejects_nul() {
        assert!(prefix_part("destination", "irc").is_ok());
        assert!(matches!(
            prefix_part("destination", "ir\0c"),
            Err(StoreError::InvalidKey { .. })
        ));
    }

    #[test]
    fn join_and_split_round_trip_with_nul_in_tail() {
        let key = join(b"sms", b"a\0b");
        assert_eq!(split(&key), Some((&b"sms"[..], &b"a\0b"[..])));
        assert!(key.starts_with(&prefix(b"sms")));
        assert!(after_prefix(b"sms").as_slice() > key.as_slice());
        assert!(after_prefix(b"sms").as_slice() < join(b"sms2", b"").as_slice());
    }

    #[test]
    fn timed_keys_sort_by_time() {
        assert!(timed(1, b"zzz") < timed(256, b"aaa"));
        assert_eq!(split_timed(&timed(7, b"x")), Some((7, &b"x"[..])));
        assert_eq!(split_timed(b"short"), None);
    }

    #[test]
    fn nanos_saturates_at_both_ends() {
        assert_eq!(nanos(UNIX_EPOCH - Duration::from_secs(1)), 0);
        assert_eq!(nanos(UNIX_EPOCH + Duration::from_nanos(5)), 5);
        assert_eq!(
            nanos(UNIX_EPOCH + Duration::from_secs(u64::MAX / 2)),
            u64::MAX
        );
    }

    #[test]
    fn dedupe_value_round_trips() {
        assert_eq!(read_dedupe_value(&dedupe_value(9, 10)), Some((9, 10)));
        assert_eq!(read_dedupe_value(&[0; 15]), None);
    }
}
