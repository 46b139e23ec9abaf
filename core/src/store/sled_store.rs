//! The default backend: sled 0.34, one tree per concern, a flush before each write returns (but for
//! outbox removals and message-id mappings, which ride on the next flush).

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::{Transactional, Tree};

use super::keys::{self, join, prefix, prefix_part, split, split_timed, timed};
use super::{
    NewOutboxEntry, OutboxEntry, OutboxPut, OutboxSeq, Registration, Store, StoreError,
    fs as data_dir,
};
use crate::ids::{AdapterId, MessageId, PersonId};

/// The meta-tree key of the next outbox sequence number.
const NEXT_SEQ: &[u8] = b"outbox_next_seq";
/// How many index entries one pruning transaction removes.
const PRUNE_CHUNK: usize = 512;

/// A stored record does not have the layout this version writes.
#[derive(Debug, thiserror::Error)]
#[error("record has an unexpected layout")]
struct Malformed;

/// The trees, one per concern. Keys are described in [`super::keys`].
#[derive(Debug)]
struct Trees {
    /// address → person.
    by_address: Tree,
    /// person \0 address → ().
    by_person: Tree,
    /// network \0 network id → time ‖ canonical id.
    msg_forward: Tree,
    /// canonical id \0 network → network id.
    msg_reverse: Tree,
    /// time ‖ network \0 network id → (); the forward map's age index.
    msg_time: Tree,
    /// destination \0 seq → payload.
    outbox: Tree,
    /// destination \0 dedupe key → seq ‖ time.
    dedupe: Tree,
    /// time ‖ destination \0 dedupe key → (); the dedupe index's age index.
    dedupe_time: Tree,
    /// network \0 user → postcard registration.
    registrations: Tree,
    /// Counters.
    meta: Tree,
}

/// The sled-backed [`Store`].
///
/// Opening takes an exclusive lock on the data directory, held until the store is dropped.
pub struct SledStore {
    db: sled::Db,
    trees: Trees,
    path: PathBuf,
    /// The next outbox sequence number; the lock also serializes outbox writers.
    next_seq: Mutex<u64>,
    // Declared last so it is released only after the database has closed.
    _lock: Option<File>,
}

