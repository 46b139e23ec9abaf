//! XEP-0050 ad-hoc commands at the gateway's domains. For every user: `settings`, their per-network nick
//! and charset (kept with their registration). For admins (`[xmpp] admins`): `status`, the component links,
//! what waits for the XMPP server, the bridged rooms.

use switchboard_core::address::XmppAddress;

use crate::map::{error_reply, iq_result};
use crate::proto::Element;
use switchboard_core::envelope::ErrorKind;

/// XEP-0050 §2.
pub(crate) const NS_COMMANDS: &str = "http://jabber.org/protocol/commands";
const NS_DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
/// The node of the status command.
const STATUS: &str = "status";
/// The node of the admin reload command.
pub(crate) const RELOAD: &str = "reload";
/// The node of the per-user settings command.
pub(crate) const SETTINGS: &str = "settings";
/// XEP-0004.
const NS_DATA: &str = "jabber:x:data";
/// The settings a user may change, with their labels.
pub(crate) const SETTING_FIELDS: [(&str, &str); 2] = [
    ("nick", "Nick on the network"),
    ("charset", "Charset for messages that are not UTF-8"),
];

/// What the status command reports, gathered by the session.
#[derive(Debug)]
pub(crate) struct StatusReport {
    pub(crate) links: Vec<(String, bool)>,
    pub(crate) waiting: usize,
    pub(crate) rooms: Vec<String>,
}

/// Whether `iq` is for the commands: a disco#items on the commands node (XEP-0050 §2.2) or a command
/// execution (§2.3).
pub(crate) fn is_command_iq(iq: &Element) -> bool {
    iq.name == "iq"
        && (iq.child("command", NS_COMMANDS).is_some()
            || iq
                .child("query", NS_DISCO_ITEMS)
                .is_some_and(|q| q.attr("node") == Some(NS_COMMANDS)))
}

/// The answer to a command iq from `from`, who may run admin commands when `is_admin`; `status` is called
/// only when the status command runs.
pub(crate) fn answer(
    iq: &Element,
    main_domain: &str,
    is_admin: bool,
    status: impl FnOnce() -> StatusReport,
) -> Option<Element> {
    iq.attr("from")?;
    let result = |child: Element| iq_result(iq).with_child(child);
    if iq.child("query", NS_DISCO_ITEMS).is_some() {
        let mut items = Element::new("query", NS_DISCO_ITEMS)
            .with_attr("node", NS_COMMANDS)
            .with_child(
                Element::new("item", NS_DISCO_ITEMS)
                    .with_attr("jid", iq.attr("to").unwrap_or(main_domain))
                    .with_attr("node", SETTINGS)
                    .with_attr("name", "My settings"),
            );
        if is_admin {
            for (node, name) in [
                (STATUS, "Gateway status"),
                (RELOAD, "Reload bridges and routes"),
            ] {
                items = items.with_child(
                    Element::new("item", NS_DISCO_ITEMS)
                        .with_attr("jid", main_domain)
                        .with_attr("node", node)
                        .with_attr("name", name),
                );
            }
        }
        return Some(result(items));
    }
    let command = iq.child("command", NS_COMMANDS)?;
    if iq.attr("type") != Some("set") {
        return error_reply(
            iq,
            ErrorKind::BadRequest,
            "commands are executed with an iq of type set",
        );
    }
    if command.attr("node") != Some(STATUS) {
        return error_reply(iq, ErrorKind::ItemNotFound, "no such command");
    }
    if !is_admin {
        return error_reply(
            iq,
            ErrorKind::Forbidden,
            "only the gateway's admins may run this command",
        );
    }
    let mut report = status();
    report.links.sort();
    let mut lines = Vec::new();
    for (domain, up) in &report.links {
        lines.push(format!(
            "{domain}: {}",
            if *up { "connected" } else { "disconnected" }
        ));
    }
    lines.push(format!(
        "messages waiting for the XMPP server: {}",
        report.waiting
    ));
    lines.push(format!(
        "bridged rooms: {}",
        if report.rooms.is_empty() {
            "none".to_owned()
        } else {
            report.rooms.join(", ")
        }
    ));
    Some(completed(iq, STATUS, &lines.join("\n"), false))
}

