//! Email end to end over real peers on loopback: Prosody with a slixmpp user on the XMPP side, the gateway's
//! XMPP and email adapters, aiosmtpd as the relay and swaks as the replying mail client.

use std::sync::Arc;
use std::time::Duration;

use integration_tests::ports::{free_port, wait_for_listener};
use integration_tests::prosody::{Prosody, ProsodyOptions};
use integration_tests::smtp::{SmtpCapture, swaks};
use integration_tests::xmpp_user::XmppUser;
use switchboard_core::adapter::AddressClaim;
use switchboard_core::address::{Address, Scheme};
use switchboard_core::router::{Route, RouteWhen, RouterBuilder, RoutingTable, RunningGateway};
use switchboard_core::store::{Secret, SharedStore, SledStore};
use switchboard_core::testing::{MemoryAdapter, MemoryHandle};
use switchboard_email::{EmailAdapter, EmailAdapterConfig, RelaySecurity};
use switchboard_xmpp::transport::{LegacyNetwork, TransportDomains};
use switchboard_xmpp::{XmppAdapter, XmppAdapterConfig};

const WAIT: Duration = Duration::from_secs(30);
const SECRET: &str = "s3cret";
const EMAIL_DOMAIN: &str = "email.localhost";
const IRC_DOMAIN: &str = "gw.localhost";
const MAIL_DOMAIN: &str = "mail.gw.localhost";

fn addr(text: &str) -> Address {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn prosody() -> Prosody {
    Prosody::start(&ProsodyOptions {
        components: vec![
            (IRC_DOMAIN.into(), SECRET.into()),
            (EMAIL_DOMAIN.into(), SECRET.into()),
        ],
        ..ProsodyOptions::default()
    })
    .expect("prosody starts")
}

struct Gateway {
    running: RunningGateway,
    irc: MemoryHandle,
    listen_port: u16,
    _dir: tempfile::TempDir,
}

/// The XMPP adapter (fronting email and, for the route scenario, an in-memory IRC), and the email adapter.
async fn start_gateway(prosody: &Prosody, relay: &SmtpCapture, routes: Vec<Route>) -> Gateway {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).expect("store"));
    let mut domains = TransportDomains::default();
    domains.add(IRC_DOMAIN, LegacyNetwork::Irc);
    domains.add(EMAIL_DOMAIN, LegacyNetwork::Email);
    let mut xmpp = XmppAdapterConfig::new(
        &format!("127.0.0.1:{}", prosody.component_port),
        Secret::new(SECRET),
        domains,
    );
    xmpp.reconnect.initial = Duration::from_millis(100);
    xmpp.reconnect.max = Duration::from_secs(1);
    let listen_port = free_port();
    let mut email = EmailAdapterConfig::new("127.0.0.1", relay.port, MAIL_DOMAIN);
    email.security = RelaySecurity::None;
    email.listen = Some(format!("127.0.0.1:{listen_port}").parse().expect("addr"));
    email.retry.initial = Duration::from_millis(100);
    email.retry.max = Duration::from_millis(500);
    let (irc, irc_handle) = MemoryAdapter::new(
        "irc:libera",
        vec![AddressClaim::Domain {
            scheme: Scheme::Irc,
            domain: "libera".into(),
        }],
    );
    let running = RouterBuilder::new(store)
        .table(RoutingTable {
            bridges: Vec::new(),
            routes,
        })
        .adapter(Arc::new(XmppAdapter::new(xmpp)))
        .adapter(Arc::new(EmailAdapter::new(email)))
        .adapter(irc)
        .start()
        .expect("start gateway");
    for _ in 0..600 {
        if prosody
            .log()
            .matches("External component successfully authenticated")
            .count()
            >= 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        tokio::task::block_in_place(|| wait_for_listener(listen_port, WAIT)),
        "the gateway never listened for mail"
    );
    Gateway {
        running,
        irc: irc_handle,
        listen_port,
        _dir: dir,
    }
}

fn block<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

fn login(prosody: &Prosody, jid: &str, password: &str) -> XmppUser {
    block(|| XmppUser::login(prosody.c2s_port, jid, password))
        .unwrap_or_else(|e| panic!("{jid}: {e}"))
}

fn parse(bytes: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(bytes)
        .expect("a well-formed mail")
}

