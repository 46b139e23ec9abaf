//! When the IRC adapter reports a message delivered: only once its line is written to the server, so a
//! message still waiting for flood control stays in the durable outbox.

mod support;

use std::time::Duration;

use support::{ROOM, WAIT, addr, bridged, next_matching};
use switchboard_core::envelope::DeliveryOutcome;
use switchboard_core::message::{Message, MessageKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivered_is_reported_when_the_line_is_written_not_when_it_is_queued() {
    // One line, then one every 2 s: the third message waits about 4 s for its turn.
    let mut bridge = bridged(|settings| {
        settings.flood_burst = 1;
        settings.flood_per_second = 0.5;
    })
    .await;
    // The relay's JOIN took the burst's token; let it refill so the first message goes at once.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let mut ids = Vec::new();
    for n in 1..=3 {
        let mut message = Message::text(
            MessageKind::GroupChat,
            &addr(&format!("{ROOM}/alice")),
            &addr(ROOM),
            &format!("paced {n}"),
        );
        // The router tells the source of Delivered only when it asked (XEP-0184 style).
        message.meta.wants_receipt = true;
        ids.push(bridge.room.send_message(message).await);
    }
    let delivered = |outcome: &DeliveryOutcome| *outcome == DeliveryOutcome::Delivered;
    bridge
        .room
        .wait_for_status(WAIT, ids[0], delivered)
        .await
        .unwrap_or_else(|| {
            panic!(
                "the first message is written at once: {:?}",
                bridge.room.statuses()
            )
        });
    assert!(
        !bridge
            .room
            .statuses()
            .iter()
            .any(|s| s.about == ids[2] && delivered(&s.outcome)),
        "the third message is still waiting for flood control, so it is not delivered yet"
    );
    for (n, id) in ids.iter().enumerate() {
        let line = next_matching(&mut bridge.heard, |l| l.starts_with("PRIVMSG #chan")).await;
        assert_eq!(line, format!("PRIVMSG #chan :<alice> paced {}", n + 1));
        bridge
            .room
            .wait_for_status(WAIT, *id, delivered)
            .await
            .expect("delivered once written");
    }
    bridge.running.shutdown().await;
}
