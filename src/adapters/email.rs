//! `[email]`: the email adapter.

use std::sync::Arc;

use bridge_config::EmailSecurity;
use switchboard_core::adapter::Adapter;
use switchboard_core::store::Secret;
use switchboard_email::{EmailAdapter, EmailAdapterConfig, RelayCredentials, RelaySecurity};

/// The email adapter, when `[email]` is configured.
pub(super) fn build(config: &bridge_config::Config) -> anyhow::Result<Vec<Arc<dyn Adapter>>> {
    let Some(email) = &config.email else {
        return Ok(Vec::new());
    };
    Ok(vec![Arc::new(EmailAdapter::new(settings(email)))])
}

/// The adapter's settings from the validated `[email]` section.
fn settings(email: &bridge_config::EmailConfig) -> EmailAdapterConfig {
    let mut settings =
        EmailAdapterConfig::new(&email.relay.host, email.relay.port, &email.mail_domain);
    settings.security = match email.security {
        EmailSecurity::None => RelaySecurity::None,
        EmailSecurity::Starttls => RelaySecurity::StartTls,
        EmailSecurity::Tls => RelaySecurity::Tls,
    };
    // Validation guarantees the password is set exactly when the user name is.
    settings.credentials =
        email
            .username
            .clone()
            .zip(email.password.as_ref())
            .map(|(username, password)| RelayCredentials {
                username,
                password: Secret::new(password.expose()),
            });
    settings.listen = email.listen;
    settings.set_from(&email.from);
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_maps_onto_the_adapter_settings() {
        let config: bridge_config::Config = bridge_config::parse_str(
            r#"
[email]
relay = "127.0.0.1:2525"
security = "tls"
username = "gw"
password = "pw"
listen = "127.0.0.1:2526"
mail_domain = "mail.gw.example.org"
from = "Chat gateway <chat@mail.gw.example.org>"
"#,
            "test.toml",
        )
        .expect("valid config");
        let settings = settings(config.email.as_ref().expect("[email]"));
        assert_eq!(
            (settings.relay_host.as_str(), settings.relay_port),
            ("127.0.0.1", 2525)
        );
        assert_eq!(settings.security, RelaySecurity::Tls);
        assert_eq!(
            settings.credentials.as_ref().map(|c| c.username.as_str()),
            Some("gw")
        );
        assert_eq!(
            settings.listen,
            Some("127.0.0.1:2526".parse().expect("addr"))
        );
        assert_eq!(settings.from_address, "chat@mail.gw.example.org");
        assert_eq!(settings.from_name, "Chat gateway");
    }
}
