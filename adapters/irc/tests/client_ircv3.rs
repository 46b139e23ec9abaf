//! The IRC client against a scripted IRCv3 server (a loopback listener speaking the exchange the IRCv3
//! specifications give, since ngircd offers no SASL, server-time or message-tags), and against a real
//! ngircd for nick collisions and TLS; the queue limit against a port nothing listens on.

use std::collections::BTreeSet;
use std::time::Duration;

use integration_tests::ngircd::{Ngircd, NgircdOptions};
use switchboard_irc::client::{
    ClientConfig, ClientError, ClientEvent, ClientHandle, IrcClient, QUEUE_LIMIT, Sasl,
};
use switchboard_irc::wire::{Charset, serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(20);

fn config(port: u16, nick: &str) -> ClientConfig {
    ClientConfig {
        host: "127.0.0.1".into(),
        port,
        tls: false,
        plain_fallback_port: None,
        tls_roots: None,
        nick: nick.into(),
        username: "sb".into(),
        realname: "Switchboard test".into(),
        sasl: None,
        flood_burst: 5,
        flood_per_second: 0.0,
        charset: Charset::Latin1,
        connect_timeout: Duration::from_secs(5),
        ping_interval: Duration::from_secs(60),
        reconnect_min: Duration::from_millis(100),
        reconnect_max: Duration::from_millis(500),
        caps: [
            "sasl",
            "server-time",
            "message-tags",
            "echo-message",
            "multi-prefix",
            "labeled-response",
        ]
        .iter()
        .map(|c| (*c).to_owned())
        .collect(),
    }
}

async fn next_event(events: &mut mpsc::Receiver<ClientEvent>) -> ClientEvent {
    tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the client is running")
}

/// A scripted server: answers each expected client line with the given server lines.
async fn scripted_server(
    listener: TcpListener,
    script: Vec<(&'static str, Vec<String>)>,
) -> Vec<String> {
    let (stream, _) = listener.accept().await.expect("the client connects");
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut received = Vec::new();
    for (expected_prefix, replies) in script {
        loop {
            let line = tokio::time::timeout(WAIT, lines.next_line())
                .await
                .expect("a client line in time")
                .expect("read")
                .expect("the client keeps the connection");
            received.push(line.clone());
            if line.starts_with(expected_prefix) {
                break;
            }
        }
        for reply in replies {
            write.write_all(reply.as_bytes()).await.expect("write");
            write.write_all(b"\r\n").await.expect("write");
        }
    }
    // Keep the connection open for what the client says next.
    while let Ok(Some(line)) = tokio::time::timeout(Duration::from_secs(2), lines.next_line())
        .await
        .unwrap_or(Ok(None))
    {
        received.push(line);
    }
    received
}

fn welcome(nick: &str) -> Vec<String> {
    vec![
        format!(":irc.test 001 {nick} :Welcome"),
        format!(":irc.test 005 {nick} CASEMAPPING=ascii PREFIX=(ov)@+ NICKLEN=16 :are supported"),
        format!(":irc.test 376 {nick} :End of MOTD"),
    ]
}

#[tokio::test]
async fn cap_302_sasl_plain_server_time_and_msgid() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut script = vec![
        (
            "CAP LS 302",
            vec![
                ":irc.test CAP * LS * :multi-prefix sasl=PLAIN,EXTERNAL server-time".to_owned(),
                ":irc.test CAP * LS :message-tags echo-message account-notify".to_owned(),
            ],
        ),
        (
            "CAP REQ",
            vec![
                ":irc.test CAP * ACK :sasl server-time message-tags echo-message multi-prefix"
                    .to_owned(),
            ],
        ),
        ("AUTHENTICATE PLAIN", vec!["AUTHENTICATE +".to_owned()]),
        (
            "AUTHENTICATE ",
            vec![":irc.test 903 bot :SASL authentication successful".to_owned()],
        ),
        // NICK and USER went out with CAP LS; registration completes once CAP END is sent.
        ("CAP END", welcome("bot")),
    ];
    script.push((
        "JOIN #chan",
        vec![
            ":bot!sb@gw.test JOIN #chan".to_owned(),
            "@time=2019-03-04T05:06:07.000Z;msgid=abc123 :carol!c@h PRIVMSG #chan :from the past"
                .to_owned(),
        ],
    ));
    let server = tokio::spawn(scripted_server(listener, script));
    let mut settings = config(port, "bot");
    settings.sasl = Some(Sasl::Plain {
        user: "bot".into(),
        password: "sekrit".into(),
    });
    let shutdown = CancellationToken::new();
    let (handle, mut events) = IrcClient::spawn(settings, shutdown.clone());
    let ClientEvent::Registered {
        nick,
        caps,
        isupport,
        ..
    } = next_event(&mut events).await
    else {
        panic!("registration first")
    };
    assert_eq!(nick, "bot");
    let expected: BTreeSet<String> = [
        "echo-message",
        "message-tags",
        "multi-prefix",
        "sasl",
        "server-time",
    ]
    .iter()
    .map(|c| (*c).to_owned())
    .collect();
    assert_eq!(caps, expected);
    assert_eq!(isupport.nicklen, Some(16));
    handle.join("#chan", None).unwrap();
    let mut past = None;
    while past.is_none() {
        if let ClientEvent::Message(message) = next_event(&mut events).await
            && message.command == "PRIVMSG"
        {
            past = Some(message);
        }
    }
    let past = past.unwrap();
    assert_eq!(past.tag("msgid"), Some("abc123"));
    assert_eq!(past.server_time().unwrap().year(), 2019);
    handle.quit(Some("done"));
    let received = server.await.unwrap();
    // CAP LS 302 first, the REQ only of what was offered and wanted, credentials as RFC 4616 PLAIN in base64.
    assert_eq!(received[0], "CAP LS 302");
    assert!(
        received.contains(
            &"CAP REQ :sasl server-time message-tags echo-message multi-prefix".to_owned()
        ),
        "{received:?}"
    );
    assert!(
        received.contains(&"AUTHENTICATE Ym90AGJvdABzZWtyaXQ=".to_owned()),
        "{received:?}"
    );
    assert!(
        received.iter().any(|l| l.starts_with("QUIT")),
        "{received:?}"
    );
    shutdown.cancel();
}

#[tokio::test]
async fn a_refused_sasl_login_fails_for_good_and_says_why() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let script = vec![
        ("CAP LS 302", vec![":irc.test CAP * LS :sasl".to_owned()]),
        ("CAP REQ", vec![":irc.test CAP * ACK :sasl".to_owned()]),
        ("AUTHENTICATE PLAIN", vec!["AUTHENTICATE +".to_owned()]),
        (
            "AUTHENTICATE ",
            vec![":irc.test 904 bot :SASL authentication failed".to_owned()],
        ),
    ];
    let _server = tokio::spawn(scripted_server(listener, script));
    let mut settings = config(port, "bot");
    settings.sasl = Some(Sasl::Plain {
        user: "bot".into(),
        password: "wrong".into(),
    });
    let (_handle, mut events) = IrcClient::spawn(settings, CancellationToken::new());
    match next_event(&mut events).await {
        ClientEvent::Failed(error) => {
            let text = error.to_string();
            assert!(
                text.contains("SASL") && text.contains("sasl_password"),
                "{text}"
            );
            assert!(
                !text.contains("wrong"),
                "the password is never in the error"
            );
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

async fn registered(events: &mut mpsc::Receiver<ClientEvent>) -> String {
    loop {
        if let ClientEvent::Registered { nick, .. } = next_event(events).await {
            return nick;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_nick_falls_back_predictably_on_a_real_ngircd() {
    let server = Ngircd::start(&NgircdOptions::default()).expect("ngircd");
    let shutdown = CancellationToken::new();
    let mut nicks = Vec::new();
    let mut handles: Vec<ClientHandle> = Vec::new();
    for _ in 0..3 {
        let (handle, mut events) = IrcClient::spawn(config(server.port, "same"), shutdown.clone());
        nicks.push(registered(&mut events).await);
        handles.push(handle);
    }
    assert_eq!(nicks, ["same", "same_", "same__"]);
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_to_a_real_ngircd_with_its_own_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ])
        // An end-entity certificate (webpki refuses a CA certificate as the server's own).
        .args(["-addext", "subjectAltName=DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let server = Ngircd::start(&NgircdOptions {
        tls: Some((cert.clone(), key)),
        ..NgircdOptions::default()
    })
    .expect("ngircd with TLS");
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(&cert).unwrap();
    use rustls::pki_types::pem::PemObject;
    for der in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
        roots.add(der.unwrap()).unwrap();
    }
    let mut settings = config(server.tls_port.unwrap(), "secure");
    settings.host = "localhost".into();
    settings.tls = true;
    settings.tls_roots = Some(std::sync::Arc::new(roots));
    let shutdown = CancellationToken::new();
    let (handle, mut events) = IrcClient::spawn(settings.clone(), shutdown.clone());
    match next_event(&mut events).await {
        ClientEvent::Registered { nick, .. } => assert_eq!(nick, "secure"),
        other => panic!(
            "expected registration over TLS, got {other:?}\n{}",
            server.log()
        ),
    }
    let mut watcher =
        integration_tests::irc_user::IrcUser::connect(server.port, "watcher").expect("watcher");
    watcher.join("#tls").expect("join");
    handle.join("#tls", None).unwrap();
    handle
        .send(serialize("PRIVMSG", &["#tls", "over TLS ✓"]).unwrap())
        .unwrap();
    let said = watcher
        .wait_for(WAIT, |line| {
            line.command == "PRIVMSG"
                && line.params.last().map(String::as_str) == Some("over TLS ✓")
        })
        .expect("the message sent over TLS reaches a plain-port user");
    assert_eq!(said.nick(), Some("secure"));
    // An untrusted certificate is refused: with the web PKI roots, the self-signed one does not verify.
    settings.tls_roots = None;
    settings.nick = "untrusting".into();
    let (_other, mut other_events) = IrcClient::spawn(settings, shutdown.clone());
    match next_event(&mut other_events).await {
        ClientEvent::Disconnected { reason, .. } => assert!(
            reason.contains("TLS") || reason.contains("certificate"),
            "{reason}"
        ),
        other => panic!("expected the TLS failure, got {other:?}"),
    }
    shutdown.cancel();
}

/// While the server is unreachable, lines wait up to a bound, and past it the sender is told the queue is
/// full instead of the backlog growing without end.
#[tokio::test]
async fn lines_for_an_unreachable_server_wait_up_to_the_limit_then_are_refused() {
    // A port nothing listens on: every attempt is refused and the client backs off.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = config(port, "waiting");
    config.reconnect_min = Duration::from_secs(30);
    config.reconnect_max = Duration::from_secs(30);
    let shutdown = CancellationToken::new();
    let (handle, _events) = IrcClient::spawn(config, shutdown.clone());
    let line = serialize("PRIVMSG", &["#chan", "queued"]).unwrap();
    let mut accepted = 0usize;
    let refused = loop {
        match handle.send(line.clone()) {
            Ok(()) => accepted += 1,
            Err(error) => break error,
        }
        if accepted.is_multiple_of(512) {
            // Let the connection's task take what it may from the channel.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(accepted <= 2 * QUEUE_LIMIT, "the backlog has no bound");
    };
    assert!(matches!(refused, ClientError::QueueFull), "{refused:?}");
    assert!(
        accepted >= QUEUE_LIMIT,
        "at least a full queue waits: {accepted}"
    );
    assert!(refused.to_string().contains("already waiting"), "{refused}");
    shutdown.cancel();
}
