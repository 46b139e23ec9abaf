//! Delivery status: answers from adapters about copies they were handed, reports back to senders (with a
//! bounded backlog when a sender's queue is full), and the outbox clean-up they trigger.

use tokio::sync::mpsc;
use tracing::{debug, error};

use super::{Dispatcher, MAX_STATUS_BACKLOG, Pending, Slot};
use crate::address::Address;
use crate::envelope::{DeliveryError, DeliveryOutcome, DeliveryStatus, Envelope, EnvelopeId};

impl Dispatcher {
    pub(super) fn handle_status(&mut self, from: usize, status: DeliveryStatus) {
        let Some(pending) = self.pending.get(&status.about.0) else {
            debug!(adapter = %self.slots[from].id, about = status.about.0, "Status for an unknown delivery");
            return;
        };
        if pending.slot != from || status.outcome == DeliveryOutcome::Accepted {
            return;
        }
        let pending = self
            .pending
            .remove(&status.about.0)
            .expect("checked just above");
        self.forget_outbox(&pending);
        let Some(origin) = pending.origin else {
            return;
        };
        match status.outcome {
            DeliveryOutcome::Failed(error) => self.report(
                origin,
                pending.origin_envelope,
                Some(pending.recipient),
                DeliveryOutcome::Failed(error),
            ),
            DeliveryOutcome::Delivered if pending.wants_receipt => self.report(
                origin,
                pending.origin_envelope,
                Some(pending.recipient),
                DeliveryOutcome::Delivered,
            ),
            _ => {}
        }
    }

    pub(super) fn forget_outbox(&self, pending: &Pending) {
        if let Some(seq) = pending.durable
            && let Err(error) = self.store.outbox_remove(&self.slots[pending.slot].id, seq)
        {
            error!(seq = seq.0, error = %error, "Removing a delivered message from the outbox failed");
        }
    }

    pub(super) fn flush_statuses(&mut self) {
        for slot in &mut self.slots {
            while let Some(envelope) = slot.statuses.pop_front() {
                match slot.status_tx.try_send(envelope) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(envelope)) => {
                        slot.statuses.push_front(envelope);
                        break;
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        slot.statuses.clear();
                        break;
                    }
                }
            }
        }
    }

    /// Sends a status back to the adapter that sent envelope `about`.
    pub(super) fn report(
        &mut self,
        origin: usize,
        about: EnvelopeId,
        recipient: Option<Address>,
        outcome: DeliveryOutcome,
    ) {
        let status = DeliveryStatus {
            about,
            recipient,
            outcome,
        };
        let slot = &mut self.slots[origin];
        let envelope = Envelope::status(about, status);
        if !slot.statuses.is_empty() {
            // Keep reports in order behind those already waiting.
            Self::queue_status(slot, envelope);
            return;
        }
        match slot.status_tx.try_send(envelope) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(envelope)) => Self::queue_status(slot, envelope),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                debug!(adapter = %slot.id, about = about.0, "Status for a stopped adapter discarded");
            }
        }
    }

    pub(super) fn queue_status(slot: &mut Slot, envelope: Envelope) {
        if slot.statuses.len() >= MAX_STATUS_BACKLOG {
            error!(adapter = %slot.id, backlog = slot.statuses.len(),
                "Adapter does not read its queue; a delivery status to it was dropped");
            return;
        }
        slot.statuses.push_back(envelope);
    }

    pub(super) fn fail_pending(&mut self, id: u64, error: DeliveryError) {
        let Some(pending) = self.pending.remove(&id) else {
            return;
        };
        self.forget_outbox(&pending);
        if let Some(origin) = pending.origin {
            self.report(
                origin,
                pending.origin_envelope,
                Some(pending.recipient),
                DeliveryOutcome::Failed(error),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::sync::mpsc;

    use super::*;
    use crate::envelope::{DeliveryOutcome, DeliveryStatus};
    use crate::ids::AdapterId;

    #[test]
    fn the_status_backlog_of_an_adapter_that_never_reads_is_bounded() {
        let (tx, _rx) = mpsc::channel(1);
        let (status_tx, _status_rx) = mpsc::channel(1);
        let mut slot = Slot {
            id: AdapterId::new("stuck"),
            tx,
            status_tx,
            stats: Arc::default(),
            wants_acceptance: true,
            waiting: Default::default(),
            statuses: Default::default(),
        };
        for n in 0..=MAX_STATUS_BACKLOG as u64 {
            let status = DeliveryStatus {
                about: EnvelopeId(n),
                recipient: None,
                outcome: DeliveryOutcome::Accepted,
            };
            Dispatcher::queue_status(&mut slot, Envelope::status(EnvelopeId(n), status));
        }
        assert_eq!(
            slot.statuses.len(),
            MAX_STATUS_BACKLOG,
            "the one past the limit is refused"
        );
        assert_eq!(
            slot.statuses.back().map(|e| e.id),
            Some(EnvelopeId(MAX_STATUS_BACKLOG as u64 - 1))
        );
    }
}
