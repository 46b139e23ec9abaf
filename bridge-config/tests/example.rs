//! The shipped example configuration loads, and defaults fill in what it leaves out.

use std::path::Path;

use bridge_config::{Charset, EmailSecurity, IrcNetworkConfig, RouteWhen, parse_str};

const EXAMPLE: &str = include_str!("../examples/switchboard.toml");

#[test]
fn example_config_loads_from_disk() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/switchboard.toml");
    let config = bridge_config::load(&path).unwrap();
    assert_eq!(
        config.summary(),
        "2 bridges, 1 route, networks: xmpp, irc:127.0.0.1, irc:libera, email"
    );
}

#[test]
fn example_config_values() {
    let config = parse_str(EXAMPLE, "switchboard.toml").unwrap();
    assert_eq!(config.gateway.data_dir, Path::new("./data"));
    assert_eq!(config.gateway.log, "info");
    let xmpp = config.xmpp.as_ref().unwrap();
    assert_eq!(xmpp.domain, "gw.example.org");
    assert_eq!(xmpp.server.to_string(), "127.0.0.1:5347");
    assert_eq!(xmpp.server.port, 5347);
    assert_eq!(xmpp.secret.expose(), "change-me");
    assert_eq!(xmpp.admins.len(), 1);
    let irc = config.irc.as_ref().unwrap();
    assert!(!irc.open);
    assert_eq!(irc.xmpp_domain.as_deref(), Some("irc.gw.example.org"));
    let libera = &irc.networks["libera"];
    assert_eq!(libera.server.host, "irc.libera.chat");
    assert_eq!(libera.server.port, 6697);
    assert!(libera.tls);
    assert!(libera.flood_control());
    assert!(!libera.relay);
    assert!(irc.networks["127.0.0.1"].relay);
    let email = config.email.as_ref().unwrap();
    assert_eq!(email.security, EmailSecurity::Starttls);
    assert_eq!(email.listen, Some("127.0.0.1:2525".parse().unwrap()));
    assert_eq!(email.from, "IM gateway <gateway@mail.gw.example.org>");
    assert_eq!(email.username, None);
    assert_eq!(config.bridges[0].name, "dev");
    assert_eq!(
        config.bridges[0].endpoints[1].to_string(),
        "irc://libera/#dev"
    );
    assert_eq!(config.routes[0].when, RouteWhen::Offline);
    assert_eq!(config.routes[0].to.to_string(), "mailto:alice@example.net");
}

#[test]
fn defaults_are_applied() {
    let text = "[irc.networks.oftc]\nserver = \"irc.oftc.net:6697\"\n";
    let config = parse_str(text, "switchboard.toml").unwrap();
    let oftc = &config.irc.as_ref().unwrap().networks["oftc"];
    assert_eq!(oftc.flood_burst, 5);
    assert_eq!(oftc.flood_per_second, 2.0);
    assert_eq!(oftc.max_lines, 10);
    assert_eq!(oftc.charset, Charset::Latin1);
    assert_eq!(oftc.charset.to_string(), "latin-1");
    assert_eq!(oftc.max_puppets, 50);
    assert_eq!(oftc.nick, "switchboard");
    assert!(oftc.tls);
    assert!(!oftc.relay);
    assert_eq!(oftc.sasl_user, None);
    assert!(oftc.sasl_password.is_none());
    assert_eq!(oftc.flood_burst, IrcNetworkConfig::DEFAULT_FLOOD_BURST);
    assert_eq!(config.gateway.data_dir, Path::new("./data"));
    assert_eq!(config.gateway.log, "info");
    assert!(config.xmpp.is_none());
    assert!(config.bridges.is_empty());
    assert_eq!(config.summary(), "0 bridges, 0 routes, networks: irc:oftc");
}

#[test]
fn empty_file_is_a_valid_config_with_defaults() {
    let config = parse_str("", "switchboard.toml").unwrap();
    assert_eq!(config.summary(), "0 bridges, 0 routes, networks: none");
    assert_eq!(config.gateway.log, "info");
}

#[test]
fn email_defaults() {
    let text = "[email]\nrelay = \"127.0.0.1:25\"\nmail_domain = \"mail.example.org\"\n";
    let config = parse_str(text, "switchboard.toml").unwrap();
    let email = config.email.unwrap();
    assert_eq!(email.security, EmailSecurity::Starttls);
    assert_eq!(email.from, "Switchboard <gateway@mail.example.org>");
    assert_eq!(email.listen, None);
    assert_eq!(email.xmpp_domain, None);
}

#[test]
fn route_when_defaults_to_always_and_accepts_ipv6_servers() {
    let text = "[xmpp]\ndomain = \"gw.example.org\"\nserver = \"[::1]:5347\"\nsecret = \"s\"\n\
                [[route]]\nfrom = \"xmpp:a@example.org\"\nto = \"xmpp:b@example.org\"\n";
    let config = parse_str(text, "switchboard.toml").unwrap();
    assert_eq!(config.routes[0].when, RouteWhen::Always);
    let server = &config.xmpp.unwrap().server;
    assert_eq!(server.host, "::1");
    assert_eq!(server.to_string(), "[::1]:5347");
}

#[test]
fn charset_aliases_are_accepted() {
    for (name, charset) in [
        ("ISO-8859-1", Charset::Latin1),
        ("latin-9", Charset::Latin9),
        ("cp1252", Charset::Windows1252),
    ] {
        let text = format!("[irc.networks.x]\nserver = \"h:1\"\ncharset = \"{name}\"\n");
        let config = parse_str(&text, "c.toml").unwrap();
        assert_eq!(config.irc.unwrap().networks["x"].charset, charset);
    }
}

#[test]
fn zero_flood_rate_disables_flood_control_and_allows_zero_burst() {
    let text = "[irc.networks.x]\nserver = \"h:1\"\nflood_per_second = 0\nflood_burst = 0\nmax_lines = 0\n";
    let config = parse_str(text, "c.toml").unwrap();
    let network = &config.irc.unwrap().networks["x"];
    assert!(!network.flood_control());
    assert_eq!(network.max_lines, 0);
}
