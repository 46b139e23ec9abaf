//! Phase one: every table of the example rejects an unknown key with its line and key path, and syntax
//! or type errors name their line, column and key.

use bridge_config::{ConfigError, parse_str};

const EXAMPLE: &str = include_str!("../examples/switchboard.toml");

/// The example with `bogus = 1` inserted as the first key of the table opened by `header`.
fn with_unknown_key(header: &str) -> String {
    let at = EXAMPLE
        .find(&format!("\n{header}\n"))
        .expect("header in example")
        + header.len()
        + 2;
    format!("{}bogus = 1\n{}", &EXAMPLE[..at], &EXAMPLE[at..])
}

fn parse_error(text: &str) -> String {
    match parse_str(text, "switchboard.toml") {
        Err(error @ ConfigError::Parse(_)) => {
            assert_eq!(error.problems().len(), 1);
            error.to_string()
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

const NETWORK_KEYS: &str = "`server`, `tls`, `nick`, `flood_burst`, `flood_per_second`, `max_lines`, \
                            `charset`, `sasl_user`, `sasl_password`, `sasl_password_file`, \
                            `sasl_password_env`, `max_puppets`, `relay`";

#[test]
fn unknown_key_at_top_level() {
    assert_eq!(
        parse_error(&format!("bogus = 1\n{EXAMPLE}")),
        "switchboard.toml:1:1: bogus: unknown field `bogus`, expected one of `gateway`, `xmpp`, \
         `irc`, `email`, `bridge`, `route`"
    );
}

#[test]
fn unknown_key_in_gateway() {
    assert_eq!(
        parse_error(&with_unknown_key("[gateway]")),
        "switchboard.toml:4:1: gateway.bogus: unknown field `bogus`, expected `data_dir` or `log`"
    );
}

#[test]
fn unknown_key_in_xmpp() {
    assert_eq!(
        parse_error(&with_unknown_key("[xmpp]")),
        "switchboard.toml:8:1: xmpp.bogus: unknown field `bogus`, expected one of `domain`, \
         `server`, `secret`, `secret_file`, `secret_env`, `admins`"
    );
}

#[test]
fn unknown_key_in_irc() {
    assert_eq!(
        parse_error(&with_unknown_key("[irc]")),
        "switchboard.toml:14:1: irc.bogus: unknown field `bogus`, expected one of `open`, \
         `xmpp_domain`, `networks`"
    );
}

#[test]
fn unknown_key_in_irc_network() {
    assert_eq!(
        parse_error(&with_unknown_key("[irc.networks.libera]")),
        format!(
            "switchboard.toml:18:1: irc.networks.libera.bogus: unknown field `bogus`, expected one \
             of {NETWORK_KEYS}"
        )
    );
}

#[test]
fn unknown_key_in_quoted_irc_network() {
    assert_eq!(
        parse_error(&with_unknown_key("[irc.networks.\"127.0.0.1\"]")),
        format!(
            "switchboard.toml:29:1: irc.networks.\"127.0.0.1\".bogus: unknown field `bogus`, \
             expected one of {NETWORK_KEYS}"
        )
    );
}

#[test]
fn unknown_key_in_email() {
    assert_eq!(
        parse_error(&with_unknown_key("[email]")),
        "switchboard.toml:34:1: email.bogus: unknown field `bogus`, expected one of `relay`, \
         `security`, `username`, `password`, `password_file`, `password_env`, `listen`, \
         `mail_domain`, `from`, `xmpp_domain`"
    );
}

#[test]
fn unknown_key_in_bridge() {
    assert_eq!(
        parse_error(&with_unknown_key("[[bridge]]")),
        "switchboard.toml:42:1: bridge[0].bogus: unknown field `bogus`, expected `name` or \
         `endpoints`"
    );
}

#[test]
fn unknown_key_in_second_bridge() {
    let text = EXAMPLE.replace("name = \"local\"\n", "name = \"local\"\nbogus = 1\n");
    assert_eq!(
        parse_error(&text),
        "switchboard.toml:47:1: bridge[1].bogus: unknown field `bogus`, expected `name` or \
         `endpoints`"
    );
}

#[test]
fn unknown_key_in_route() {
    assert_eq!(
        parse_error(&with_unknown_key("[[route]]")),
        "switchboard.toml:50:1: route[0].bogus: unknown field `bogus`, expected one of `from`, \
         `to`, `when`"
    );
}

#[test]
fn unknown_key_in_inline_table() {
    assert_eq!(
        parse_error("gateway = { log = \"info\", colour = true }\n"),
        "switchboard.toml:1:27: gateway.colour: unknown field `colour`, expected `data_dir` or `log`"
    );
}

#[test]
fn syntax_error_has_line_and_column() {
    assert_eq!(
        parse_error("[gateway]\ndata_dir = \"x\nlog = \"info\"\n"),
        "switchboard.toml:2:14: gateway.data_dir: invalid basic string, expected `\"`"
    );
}

#[test]
fn duplicate_table_is_a_syntax_error() {
    assert_eq!(
        parse_error("[gateway]\nlog = \"info\"\n\n[gateway]\n"),
        "switchboard.toml:4:2: gateway: duplicate key"
    );
}

#[test]
fn wrong_type_inside_array_names_its_index() {
    let text = format!("{EXAMPLE}\n[[bridge]]\nname = \"x\"\nendpoints = [\"xmpp:a@b\", 3]\n");
    assert_eq!(
        parse_error(&text),
        "switchboard.toml:56:26: bridge[2].endpoints[1]: invalid type: integer `3`, expected a string"
    );
}

#[test]
fn missing_required_key_points_at_table_header() {
    let text = format!("{EXAMPLE}\n[[bridge]]\nendpoints = [\"xmpp:a@b\"]\n");
    assert_eq!(
        parse_error(&text),
        "switchboard.toml:54:1: bridge[2]: missing field `name`"
    );
    assert_eq!(
        parse_error("[xmpp]\ndomain = \"gw.example.org\"\nsecret = \"s\"\n"),
        "switchboard.toml:1:1: xmpp: missing field `server`"
    );
}

#[test]
fn route_when_must_be_always_or_offline() {
    let text = "[[route]]\nfrom = \"xmpp:a@b\"\nto = \"xmpp:c@d\"\nwhen = \"sometimes\"\n";
    assert_eq!(
        parse_error(text),
        "switchboard.toml:4:8: route[0].when: unknown variant `sometimes`, expected `always` or \
         `offline`"
    );
}

#[test]
fn email_security_must_be_known() {
    let text = "[email]\nrelay = \"h:25\"\nmail_domain = \"m.example\"\nsecurity = \"ssl\"\n";
    assert_eq!(
        parse_error(text),
        "switchboard.toml:4:12: email.security: unknown variant `ssl`, expected one of `none`, \
         `starttls`, `tls`"
    );
}

#[test]
fn negative_counts_are_rejected_by_type() {
    let text = "[irc.networks.a]\nserver = \"h:1\"\nflood_burst = -1\n";
    assert_eq!(
        parse_error(text),
        "switchboard.toml:3:15: irc.networks.a.flood_burst: invalid value: integer `-1`, expected u32"
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = "[gateway]\nlog = \"é\" ; \n";
    let error = parse_str(text, "c.toml").unwrap_err();
    let problem = &error.problems()[0];
    assert_eq!((problem.line, problem.column), (2, 11));
}

#[test]
fn read_error_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.toml");
    let error = bridge_config::load(&path).unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }));
    assert_eq!(
        error.to_string(),
        format!(
            "cannot read config file `{}`; check the path and its permissions",
            path.display()
        )
    );
    assert!(std::error::Error::source(&error).is_some());
    assert!(error.problems().is_empty());
}
