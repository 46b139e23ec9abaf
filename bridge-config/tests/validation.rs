//! Phase two: every problem is reported at once, with the line and column of the offending value.

use bridge_config::{ConfigError, parse_str};

/// Lines 1-11: one of each network, all valid.
const BASE: &str = r#"[xmpp]
domain = "gw.example.org"
server = "127.0.0.1:5347"
secret = "s3cret-value"

[irc.networks.libera]
server = "irc.libera.chat:6697"

[email]
relay = "127.0.0.1:25"
mail_domain = "mail.gw.example.org"
"#;

/// The validation problems of `text`, one `line:column: key: message` string each.
fn problems(text: &str) -> Vec<String> {
    match parse_str(text, "switchboard.toml") {
        Err(ConfigError::Invalid(problems)) => problems.iter().map(ToString::to_string).collect(),
        other => panic!("expected validation problems, got {other:?}"),
    }
}

/// The only validation problem of `BASE` followed by `extra`.
fn problem(extra: &str) -> String {
    let found = problems(&format!("{BASE}{extra}"));
    assert_eq!(found.len(), 1, "{found:#?}");
    found.into_iter().next().unwrap()
}

fn accepts(extra: &str) {
    if let Err(error) = parse_str(&format!("{BASE}{extra}"), "switchboard.toml") {
        panic!("expected a valid config, got {error}");
    }
}

#[test]
fn base_is_valid() {
    accepts("");
}

