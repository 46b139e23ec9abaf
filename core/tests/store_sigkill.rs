//! Every write the store acknowledged survives a `SIGKILL` of the process that made it.
//!
//! The test re-runs its own binary as a child (selected by [`CHILD_DIR`]) that writes in a loop and prints
//! `ack …` after each call returns; the parent kills it at a random point, reopens the store and checks
//! every acknowledged write.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use rand::Rng;
use switchboard_core::ids::{AdapterId, MessageId, PersonId};
use switchboard_core::store::{NewOutboxEntry, OutboxPut, OutboxSeq, SledStore, Store};

/// Set in the child: the store directory it writes to.
const CHILD_DIR: &str = "SWITCHBOARD_STORE_SIGKILL_CHILD_DIR";
/// Set in the child: the round number, which namespaces its keys.
const CHILD_ROUND: &str = "SWITCHBOARD_STORE_SIGKILL_ROUND";
const TEST_NAME: &str = "every_acknowledged_write_survives_sigkill";
const ROUNDS: u32 = 5;
/// The child stops on its own after this many writes, in case the parent never kills it.
const CHILD_LIMIT: u64 = 20_000;

#[test]
fn every_acknowledged_write_survives_sigkill() {
    match std::env::var_os(CHILD_DIR) {
        Some(dir) => child(Path::new(&dir)),
        None => parent(),
    }
}

fn outbox() -> AdapterId {
    AdapterId::new("sms")
}

/// Writes until killed: outbox batches of 1 to 3 entries, identity links, message-id maps and outbox removals,
/// printing one line per returned call.
fn child(dir: &Path) {
    let round: u32 = std::env::var(CHILD_ROUND)
        .expect("round")
        .parse()
        .expect("round number");
    let store = SledStore::open(dir).expect("child opens the store");
    let mut stdout = std::io::stdout().lock();
    let mut queued: Vec<OutboxSeq> = Vec::new();
    for n in 0..CHILD_LIMIT {
        let line = match n % 4 {
            0 | 2 => {
                let size = (n / 4 % 3 + 1) as usize;
                let entries: Vec<NewOutboxEntry> = (0..size)
                    .map(|i| NewOutboxEntry {
                        destination: outbox(),
                        dedupe_key: Some(format!("r{round}-{n}-{i}")),
                        payload: format!("r{round}-{n}-{i}").into_bytes(),
                    })
                    .collect();
                let puts = store.outbox_put(&entries).expect("outbox_put");
                let mut line = format!("ack {n} put");
                for (i, put) in puts.iter().enumerate() {
                    let OutboxPut::Stored(seq) = put else {
                        panic!("fresh key reported duplicate: {put:?}")
                    };
                    queued.push(*seq);
                    line.push_str(&format!(" r{round}-{n}-{i}={}", seq.0));
                }
                line
            }
            1 if n % 12 == 1 && queued.len() > 2 => {
                let seq = queued.remove(0);
                // Announced first: if the kill lands mid-call, the parent knows this entry may be gone.
                writeln!(stdout, "try {n} remove {}", seq.0).expect("stdout");
                stdout.flush().expect("stdout");
                store.outbox_remove(&outbox(), seq).expect("outbox_remove");
                format!("ack {n} removed {}", seq.0)
            }
            1 => {
                store
                    .link_identity(
                        &PersonId::new(format!("r{round}-p{n}")),
                        &format!("xmpp:r{round}-{n}@example.org"),
                    )
                    .expect("link_identity");
                format!("ack {n} link r{round}-p{n} xmpp:r{round}-{n}@example.org")
            }
            _ => {
                store
                    .map_message_id(
                        "irc",
                        &format!("r{round}-m{n}"),
                        &MessageId::new(format!("r{round}-c{n}")),
                        SystemTime::now(),
                    )
                    .expect("map_message_id");
                format!("ack {n} map r{round}-m{n} r{round}-c{n}")
            }
        };
        writeln!(stdout, "{line}").expect("stdout");
        stdout.flush().expect("stdout");
    }
}

/// What the children acknowledged over all rounds.
#[derive(Debug, Default)]
struct Acked {
    /// payload → seq, for entries still queued.
    queued: BTreeMap<String, u64>,
    /// payload → seq, for every entry ever stored (dedupe keys equal payloads).
    stored: BTreeMap<String, u64>,
    /// Seqs whose removal was under way, unacknowledged, when the child died: present or not.
    uncertain: BTreeSet<u64>,
    links: Vec<(String, String)>,
    /// Maps a later flushing write (an outbox put or a link) made durable.
    maps: Vec<(String, String)>,
    /// Maps acknowledged since the last flushing write: they ride on the next flush, so may be lost.
    unflushed_maps: Vec<(String, String)>,
    highest_seq: u64,
}

