//! Phase three: secrets come from exactly one of the inline key, a file or an environment variable,
//! and never show up in Debug output or error messages.

use std::collections::HashMap;
use std::io::Write;

use bridge_config::{ConfigError, Secret, parse_str, parse_str_with_env};

const XMPP: &str = "[xmpp]\ndomain = \"gw.example.org\"\nserver = \"127.0.0.1:5347\"\n";

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

fn problems(text: &str, env: &HashMap<String, String>) -> Vec<String> {
    match parse_str_with_env(text, "switchboard.toml", env) {
        Err(ConfigError::Invalid(problems)) => problems.iter().map(ToString::to_string).collect(),
        other => panic!("expected validation problems, got {other:?}"),
    }
}

/// A TOML basic string holding `path`.
fn toml_path(path: &std::path::Path) -> String {
    format!("{:?}", path.to_str().unwrap())
}

#[test]
fn secret_from_environment() {
    let text = format!("{XMPP}secret_env = \"SB_SECRET\"\n");
    let config = parse_str_with_env(&text, "c.toml", &env(&[("SB_SECRET", "from-env")])).unwrap();
    assert_eq!(config.xmpp.unwrap().secret.expose(), "from-env");
}

#[test]
fn secret_from_process_environment() {
    // cargo sets CARGO_PKG_NAME for the test process too.
    let text = format!("{XMPP}secret_env = \"CARGO_PKG_NAME\"\n");
    let config = parse_str(&text, "c.toml").unwrap();
    assert_eq!(config.xmpp.unwrap().secret.expose(), "bridge-config");
}

#[test]
fn secret_from_file_drops_trailing_newline() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(b"from-file\r\n").unwrap();
    let text = format!("{XMPP}secret_file = {}\n", toml_path(file.path()));
    let config = parse_str(&text, "c.toml").unwrap();
    assert_eq!(config.xmpp.unwrap().secret.expose(), "from-file");
}

#[test]
fn unset_variable_names_the_key_not_a_value() {
    let text = format!("{XMPP}secret_env = \"SB_MISSING\"\n");
    assert_eq!(
        problems(&text, &env(&[])),
        [
            "4:14: xmpp.secret_env: environment variable `SB_MISSING` is not set; export it before \
          starting the gateway or use secret / secret_file instead"
        ]
    );
}

#[test]
fn unreadable_file_names_the_key_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent");
    let text = format!("{XMPP}secret_file = {}\n", toml_path(&path));
    let found = problems(&text, &env(&[]));
    assert_eq!(found.len(), 1);
    let prefix = format!(
        "4:15: xmpp.secret_file: cannot read secret file `{}`: ",
        path.display()
    );
    assert!(found[0].starts_with(&prefix), "{found:?}");
    assert!(
        found[0].ends_with("; check the path and that the gateway user may read it"),
        "{found:?}"
    );
}

#[test]
fn empty_secret_is_a_problem() {
    let text = format!("{XMPP}secret_env = \"SB_EMPTY\"\n");
    assert_eq!(
        problems(&text, &env(&[("SB_EMPTY", "")])),
        ["4:14: xmpp.secret_env: secret is empty; give the real secret"]
    );
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(b"\n").unwrap();
    let text = format!("{XMPP}secret_file = {}\n", toml_path(file.path()));
    assert_eq!(
        problems(&text, &env(&[])),
        ["4:15: xmpp.secret_file: secret is empty; give the real secret"]
    );
}

#[test]
fn secret_given_two_ways() {
    let text = format!("{XMPP}secret = \"inline-value\"\nsecret_env = \"SB_SECRET\"\n");
    let found = problems(&text, &env(&[("SB_SECRET", "env-value")]));
    assert_eq!(
        found,
        [
            "5:14: xmpp.secret_env: secret_env is set although secret already gives this secret; keep \
          only one of secret, secret_file and secret_env"
        ]
    );
    assert!(!found[0].contains("inline-value") && !found[0].contains("env-value"));
}

#[test]
fn secret_missing() {
    assert_eq!(
        problems(XMPP, &env(&[])),
        ["1:1: xmpp.secret: no secret is given; set one of secret, secret_file or secret_env"]
    );
}

