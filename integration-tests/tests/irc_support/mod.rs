//! Shared set-up for the IRC scenarios: Prosody, ngircd, and a gateway with the XMPP and IRC adapters.
#![allow(dead_code, unused_imports)] // Each test file uses its own subset.

pub(crate) use std::sync::Arc;
pub(crate) use std::time::Duration;

pub(crate) use integration_tests::irc_user::IrcUser;
pub(crate) use integration_tests::ngircd::{Ngircd, NgircdOptions};
pub(crate) use integration_tests::prosody::{Prosody, ProsodyOptions};
pub(crate) use integration_tests::xmpp_user::{Received, XmppUser};
pub(crate) use switchboard_core::address::Address;
pub(crate) use switchboard_core::router::{Bridge, RouterBuilder, RoutingTable, RunningGateway};
pub(crate) use switchboard_core::store::{Secret, SharedStore, SledStore};
pub(crate) use switchboard_irc::{IrcAdapter, IrcAdapterConfig, NetworkSettings};
pub(crate) use switchboard_xmpp::transport::{LegacyNetwork, TransportDomains};
pub(crate) use switchboard_xmpp::{XmppAdapter, XmppAdapterConfig};

pub(crate) const WAIT: Duration = Duration::from_secs(20);
pub(crate) const SECRET: &str = "s3cret";
/// The component domain fronting IRC, as Biboumi's.
pub(crate) const GW: &str = "gw.localhost";
/// The network name the tests give their ngircd.
pub(crate) const NET: &str = "local";

pub(crate) fn addr(text: &str) -> Address {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Prosody with users alice, bob, carol (and more when asked) and the gateway's component.
pub(crate) fn prosody(extra_users: &[&str]) -> Prosody {
    let mut options = ProsodyOptions {
        components: vec![(GW.into(), SECRET.into())],
        ..ProsodyOptions::default()
    };
    for user in extra_users {
        options
            .users
            .push(((*user).to_owned(), format!("{user}-pass")));
    }
    Prosody::start(&options).expect("prosody starts")
}

pub(crate) fn ngircd() -> Ngircd {
    Ngircd::start(&NgircdOptions::default()).expect("ngircd starts")
}

/// Settings for a network served by the test ngircd on `port` (plain text, no flood delays in the
/// server, our own flood control off so tests run fast).
pub(crate) fn network(port: u16) -> NetworkSettings {
    let mut settings = NetworkSettings::new("127.0.0.1", port, false);
    settings.flood_per_second = 0.0;
    settings.reconnect_min = Duration::from_millis(200);
    settings.reconnect_max = Duration::from_secs(1);
    settings.nick = "sbrelay".into();
    settings
}

pub(crate) struct Gateway {
    pub(crate) running: RunningGateway,
    pub(crate) dir: tempfile::TempDir,
}

/// The XMPP adapter for `prosody` with the given bridged MUC rooms.
pub(crate) fn xmpp_adapter(prosody: &Prosody, rooms: &[&str]) -> XmppAdapter {
    let mut domains = TransportDomains::default();
    domains.add(GW, LegacyNetwork::Irc);
    let mut config = XmppAdapterConfig::new(
        &format!("127.0.0.1:{}", prosody.component_port),
        Secret::new(SECRET),
        domains,
    );
    config.reconnect.initial = Duration::from_millis(100);
    config.reconnect.max = Duration::from_secs(1);
    config.rooms = rooms
        .iter()
        .map(|room| match addr(&format!("xmpp:{room}")) {
            Address::Xmpp(room) => room,
            _ => unreachable!(),
        })
        .collect();
    XmppAdapter::new(config)
}

/// A gateway with the XMPP adapter and the IRC adapter over `networks`, with `bridges` (each a list of
/// endpoint addresses).
pub(crate) async fn start_gateway(
    prosody: &Prosody,
    networks: &[(&str, NetworkSettings)],
    bridges: &[&[&str]],
    dir: Option<tempfile::TempDir>,
) -> Gateway {
    let dir = dir.unwrap_or_else(|| tempfile::tempdir().expect("temp dir"));
    let store: SharedStore =
        Arc::new(SledStore::open(&dir.path().join("store")).expect("store opens"));
    let mut irc = IrcAdapterConfig::new();
    for (name, settings) in networks {
        irc.networks.insert((*name).to_owned(), settings.clone());
    }
    let mut table = RoutingTable::default();
    let mut rooms = Vec::new();
    for (i, endpoints) in bridges.iter().enumerate() {
        let endpoints: Vec<Address> = endpoints.iter().map(|e| addr(e)).collect();
        for endpoint in &endpoints {
            match endpoint {
                Address::Irc(channel) => irc
                    .bridged_channels
                    .entry(channel.network().to_owned())
                    .or_default()
                    .push(channel.target().name().to_owned()),
                Address::Xmpp(room) => rooms.push(room.bare().jid().to_string()),
                _ => {}
            }
        }
        table.bridges.push(Bridge {
            name: format!("bridge{i}"),
            endpoints,
        });
    }
    let rooms: Vec<&str> = rooms.iter().map(String::as_str).collect();
    let running = RouterBuilder::new(store)
        .table(table)
        .adapter(Arc::new(xmpp_adapter(prosody, &rooms)))
        .adapter(Arc::new(IrcAdapter::new(irc)))
        .start()
        .expect("the gateway starts");
    Gateway { running, dir }
}

/// Waits until Prosody has seen the component authenticate `times` times in all.
pub(crate) async fn wait_for_component(prosody: &Prosody, times: usize) {
    for _ in 0..400 {
        if prosody
            .log()
            .matches("External component successfully authenticated")
            .count()
            >= times
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the component never authenticated; prosody log:\n{}",
        prosody.log()
    );
}

/// Logs `name@localhost` in (blocking the test's worker thread while slixmpp starts).
pub(crate) fn login(prosody: &Prosody, name: &str) -> XmppUser {
    tokio::task::block_in_place(|| {
        XmppUser::login(
            prosody.c2s_port,
            &format!("{name}@localhost"),
            &format!("{name}-pass"),
        )
    })
    .unwrap_or_else(|e| panic!("{name} logs in: {e}"))
}

/// Waits (blocking) for a stanza `user` receives.
pub(crate) fn xmpp_wait(
    user: &mut XmppUser,
    what: &str,
    predicate: impl Fn(&Received) -> bool,
) -> Received {
    tokio::task::block_in_place(|| user.wait_for(WAIT, predicate))
        .unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// `user` joins the transport room `#channel%NET@gw/nick` and waits for their own presence (status 110).
pub(crate) fn join_transport_room(user: &mut XmppUser, channel: &str, nick: &str) {
    let room = format!("{}%{NET}@{GW}", channel);
    tokio::task::block_in_place(|| {
        user.send_raw(&format!(
            "<presence to='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc'/></presence>"
        ))
    })
    .expect("join sent");
    xmpp_wait(
        user,
        &format!("{nick} sees their own join of {room}"),
        |r| {
            r.event == "presence"
                && r.from.eq_ignore_ascii_case(&format!("{room}/{nick}"))
                && r.xml.contains("110")
        },
    );
}

/// Sends a groupchat message to a room.
pub(crate) fn say_in_room(user: &mut XmppUser, room: &str, body: &str, id: &str) {
    let body = body
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    tokio::task::block_in_place(|| {
        user.send_raw(&format!(
            "<message to='{room}' type='groupchat' id='{id}'><body>{body}</body></message>"
        ))
    })
    .expect("message sent");
}