fn reply_to(mail: &mail_parser::Message<'_>) -> String {
    mail.reply_to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .expect("Reply-To")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_im_to_a_mail_contact_goes_out_as_mail_and_the_reply_comes_back_in_the_same_thread() {
    let prosody = prosody();
    let relay = SmtpCapture::start().expect("aiosmtpd");
    let gateway = start_gateway(&prosody, &relay, Vec::new()).await;
    let mut alice = login(&prosody, "alice@localhost", "alice-pass");
    let bob_jid = format!("bob%example.net@{EMAIL_DOMAIN}");

    block(|| {
        alice.send_raw(&format!(
            "<message xmlns='jabber:client' to='{bob_jid}' type='chat' id='m1'><body>Hello Bob, lunch at 12?</body><thread>t-42</thread></message>"
        ))
    })
    .expect("send");
    let mails = block(|| relay.wait_for_mails(1, WAIT)).expect("the mail");
    let mail = parse(&mails[0]);
    assert_eq!(
        mail.to().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("bob@example.net")
    );
    assert_eq!(
        mail.from().and_then(|a| a.first()).and_then(|a| a.name()),
        Some("alice@localhost via IM gateway")
    );
    assert_eq!(
        mail.body_text(0).as_deref().map(str::trim),
        Some("Hello Bob, lunch at 12?")
    );
    assert_eq!(
        mail.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    let message_id = mail.message_id().expect("Message-ID").to_owned();
    let token = reply_to(&mail);

    let run = block(|| {
        swaks(
            gateway.listen_port,
            "bob@example.net",
            &token,
            &[&format!("In-Reply-To: <{message_id}>"), "Subject: Re: Message from alice@localhost"],
            "Sure, 12 works.\n\nOn Tue, alice@localhost via IM gateway wrote:\n> Hello Bob, lunch at 12?",
        )
    })
    .expect("swaks");
    assert!(run.success, "{}", run.transcript);
    let reply = block(|| {
        alice.wait_for(WAIT, |r| {
            r.event == "message" && r.body.as_deref() == Some("Sure, 12 works.")
        })
    })
    .expect("the reply reaches alice");
    assert_eq!(reply.from, bob_jid);
    assert!(
        reply.xml.contains("<thread>t-42</thread>"),
        "same thread: {}",
        reply.xml
    );
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_from_the_relay_comes_back_to_the_xmpp_sender_as_an_error() {
    let prosody = prosody();
    let relay = SmtpCapture::start().expect("aiosmtpd");
    let gateway = start_gateway(&prosody, &relay, Vec::new()).await;
    let mut alice = login(&prosody, "alice@localhost", "alice-pass");
    let to = format!("reject-me%example.net@{EMAIL_DOMAIN}");
    block(|| alice.send(&to, "anyone there?", "e1")).expect("send");
    let error = block(|| alice.wait_for(WAIT, |r| r.event == "message" && r.kind == "error"))
        .expect("an error stanza");
    assert_eq!(error.from, to);
    assert!(error.xml.contains("item-not-found"), "{}", error.xml);
    assert!(relay.mails().is_empty());
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_route_mails_only_while_the_user_is_offline() {
    let prosody = prosody();
    let relay = SmtpCapture::start().expect("aiosmtpd");
    let route = Route {
        from: addr("xmpp:alice@localhost"),
        to: addr("mailto:alice@home.example"),
        when: RouteWhen::Offline,
    };
    let gateway = start_gateway(&prosody, &relay, vec![route]).await;
    let carol = addr("irc://libera/carol,isnick");
    let alice_addr = addr("xmpp:alice@localhost");

    // Alice is offline: the IRC message is also mailed to her.
    gateway
        .irc
        .send_text(&carol, &alice_addr, "while you were away")
        .await;
    let mails = block(|| relay.wait_for_mails(1, WAIT)).expect("the routed mail");
    let first = parse(&mails[0]);
    assert_eq!(
        first.to().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("alice@home.example")
    );
    assert_eq!(
        first.body_text(0).as_deref().map(str::trim),
        Some("while you were away")
    );

    // Alice comes online and tells the gateway (directed presence to its domain), then mails someone: the
    // XMPP adapter hands both to the router in order, so once that mail is out the presence is recorded.
    let mut alice = login(&prosody, "alice@localhost", "alice-pass");
    block(|| {
        alice.send_raw(&format!(
            "<presence xmlns='jabber:client' to='{IRC_DOMAIN}'/>"
        ))
    })
    .expect("presence");
    block(|| {
        alice.send(
            &format!("sync%example.net@{EMAIL_DOMAIN}"),
            "back online",
            "s1",
        )
    })
    .expect("send");
    block(|| relay.wait_for_mails(2, WAIT)).expect("the sync mail");

    gateway
        .irc
        .send_text(&carol, &alice_addr, "are you there?")
        .await;
    block(|| alice.wait_for(WAIT, |r| r.body.as_deref() == Some("are you there?")))
        .expect("delivered live");
    // A sentinel mailed after it: the email adapter sends in order, so anything routed before is in by then.
    gateway
        .irc
        .send_text(&carol, &addr("mailto:sentinel@example.net"), "sentinel")
        .await;
    let mails = block(|| relay.wait_for_mails(3, WAIT)).expect("the sentinel");
    let bodies: Vec<String> = mails
        .iter()
        .map(|m| parse(m).body_text(0).unwrap_or_default().trim().to_owned())
        .collect();
    assert_eq!(
        bodies,
        ["while you were away", "back online", "sentinel"],
        "no mail while alice is online"
    );
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_subject_styling_and_a_link_from_xmpp_make_a_clean_mail() {
    let prosody = prosody();
    let relay = SmtpCapture::start().expect("aiosmtpd");
    let gateway = start_gateway(&prosody, &relay, Vec::new()).await;
    let mut alice = login(&prosody, "alice@localhost", "alice-pass");
    // The subject tries to add a Bcc header (CR LF as XML character references); the body is styled
    // (XEP-0393) and carries an attachment as an out-of-band link (XEP-0066).
    block(|| {
        alice.send_raw(&format!(
            "<message xmlns='jabber:client' to='bob%example.net@{EMAIL_DOMAIN}' type='chat' id='h1'>\
             <subject>hi&#13;&#10;Bcc: victim@evil.example</subject>\
             <body>*важно* &lt;b&gt;&amp;amp; 🎉</body>\
             <x xmlns='jabber:x:oob'><url>https://files.example.org/cat.png</url><desc>a cat</desc></x>\
             </message>"
        ))
    })
    .expect("send");
    let mails = block(|| relay.wait_for_mails(1, WAIT)).expect("the mail");
    let raw = String::from_utf8_lossy(&mails[0]).into_owned();
    let mail = parse(&mails[0]);
    // aiosmtpd records the envelope recipients: only bob, no victim.
    assert_eq!(
        mail.header_raw("X-RcptTo").map(str::trim),
        Some("bob@example.net"),
        "{raw}"
    );
    assert!(mail.header("Bcc").is_none(), "no injected header:\n{raw}");
    assert!(
        !raw.lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{raw}"
    );
    let subject = mail.subject().expect("Subject");
    assert!(
        subject.starts_with("hi") && subject.contains("Bcc: victim@evil.example"),
        "the whole subject stays one header: {subject:?}"
    );
    assert!(!subject.contains('\r') && !subject.contains('\n'));
    let text = mail.body_text(0).expect("text/plain");
    assert!(
        text.contains("*важно* <b>&amp; 🎉"),
        "byte-exact text: {text}"
    );
    assert!(text.contains("https://files.example.org/cat.png"), "{text}");
    let html = mail.body_html(0).expect("text/html for styled text");
    assert!(
        html.contains("<strong>важно</strong>") || html.contains("<b>важно</b>"),
        "{html}"
    );
    assert!(
        html.contains("&lt;b&gt;&amp;amp;"),
        "escaped in HTML: {html}"
    );
    gateway.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ims_sent_while_the_relay_is_down_are_mailed_in_order_when_it_is_back() {
    let prosody = prosody();
    let mut relay = SmtpCapture::start().expect("aiosmtpd");
    let gateway = start_gateway(&prosody, &relay, Vec::new()).await;
    relay.stop();
    let mut alice = login(&prosody, "alice@localhost", "alice-pass");
    let bob = format!("bob%example.net@{EMAIL_DOMAIN}");
    for n in 0..3 {
        block(|| alice.send(&bob, &format!("while down {n}"), &format!("d{n}"))).expect("send");
    }
    // Nothing is lost and nothing is bounced while the relay is away.
    let seen = block(|| alice.seen(Duration::from_secs(2)).to_vec());
    assert!(
        !seen.iter().any(|r| r.kind == "error"),
        "no error while the relay is down: {seen:?}"
    );
    block(|| relay.restart()).expect("relay back");
    let mails = block(|| relay.wait_for_mails(3, WAIT)).expect("all three");
    let bodies: Vec<String> = mails
        .iter()
        .map(|m| parse(m).body_text(0).unwrap_or_default().trim().to_owned())
        .collect();
    assert_eq!(bodies, ["while down 0", "while down 1", "while down 2"]);
    gateway.running.shutdown().await;
}