impl fmt::Debug for SledStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SledStore {
    /// Opens (creating if needed) the store in `dir`.
    ///
    /// Creates `dir` with mode 0700, locks it against a second open ([`StoreError::Locked`]), and once the
    /// database is open gives every file under `dir` mode 0600 and every directory 0700.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        data_dir::prepare_dir(dir)?;
        let lock = data_dir::lock_dir(dir)?;
        let db = open_sled(&dir.join("sled")).map_err(|error| backend(dir, error))?;
        let store = Self::with_db(db, dir.to_path_buf(), Some(lock))?;
        data_dir::make_private(dir)?;
        Ok(store)
    }

    /// Opens a store that lives in a temporary directory and is deleted when dropped, for tests.
    pub fn temporary() -> Result<Self, StoreError> {
        let path = PathBuf::from("(temporary)");
        let db = sled::Config::new()
            .temporary(true)
            .open()
            .map_err(|error| backend(&path, error))?;
        Self::with_db(db, path, None)
    }

    fn with_db(db: sled::Db, path: PathBuf, lock: Option<File>) -> Result<Self, StoreError> {
        let tree = |name: &str| db.open_tree(name).map_err(|error| backend(&path, error));
        let trees = Trees {
            by_address: tree("identity_by_address")?,
            by_person: tree("identity_by_person")?,
            msg_forward: tree("message_id_forward")?,
            msg_reverse: tree("message_id_reverse")?,
            msg_time: tree("message_id_time")?,
            outbox: tree("outbox")?,
            dedupe: tree("outbox_dedupe")?,
            dedupe_time: tree("outbox_dedupe_time")?,
            registrations: tree("registrations")?,
            meta: tree("meta")?,
        };
        let next_seq = match trees.meta.get(NEXT_SEQ).map_err(|e| backend(&path, e))? {
            Some(value) => {
                keys::read_u64(&value).ok_or_else(|| corrupt(&path, "meta", Malformed))?
            }
            None => 1,
        };
        Ok(Self {
            db,
            trees,
            path,
            next_seq: Mutex::new(next_seq),
            _lock: lock,
        })
    }

    fn backend(&self, error: sled::Error) -> StoreError {
        backend(&self.path, error)
    }

    fn corrupt(
        &self,
        table: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> StoreError {
        corrupt(&self.path, table, source)
    }

    fn transaction_error(&self, error: TransactionError<StoreError>) -> StoreError {
        match error {
            TransactionError::Abort(error) => error,
            TransactionError::Storage(error) => self.backend(error),
        }
    }

    fn text(&self, table: &'static str, bytes: &[u8]) -> Result<String, StoreError> {
        String::from_utf8(bytes.to_vec()).map_err(|error| self.corrupt(table, error))
    }

    /// Removes the entries of an age index (`time ‖ key`) older than `cutoff`, and the records they index if
    /// the record's own time still matches; answers how many records were removed.
    fn prune_index(
        &self,
        index: &Tree,
        records: &Tree,
        cutoff: u64,
        record_time: impl Fn(&[u8]) -> Option<u64>,
        on_removed: impl Fn(
            &TransactionalTree,
            &[u8],
            &[u8],
        ) -> Result<(), ConflictableTransactionError<StoreError>>,
        also: &Tree,
    ) -> Result<usize, StoreError> {
        let mut removed = 0;
        loop {
            let chunk: Vec<sled::IVec> = index
                .range(..timed(cutoff, &[]))
                .keys()
                .take(PRUNE_CHUNK)
                .collect::<Result<_, _>>()
                .map_err(|error| self.backend(error))?;
            if chunk.is_empty() {
                return Ok(removed);
            }
            let path = &self.path;
            removed += (index, records, also)
                .transaction(|(index, records, also)| {
                    let mut removed = 0;
                    for index_key in &chunk {
                        let (at, key) = split_timed(index_key)
                            .ok_or_else(|| abort_corrupt(path, "age index"))?;
                        if let Some(record) = records.get(key)? {
                            let record_at = record_time(&record)
                                .ok_or_else(|| abort_corrupt(path, "record"))?;
                            if record_at == at {
                                records.remove(key)?;
                                on_removed(also, key, &record)?;
                                removed += 1;
                            }
                        }
                        index.remove(index_key)?;
                    }
                    Ok(removed)
                })
                .map_err(|error| self.transaction_error(error))?;
        }
    }

    fn durable(&self) -> Result<(), StoreError> {
        self.db
            .flush()
            .map(drop)
            .map_err(|error| self.backend(error))
    }
}

/// Opens sled at `path`. Our own lock on the data directory is already held, so a lock conflict on sled's
/// file can only come from a store of this process that was just dropped: sled's background flusher keeps
/// its database open for a moment after the last handle goes. Wait for it, up to a few seconds.
fn open_sled(path: &Path) -> Result<sled::Db, sled::Error> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match sled::Config::new().path(path).open() {
            Err(sled::Error::Io(error))
                if error.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn backend(path: &Path, error: sled::Error) -> StoreError {
    StoreError::Backend {
        path: path.to_path_buf(),
        source: Box::new(error),
    }
}

fn corrupt(
    path: &Path,
    table: &'static str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        table,
        source: Box::new(source),
    }
}

fn abort_corrupt(path: &Path, table: &'static str) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(corrupt(path, table, Malformed))
}