/// Whether `from` is one of `admins` (compared as bare JIDs).
pub(crate) fn is_admin(from: Option<&str>, admins: &[XmppAddress]) -> bool {
    let Some(from) = from.and_then(|f| XmppAddress::from_jid_str(f).ok()) else {
        return false;
    };
    let bare = from.bare();
    admins.iter().any(|admin| admin.bare() == bare)
}

/// The node a command iq runs, if it runs one.
pub(crate) fn node_of(iq: &Element) -> Option<&str> {
    iq.child("command", NS_COMMANDS)
        .and_then(|c| c.attr("node"))
}

/// The settings command (XEP-0050 §3.4, one stage): without a submitted form it answers the form,
/// pre-filled with `current`; with one it returns the values to store, and the completed answer to send once
/// they are stored.
pub(crate) fn settings(iq: &Element, current: &[(String, String)]) -> SettingsStep {
    let command = iq.child("command", NS_COMMANDS);
    let session = command
        .and_then(|c| c.attr("sessionid"))
        .or(iq.attr("id"))
        .unwrap_or("settings")
        .to_owned();
    let reply =
        |status: &str, child: Element| command_result(iq, SETTINGS, &session, status, child);
    let submitted = command
        .and_then(|c| c.child("x", NS_DATA))
        .filter(|x| x.attr("type") == Some("submit"));
    match submitted {
        None => {
            let mut form = Element::new("x", NS_DATA)
                .with_attr("type", "form")
                .with_child(
                    Element::new("title", NS_DATA).with_text("Your settings on this network"),
                );
            for (var, label) in SETTING_FIELDS {
                let mut field = Element::new("field", NS_DATA)
                    .with_attr("var", var)
                    .with_attr("type", "text-single")
                    .with_attr("label", label);
                if let Some((_, value)) = current.iter().find(|(k, _)| k == var) {
                    field =
                        field.with_child(Element::new("value", NS_DATA).with_text(value.clone()));
                }
                form = form.with_child(field);
            }
            SettingsStep::Form(reply("executing", form))
        }
        Some(x) => {
            let values = SETTING_FIELDS
                .iter()
                .filter_map(|(var, _)| {
                    x.elements()
                        .find(|f| f.name == "field" && f.attr("var") == Some(var))
                        .and_then(|f| f.child("value", NS_DATA))
                        .map(|v| ((*var).to_owned(), v.text()))
                })
                .collect();
            let note = Element::new("note", NS_COMMANDS)
                .with_attr("type", "info")
                .with_text("Settings saved.");
            SettingsStep::Save(values, reply("completed", note))
        }
    }
}

/// What the settings command does next.
#[derive(Debug)]
pub(crate) enum SettingsStep {
    /// Send the form.
    Form(Element),
    /// Store these values, then send the answer.
    Save(Vec<(String, String)>, Element),
}

/// The completed answer of a one-step command `node`, with `text` as its note (`error` when it failed).
pub(crate) fn completed(iq: &Element, node: &str, text: &str, failed: bool) -> Element {
    let note = Element::new("note", NS_COMMANDS)
        .with_attr("type", if failed { "error" } else { "info" })
        .with_text(text);
    command_result(iq, node, iq.attr("id").unwrap_or(node), "completed", note)
}

/// The result iq answering command `iq` (XEP-0050 §3.4): the `<command/>` of `node` in `status`, holding
/// `child` (a note or a form).
fn command_result(
    iq: &Element,
    node: &str,
    session: &str,
    status: &str,
    child: Element,
) -> Element {
    iq_result(iq).with_child(
        Element::new("command", NS_COMMANDS)
            .with_attr("node", node)
            .with_attr("sessionid", session)
            .with_attr("status", status)
            .with_child(child),
    )
}
