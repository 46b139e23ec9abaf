//! What the email adapter needs to run, built by the binary from the `[email]` section.

use std::net::SocketAddr;
use std::time::Duration;

use switchboard_core::router::Backoff;
use switchboard_core::store::Secret;

use crate::proto::smtp_server::SmtpLimits;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelaySecurity {
    /// Plain SMTP: only for a relay on the same host or a trusted network.
    None,
    /// STARTTLS is required (RFC 3207); the relay's certificate is checked against the web PKI roots.
    StartTls,
    /// TLS from the first byte (RFC 8314 §3.3 implicit TLS, usually port 465).
    Tls,
}

/// SMTP AUTH credentials (RFC 4954); the password is never logged.
#[derive(Debug, Clone)]
pub struct RelayCredentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: Secret,
}

/// The email adapter's settings.
#[derive(Debug, Clone)]
pub struct EmailAdapterConfig {
    /// The relay's host name or IP address (`[email] relay`, before the colon).
    pub relay_host: String,
    /// The relay's port.
    pub relay_port: u16,
    /// TLS to the relay.
    pub security: RelaySecurity,
    /// AUTH, when the relay asks for it.
    pub credentials: Option<RelayCredentials>,
    /// Where replies are accepted (`[email] listen`); `None` takes no mail in.
    pub listen: Option<SocketAddr>,
    /// The gateway's mail domain: reply addresses and Message-IDs live here, and inbound mail is taken only
    /// for it (`[email] mail_domain`).
    pub mail_domain: String,
    /// The gateway's own mailbox for `From` and the envelope sender, e.g. `gateway@mail.gw.example.org`.
    pub from_address: String,
    /// The name shown after the IM sender's in `From`, e.g. `IM gateway`.
    pub from_name: String,
    /// Limits of each inbound SMTP session.
    pub smtp_limits: SmtpLimits,
    /// Most inbound SMTP sessions at once; more wait to be accepted.
    pub max_sessions: usize,
    /// How long an inbound session may be idle (RFC 5321 §4.5.3.2.7: the server timeout is 5 minutes).
    pub session_timeout: Duration,
    /// How long to wait for the router to hold an inbound mail durably before answering `451`.
    pub acceptance_timeout: Duration,
    /// Waits between delivery attempts while the relay is unreachable or answers 4xx.
    pub retry: Backoff,
    /// How long one SMTP exchange with the relay may take.
    pub relay_timeout: Duration,
    /// Connections to the relay kept open for reuse.
    pub pool_size: u32,
}

impl EmailAdapterConfig {
    /// Settings for a relay at `host:port` and the mail domain `mail_domain`, defaults for the rest.
    pub fn new(relay_host: &str, relay_port: u16, mail_domain: &str) -> Self {
        Self {
            relay_host: relay_host.to_owned(),
            relay_port,
            security: RelaySecurity::StartTls,
            credentials: None,
            listen: None,
            mail_domain: mail_domain.to_ascii_lowercase(),
            from_address: format!("gateway@{}", mail_domain.to_ascii_lowercase()),
            from_name: "IM gateway".to_owned(),
            smtp_limits: SmtpLimits::default(),
            max_sessions: 64,
            session_timeout: Duration::from_secs(300),
            acceptance_timeout: Duration::from_secs(60),
            retry: Backoff {
                initial: Duration::from_secs(1),
                max: Duration::from_secs(300),
                multiplier: 2.0,
                jitter: 0.2,
                reset_after: Duration::from_secs(60),
            },
            relay_timeout: Duration::from_secs(60),
            pool_size: 4,
        }
    }

    /// Splits a `From` value like `IM gateway <gateway@mail.gw.example>` into this config's name and
    /// address; a bare address keeps the default name.
    pub fn set_from(&mut self, from: &str) {
        match (from.find('<'), from.rfind('>')) {
            (Some(open), Some(close)) if open < close => {
                let name = from[..open].trim().trim_matches('"').trim();
                if !name.is_empty() {
                    self.from_name = name.to_owned();
                }
                self.from_address = from[open + 1..close].trim().to_owned();
            }
            _ => self.from_address = from.trim().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_with_and_without_a_name() {
        let mut config = EmailAdapterConfig::new("127.0.0.1", 25, "Mail.GW.example");
        assert_eq!(config.from_address, "gateway@mail.gw.example");
        config.set_from("\"Chat bridge\" <bridge@mail.gw.example>");
        assert_eq!(
            (config.from_name.as_str(), config.from_address.as_str()),
            ("Chat bridge", "bridge@mail.gw.example")
        );
        config.set_from("other@mail.gw.example");
        assert_eq!(
            (config.from_name.as_str(), config.from_address.as_str()),
            ("Chat bridge", "other@mail.gw.example")
        );
    }
}
