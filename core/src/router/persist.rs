//! The outbox writer: a thread of its own that writes batches of planned deliveries to the store, merging
//! whatever has queued up into one durable commit (group commit), so the router never waits on the disk.

use std::sync::mpsc as std_mpsc;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tracing::error;

use crate::envelope::{Envelope, EnvelopeId, Payload};
use crate::ids::AdapterId;
use crate::router::table::Target;
use crate::store::{NewOutboxEntry, OutboxPut, SharedStore};

/// What the outbox keeps for one copy of a message: enough to deliver it and report back after a restart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredDelivery {
    pub(crate) origin: AdapterId,
    pub(crate) origin_envelope: EnvelopeId,
    pub(crate) envelope: Envelope,
}

/// One copy about to be handed to an adapter, before (or without) its outbox write.
#[derive(Debug)]
pub(crate) struct Planned {
    pub(crate) origin: usize,
    pub(crate) origin_envelope: EnvelopeId,
    pub(crate) target: Target,
    pub(crate) envelope: Envelope,
    pub(crate) wants_receipt: bool,
    /// The outbox record: origin id, destination id, de-duplication key.
    pub(crate) record: Option<(AdapterId, AdapterId, Option<String>)>,
}

/// A batch the router wants written: the copies, and the source envelopes to acknowledge once written.
#[derive(Debug)]
pub(crate) struct CommitJob {
    pub(crate) planned: Vec<Planned>,
    pub(crate) accepted: Vec<(usize, EnvelopeId)>,
}

/// A batch written (or not): each copy with its outbox outcome, in the order planned.
#[derive(Debug)]
pub(crate) struct CommitDone {
    pub(crate) job: CommitJob,
    pub(crate) outcome: Result<Vec<OutboxPut>, String>,
}

/// The handle the router sends jobs through; dropping it ends the writer thread once its queue is empty.
#[derive(Debug)]
pub(crate) struct OutboxWriter {
    jobs: std_mpsc::Sender<CommitJob>,
    thread: tokio::task::JoinHandle<()>,
}

impl OutboxWriter {
    /// Starts the writer on a blocking thread; finished batches come back on `done`.
    pub(crate) fn spawn(store: SharedStore, done: mpsc::UnboundedSender<CommitDone>) -> Self {
        let (jobs, queue) = std_mpsc::channel::<CommitJob>();
        let thread = tokio::task::spawn_blocking(move || {
            while let Ok(first) = queue.recv() {
                // Everything that queued while the last commit was on disk goes into this one.
                let mut batch = vec![first];
                batch.extend(queue.try_iter());
                for done_job in commit(&store, batch) {
                    if done.send(done_job).is_err() {
                        return;
                    }
                }
            }
        });
        Self { jobs, thread }
    }

    /// Stops the writer once its queue is empty and waits for its thread, so that nothing holds the store
    /// any more when this returns.
    pub(crate) async fn close(self) {
        drop(self.jobs);
        if let Err(error) = self.thread.await {
            error!(error = %error, "The outbox writer thread failed");
        }
    }

    /// Queues a batch; gives it back if the writer has stopped.
    pub(crate) fn submit(&self, job: CommitJob) -> Result<(), CommitJob> {
        self.jobs.send(job).map_err(|e| e.0)
    }
}

/// Writes several jobs in one store call and splits the outcome back per job.
fn commit(store: &SharedStore, jobs: Vec<CommitJob>) -> Vec<CommitDone> {
    let encoded: Result<Vec<NewOutboxEntry>, postcard::Error> = jobs
        .iter()
        .flat_map(|job| job.planned.iter())
        .map(encode)
        .collect();
    let outcome = encoded
        .map_err(|e| format!("encoding for the outbox failed: {e}"))
        .and_then(|entries| {
            store
                .outbox_put(&entries)
                .map_err(|e| format!("writing to the outbox failed: {e}"))
        });
    match outcome {
        Ok(mut puts) => jobs
            .into_iter()
            .map(|job| {
                let rest = puts.split_off(job.planned.len());
                let mine = std::mem::replace(&mut puts, rest);
                CommitDone {
                    job,
                    outcome: Ok(mine),
                }
            })
            .collect(),
        Err(text) => {
            error!(error = %text, "Outbox write failed; refusing the batch");
            jobs.into_iter()
                .map(|job| CommitDone {
                    job,
                    outcome: Err(text.clone()),
                })
                .collect()
        }
    }
}

fn encode(plan: &Planned) -> Result<NewOutboxEntry, postcard::Error> {
    let (origin, destination, dedupe_key) = plan
        .record
        .clone()
        .expect("durable plans always carry their outbox record");
    let stored = StoredDelivery {
        origin,
        origin_envelope: plan.origin_envelope,
        envelope: plan.envelope.clone(),
    };
    // A message fanned out to two recipients on one adapter (two channels of a bridge) is two deliveries,
    // not a duplicate: the key names the recipient too.
    let dedupe_key = dedupe_key.map(|key| match &plan.envelope.recipient {
        Some(recipient) => format!("{key}\u{0}{recipient}"),
        None => key,
    });
    Ok(NewOutboxEntry {
        destination,
        dedupe_key,
        payload: postcard::to_stdvec(&stored)?,
    })
}

/// The de-duplication key of a message from `origin`: its source id, when the network gave one.
pub(crate) fn dedupe_key(origin: &AdapterId, payload: &Payload) -> Option<String> {
    match payload {
        Payload::Message(m) => m
            .meta
            .source_id
            .as_ref()
            .map(|source| format!("{origin}\u{0}{source}")),
        _ => None,
    }
}