impl Store for SledStore {
    fn link_identity(&self, person: &PersonId, address: &str) -> Result<(), StoreError> {
        let person = prefix_part("person id", person.as_str())?;
        (&self.trees.by_address, &self.trees.by_person)
            .transaction(|(by_address, by_person)| {
                if let Some(old) = by_address.insert(address.as_bytes(), person)?
                    && old.as_ref() != person
                {
                    by_person.remove(join(&old, address.as_bytes()))?;
                }
                by_person.insert(join(person, address.as_bytes()), &[][..])?;
                Ok(())
            })
            .map_err(|error| self.transaction_error(error))?;
        self.durable()
    }

    fn unlink_identity(&self, address: &str) -> Result<bool, StoreError> {
        let existed = (&self.trees.by_address, &self.trees.by_person)
            .transaction(|(by_address, by_person)| {
                let Some(old) = by_address.remove(address.as_bytes())? else {
                    return Ok(false);
                };
                by_person.remove(join(&old, address.as_bytes()))?;
                Ok(true)
            })
            .map_err(|error| self.transaction_error(error))?;
        if existed {
            self.durable()?;
        }
        Ok(existed)
    }

    fn person_of(&self, address: &str) -> Result<Option<PersonId>, StoreError> {
        match self
            .trees
            .by_address
            .get(address.as_bytes())
            .map_err(|error| self.backend(error))?
        {
            Some(person) => Ok(Some(PersonId::new(
                self.text("identity_by_address", &person)?,
            ))),
            None => Ok(None),
        }
    }

    fn addresses_of(&self, person: &PersonId) -> Result<Vec<String>, StoreError> {
        let start = prefix(prefix_part("person id", person.as_str())?);
        self.trees
            .by_person
            .scan_prefix(&start)
            .keys()
            .map(|key| {
                let key = key.map_err(|error| self.backend(error))?;
                self.text("identity_by_person", &key[start.len()..])
            })
            .collect()
    }

    fn map_message_id(
        &self,
        network: &str,
        network_id: &str,
        canonical: &MessageId,
        at: SystemTime,
    ) -> Result<(), StoreError> {
        let network = prefix_part("network", network)?;
        let canonical = prefix_part("canonical message id", canonical.as_str())?;
        let forward_key = join(network, network_id.as_bytes());
        let at = keys::nanos(at);
        let path = &self.path;
        (
            &self.trees.msg_forward,
            &self.trees.msg_reverse,
            &self.trees.msg_time,
        )
            .transaction(|(forward, reverse, time)| {
                if let Some(old) =
                    forward.insert(forward_key.as_slice(), keys::forward_value(at, canonical))?
                {
                    let (old_at, old_canonical) = split_timed(&old)
                        .ok_or_else(|| abort_corrupt(path, "message_id_forward"))?;
                    time.remove(timed(old_at, &forward_key))?;
                    let old_reverse = join(old_canonical, network);
                    if old_canonical != canonical
                        && reverse.get(&old_reverse)?.as_deref() == Some(network_id.as_bytes())
                    {
                        reverse.remove(old_reverse)?;
                    }
                }
                reverse.insert(join(canonical, network), network_id.as_bytes())?;
                time.insert(timed(at, &forward_key), &[][..])?;
                Ok(())
            })
            .map_err(|error| self.transaction_error(error))?;
        // Not flushed here: see the trait's documentation.
        Ok(())
    }

    fn canonical_id(
        &self,
        network: &str,
        network_id: &str,
    ) -> Result<Option<MessageId>, StoreError> {
        let key = join(prefix_part("network", network)?, network_id.as_bytes());
        let Some(value) = self
            .trees
            .msg_forward
            .get(key)
            .map_err(|error| self.backend(error))?
        else {
            return Ok(None);
        };
        let (_, canonical) =
            split_timed(&value).ok_or_else(|| self.corrupt("message_id_forward", Malformed))?;
        Ok(Some(MessageId::new(
            self.text("message_id_forward", canonical)?,
        )))
    }

