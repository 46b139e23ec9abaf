//! The store's contract, exercised on the default backend.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use switchboard_core::ids::{AdapterId, MessageId, PersonId};
use switchboard_core::store::{
    NewOutboxEntry, OutboxPut, OutboxSeq, Registration, Secret, SharedStore, SledStore, Store,
    StoreError,
};

fn open(dir: &Path) -> SledStore {
    SledStore::open(dir).expect("open store")
}

fn entry(destination: &str, dedupe_key: Option<&str>, payload: &str) -> NewOutboxEntry {
    NewOutboxEntry {
        destination: AdapterId::new(destination),
        dedupe_key: dedupe_key.map(str::to_owned),
        payload: payload.as_bytes().to_vec(),
    }
}

fn payloads(store: &dyn Store, destination: &str) -> Vec<String> {
    store
        .outbox_pending(&AdapterId::new(destination))
        .expect("pending")
        .into_iter()
        .map(|entry| String::from_utf8(entry.payload).expect("utf-8"))
        .collect()
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn registration(user: &str, network: &str, password: &str) -> Registration {
    Registration {
        user: user.to_owned(),
        network: network.to_owned(),
        legacy_username: Some(format!("{user}-legacy")),
        legacy_password: Some(Secret::new(password)),
        settings: BTreeMap::from([("nick".to_owned(), "alice".to_owned())]),
    }
}

#[test]
fn identity_links_work_both_ways_and_relinking_moves_the_address() {
    let store = SledStore::temporary().expect("store");
    let alice = PersonId::new("alice");
    let bob = PersonId::new("bob");
    store
        .link_identity(&alice, "xmpp:alice@example.org")
        .unwrap();
    store
        .link_identity(&alice, "irc://libera/alice,isnick")
        .unwrap();
    store.link_identity(&bob, "tel:+15550100").unwrap();

    assert_eq!(
        store.person_of("xmpp:alice@example.org").unwrap(),
        Some(alice.clone())
    );
    assert_eq!(store.person_of("mailto:nobody@example.org").unwrap(), None);
    assert_eq!(
        store.addresses_of(&alice).unwrap(),
        vec![
            "irc://libera/alice,isnick".to_owned(),
            "xmpp:alice@example.org".to_owned()
        ]
    );

    store.link_identity(&bob, "xmpp:alice@example.org").unwrap();
    assert_eq!(
        store.person_of("xmpp:alice@example.org").unwrap(),
        Some(bob.clone())
    );
    assert_eq!(
        store.addresses_of(&alice).unwrap(),
        vec!["irc://libera/alice,isnick".to_owned()]
    );
    assert_eq!(
        store.addresses_of(&bob).unwrap(),
        vec![
            "tel:+15550100".to_owned(),
            "xmpp:alice@example.org".to_owned()
        ]
    );

    // Linking twice to the same person is harmless.
    store.link_identity(&bob, "tel:+15550100").unwrap();
    assert_eq!(store.addresses_of(&bob).unwrap().len(), 2);

    assert!(store.unlink_identity("tel:+15550100").unwrap());
    assert!(!store.unlink_identity("tel:+15550100").unwrap());
    assert_eq!(store.person_of("tel:+15550100").unwrap(), None);
    assert_eq!(
        store.addresses_of(&bob).unwrap(),
        vec!["xmpp:alice@example.org".to_owned()]
    );
}

#[test]
fn person_ids_sharing_a_prefix_do_not_see_each_others_addresses() {
    let store = SledStore::temporary().expect("store");
    store
        .link_identity(&PersonId::new("al"), "xmpp:al@example.org")
        .unwrap();
    store
        .link_identity(&PersonId::new("alice"), "xmpp:alice@example.org")
        .unwrap();
    assert_eq!(
        store.addresses_of(&PersonId::new("al")).unwrap(),
        vec!["xmpp:al@example.org".to_owned()]
    );
    assert_eq!(
        store.addresses_of(&PersonId::new("nobody")).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn message_ids_map_both_ways_and_remapping_replaces() {
    let store = SledStore::temporary().expect("store");
    let first = MessageId::new("c1");
    let second = MessageId::new("c2");
    store
        .map_message_id("xmpp", "stanza-1", &first, at(100))
        .unwrap();
    store
        .map_message_id("irc", "msgid-1", &first, at(100))
        .unwrap();

    assert_eq!(
        store.canonical_id("xmpp", "stanza-1").unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.canonical_id("irc", "msgid-1").unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.canonical_id("irc", "stanza-1").unwrap(), None);
    assert_eq!(
        store.network_id(&first, "xmpp").unwrap(),
        Some("stanza-1".to_owned())
    );
    assert_eq!(
        store.network_id(&first, "irc").unwrap(),
        Some("msgid-1".to_owned())
    );
    assert_eq!(store.network_id(&first, "sms").unwrap(), None);

    store
        .map_message_id("xmpp", "stanza-1", &second, at(200))
        .unwrap();
    assert_eq!(
        store.canonical_id("xmpp", "stanza-1").unwrap(),
        Some(second.clone())
    );
    assert_eq!(
        store.network_id(&second, "xmpp").unwrap(),
        Some("stanza-1".to_owned())
    );
    assert_eq!(
        store.network_id(&first, "xmpp").unwrap(),
        None,
        "the old reverse link goes with the remap"
    );

    // The remapped entry is younger now: pruning at 150 leaves it.
    assert_eq!(
        store.prune_message_ids(at(150)).unwrap(),
        1,
        "only irc msgid-1 (t=100) is older"
    );
    assert_eq!(
        store.canonical_id("xmpp", "stanza-1").unwrap(),
        Some(second)
    );
    assert_eq!(store.canonical_id("irc", "msgid-1").unwrap(), None);
    assert_eq!(store.network_id(&first, "irc").unwrap(), None);
}

#[test]
fn pruning_removes_exactly_the_mappings_older_than_the_cutoff() {
    let store = SledStore::temporary().expect("store");
    // More than one pruning chunk (512) to cover the chunk loop.
    for i in 0..1200u64 {
        store
            .map_message_id(
                "sms",
                &format!("n{i}"),
                &MessageId::new(format!("c{i}")),
                at(1000 + i),
            )
            .unwrap();
    }
    assert_eq!(
        store.prune_message_ids(at(1000)).unwrap(),
        0,
        "the cutoff is exclusive"
    );
    assert_eq!(store.prune_message_ids(at(1700)).unwrap(), 700);
    assert_eq!(store.canonical_id("sms", "n699").unwrap(), None);
    assert_eq!(
        store.network_id(&MessageId::new("c699"), "sms").unwrap(),
        None
    );
    assert_eq!(
        store.canonical_id("sms", "n700").unwrap(),
        Some(MessageId::new("c700"))
    );
    assert_eq!(
        store.prune_message_ids(at(1700)).unwrap(),
        0,
        "pruning again finds nothing"
    );
    assert_eq!(
        store
            .prune_message_ids(at(u64::MAX / 4_000_000_000))
            .unwrap(),
        500
    );
}

#[test]
fn outbox_keeps_sequence_order_per_destination() {
    let store = SledStore::temporary().expect("store");
    let puts = store
        .outbox_put(&[
            entry("sms", None, "a"),
            entry("sms2", None, "x"),
            entry("sms", None, "b"),
        ])
        .unwrap();
    assert_eq!(
        puts,
        vec![
            OutboxPut::Stored(OutboxSeq(1)),
            OutboxPut::Stored(OutboxSeq(2)),
            OutboxPut::Stored(OutboxSeq(3))
        ]
    );
    let puts = store.outbox_put(&[entry("sms", None, "c")]).unwrap();
    assert_eq!(puts, vec![OutboxPut::Stored(OutboxSeq(4))]);

    // "sms" is a prefix of "sms2": their queues must not mix.
    assert_eq!(payloads(&store, "sms"), ["a", "b", "c"]);
    assert_eq!(payloads(&store, "sms2"), ["x"]);
    let pending = store.outbox_pending(&AdapterId::new("sms")).unwrap();
    assert_eq!(
        pending.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [OutboxSeq(1), OutboxSeq(3), OutboxSeq(4)]
    );
    assert!(
        pending
            .iter()
            .all(|e| e.destination == AdapterId::new("sms"))
    );
    assert_eq!(
        store.outbox_destinations().unwrap(),
        [AdapterId::new("sms"), AdapterId::new("sms2")]
    );

    store
        .outbox_remove(&AdapterId::new("sms"), OutboxSeq(3))
        .unwrap();
    store
        .outbox_remove(&AdapterId::new("sms"), OutboxSeq(3))
        .unwrap();
    store
        .outbox_remove(&AdapterId::new("sms2"), OutboxSeq(1))
        .unwrap(); // Wrong destination: nothing happens.
    assert_eq!(payloads(&store, "sms"), ["a", "c"]);
    assert_eq!(payloads(&store, "sms2"), ["x"]);
    store
        .outbox_remove(&AdapterId::new("sms2"), OutboxSeq(2))
        .unwrap();
    assert_eq!(
        store.outbox_destinations().unwrap(),
        [AdapterId::new("sms")]
    );
    assert!(store.outbox_put(&[]).unwrap().is_empty());
    assert!(
        store
            .outbox_pending(&AdapterId::new("email"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn outbox_dedupes_per_destination_within_and_across_batches() {
    let store = SledStore::temporary().expect("store");
    let puts = store
        .outbox_put(&[
            entry("xmpp", Some("irc:m1"), "first"),
            entry("xmpp", Some("irc:m1"), "again in the same batch"),
            entry("email", Some("irc:m1"), "other destination"),
            entry("xmpp", None, "no key"),
            entry("xmpp", None, "no key"),
        ])
        .unwrap();
    assert_eq!(
        puts,
        vec![
            OutboxPut::Stored(OutboxSeq(1)),
            OutboxPut::Duplicate(OutboxSeq(1)),
            OutboxPut::Stored(OutboxSeq(2)),
            OutboxPut::Stored(OutboxSeq(3)),
            OutboxPut::Stored(OutboxSeq(4)),
        ]
    );
    // Still a duplicate after delivery removed the entry.
    store
        .outbox_remove(&AdapterId::new("xmpp"), OutboxSeq(1))
        .unwrap();
    assert_eq!(
        store
            .outbox_put(&[entry("xmpp", Some("irc:m1"), "late")])
            .unwrap(),
        [OutboxPut::Duplicate(OutboxSeq(1))]
    );
    assert_eq!(payloads(&store, "xmpp"), ["no key", "no key"]);

    // The dedupe index is pruned with the message-id map: afterwards the key is new again.
    assert_eq!(
        store
            .prune_message_ids(SystemTime::now() - Duration::from_secs(3600))
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .outbox_put(&[entry("xmpp", Some("irc:m1"), "late")])
            .unwrap(),
        [OutboxPut::Duplicate(OutboxSeq(1))]
    );
    store
        .prune_message_ids(SystemTime::now() + Duration::from_secs(1))
        .unwrap();
    assert_eq!(
        store
            .outbox_put(&[entry("xmpp", Some("irc:m1"), "late")])
            .unwrap(),
        [OutboxPut::Stored(OutboxSeq(5))]
    );
}

#[test]
fn restart_resumes_the_outbox_and_keeps_sequence_numbers_monotonic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    {
        let store = open(&path);
        store
            .outbox_put(&[
                entry("irc:libera", Some("k1"), "one"),
                entry("irc:libera", None, "two"),
            ])
            .unwrap();
        store.outbox_put(&[entry("sms", None, "three")]).unwrap();
        store
            .outbox_remove(&AdapterId::new("sms"), OutboxSeq(3))
            .unwrap();
        store
            .link_identity(&PersonId::new("alice"), "xmpp:alice@example.org")
            .unwrap();
        store
            .map_message_id("xmpp", "s1", &MessageId::new("c1"), at(5))
            .unwrap();
        store
            .put_registration(&registration("alice@example.org", "sms", "pw"))
            .unwrap();
    }
    let store: SharedStore = Arc::new(open(&path));
    assert_eq!(
        store.outbox_destinations().unwrap(),
        [AdapterId::new("irc:libera")]
    );
    assert_eq!(payloads(store.as_ref(), "irc:libera"), ["one", "two"]);
    assert_eq!(
        store
            .outbox_put(&[entry("irc:libera", Some("k1"), "one")])
            .unwrap(),
        [OutboxPut::Duplicate(OutboxSeq(1))]
    );
    assert_eq!(
        store.outbox_put(&[entry("sms", None, "four")]).unwrap(),
        [OutboxPut::Stored(OutboxSeq(4))]
    );
    assert_eq!(
        store.person_of("xmpp:alice@example.org").unwrap(),
        Some(PersonId::new("alice"))
    );
    assert_eq!(
        store.canonical_id("xmpp", "s1").unwrap(),
        Some(MessageId::new("c1"))
    );
    assert_eq!(
        store.registration("alice@example.org", "sms").unwrap(),
        Some(registration("alice@example.org", "sms", "pw"))
    );
}

#[test]
fn registrations_round_trip_and_list_per_network() {
    let store = SledStore::temporary().expect("store");
    store
        .put_registration(&registration("bob@example.org", "irc:libera", "b-secret"))
        .unwrap();
    store
        .put_registration(&registration("alice@example.org", "irc:libera", "a-secret"))
        .unwrap();
    store
        .put_registration(&registration("alice@example.org", "irc:libera2", "other"))
        .unwrap();
    let mut bare = registration("carol@example.org", "irc:libera", "unused");
    bare.legacy_password = None;
    bare.legacy_username = None;
    bare.settings.clear();
    store.put_registration(&bare).unwrap();

    let alice = store
        .registration("alice@example.org", "irc:libera")
        .unwrap()
        .expect("stored");
    assert_eq!(
        alice.legacy_password.as_ref().map(Secret::expose),
        Some("a-secret")
    );
    assert_eq!(
        store
            .registration("carol@example.org", "irc:libera")
            .unwrap(),
        Some(bare)
    );
    assert_eq!(
        store.registration("alice@example.org", "sms").unwrap(),
        None
    );
    let users: Vec<String> = store
        .registrations("irc:libera")
        .unwrap()
        .into_iter()
        .map(|r| r.user)
        .collect();
    assert_eq!(
        users,
        ["alice@example.org", "bob@example.org", "carol@example.org"]
    );

    store
        .put_registration(&registration("alice@example.org", "irc:libera", "changed"))
        .unwrap();
    let alice = store
        .registration("alice@example.org", "irc:libera")
        .unwrap()
        .expect("stored");
    assert_eq!(
        alice.legacy_password.as_ref().map(Secret::expose),
        Some("changed")
    );

    assert!(
        store
            .remove_registration("alice@example.org", "irc:libera")
            .unwrap()
    );
    assert!(
        !store
            .remove_registration("alice@example.org", "irc:libera")
            .unwrap()
    );
    assert_eq!(store.registrations("irc:libera").unwrap().len(), 2);
    assert_eq!(store.registrations("irc:libera2").unwrap().len(), 1);
}

#[test]
fn registration_secrets_never_appear_in_debug_output() {
    let store = SledStore::temporary().expect("store");
    let stored = registration("alice@example.org", "sms", "hunter2-very-secret");
    store.put_registration(&stored).unwrap();
    let read = store.registrations("sms").unwrap();
    for text in [
        format!("{stored:?}"),
        format!("{stored:#?}"),
        format!("{read:?}"),
        format!("{store:?}"),
    ] {
        assert!(!text.contains("hunter2"), "secret leaked: {text}");
    }
    assert!(format!("{stored:?}").contains("[redacted]"));
    assert!(format!("{stored:?}").contains("alice@example.org-legacy"));
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn data_dir_is_private_and_every_file_under_it_is_0600() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("store");
    let store = open(&path);
    store.outbox_put(&[entry("sms", None, "x")]).unwrap();
    assert_eq!(mode(&path), 0o700);

    let mut files = 0;
    let mut pending = vec![path.clone()];
    while let Some(current) = pending.pop() {
        for item in std::fs::read_dir(&current).unwrap() {
            let item = item.unwrap().path();
            if item.is_dir() {
                assert_eq!(mode(&item), 0o700, "{}", item.display());
                pending.push(item);
            } else {
                assert_eq!(mode(&item), 0o600, "{}", item.display());
                files += 1;
            }
        }
    }
    assert!(
        files >= 3,
        "expected the lock file and sled's files, found {files}"
    );
}

#[test]
fn an_existing_open_data_dir_is_tightened_to_0700() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    std::fs::create_dir(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(path.join("left-over"), b"x").unwrap();
    std::fs::set_permissions(
        path.join("left-over"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let _store = open(&path);
    assert_eq!(mode(&path), 0o700);
    assert_eq!(mode(&path.join("left-over")), 0o600);
}

#[test]
fn a_second_open_of_a_live_store_is_a_lock_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let first = open(&path);
    let error = SledStore::open(&path).expect_err("second open must fail");
    assert!(
        matches!(&error, StoreError::Locked { path: locked } if locked == &path),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains(&path.display().to_string()) && text.contains("locked by another process"),
        "{text}"
    );
    drop(first);
    let again = SledStore::open(&path).expect("open after the first closed");
    drop(again);
}

#[test]
fn key_parts_with_nul_bytes_are_rejected_with_a_typed_error() {
    let store = SledStore::temporary().expect("store");
    let invalid =
        |result: Result<_, StoreError>| matches!(result, Err(StoreError::InvalidKey { .. }));
    assert!(invalid(
        store.outbox_put(&[entry("sm\0s", None, "x")]).map(drop)
    ));
    assert!(invalid(
        store.outbox_pending(&AdapterId::new("a\0")).map(drop)
    ));
    assert!(invalid(
        store
            .link_identity(&PersonId::new("al\0ice"), "xmpp:a@b")
            .map(drop)
    ));
    assert!(invalid(
        store
            .map_message_id("xm\0pp", "1", &MessageId::new("c"), at(1))
            .map(drop)
    ));
    assert!(invalid(
        store
            .map_message_id("xmpp", "1", &MessageId::new("c\0"), at(1))
            .map(drop)
    ));
    assert!(invalid(
        store
            .put_registration(&registration("a@b", "s\0ms", "pw"))
            .map(drop)
    ));
    // A failed batch writes nothing, and the last key part may hold NUL.
    assert!(store.outbox_destinations().unwrap().is_empty());
    store
        .map_message_id("xmpp", "id\0with-nul", &MessageId::new("c"), at(1))
        .unwrap();
    assert_eq!(
        store.canonical_id("xmpp", "id\0with-nul").unwrap(),
        Some(MessageId::new("c"))
    );
    let error = store
        .outbox_put(&[entry("sm\0s", None, "x")])
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("destination") && error.contains("NUL"),
        "{error}"
    );
}

#[test]
fn concurrent_writers_get_distinct_sequence_numbers() {
    let store: SharedStore = Arc::new(SledStore::temporary().expect("store"));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                (0..25)
                    .flat_map(|i| {
                        let batch = [
                            entry("sms", Some(&format!("{t}-{i}")), "x"),
                            entry("sms", None, "y"),
                        ];
                        store.outbox_put(&batch).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let seqs: Vec<OutboxPut> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(seqs.iter().all(|put| matches!(put, OutboxPut::Stored(_))));
    let distinct: BTreeSet<OutboxSeq> = seqs.iter().map(|put| put.seq()).collect();
    assert_eq!(distinct.len(), 200);
    assert_eq!(
        store.outbox_pending(&AdapterId::new("sms")).unwrap().len(),
        200
    );
}

/// Prints outbox_put throughput for batches of 1, 100 and 1000 (run with `--nocapture` to see the figures).
#[test]
fn outbox_put_throughput_report() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("store"));
    let payload = "p".repeat(512);
    let mut total = 0;
    for (batch, batches) in [(1usize, 200usize), (100, 20), (1000, 5)] {
        let started = Instant::now();
        for b in 0..batches {
            let entries: Vec<NewOutboxEntry> = (0..batch)
                .map(|i| entry("bench", Some(&format!("{batch}-{b}-{i}")), &payload))
                .collect();
            let puts = store.outbox_put(&entries).unwrap();
            assert!(puts.iter().all(|put| matches!(put, OutboxPut::Stored(_))));
        }
        let elapsed = started.elapsed();
        let entries = batch * batches;
        total += entries;
        println!(
            "outbox_put batch={batch:>4}: {entries} entries in {elapsed:?} = {:.0} entries/s, {:.2} ms/call",
            entries as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1000.0 / batches as f64
        );
    }
    assert_eq!(
        store
            .outbox_pending(&AdapterId::new("bench"))
            .unwrap()
            .len(),
        total
    );
}
