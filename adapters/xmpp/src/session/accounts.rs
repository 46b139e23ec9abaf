//! The session's handling of accounts: XEP-0077 registration and the per-user settings command, both kept
//! in the store per user and gateway domain.

use switchboard_core::address::XmppAddress;
use switchboard_core::envelope::ErrorKind;
use switchboard_core::store::{Registration, StoreError};
use tracing::{info, warn};

use super::Session;
use crate::commands;
use crate::map;
use crate::proto::Element;

impl Session {
    /// XEP-0077 registration with the gateway domain the iq is addressed to; the store keeps it per user and
    /// domain.
    pub(super) async fn on_register(&mut self, domain: &str, iq: &Element) {
        let Some(user) = bare_sender(iq) else {
            return;
        };
        if iq.attr("to").is_some_and(|to| to != domain) {
            if let Some(reply) = map::error_reply(
                iq,
                ErrorKind::BadRequest,
                "register with the gateway domain itself",
            ) {
                self.send_to_domain(domain, reply, None).await;
            }
            return;
        }
        let network = self
            .config
            .domains
            .network_of(domain)
            .map(|n| format!("{n:?}").to_uppercase())
            .unwrap_or_else(|| domain.to_owned());
        let Some(request) = map::parse_register(iq) else {
            return;
        };
        let replies = match request {
            Err(error) => map::error_reply(iq, ErrorKind::BadRequest, &error.to_string())
                .into_iter()
                .collect(),
            Ok(map::RegisterRequest::Form) => match self.store.registration(&user, domain) {
                Ok(current) => vec![map::register_form(iq, &network, current.as_ref())],
                Err(error) => internal_error(iq, &error),
            },
            Ok(map::RegisterRequest::Submit {
                username,
                password,
                nick,
            }) => {
                let current = self.store.registration(&user, domain).ok().flatten();
                let first = current.is_none();
                let record = match &current {
                    Some(current) => map::updated_registration(current, username, password, nick),
                    None => map::registration_from(username, password, nick, &user, domain),
                };
                match self.store.put_registration(&record) {
                    Ok(()) => {
                        info!(user = %user, domain, "User registered with the gateway");
                        let mut replies = vec![map::register_result(iq)];
                        if first {
                            replies.push(map::subscription_after_registration(domain, &user));
                        }
                        replies
                    }
                    Err(error) => internal_error(iq, &error),
                }
            }
            Ok(map::RegisterRequest::Remove) => match self.store.remove_registration(&user, domain)
            {
                Ok(_) => {
                    info!(user = %user, domain, "User removed their registration");
                    let mut replies = vec![map::register_result(iq)];
                    replies.extend(map::presences_after_removal(domain, &user));
                    replies
                }
                Err(error) => internal_error(iq, &error),
            },
        };
        for reply in replies {
            self.send_to_domain(domain, reply, None).await;
        }
    }

    /// The per-user settings command: the form, or the submitted values stored with the registration.
    pub(super) async fn on_settings(&mut self, domain: &str, iq: &Element) {
        let Some(user) = bare_sender(iq) else {
            return;
        };
        let mut record = match self.store.registration(&user, domain) {
            Ok(found) => found.unwrap_or_else(|| Registration {
                user: user.clone(),
                network: domain.to_owned(),
                legacy_username: None,
                legacy_password: None,
                settings: Default::default(),
            }),
            Err(error) => {
                for reply in internal_error(iq, &error) {
                    self.send_to_domain(domain, reply, None).await;
                }
                return;
            }
        };
        let current: Vec<(String, String)> = record
            .settings
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let answer = match commands::settings(iq, &current) {
            commands::SettingsStep::Form(form) => form,
            commands::SettingsStep::Save(values, done) => {
                for (key, value) in values {
                    if value.is_empty() {
                        record.settings.remove(&key);
                    } else {
                        record.settings.insert(key, value);
                    }
                }
                match self.store.put_registration(&record) {
                    Ok(()) => done,
                    Err(error) => {
                        for reply in internal_error(iq, &error) {
                            self.send_to_domain(domain, reply, None).await;
                        }
                        return;
                    }
                }
            }
        };
        self.send_to_domain(domain, answer, None).await;
    }
}

/// The bare JID of whoever sent `iq`: registrations and settings belong to the account, not the resource.
fn bare_sender(iq: &Element) -> Option<String> {
    let from = XmppAddress::from_jid_str(iq.attr("from")?).ok()?;
    Some(from.bare().jid().to_string())
}

/// An internal-server-error answer for a store failure (logged, not shown in detail to the user).
fn internal_error(iq: &Element, error: &StoreError) -> Vec<Element> {
    warn!(error = %error, "Registration store failed");
    map::error_reply(
        iq,
        ErrorKind::InternalServerError,
        "the gateway could not store the registration",
    )
    .into_iter()
    .collect()
}