    fn network_id(
        &self,
        canonical: &MessageId,
        network: &str,
    ) -> Result<Option<String>, StoreError> {
        let key = join(
            prefix_part("canonical message id", canonical.as_str())?,
            prefix_part("network", network)?,
        );
        match self
            .trees
            .msg_reverse
            .get(key)
            .map_err(|error| self.backend(error))?
        {
            Some(id) => Ok(Some(self.text("message_id_reverse", &id)?)),
            None => Ok(None),
        }
    }

    fn prune_message_ids(&self, older_than: SystemTime) -> Result<usize, StoreError> {
        let cutoff = keys::nanos(older_than);
        let path = &self.path;
        let removed = self.prune_index(
            &self.trees.msg_time,
            &self.trees.msg_forward,
            cutoff,
            |record| split_timed(record).map(|(at, _)| at),
            |reverse, forward_key, record| {
                let (network, network_id) =
                    split(forward_key).ok_or_else(|| abort_corrupt(path, "message_id"))?;
                let (_, canonical) =
                    split_timed(record).ok_or_else(|| abort_corrupt(path, "message_id"))?;
                let reverse_key = join(canonical, network);
                if reverse.get(&reverse_key)?.as_deref() == Some(network_id) {
                    reverse.remove(reverse_key)?;
                }
                Ok(())
            },
            &self.trees.msg_reverse,
        )?;
        // The dedupe index needs no third tree; the meta tree stands in and is left alone.
        self.prune_index(
            &self.trees.dedupe_time,
            &self.trees.dedupe,
            cutoff,
            |record| keys::read_dedupe_value(record).map(|(_, at)| at),
            |_, _, _| Ok(()),
            &self.trees.meta,
        )?;
        self.durable()?;
        Ok(removed)
    }