#[test]
fn sasl_password_needs_user_and_user_needs_password() {
    let network = "[irc.networks.libera]\nserver = \"irc.libera.chat:6697\"\n";
    assert_eq!(
        problems(&format!("{network}sasl_user = \"bot\"\n"), &env(&[])),
        [
            "3:13: irc.networks.libera.sasl_user: sasl_user is set but no password is; set \
          sasl_password, sasl_password_file or sasl_password_env"
        ]
    );
    assert_eq!(
        problems(
            &format!("{network}sasl_password_env = \"SB_SASL\"\n"),
            &env(&[("SB_SASL", "pw")])
        ),
        [
            "3:21: irc.networks.libera.sasl_password: a password is set but sasl_user is not; set \
          sasl_user or remove the password"
        ]
    );
    let text = format!("{network}sasl_user = \"bot\"\nsasl_password_env = \"SB_SASL\"\n");
    let config = parse_str_with_env(&text, "c.toml", &env(&[("SB_SASL", "pw")])).unwrap();
    let libera = &config.irc.unwrap().networks["libera"];
    assert_eq!(libera.sasl_user.as_deref(), Some("bot"));
    assert_eq!(libera.sasl_password.as_ref().unwrap().expose(), "pw");
}

#[test]
fn email_credentials() {
    let email = "[email]\nrelay = \"smtp.example.org:587\"\nmail_domain = \"mail.example.org\"\n";
    assert_eq!(
        problems(&format!("{email}username = \"gw\"\n"), &env(&[])),
        [
            "4:12: email.username: username is set but no password is; set password, password_file or \
          password_env"
        ]
    );
    let text = format!("{email}username = \"gw\"\npassword = \"p\"\npassword_env = \"SB_PW\"\n");
    assert_eq!(
        problems(&text, &env(&[("SB_PW", "q")])),
        [
            "6:16: email.password_env: password_env is set although password already gives this \
          secret; keep only one of password, password_file and password_env"
        ]
    );
    let text = format!("{email}username = \"gw\"\npassword_env = \"SB_PW\"\n");
    let config = parse_str_with_env(&text, "c.toml", &env(&[("SB_PW", "q")])).unwrap();
    assert_eq!(config.email.unwrap().password.unwrap().expose(), "q");
}

#[test]
fn debug_output_never_shows_secrets() {
    let text = format!(
        "{XMPP}secret = \"xmpp-secret-value\"\n\
         [irc.networks.libera]\nserver = \"irc.libera.chat:6697\"\nsasl_user = \"bot\"\n\
         sasl_password = \"sasl-secret-value\"\n\
         [email]\nrelay = \"smtp.example.org:587\"\nmail_domain = \"mail.example.org\"\n\
         username = \"gw\"\npassword_env = \"SB_PW\"\n"
    );
    let config =
        parse_str_with_env(&text, "c.toml", &env(&[("SB_PW", "email-secret-value")])).unwrap();
    let debug = format!("{config:?} {config:#?}");
    for secret in [
        "xmpp-secret-value",
        "sasl-secret-value",
        "email-secret-value",
    ] {
        assert!(!debug.contains(secret), "{secret} leaked into {debug}");
    }
    assert!(debug.contains("[redacted]"));
    assert_eq!(format!("{:?}", Secret::new("hunter2")), "[redacted]");
}

#[test]
fn errors_never_show_inline_secrets() {
    // The secret is valid but the rest of the file is not; no message may echo it.
    let text = format!("{XMPP}secret = \"xmpp-secret-value\"\nadmins = [\"@\"]\n");
    let error = parse_str(&text, "c.toml").unwrap_err();
    assert!(!error.to_string().contains("xmpp-secret-value"));
    assert!(!format!("{error:?}").contains("xmpp-secret-value"));
    let text = format!("{XMPP}secret = \"xmpp-secret-value\nadmins = 1\n");
    let error = parse_str(&text, "c.toml").unwrap_err();
    assert!(!error.to_string().contains("xmpp-secret-value"), "{error}");
}
