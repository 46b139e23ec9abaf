//! The relay connection: mail handed over with lettre's pooled SMTP client (STARTTLS or implicit TLS over
//! rustls with the ring provider, AUTH when configured), and its answers sorted into delivered, try again,
//! or failed for good.

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use switchboard_core::envelope::{DeliveryError, ErrorKind};

use crate::config::{EmailAdapterConfig, RelaySecurity};
use crate::error::EmailError;

/// What became of one hand-over to the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The relay answered 250 to the data (RFC 5321 §4.2.5: it is responsible for the mail now).
    Sent,
    /// Worth another try later: a 4xx answer (RFC 5321 §4.2.1), the relay unreachable, a timeout.
    Transient(String),
    /// Refused for good: a 5xx answer; the sender must be told.
    Permanent(DeliveryError),
}

/// The relay client.
#[derive(Clone)]
pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::Address,
    name: String,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the credentials: never print it.
        f.debug_struct("Relay")
            .field("relay", &self.name)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// A client for the configured relay (no connection is made until the first mail).
    pub fn new(config: &EmailAdapterConfig) -> Result<Self, EmailError> {
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.relay_host)
                .port(config.relay_port)
                .hello_name(ClientId::Domain(config.mail_domain.clone()))
                .timeout(Some(config.relay_timeout))
                .pool_config(PoolConfig::new().max_size(config.pool_size.max(1)));
        let tls = || {
            TlsParameters::new(config.relay_host.clone()).map_err(|e| {
                EmailError::Relay(format!(
                    "TLS towards {}: {e}; use a host name the relay's certificate names",
                    config.relay_host
                ))
            })
        };
        builder = match config.security {
            RelaySecurity::None => builder.tls(Tls::None),
            RelaySecurity::StartTls => builder.tls(Tls::Required(tls()?)),
            RelaySecurity::Tls => builder.tls(Tls::Wrapper(tls()?)),
        };
        if let Some(credentials) = &config.credentials {
            builder = builder.credentials(Credentials::new(
                credentials.username.clone(),
                credentials.password.expose().to_owned(),
            ));
        }
        let from = config.from_address.parse().map_err(|e| {
            EmailError::Relay(format!(
                "the gateway's address {:?} is not a mailbox: {e}; fix [email] from",
                config.from_address
            ))
        })?;
        Ok(Self {
            transport: builder.build(),
            from,
            name: format!("{}:{}", config.relay_host, config.relay_port),
        })
    }

    /// `host:port` of the relay, for logs.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Hands one mail for `to` to the relay.
    pub async fn send(&self, to: &str, mail: &[u8]) -> SendOutcome {
        let recipient: lettre::Address = match to.parse() {
            Ok(address) => address,
            Err(e) => {
                return SendOutcome::Permanent(DeliveryError::new(
                    ErrorKind::BadRequest,
                    format!("{to} is not a mail address: {e}"),
                ));
            }
        };
        let envelope =
            match lettre::address::Envelope::new(Some(self.from.clone()), vec![recipient]) {
                Ok(envelope) => envelope,
                Err(e) => {
                    return SendOutcome::Permanent(DeliveryError::new(
                        ErrorKind::BadRequest,
                        e.to_string(),
                    ));
                }
            };
        match self.transport.send_raw(&envelope, mail).await {
            Ok(_) => SendOutcome::Sent,
            Err(error) => classify(&error),
        }
    }
}

/// Sorts a relay error: 5xx is permanent (RFC 5321 §4.2.1), everything else (4xx, connection refused,
/// timeouts, TLS hiccups) is retried.
fn classify(error: &lettre::transport::smtp::Error) -> SendOutcome {
    let text = error.to_string();
    match error.status() {
        Some(code) if error.is_permanent() => {
            let code = code.to_string();
            SendOutcome::Permanent(DeliveryError::new(
                kind_of(&code, &text),
                format!("the mail relay refused the message: {}", one_line(&text)),
            ))
        }
        _ => SendOutcome::Transient(one_line(&text)),
    }
}

/// The error class of a permanent SMTP reply (RFC 5321 §4.2.2-§4.2.3, enhanced codes RFC 3463 §3).
pub fn kind_of(code: &str, text: &str) -> ErrorKind {
    // RFC 3463: 5.1.x addressing, 5.2.x mailbox, 5.3.x system, 5.7.x security/policy.
    let enhanced = text
        .split_ascii_whitespace()
        .find(|word| word.starts_with("5.") && word.matches('.').count() == 2);
    // `get`: the word is the relay's text, and a multi-byte character there must not panic the sender.
    match (code, enhanced.and_then(|e| e.get(..3))) {
        (_, Some("5.1")) | ("550" | "551" | "553", None) => ErrorKind::ItemNotFound,
        (_, Some("5.2")) => ErrorKind::RecipientUnavailable,
        ("552", _) | (_, Some("5.3")) => ErrorKind::NotAcceptable,
        ("530" | "535", _) => ErrorKind::NotAuthorized,
        (_, Some("5.7")) | ("554", _) => ErrorKind::Forbidden,
        _ => ErrorKind::ServiceUnavailable,
    }
}

fn one_line(text: &str) -> String {
    crate::proto::header::header_text(text, 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relay_text_with_non_ascii_in_its_code_word_does_not_panic() {
        assert_eq!(kind_of("550", "5.é.1 no"), ErrorKind::ItemNotFound);
        assert_eq!(kind_of("554", "5é.1 x"), ErrorKind::Forbidden);
    }

    #[test]
    fn permanent_replies_map_to_error_kinds() {
        assert_eq!(
            kind_of("550", "5.1.1 no such user"),
            ErrorKind::ItemNotFound
        );
        assert_eq!(
            kind_of("550", "mailbox unavailable"),
            ErrorKind::ItemNotFound
        );
        assert_eq!(
            kind_of("552", "5.2.2 mailbox full"),
            ErrorKind::RecipientUnavailable
        );
        assert_eq!(kind_of("552", "message too big"), ErrorKind::NotAcceptable);
        assert_eq!(
            kind_of("535", "authentication failed"),
            ErrorKind::NotAuthorized
        );
        assert_eq!(
            kind_of("550", "5.7.1 relaying denied"),
            ErrorKind::Forbidden
        );
        assert_eq!(kind_of("554", "transaction failed"), ErrorKind::Forbidden);
        assert_eq!(kind_of("500", "syntax"), ErrorKind::ServiceUnavailable);
    }
}