impl Acked {
    fn record(&mut self, line: &str, round_floor: u64) {
        if let Some(attempt) = line.strip_prefix("try ") {
            let seq = attempt
                .rsplit(' ')
                .next()
                .expect("seq")
                .parse()
                .expect("seq");
            self.uncertain.insert(seq);
            return;
        }
        let mut words = line.split(' ').skip(2);
        let verb = words.next();
        if matches!(verb, Some("put" | "link")) {
            // This write flushed the store, and with it every map recorded before it.
            self.maps.append(&mut self.unflushed_maps);
        }
        match verb {
            Some("put") => {
                for pair in words {
                    let (payload, seq) = pair.split_once('=').expect("payload=seq");
                    let seq: u64 = seq.parse().expect("seq");
                    assert!(
                        seq > round_floor,
                        "seq {seq} not above the previous rounds' highest {round_floor}"
                    );
                    assert!(seq > self.highest_seq, "seq {seq} not increasing");
                    self.highest_seq = seq;
                    self.queued.insert(payload.to_owned(), seq);
                    self.stored.insert(payload.to_owned(), seq);
                }
            }
            Some("removed") => {
                let seq: u64 = words.next().expect("seq").parse().expect("seq");
                self.queued.retain(|_, queued| *queued != seq);
                self.uncertain.remove(&seq);
            }
            Some("link") => {
                let person = words.next().expect("person").to_owned();
                self.links
                    .push((person, words.next().expect("address").to_owned()));
            }
            Some("map") => {
                let network_id = words.next().expect("network id").to_owned();
                self.unflushed_maps
                    .push((network_id, words.next().expect("canonical").to_owned()));
            }
            other => panic!("unexpected ack line {line:?} ({other:?})"),
        }
    }

    fn verify(&self, store: &SledStore) {
        let pending: BTreeMap<String, u64> = store
            .outbox_pending(&outbox())
            .expect("pending")
            .into_iter()
            .map(|entry| {
                (
                    String::from_utf8(entry.payload).expect("utf-8"),
                    entry.seq.0,
                )
            })
            .collect();
        for (payload, seq) in &self.queued {
            if self.uncertain.contains(seq) {
                continue;
            }
            assert_eq!(
                pending.get(payload),
                Some(seq),
                "acked outbox entry {payload} (seq {seq}) lost"
            );
        }
        // Removals are not flushed one by one (the router removes an entry per delivered message; a flush
        // each would cost an fsync per message), so a removed entry may come back after a crash and be
        // delivered again: at least once, never lost. Entries written but not yet acknowledged when the child
        // died may be present too. Neither is checked here; what is checked is that nothing acknowledged is
        // missing.
        for (person, address) in &self.links {
            assert_eq!(
                store.person_of(address).expect("person_of"),
                Some(PersonId::new(person.as_str())),
                "link {address} lost"
            );
            assert!(
                store
                    .addresses_of(&PersonId::new(person.as_str()))
                    .expect("addresses_of")
                    .contains(address)
            );
        }
        for (network_id, canonical) in &self.maps {
            let canonical = MessageId::new(canonical.as_str());
            assert_eq!(
                store.canonical_id("irc", network_id).expect("canonical_id"),
                Some(canonical.clone()),
                "map {network_id} lost"
            );
            assert_eq!(
                store
                    .network_id(&canonical, "irc")
                    .expect("network_id")
                    .as_deref(),
                Some(network_id.as_str())
            );
        }
    }

    /// The dedupe index survived too: every acked key is still a duplicate.
    fn verify_dedupe(&self, store: &SledStore) {
        let entries: Vec<NewOutboxEntry> = self
            .stored
            .keys()
            .map(|key| NewOutboxEntry {
                destination: outbox(),
                dedupe_key: Some(key.clone()),
                payload: Vec::new(),
            })
            .collect();
        let puts = store.outbox_put(&entries).expect("re-put");
        for ((key, seq), put) in self.stored.iter().zip(puts) {
            assert_eq!(
                put,
                OutboxPut::Duplicate(OutboxSeq(*seq)),
                "dedupe key {key} lost"
            );
        }
    }
}

fn parent() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let store_dir = dir.path().join("store");
    let exe = std::env::current_exe().expect("own test binary");
    let mut rng = rand::rng();
    let mut acked = Acked::default();
    for round in 0..ROUNDS {
        let kill_after: usize = rng.random_range(200..=500);
        let mut child = Command::new(&exe)
            .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR, &store_dir)
            .env(CHILD_ROUND, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("child stdout");
        let round_floor = acked.highest_seq;
        let mut acks = 0;
        // Lines already in the pipe when the kill lands are read too: they were acknowledged as well.
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("child output");
            if !line.starts_with("ack ") && !line.starts_with("try ") {
                continue;
            }
            acked.record(&line, round_floor);
            if line.starts_with("ack ") {
                acks += 1;
                if acks == kill_after {
                    child.kill().expect("SIGKILL the child");
                }
            }
        }
        let status = child.wait().expect("wait for child");
        assert!(
            acks >= kill_after,
            "round {round}: the child stopped early ({status})"
        );
        assert_eq!(
            status.signal(),
            Some(9),
            "round {round}: child was not killed by SIGKILL ({status})"
        );

        // Maps no flush covered before the kill may be gone; a later round's flushes do not bring them back.
        acked.unflushed_maps.clear();
        let store = SledStore::open(&store_dir).expect("the store reopens cleanly after SIGKILL");
        acked.verify(&store);
        eprintln!(
            "round {round}: killed after {kill_after} acks ({acks} read); all {} acked writes present",
            acked.stored.len() + acked.links.len() + acked.maps.len()
        );
        if round + 1 == ROUNDS {
            acked.verify_dedupe(&store);
        }
    }
    eprintln!("{ROUNDS} rounds in {:?}", started.elapsed());
}
