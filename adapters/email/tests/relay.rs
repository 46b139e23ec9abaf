//! Outbound and inbound mail against real peers on loopback: aiosmtpd as the relay, swaks as the replying
//! mail client, raw sockets for the hostile cases; the IM side is an in-memory adapter.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use mail_parser::MimeHeaders;
use support::*;
use switchboard_core::envelope::ErrorKind;

fn block<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_im_becomes_a_well_formed_mail_and_the_reply_comes_back_in_its_thread() {
    let relay = SmtpCapture::start().expect("aiosmtpd");
    let dir = tempfile::tempdir().expect("temp dir");
    let gateway = start_gateway(
        &dir.path().join("store"),
        email_config(relay.port, free_port()),
    );
    let alice = addr("xmpp:alice@localhost/phone");
    let bob = addr("mailto:bob@example.net");

    let mut message = Message::text(
        MessageKind::Chat,
        &alice,
        &bob,
        "Grüße! *see* you\r\nBcc: victim@example.com",
    );
    message.meta.wants_receipt = true;
    message.meta.thread = Some("thread-1".into());
    message.cpim = message
        .cpim
        .with_subject("hi\r\nBcc: victim@example.com", None);
    let canonical = message.meta.id.clone();
    let id = gateway.im.send_message(message).await;
    gateway
        .im
        .wait_for_status(WAIT, id, |o| *o == DeliveryOutcome::Delivered)
        .await
        .expect("Delivered after the relay's 250");

    let mails = block(|| relay.wait_for_mails(1, WAIT)).expect("mail at the relay");
    let raw = &mails[0];
    let mail = parse(raw);
    assert_eq!(
        raw_header(raw, "X-RcptTo").as_deref(),
        Some("bob@example.net")
    );
    assert_eq!(
        raw_header(raw, "X-MailFrom").as_deref(),
        Some("gateway@mail.gw.localhost")
    );
    assert_eq!(
        mail.subject(),
        Some("hi Bcc: victim@example.com"),
        "CR/LF in the subject adds no header"
    );
    assert!(raw_header(raw, "Bcc").is_none());
    assert_eq!(
        raw_header(raw, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let from = mail.from().and_then(|a| a.first()).expect("From");
    assert_eq!(from.address(), Some("gateway@mail.gw.localhost"));
    assert_eq!(from.name(), Some("alice@localhost via IM gateway"));
    let reply_to = reply_address(&mail);
    assert!(
        reply_to.starts_with("c-") && reply_to.ends_with("@mail.gw.localhost"),
        "{reply_to}"
    );
    let message_id = mail.message_id().expect("Message-ID").to_owned();
    assert!(message_id.ends_with("@mail.gw.localhost"), "{message_id}");
    assert!(mail.date().is_some());
    assert!(
        mail.body_text(0)
            .expect("text")
            .contains("Grüße! *see* you")
    );
    assert!(
        mail.body_html(0)
            .expect("html for styling")
            .contains("<strong>see</strong>")
    );
    assert!(
        mail.text_part(0)
            .expect("text part")
            .content_type()
            .and_then(|ct| ct.attribute("charset"))
            .is_some_and(|c| c.eq_ignore_ascii_case("utf-8"))
    );

    // Bob answers with his mail client; the answer lands in Alice's thread, as a reply to her message.
    let swaks_run = block(|| {
        swaks(
            gateway.listen_port,
            "bob@example.net",
            &reply_to,
            &[
                &format!("In-Reply-To: <{message_id}>"),
                &format!("References: <{message_id}>"),
                "Subject: Re: hi",
            ],
            "Yes, see you!\n\nOn Tue, alice wrote:\n> Grüße!",
        )
    })
    .expect("swaks");
    assert!(swaks_run.success, "{}", swaks_run.transcript);
    let (reply, recipient) = im_got(&gateway.im, "Yes, see you!").await;
    assert_eq!(recipient, Some(addr("xmpp:alice@localhost")));
    assert_eq!(reply.sender().expect("sender"), bob);
    assert_eq!(
        reply.body_text().as_deref(),
        Some("Yes, see you!"),
        "quote stripped"
    );
    assert_eq!(reply.meta.thread.as_deref(), Some("thread-1"));
    assert_eq!(reply.meta.in_reply_to, Some(canonical));

    // Alice writes again: the second mail answers Bob's and lists the conversation's ids.
    let second = Message::text(MessageKind::Chat, &alice, &bob, "second");
    gateway.im.send_message(second).await;
    let mails = block(|| relay.wait_for_mails(2, WAIT)).expect("second mail");
    let second = parse(&mails[1]);
    let parent = second
        .in_reply_to()
        .as_text()
        .expect("In-Reply-To")
        .to_owned();
    assert!(parent.starts_with("20") || parent.contains('@'), "{parent}");
    assert_ne!(parent, message_id, "answers Bob's mail, the newest");
    let references = second
        .references()
        .as_text_list()
        .map(|l| l.len())
        .or(second.references().as_text().map(|_| 1));
    assert_eq!(references, Some(2));
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_comes_back_as_a_failure_and_a_4xx_is_retried() {
    let relay = SmtpCapture::start().expect("aiosmtpd");
    let dir = tempfile::tempdir().expect("temp dir");
    let gateway = start_gateway(
        &dir.path().join("store"),
        email_config(relay.port, free_port()),
    );
    let alice = addr("xmpp:alice@localhost");
    let id = gateway
        .im
        .send_text(&alice, &addr("mailto:reject-me@example.net"), "hello?")
        .await;
    let status = gateway
        .im
        .wait_for_status(WAIT, id, |o| matches!(o, DeliveryOutcome::Failed(_)))
        .await
        .expect("a failure for the 550");
    let DeliveryOutcome::Failed(error) = status.outcome else {
        unreachable!()
    };
    assert_eq!(error.kind, ErrorKind::ItemNotFound, "{error}");
    assert!(error.text.contains("550"), "{error}");
    // 451 is retried, not reported: no status comes while the relay keeps saying "later".
    let id = gateway
        .im
        .send_text(&alice, &addr("mailto:tempfail@example.net"), "later")
        .await;
    let after_retries = gateway
        .im
        .wait_for_status(std::time::Duration::from_secs(3), id, |o| {
            *o != DeliveryOutcome::Accepted
        })
        .await;
    assert_eq!(after_retries, None, "a 4xx is not a final outcome");
    assert!(
        relay.log().matches("451").count() >= 2 || relay.mails().is_empty(),
        "retried"
    );
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_queued_while_the_relay_is_down_is_delivered_when_it_is_back() {
    let mut relay = SmtpCapture::start().expect("aiosmtpd");
    relay.stop();
    let dir = tempfile::tempdir().expect("temp dir");
    let gateway = start_gateway(
        &dir.path().join("store"),
        email_config(relay.port, free_port()),
    );
    let alice = addr("xmpp:alice@localhost");
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            gateway
                .im
                .send_text(
                    &alice,
                    &addr("mailto:bob@example.net"),
                    &format!("queued {n}"),
                )
                .await,
        );
    }
    // Nothing can be delivered yet; no failure is reported either.
    assert_eq!(
        gateway
            .im
            .wait_for_status(std::time::Duration::from_secs(2), ids[0], |o| *o
                != DeliveryOutcome::Accepted)
            .await,
        None
    );
    block(|| relay.restart()).expect("relay back");
    let mails = block(|| relay.wait_for_mails(3, WAIT)).expect("all three");
    let bodies: Vec<String> = mails
        .iter()
        .map(|m| parse(m).body_text(0).unwrap_or_default().trim().to_owned())
        .collect();
    assert_eq!(
        bodies,
        ["queued 0", "queued 1", "queued 2"],
        "all delivered, in order"
    );
    gateway.running.shutdown().await;
}

fn smtp(port: u16, script: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    stream.write_all(script).expect("write");
    read_replies(&mut stream, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_refuses_smuggling_relaying_and_strangers_and_drops_auto_replies() {
    let relay = SmtpCapture::start().expect("aiosmtpd");
    let dir = tempfile::tempdir().expect("temp dir");
    let gateway = start_gateway(
        &dir.path().join("store"),
        email_config(relay.port, free_port()),
    );
    let reply_to = start_conversation(&gateway, &relay).await;
    let port = gateway.listen_port;

    // CVE-2023-51764: a second message hidden behind `\n.\n`.
    let script = format!(
        "EHLO x\r\nMAIL FROM:<bob@example.net>\r\nRCPT TO:<{reply_to}>\r\nDATA\r\nFrom: bob@example.net\r\n\r\nfirst\n.\nMAIL FROM:<bob@example.net>\r\nRCPT TO:<{reply_to}>\r\nDATA\r\nFrom: bob@example.net\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n"
    );
    let transcript = block(|| smtp(port, script.as_bytes()));
    assert!(
        transcript.contains("521 5.5.2 bare CR or LF refused"),
        "{transcript}"
    );
    assert!(!transcript.contains("250 2.0.0 OK: queued"), "{transcript}");

    // Not an open relay; unknown conversations refused.
    let transcript = block(|| {
        smtp(port, b"EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<victim@example.com>\r\nRCPT TO:<c-aaaaaaaaaaaaaaaaaaaaaaaaaa@mail.gw.localhost>\r\nQUIT\r\n")
    });
    assert!(
        transcript.contains("550 5.7.1 relaying denied"),
        "{transcript}"
    );
    assert!(
        transcript.contains("550 5.1.1 no such conversation"),
        "{transcript}"
    );

    // An auto-reply is taken (refusing makes another bounce) and not relayed; a real reply after it is.
    let auto = block(|| {
        swaks(
            port,
            "bob@example.net",
            &reply_to,
            &["Auto-Submitted: auto-replied", "Subject: Out of office"],
            "I am away",
        )
    })
    .expect("swaks");
    assert!(auto.success, "{}", auto.transcript);
    let real = block(|| {
        swaks(
            port,
            "bob@example.net",
            &reply_to,
            &["Subject: Re: start"],
            "back now",
        )
    })
    .expect("swaks");
    assert!(real.success, "{}", real.transcript);
    im_got(&gateway.im, "back now").await;
    let texts: Vec<String> = gateway
        .im
        .delivered()
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::Message(m) => m.body_text().map(|b| b.into_owned()),
            _ => None,
        })
        .collect();
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("away") || t.contains("smuggled") || t.contains("first")),
        "{texts:?}"
    );
    // A message that came from mail is never mailed out again (loop protection).
    let id = gateway
        .im
        .send_text(
            &addr("mailto:bob@example.net"),
            &addr("mailto:carol@example.net"),
            "loop?",
        )
        .await;
    let status = gateway
        .im
        .wait_for_status(WAIT, id, |o| matches!(o, DeliveryOutcome::Failed(_)))
        .await;
    assert!(status.is_some(), "mail to mail is refused");
    assert_eq!(relay.mails().len(), 1, "nothing else was mailed");
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_after_a_restart_lands_in_the_same_thread() {
    let relay = SmtpCapture::start().expect("aiosmtpd");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let listen = free_port();
    let alice = addr("xmpp:alice@localhost");
    let (reply_to, message_id, thread, canonical) = {
        let gateway = start_gateway(&store, email_config(relay.port, listen));
        let mut message = Message::text(
            MessageKind::Chat,
            &alice,
            &addr("mailto:bob@example.net"),
            "before the restart",
        );
        message.meta.thread = Some("long-thread".into());
        let canonical = message.meta.id.clone();
        gateway.im.send_message(message).await;
        let mails = block(|| relay.wait_for_mails(1, WAIT)).expect("mail");
        let mail = parse(&mails[0]);
        let reply_to = reply_address(&mail);
        let message_id = mail.message_id().expect("id").to_owned();
        gateway.running.shutdown().await;
        (reply_to, message_id, "long-thread", canonical)
    };
    let gateway = start_gateway(&store, email_config(relay.port, listen));
    let run = block(|| {
        swaks(
            listen,
            "bob@example.net",
            &reply_to,
            &[&format!("In-Reply-To: <{message_id}>")],
            "after the restart",
        )
    })
    .expect("swaks");
    assert!(run.success, "{}", run.transcript);
    let (reply, recipient) = im_got(&gateway.im, "after the restart").await;
    assert_eq!(recipient, Some(alice));
    assert_eq!(reply.meta.thread.as_deref(), Some(thread));
    assert_eq!(reply.meta.in_reply_to, Some(canonical));
    gateway.running.shutdown().await;
}

/// Reads what the server says until `until` appears (or, with `None`, until it closes) or a read times out.
fn read_replies(stream: &mut TcpStream, until: Option<&str>) -> String {
    let mut out = String::new();
    let mut buffer = [0; 4096];
    while !until.is_some_and(|want| out.contains(want)) {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.push_str(&String::from_utf8_lossy(&buffer[..n])),
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_past_the_cap_wait_and_idle_sessions_are_closed() {
    let relay = SmtpCapture::start().expect("aiosmtpd");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = email_config(relay.port, free_port());
    config.max_sessions = 2;
    config.session_timeout = std::time::Duration::from_secs(2);
    let gateway = start_gateway(&dir.path().join("store"), config);
    let connect = || {
        let stream = TcpStream::connect(("127.0.0.1", gateway.listen_port)).expect("connect");
        stream
            .set_read_timeout(Some(std::time::Duration::from_millis(700)))
            .expect("timeout");
        stream
    };
    block(|| {
        // At the cap: two sessions get their greeting.
        let mut first = connect();
        let mut second = connect();
        assert!(read_replies(&mut first, Some("\r\n")).starts_with("220 "));
        assert!(read_replies(&mut second, Some("\r\n")).starts_with("220 "));
        // Past it: the third connection waits, greeted by no one, while both sessions are open.
        let mut third = connect();
        assert_eq!(
            read_replies(&mut third, Some("\r\n")),
            "",
            "no greeting past the cap"
        );
        // Idle past session_timeout: the first two are told and closed (RFC 5321 §4.5.3.2.7) ...
        first
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        assert!(
            read_replies(&mut first, Some("\r\n")).starts_with("421 4.4.2"),
            "an idle session is closed with 421"
        );
        // ... which frees a place: the third is greeted.
        third
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        assert!(read_replies(&mut third, Some("\r\n")).starts_with("220 "));
        drop(second);
    });
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_does_not_hold_its_session() {
    let relay = SmtpCapture::start().expect("aiosmtpd");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = email_config(relay.port, free_port());
    config.max_sessions = 1;
    config.session_timeout = std::time::Duration::from_secs(1);
    let gateway = start_gateway(&dir.path().join("store"), config);
    let port = gateway.listen_port;
    // Pipelines NOOPs and never reads a reply, until the server stops reading or closes.
    let deaf = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut writer = deaf.try_clone().expect("clone");
    let flood = std::thread::spawn(move || {
        let chunk = b"NOOP\r\n".repeat(10_000);
        let mut written = 0usize;
        while written < 256 * 1024 * 1024 {
            match writer.write_all(&chunk) {
                Ok(()) => written += chunk.len(),
                Err(_) => break,
            }
        }
        written
    });
    // The only place frees once the server gives up writing to the deaf client.
    block(|| {
        let mut next = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        next.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .expect("timeout");
        assert!(
            read_replies(&mut next, Some("\r\n")).starts_with("220 "),
            "the next client is greeted"
        );
    });
    deaf.shutdown(std::net::Shutdown::Both).ok();
    let written = block(|| flood.join()).expect("flood thread");
    assert!(
        written < 256 * 1024 * 1024,
        "the server stopped taking the flood"
    );
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_are_accepted_while_mail_piles_up_for_a_relay_that_is_down() {
    let mut relay = SmtpCapture::start().expect("aiosmtpd");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = email_config(relay.port, free_port());
    config.acceptance_timeout = std::time::Duration::from_secs(10);
    let gateway = start_gateway(&dir.path().join("store"), config);
    let reply_to = start_conversation(&gateway, &relay).await;
    let alice = addr("xmpp:alice@localhost");
    let bob = addr("mailto:bob@example.net");
    relay.stop();
    // More than the sender task's queue (256) waits for the relay.
    for n in 0..400 {
        gateway
            .im
            .send_text(&alice, &bob, &format!("piled up {n}"))
            .await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let run = block(|| {
        swaks(
            gateway.listen_port,
            "bob@example.net",
            &reply_to,
            &[],
            "still reachable",
        )
    })
    .expect("swaks");
    assert!(
        run.success,
        "the reply is accepted while the relay is down: {}",
        run.transcript
    );
    im_got(&gateway.im, "still reachable").await;
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_the_gateway_could_not_queue_in_time_gets_451_and_comes_again_once() {
    let relay = SmtpCapture::start().expect("aiosmtpd");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = email_config(relay.port, free_port());
    // No time at all: the router cannot answer before the session gives up.
    config.acceptance_timeout = std::time::Duration::ZERO;
    let gateway = start_gateway(&dir.path().join("store"), config);
    let reply_to = start_conversation(&gateway, &relay).await;
    // The router answers within the gap only if this session's task is held up that long; a few tries
    // make sure one meets the timeout.
    let mut timed_out = None;
    for n in 0..5 {
        let header = format!("Message-ID: <retry-{n}@example.net>");
        let body = format!("again {n}?");
        let run = block(|| {
            swaks(
                gateway.listen_port,
                "bob@example.net",
                &reply_to,
                &[&header],
                &body,
            )
        })
        .expect("swaks");
        if !run.success {
            assert!(
                run.transcript
                    .contains("451 4.3.0 the gateway did not queue the message in time"),
                "{}",
                run.transcript
            );
            timed_out = Some((header, body));
            break;
        }
    }
    let (header, body) = timed_out.expect("a reply meets the acceptance timeout");
    // The sender retries; the router already holds the first copy, so chat sees it once.
    let _ = block(|| {
        swaks(
            gateway.listen_port,
            "bob@example.net",
            &reply_to,
            &[&header],
            &body,
        )
    });
    im_got(&gateway.im, &body).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let copies = gateway
        .im
        .delivered()
        .iter()
        .filter(|e| matches!(&e.payload, Payload::Message(m) if m.body_text().as_deref() == Some(body.as_str())))
        .count();
    assert_eq!(copies, 1, "a retried mail is one message");
    gateway.running.shutdown().await;
}
