//! The IRC client's queue limit: while the server is unreachable, lines wait up to a bound, and past it the
//! sender is told the queue is full instead of the backlog growing without end.

use std::time::Duration;

use switchboard_irc::client::{ClientConfig, ClientError, IrcClient, QUEUE_LIMIT};
use switchboard_irc::wire::{Charset, serialize};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn lines_for_an_unreachable_server_wait_up_to_the_limit_then_are_refused() {
    // A port nothing listens on: every attempt is refused and the client backs off.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = ClientConfig {
        host: "127.0.0.1".into(),
        port,
        tls: false,
        plain_fallback_port: None,
        tls_roots: None,
        nick: "waiting".into(),
        username: "sb".into(),
        realname: "Switchboard test".into(),
        sasl: None,
        flood_burst: 5,
        flood_per_second: 0.0,
        charset: Charset::Latin1,
        connect_timeout: Duration::from_secs(1),
        ping_interval: Duration::from_secs(60),
        reconnect_min: Duration::from_secs(30),
        reconnect_max: Duration::from_secs(30),
        caps: Vec::new(),
    };
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