#[test]
fn three_mistakes_are_all_reported_in_file_order() {
    let text = format!(
        "{BASE}
[[bridge]]
name = \"a\"
endpoints = [\"xmpp:dev@conference.example.org\", \"bogus\"]

[[bridge]]
name = \"b\"
endpoints = [\"xmpp:b@conference.example.org\"]

[[bridge]]
name = \"c\"
endpoints = [\"xmpp:c@conference.example.org\", \"irc://oftc/#c\"]
"
    );
    let error = parse_str(&text, "switchboard.toml").unwrap_err();
    assert_eq!(
        error.to_string(),
        "switchboard.toml has 3 problems; fix all of them and start again:
switchboard.toml:15:49: bridge[0].endpoints[1]: invalid address: address `bogus` has no scheme; write it as a URI such as xmpp:user@example.org
switchboard.toml:19:13: bridge[1].endpoints: a bridge needs at least 2 endpoints, this one has 1; add an endpoint or remove the bridge
switchboard.toml:23:47: bridge[2].endpoints[1]: IRC network `oftc` is not configured; add [irc.networks.oftc] or set open = true under [irc]"
    );
    let lines: Vec<usize> = error.problems().iter().map(|p| p.line).collect();
    assert_eq!(lines, [15, 19, 23]);
    assert_eq!(error.problems()[0].key, "bridge[0].endpoints[1]");
}

#[test]
fn single_problem_prints_one_line() {
    let text = format!("{BASE}[[route]]\nfrom = \"xmpp:a@example.org\"\nto = \"nope\"\n");
    assert_eq!(
        parse_str(&text, "switchboard.toml")
            .unwrap_err()
            .to_string(),
        "switchboard.toml:14:6: route[0].to: invalid address: address `nope` has no scheme; write it \
         as a URI such as xmpp:user@example.org"
    );
}

#[test]
fn bridge_needs_two_endpoints() {
    assert_eq!(
        problem("[[bridge]]\nname = \"a\"\nendpoints = []\n"),
        "14:13: bridge[0].endpoints: a bridge needs at least 2 endpoints, this one has 0; add an \
         endpoint or remove the bridge"
    );
    accepts(
        "[[bridge]]\nname = \"a\"\nendpoints = [\"xmpp:a@c.example.org\", \"irc://libera/#a\"]\n",
    );
}

#[test]
fn bridge_names_are_unique() {
    let bridge =
        "[[bridge]]\nname = \"dev\"\nendpoints = [\"xmpp:a@c.example.org\", \"irc://libera/#a\"]\n";
    let other =
        "[[bridge]]\nname = \"dev\"\nendpoints = [\"xmpp:b@c.example.org\", \"irc://libera/#b\"]\n";
    assert_eq!(
        problem(&format!("{bridge}{other}")),
        "16:8: bridge[1].name: bridge name `dev` is already used by bridge[0]; give each bridge its \
         own name"
    );
}

#[test]
fn bridge_name_length_limit() {
    let endpoints = "endpoints = [\"xmpp:a@c.example.org\", \"irc://libera/#a\"]\n";
    accepts(&format!(
        "[[bridge]]\nname = \"{}\"\n{endpoints}",
        "n".repeat(64)
    ));
    assert_eq!(
        problem(&format!(
            "[[bridge]]\nname = \"{}\"\n{endpoints}",
            "n".repeat(65)
        )),
        "13:8: bridge[0].name: bridge name is longer than 64 characters; choose a shorter one"
    );
    assert_eq!(
        problem(&format!("[[bridge]]\nname = \" \"\n{endpoints}")),
        "13:8: bridge[0].name: bridge name is empty; give each bridge a short unique name"
    );
}

#[test]
fn endpoint_listed_twice() {
    assert_eq!(
        problem(
            "[[bridge]]\nname = \"a\"\nendpoints = [\"xmpp:a@c.example.org\", \"xmpp:A@c.example.org\"]\n"
        ),
        "14:38: bridge[0].endpoints[1]: `xmpp:a@c.example.org` is listed twice in this bridge; remove one"
    );
}

#[test]
fn xmpp_address_needs_xmpp_table() {
    let text = "[irc.networks.libera]\nserver = \"irc.libera.chat:6697\"\n\
                [[bridge]]\nname = \"a\"\nendpoints = [\"xmpp:a@c.example.org\", \"irc://libera/#a\"]\n";
    assert_eq!(
        problems(text),
        [
            "5:14: bridge[0].endpoints[0]: xmpp: addresses need an [xmpp] table; add one or remove this \
          address"
        ]
    );
}

#[test]
fn mailto_route_needs_email_table() {
    let text = "[xmpp]\ndomain = \"gw.example.org\"\nserver = \"h:5347\"\nsecret = \"s\"\n\
                [[route]]\nfrom = \"xmpp:alice@example.org\"\nto = \"mailto:alice@example.net\"\n";
    assert_eq!(
        problems(text),
        [
            "7:6: route[0].to: mailto: addresses need an [email] table; add one or remove this address"
        ]
    );
}

#[test]
fn irc_address_needs_irc_table() {
    let text = "[xmpp]\ndomain = \"gw.example.org\"\nserver = \"h:5347\"\nsecret = \"s\"\n\
                [[route]]\nfrom = \"irc://libera/alice,isnick\"\nto = \"xmpp:alice@example.org\"\n";
    assert_eq!(
        problems(text),
        [
            "6:8: route[0].from: irc:// addresses need an [irc] table; add one or remove this address"
        ]
    );
}

#[test]
fn open_irc_allows_any_network() {
    let bridge = "[[bridge]]\nname = \"a\"\nendpoints = [\"xmpp:a@c.example.org\", \"irc://irc.oftc.net/#a\"]\n";
    let text = BASE.replace(
        "[irc.networks.libera]",
        "[irc]\nopen = true\n\n[irc.networks.libera]",
    );
    let config = parse_str(&format!("{text}{bridge}"), "c.toml").unwrap();
    assert!(config.irc.unwrap().open);
    assert_eq!(
        problem(bridge),
        "14:38: bridge[0].endpoints[1]: IRC network `irc.oftc.net` is not configured; add \
         [irc.networks.irc.oftc.net] or set open = true under [irc]"
    );
}

#[test]
fn unsupported_scheme_is_rejected() {
    assert_eq!(
        problem("[[route]]\nfrom = \"tel:+15551234567\"\nto = \"xmpp:a@example.org\"\n"),
        "13:8: route[0].from: tel: addresses cannot be bridged yet: this gateway version has no \
         network for them"
    );
}

#[test]
fn route_to_itself() {
    assert_eq!(
        problem("[[route]]\nfrom = \"xmpp:a@example.org\"\nto = \"xmpp:a@example.org\"\n"),
        "14:6: route[0].to: the route sends `xmpp:a@example.org` to itself; give a different to address"
    );
}

#[test]
fn server_must_be_host_and_port() {
    let with_server = |server: &str| BASE.replace("127.0.0.1:5347", server);
    let one = |server: &str| {
        let found = problems(&with_server(server));
        assert_eq!(found.len(), 1, "{found:#?}");
        found.into_iter().next().unwrap()
    };
    assert_eq!(
        one("localhost"),
        "3:10: xmpp.server: `localhost` has no port; write it as host:port, such as 127.0.0.1:5347"
    );
    assert_eq!(
        one("localhost:0"),
        "3:10: xmpp.server: port `0` is not a number from 1 to 65535; write host:port, such as \
         127.0.0.1:5347"
    );
    assert_eq!(
        one("localhost:65536"),
        "3:10: xmpp.server: port `65536` is not a number from 1 to 65535; write host:port, such as \
         127.0.0.1:5347"
    );
    assert_eq!(
        one("bad host:5347"),
        "3:10: xmpp.server: `bad host` is not a valid host name or IP address; write host:port, such \
         as 127.0.0.1:5347"
    );
    assert_eq!(
        one("::1:5347"),
        "3:10: xmpp.server: `::1:5347` looks like an IPv6 address without brackets; write it as \
         [::1]:5347"
    );
    assert_eq!(
        one("[nope]:5347"),
        "3:10: xmpp.server: `nope` in brackets is not an IPv6 address"
    );
    let config = parse_str(&with_server("localhost:65535"), "c.toml").unwrap();
    assert_eq!(config.xmpp.unwrap().server.port, 65535);
    let config = parse_str(&with_server("localhost:1"), "c.toml").unwrap();
    assert_eq!(config.xmpp.unwrap().server.port, 1);
}

#[test]
fn flood_burst_zero_with_flood_control_on() {
    assert_eq!(
        problems(&format!(
            "{BASE}[irc.networks.oftc]\nserver = \"irc.oftc.net:6697\"\nflood_burst = 0\n"
        )),
        [
            "14:15: irc.networks.oftc.flood_burst: flood_burst = 0 would never let a line out; give at \
          least 1, or set flood_per_second = 0 to disable flood control"
        ]
    );
    accepts("[irc.networks.oftc]\nserver = \"irc.oftc.net:6697\"\nflood_burst = 1\n");
}

#[test]
fn flood_rate_must_be_positive_or_zero() {
    let network = "[irc.networks.oftc]\nserver = \"irc.oftc.net:6697\"\n";
    assert_eq!(
        problem(&format!("{network}flood_per_second = -0.5\n")),
        "14:20: irc.networks.oftc.flood_per_second: flood_per_second is -0.5; give a positive number \
         of lines per second, or 0 to disable flood control"
    );
    assert_eq!(
        problem(&format!("{network}flood_per_second = nan\n")),
        "14:20: irc.networks.oftc.flood_per_second: flood_per_second is NaN; give a positive number \
         of lines per second, or 0 to disable flood control"
    );
    assert_eq!(
        problem(&format!("{network}flood_per_second = inf\n")),
        "14:20: irc.networks.oftc.flood_per_second: flood_per_second is inf; give a positive number \
         of lines per second, or 0 to disable flood control"
    );
    accepts(&format!("{network}flood_per_second = 0.1\n"));
}

#[test]
fn unknown_charset() {
    assert_eq!(
        problem("[irc.networks.oftc]\nserver = \"irc.oftc.net:6697\"\ncharset = \"ebcdic\"\n"),
        "14:11: irc.networks.oftc.charset: unknown charset `ebcdic`; use latin-1, latin-9 or \
         windows-1252"
    );
}

#[test]
fn max_puppets_zero_needs_relay() {
    let network = "[irc.networks.oftc]\nserver = \"irc.oftc.net:6697\"\nmax_puppets = 0\n";
    assert_eq!(
        problem(network),
        "14:15: irc.networks.oftc.max_puppets: max_puppets = 0 allows no puppet connections; give at \
         least 1, or set relay = true to speak through one relay connection"
    );
    accepts(&format!("{network}relay = true\n"));
    accepts("[irc.networks.oftc]\nserver = \"irc.oftc.net:6697\"\nmax_puppets = 1\n");
}

#[test]
fn nick_is_checked_and_limited() {
    let network = "[irc.networks.oftc]\nserver = \"irc.oftc.net:6697\"\n";
    accepts(&format!("{network}nick = \"{}\"\n", "n".repeat(32)));
    assert_eq!(
        problem(&format!("{network}nick = \"{}\"\n", "n".repeat(33))),
        "14:8: irc.networks.oftc.nick: nick is longer than 32 characters; choose a shorter one"
    );
    let found = problem(&format!("{network}nick = \"two words\"\n"));
    assert!(
        found.starts_with("14:8: irc.networks.oftc.nick: `two words` is not a valid IRC nick: "),
        "{found}"
    );
}

#[test]
fn network_names_are_lowercase() {
    assert_eq!(
        problem("[irc.networks.OFTC]\nserver = \"irc.oftc.net:6697\"\n"),
        "12:15: irc.networks.OFTC: network name `OFTC` may hold only lowercase letters, digits, `.`, \
         `-` and `_`, as irc://NETWORK/ addresses do; rename the table"
    );
}

#[test]
fn domains_are_checked() {
    let text = BASE.replace("\"gw.example.org\"", "\"gw..example.org\"");
    assert_eq!(
        problems(&text),
        [
            "2:10: xmpp.domain: `gw..example.org` is not a valid domain name; give a name such as \
          gw.example.org (labels of up to 63 letters, digits or hyphens, 253 characters in all)"
        ]
    );
    let label = "a".repeat(63);
    parse_str(
        &BASE.replace("gw.example.org", &format!("{label}.example.org")),
        "c.toml",
    )
    .unwrap();
    let text = BASE.replace("\"gw.example.org\"", &format!("\"{label}a.example.org\""));
    let found = problems(&text);
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("2:10: xmpp.domain: "), "{found:?}");
}

#[test]
fn component_domains_need_xmpp_and_must_differ() {
    assert_eq!(
        problems("[irc]\nxmpp_domain = \"irc.gw.example.org\"\n"),
        [
            "2:15: irc.xmpp_domain: an extra XMPP component domain needs an [xmpp] table to connect \
          through; add [xmpp] or remove this key"
        ]
    );
    let text = format!("{BASE}xmpp_domain = \"GW.example.org\"\n");
    assert_eq!(
        problems(&text),
        [
            "12:15: email.xmpp_domain: `GW.example.org` is already the domain of xmpp.domain; each \
          component needs its own domain"
        ]
    );
}

#[test]
fn admins_must_be_jids() {
    let text = BASE.replace(
        "secret = \"s3cret-value\"",
        "secret = \"s3cret-value\"\nadmins = [\"ok@example.org\", \"a@b@c\"]",
    );
    let found = problems(&text);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with("5:29: xmpp.admins[1]: `a@b@c` is not a valid JID: "),
        "{found:?}"
    );
}

#[test]
fn email_values_are_checked() {
    assert_eq!(
        problem("listen = \"localhost:2525\"\n"),
        "12:10: email.listen: `localhost:2525` is not an IP address and port to listen on; write it \
         as 127.0.0.1:2525 or [::1]:2525"
    );
    assert_eq!(
        problem("from = \"IM gateway\"\n"),
        "12:8: email.from: `IM gateway` is not a mailbox; write it as gateway@mail.example.org or IM \
         gateway <gateway@mail.example.org>"
    );
    accepts("from = \"gateway@mail.gw.example.org\"\nlisten = \"[::1]:2525\"\n");
}

#[test]
fn smtp_auth_in_clear_text_is_refused_off_this_host() {
    let remote = r#"[email]
relay = "smtp.example.net:25"
security = "none"
mail_domain = "mail.gw.example.org"
username = "gw"
password = "pw"
"#;
    assert_eq!(
        problems(remote),
        [
            "5:12: email.username: SMTP AUTH to smtp.example.net:25 with security = \"none\" would send \
          the password in clear text; set security = \"starttls\" or \"tls\", or use a relay on this host"
        ]
    );
    // A relay on this host, or TLS, is fine.
    for fine in [
        remote.replace("smtp.example.net", "127.0.0.1"),
        remote.replace("smtp.example.net", "localhost"),
        remote.replace("\"none\"", "\"starttls\""),
    ] {
        parse_str(&fine, "switchboard.toml").unwrap_or_else(|e| panic!("{fine}: {e}"));
    }
}

#[test]
fn gateway_values_must_not_be_empty() {
    assert_eq!(
        problems("[gateway]\ndata_dir = \"\"\nlog = \" \"\n"),
        [
            "2:12: gateway.data_dir: data_dir is empty; give the directory for the message store, \
             such as \"./data\"",
            "3:7: gateway.log: log is empty; give a tracing filter such as \"info\" or \
             \"switchboard=debug,info\"",
        ]
    );
}