    fn outbox_put(&self, entries: &[NewOutboxEntry]) -> Result<Vec<OutboxPut>, StoreError> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let destinations = entries
            .iter()
            .map(|entry| prefix_part("destination", entry.destination.as_str()))
            .collect::<Result<Vec<_>, _>>()?;
        let now = keys::nanos(SystemTime::now());
        let t = &self.trees;
        // One writer at a time: sequence numbers are handed out in order, and a key seen twice in one batch
        // is recognised below.
        let mut next_seq = self
            .next_seq
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut next = *next_seq;
        let mut puts = Vec::with_capacity(entries.len());
        let mut outbox = sled::Batch::default();
        let mut dedupe = sled::Batch::default();
        let mut dedupe_time = sled::Batch::default();
        let mut in_batch: HashMap<Vec<u8>, u64> = HashMap::new();
        for (entry, destination) in entries.iter().zip(&destinations) {
            if let Some(dedupe_key) = &entry.dedupe_key {
                let key = join(destination, dedupe_key.as_bytes());
                if let Some(seq) = in_batch.get(&key) {
                    puts.push(OutboxPut::Duplicate(OutboxSeq(*seq)));
                    continue;
                }
                if let Some(value) = t.dedupe.get(&key).map_err(|e| self.backend(e))? {
                    let (seq, _) = keys::read_dedupe_value(&value)
                        .ok_or_else(|| self.corrupt("outbox_dedupe", Malformed))?;
                    puts.push(OutboxPut::Duplicate(OutboxSeq(seq)));
                    continue;
                }
                dedupe_time.insert(timed(now, &key), &[][..]);
                dedupe.insert(&key[..], &keys::dedupe_value(next, now)[..]);
                in_batch.insert(key, next);
            }
            outbox.insert(
                join(destination, &next.to_be_bytes()),
                entry.payload.as_slice(),
            );
            puts.push(OutboxPut::Stored(OutboxSeq(next)));
            next += 1;
        }
        // No multi-tree transaction (it cost ~30 µs an entry). Safety comes from the order of the writes in
        // sled's single log, whose recovery keeps a prefix: the counter is written first, so a sequence number
        // is never handed out twice; the outbox before the de-duplication keys, so a crash between the two can
        // only let a resent message through again (delivered twice), never mark one as seen that was not kept.
        t.meta
            .insert(NEXT_SEQ, &next.to_be_bytes()[..])
            .map_err(|e| self.backend(e))?;
        t.outbox.apply_batch(outbox).map_err(|e| self.backend(e))?;
        t.dedupe.apply_batch(dedupe).map_err(|e| self.backend(e))?;
        t.dedupe_time
            .apply_batch(dedupe_time)
            .map_err(|e| self.backend(e))?;
        *next_seq = next;
        drop(next_seq);
        self.durable()?;
        Ok(puts)
    }

    fn outbox_remove(&self, destination: &AdapterId, seq: OutboxSeq) -> Result<(), StoreError> {
        let key = join(
            prefix_part("destination", destination.as_str())?,
            &seq.0.to_be_bytes(),
        );
        // Not flushed here: see the trait's documentation (at-least-once delivery).
        self.trees
            .outbox
            .remove(key)
            .map_err(|error| self.backend(error))?;
        Ok(())
    }

    fn outbox_pending(&self, destination: &AdapterId) -> Result<Vec<OutboxEntry>, StoreError> {
        let start = prefix(prefix_part("destination", destination.as_str())?);
        self.trees
            .outbox
            .scan_prefix(&start)
            .map(|item| {
                let (key, payload) = item.map_err(|error| self.backend(error))?;
                let seq = keys::read_u64(&key[start.len()..])
                    .ok_or_else(|| self.corrupt("outbox", Malformed))?;
                Ok(OutboxEntry {
                    destination: destination.clone(),
                    seq: OutboxSeq(seq),
                    payload: payload.to_vec(),
                })
            })
            .collect()
    }

    fn outbox_destinations(&self) -> Result<Vec<AdapterId>, StoreError> {
        let mut destinations = Vec::new();
        let mut from = Vec::new();
        // Skips from one destination's first key to the next destination's, whatever the queue lengths.
        while let Some(key) = self.trees.outbox.range(from.as_slice()..).keys().next() {
            let key = key.map_err(|error| self.backend(error))?;
            let (destination, _) = split(&key).ok_or_else(|| self.corrupt("outbox", Malformed))?;
            destinations.push(AdapterId::new(self.text("outbox", destination)?));
            from = keys::after_prefix(destination);
        }
        Ok(destinations)
    }

    fn put_registration(&self, registration: &Registration) -> Result<(), StoreError> {
        let key = join(
            prefix_part("network", &registration.network)?,
            registration.user.as_bytes(),
        );
        let value = postcard::to_stdvec(registration)
            .map_err(|error| self.corrupt("registrations", error))?;
        self.trees
            .registrations
            .insert(key, value)
            .map_err(|error| self.backend(error))?;
        self.durable()
    }

    fn registration(&self, user: &str, network: &str) -> Result<Option<Registration>, StoreError> {
        let key = join(prefix_part("network", network)?, user.as_bytes());
        match self
            .trees
            .registrations
            .get(key)
            .map_err(|error| self.backend(error))?
        {
            Some(value) => postcard::from_bytes(&value)
                .map(Some)
                .map_err(|error| self.corrupt("registrations", error)),
            None => Ok(None),
        }
    }

    fn remove_registration(&self, user: &str, network: &str) -> Result<bool, StoreError> {
        let key = join(prefix_part("network", network)?, user.as_bytes());
        let existed = self
            .trees
            .registrations
            .remove(key)
            .map_err(|error| self.backend(error))?
            .is_some();
        if existed {
            self.durable()?;
        }
        Ok(existed)
    }

    fn registrations(&self, network: &str) -> Result<Vec<Registration>, StoreError> {
        let start = prefix(prefix_part("network", network)?);
        self.trees
            .registrations
            .scan_prefix(start)
            .values()
            .map(|value| {
                let value = value.map_err(|error| self.backend(error))?;
                postcard::from_bytes(&value).map_err(|error| self.corrupt("registrations", error))
            })
            .collect()
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.durable()
    }
}
