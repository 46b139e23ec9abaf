//! XEP-0077 In-Band Registration with a transport domain, as XEP-0100 §4.1 (register), §4.2 (edit) and §4.3
//! (unregister) use it, I/O-free: reading the user's `jabber:iq:register` iq, the registration form, and the
//! presences the gateway sends around a registration.
//!
//! Passwords travel as [`Secret`]: they never appear in the form, in `Debug` output or in error texts.

use std::collections::BTreeMap;

use switchboard_core::envelope::ErrorKind;
use switchboard_core::store::{Registration, Secret};
use thiserror::Error;

use super::iq::{iq_result, request_is_get};
use super::ns;
use crate::proto::{Element, NS_COMPONENT};

/// XEP-0004 data forms.
const DATA: &str = "jabber:x:data";

/// The [`Registration::settings`] key holding the nick the user asked for.
pub const NICK_SETTING: &str = "nick";

/// What a `jabber:iq:register` iq asks of the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterRequest {
    /// A `get`: the registration form (XEP-0077 §3.1, XEP-0100 §4.1.1 step 2).
    Form,
    /// A `set` with fields: register, or change the registration (XEP-0077 §3.1 and §3.3, XEP-0100 §4.2).
    /// A field that was absent or empty is `None`.
    Submit {
        /// The user's name on the legacy network.
        username: Option<String>,
        /// The user's password on the legacy network.
        password: Option<Secret>,
        /// The nick the user wants on the legacy network.
        nick: Option<String>,
    },
    /// A `set` with `<remove/>`: cancel the registration (XEP-0077 §3.2, XEP-0100 §4.3).
    Remove,
}

/// Why a `jabber:iq:register` set is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// Happens when a set carries neither `<remove/>` nor a username, password or nick (XEP-0077 §3.1).
    #[error("the registration names no username, password or nick")]
    Empty,
    /// Happens when `<remove/>` is not the only child of `<query/>` (XEP-0077 §3.2, bad-request).
    #[error("<remove/> must be the only child of the registration query")]
    RemoveNotAlone,
    /// Happens when the data form has a type other than `submit` (XEP-0004 §3.1), `cancel` say.
    #[error("the registration form has type '{form_type}', not 'submit'")]
    NotSubmitted {
        /// The form's `type` attribute, empty when it has none.
        form_type: String,
    },
    /// Happens when the form's hidden `FORM_TYPE` field names another form than `jabber:iq:register`
    /// (XEP-0068 §2, XEP-0077 §6).
    #[error("the form is a '{form_type}' form, not a 'jabber:iq:register' one")]
    WrongFormType {
        /// The `FORM_TYPE` value.
        form_type: String,
    },
    /// Happens when the data form and the legacy element give different values for the same field
    /// (XEP-0077 §6). Only the field's name is kept, never the values, which may be a password.
    #[error("the data form and the legacy <{field}/> element give different values")]
    Disagree {
        /// `username`, `password` or `nick`.
        field: &'static str,
    },
}

impl RegisterError {
    /// The error condition to answer the iq with: all are bad-request (XEP-0077 §3.1 and §3.2).
    pub fn error_kind(&self) -> ErrorKind {
        ErrorKind::BadRequest
    }
}

/// What a `jabber:iq:register` iq asks; `None` when `iq` is not an `<iq/>` get or set carrying a
/// `jabber:iq:register` `<query/>`.
///
/// A get is [`RegisterRequest::Form`] (XEP-0077 §3.1). A set with `<remove/>` is
/// [`RegisterRequest::Remove`] when `<remove/>` is the query's only child (XEP-0077 §3.2). Otherwise the
/// fields are read from the legacy `<username/>`, `<password/>` and `<nick/>` elements (XEP-0077 §3.1) and
/// from a `jabber:x:data` form of type `submit` with the vars `username`, `password` and `nick` (XEP-0077
/// §4 and §6); when both give a field they must agree. Usernames and nicks are trimmed; passwords are kept
/// as sent. Empty fields count as absent.
pub fn parse_register(iq: &Element) -> Option<Result<RegisterRequest, RegisterError>> {
    let is_get = request_is_get(iq)?;
    let query = iq.child("query", ns::REGISTER)?;
    if is_get {
        return Some(Ok(RegisterRequest::Form));
    }
    Some(parse_set(query))
}

fn parse_set(query: &Element) -> Result<RegisterRequest, RegisterError> {
    if query.child("remove", ns::REGISTER).is_some() {
        return if query.elements().count() == 1 {
            Ok(RegisterRequest::Remove)
        } else {
            Err(RegisterError::RemoveNotAlone)
        };
    }
    let form = match query.child("x", DATA) {
        Some(form) => Some(submitted_form(form)?),
        None => None,
    };
    let field = |name: &'static str, trim: bool| -> Result<Option<String>, RegisterError> {
        let clean = |value: String| {
            let value = if trim { value.trim().to_owned() } else { value };
            Some(value).filter(|value| !value.is_empty())
        };
        let legacy = query
            .child(name, ns::REGISTER)
            .map(Element::text)
            .and_then(clean);
        let submitted = form.and_then(|form| form_value(form, name)).and_then(clean);
        match (submitted, legacy) {
            (Some(submitted), Some(legacy)) if submitted != legacy => {
                Err(RegisterError::Disagree { field: name })
            }
            (submitted, legacy) => Ok(submitted.or(legacy)),
        }
    };
    let username = field("username", true)?;
    let password = field("password", false)?;
    let nick = field("nick", true)?;
    if username.is_none() && password.is_none() && nick.is_none() {
        return Err(RegisterError::Empty);
    }
    Ok(RegisterRequest::Submit {
        username,
        password: password.map(Secret::new),
        nick,
    })
}

/// The form, checked to be a submitted `jabber:iq:register` form (XEP-0004 §3.1, XEP-0068 §2).
fn submitted_form(form: &Element) -> Result<&Element, RegisterError> {
    let form_type = form.attr("type").unwrap_or_default();
    if form_type != "submit" {
        return Err(RegisterError::NotSubmitted {
            form_type: form_type.to_owned(),
        });
    }
    match form_value(form, "FORM_TYPE") {
        Some(value) if value.trim() != ns::REGISTER => Err(RegisterError::WrongFormType {
            form_type: value.trim().to_owned(),
        }),
        _ => Ok(form),
    }
}

/// The first `<value/>` of the form's field `var` (XEP-0004 §3.2).
fn form_value(form: &Element, var: &str) -> Option<String> {
    form.elements()
        .find(|field| field.is("field", DATA) && field.attr("var") == Some(var))
        .and_then(|field| field.child("value", DATA))
        .map(Element::text)
}

/// The result answering `iq` (RFC 6120 §8.2.3): from its `to` back to its `from`, same id, no payload.
/// XEP-0077 §3.1 (registered), §3.2 (removed) and XEP-0100 §4.1.1 step 5.
pub fn register_result(iq: &Element) -> Element {
    iq_result(iq)
}

/// The result answering a registration get (XEP-0077 §3.1 example 2, XEP-0100 §4.1.1 step 2): the
/// `<instructions/>`, then `<registered/>` when the user is registered (XEP-0077 §3.1 example 4), the
/// legacy `<username/>`, `<password/>` and `<nick/>` elements, and the same fields as a `jabber:x:data` form
/// (XEP-0077 §4 and §6; its hidden `FORM_TYPE` per XEP-0068 §2).
///
/// The current username and nick are filled in; the password never is (XEP-0077 §3.1 allows echoing it,
/// but it is a [`Secret`]), so `<password/>` is always empty and the form's password field has no value.
pub fn register_form(iq: &Element, network_name: &str, current: Option<&Registration>) -> Element {
    let instructions = format!(
        "Register with the {network_name} gateway: enter your {network_name} username and password if \
         the network asks for them, and the nick you want there."
    );
    let username = current
        .and_then(|registration| registration.legacy_username.as_deref())
        .unwrap_or_default();
    let nick = current
        .and_then(|registration| registration.settings.get(NICK_SETTING))
        .map(String::as_str)
        .unwrap_or_default();
    let mut query = Element::new("query", ns::REGISTER)
        .with_child(Element::new("instructions", ns::REGISTER).with_text(instructions.as_str()));
    if current.is_some() {
        query = query.with_child(Element::new("registered", ns::REGISTER));
    }
    let form = Element::new("x", DATA)
        .with_attr("type", "form")
        .with_child(
            Element::new("title", DATA).with_text(format!("{network_name} gateway registration")),
        )
        .with_child(Element::new("instructions", DATA).with_text(instructions))
        .with_child(form_field("FORM_TYPE", "hidden", None, ns::REGISTER))
        .with_child(form_field(
            "username",
            "text-single",
            Some("Username"),
            username,
        ))
        .with_child(form_field("password", "text-private", Some("Password"), ""))
        .with_child(form_field("nick", "text-single", Some("Nick"), nick));
    let query = query
        .with_child(Element::new("username", ns::REGISTER).with_text(username))
        .with_child(Element::new("password", ns::REGISTER))
        .with_child(Element::new("nick", ns::REGISTER).with_text(nick))
        .with_child(form);
    register_result(iq).with_child(query)
}

/// A XEP-0004 §3.2 `<field/>`, with its `<value/>` when `value` is not empty.
fn form_field(var: &str, kind: &str, label: Option<&str>, value: &str) -> Element {
    let mut field = Element::new("field", DATA)
        .with_attr("var", var)
        .with_attr("type", kind);
    if let Some(label) = label {
        field.set_attr("label", label);
    }
    if !value.is_empty() {
        field = field.with_child(Element::new("value", DATA).with_text(value));
    }
    field
}

/// The presence of `kind` from the gateway's domain to the user's bare JID.
fn gateway_presence(kind: &str, gateway: &str, user_bare: &str) -> Element {
    Element::new("presence", NS_COMPONENT)
        .with_attr("from", gateway)
        .with_attr("to", user_bare)
        .with_attr("type", kind)
}

/// After a successful registration the gateway asks to see the user's presence (XEP-0100 §4.1.1 step 6):
/// `<presence type='subscribe' from=gateway to=user/>`.
pub fn subscription_after_registration(gateway: &str, user_bare: &str) -> Element {
    gateway_presence("subscribe", gateway, user_bare)
}

/// After removing a registration the gateway cancels both subscriptions (XEP-0100 §4.3.1 step 5:
/// `unsubscribe`, then `unsubscribed`) and logs the user out (step 6: `unavailable`), in that order.
pub fn presences_after_removal(gateway: &str, user_bare: &str) -> [Element; 3] {
    [
        gateway_presence("unsubscribe", gateway, user_bare),
        gateway_presence("unsubscribed", gateway, user_bare),
        gateway_presence("unavailable", gateway, user_bare),
    ]
}

/// The registration a [`RegisterRequest::Submit`] stores for `user_bare` on `network`: the username and
/// password as legacy credentials, the nick under [`NICK_SETTING`].
pub fn registration_from(
    username: Option<String>,
    password: Option<Secret>,
    nick: Option<String>,
    user_bare: &str,
    network: &str,
) -> Registration {
    let mut settings = BTreeMap::new();
    if let Some(nick) = nick {
        settings.insert(NICK_SETTING.to_owned(), nick);
    }
    Registration {
        user: user_bare.to_owned(),
        network: network.to_owned(),
        legacy_username: username,
        legacy_password: password,
        settings,
    }
}

/// The registration after the user edits `current` (XEP-0100 §4.2): fields given replace the stored ones,
/// fields left out keep them. The form never shows the password, so resubmitting it with a new nick must not
/// forget the password.
pub fn updated_registration(
    current: &Registration,
    username: Option<String>,
    password: Option<Secret>,
    nick: Option<String>,
) -> Registration {
    let mut updated = current.clone();
    if username.is_some() {
        updated.legacy_username = username;
    }
    if password.is_some() {
        updated.legacy_password = password;
    }
    if let Some(nick) = nick {
        updated.settings.insert(NICK_SETTING.to_owned(), nick);
    }
    updated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iq(iq_type: &str, query: Element) -> Element {
        Element::new("iq", NS_COMPONENT)
            .with_attr("from", "juliet@example.com/balcony")
            .with_attr("to", "irc.gw.example")
            .with_attr("id", "reg1")
            .with_attr("type", iq_type)
            .with_child(query)
    }

    fn query() -> Element {
        Element::new("query", ns::REGISTER)
    }

    fn legacy(name: &str, value: &str) -> Element {
        Element::new(name, ns::REGISTER).with_text(value)
    }

    fn field(var: &str, value: &str) -> Element {
        Element::new("field", DATA)
            .with_attr("var", var)
            .with_child(Element::new("value", DATA).with_text(value))
    }

    fn form(form_type: &str, fields: Vec<Element>) -> Element {
        fields.into_iter().fold(
            Element::new("x", DATA).with_attr("type", form_type),
            Element::with_child,
        )
    }

    fn parse(iq: &Element) -> Result<RegisterRequest, RegisterError> {
        parse_register(iq).expect("a registration iq")
    }

    fn submit(
        username: Option<&str>,
        password: Option<&str>,
        nick: Option<&str>,
    ) -> RegisterRequest {
        RegisterRequest::Submit {
            username: username.map(str::to_owned),
            password: password.map(Secret::new),
            nick: nick.map(str::to_owned),
        }
    }

    #[test]
    fn a_get_asks_for_the_form() {
        assert_eq!(parse(&iq("get", query())), Ok(RegisterRequest::Form));
    }

    #[test]
    fn legacy_fields_are_a_submission() {
        let request = iq(
            "set",
            query()
                .with_child(legacy("username", " juliet "))
                .with_child(legacy("password", " R0m30 "))
                .with_child(legacy("nick", "jc")),
        );
        assert_eq!(
            parse(&request),
            Ok(submit(Some("juliet"), Some(" R0m30 "), Some("jc")))
        );
        let only_nick = iq("set", query().with_child(legacy("nick", "jc")));
        assert_eq!(parse(&only_nick), Ok(submit(None, None, Some("jc"))));
    }

    #[test]
    fn a_submitted_data_form_is_a_submission() {
        let request = iq(
            "set",
            query().with_child(form(
                "submit",
                vec![
                    field("FORM_TYPE", ns::REGISTER),
                    field("username", "juliet"),
                    field("password", "R0m30"),
                    field("nick", "jc"),
                ],
            )),
        );
        assert_eq!(
            parse(&request),
            Ok(submit(Some("juliet"), Some("R0m30"), Some("jc")))
        );
        let without_form_type = iq(
            "set",
            query().with_child(form("submit", vec![field("password", "R0m30")])),
        );
        assert_eq!(
            parse(&without_form_type),
            Ok(submit(None, Some("R0m30"), None))
        );
    }

    #[test]
    fn form_and_legacy_fields_combine_when_they_agree() {
        let request = iq(
            "set",
            query()
                .with_child(legacy("username", "juliet"))
                .with_child(legacy("nick", "jc"))
                .with_child(form(
                    "submit",
                    vec![field("username", "juliet"), field("password", "R0m30")],
                )),
        );
        assert_eq!(
            parse(&request),
            Ok(submit(Some("juliet"), Some("R0m30"), Some("jc")))
        );
    }

    #[test]
    fn disagreeing_fields_are_refused_without_their_values() {
        let request = iq(
            "set",
            query()
                .with_child(legacy("password", "one"))
                .with_child(form("submit", vec![field("password", "two")])),
        );
        let error = parse(&request).unwrap_err();
        assert_eq!(error, RegisterError::Disagree { field: "password" });
        assert_eq!(
            error.to_string(),
            "the data form and the legacy <password/> element give different values"
        );
        assert_eq!(error.error_kind(), ErrorKind::BadRequest);
    }

    #[test]
    fn remove_alone_cancels_and_remove_with_company_is_refused() {
        let remove = iq(
            "set",
            query().with_child(Element::new("remove", ns::REGISTER)),
        );
        assert_eq!(parse(&remove), Ok(RegisterRequest::Remove));
        let crowded = iq(
            "set",
            query()
                .with_child(Element::new("remove", ns::REGISTER))
                .with_child(legacy("username", "juliet")),
        );
        assert_eq!(parse(&crowded), Err(RegisterError::RemoveNotAlone));
        assert_eq!(
            RegisterError::RemoveNotAlone.to_string(),
            "<remove/> must be the only child of the registration query"
        );
    }

    #[test]
    fn empty_sets_and_foreign_forms_are_refused() {
        assert_eq!(parse(&iq("set", query())), Err(RegisterError::Empty));
        let blank = iq(
            "set",
            query()
                .with_child(legacy("username", "  "))
                .with_child(legacy("password", "")),
        );
        assert_eq!(parse(&blank), Err(RegisterError::Empty));
        assert_eq!(
            RegisterError::Empty.to_string(),
            "the registration names no username, password or nick"
        );
        let cancelled = iq(
            "set",
            query().with_child(form("cancel", vec![field("username", "juliet")])),
        );
        assert_eq!(
            parse(&cancelled),
            Err(RegisterError::NotSubmitted {
                form_type: "cancel".into()
            })
        );
        let foreign = iq(
            "set",
            query().with_child(form(
                "submit",
                vec![field("FORM_TYPE", "urn:example"), field("username", "j")],
            )),
        );
        let error = parse(&foreign).unwrap_err();
        assert_eq!(
            error,
            RegisterError::WrongFormType {
                form_type: "urn:example".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "the form is a 'urn:example' form, not a 'jabber:iq:register' one"
        );
    }

    #[test]
    fn other_iqs_are_not_registrations() {
        assert_eq!(parse_register(&iq("result", query())), None);
        assert_eq!(parse_register(&iq("error", query())), None);
        assert_eq!(
            parse_register(&iq("get", Element::new("query", ns::GATEWAY))),
            None
        );
        let message = Element::new("message", NS_COMPONENT)
            .with_attr("type", "get")
            .with_child(query());
        assert_eq!(parse_register(&message), None);
    }

    #[test]
    fn the_password_never_shows_in_debug_output() {
        let request = submit(Some("juliet"), Some("R0m30"), None);
        let debug = format!("{request:?}");
        assert!(!debug.contains("R0m30"), "{debug}");
        assert_eq!(
            debug,
            "Submit { username: Some(\"juliet\"), password: Some([redacted]), nick: None }"
        );
    }

    const INSTRUCTIONS: &str = "Register with the IRC gateway: enter your IRC username and password if \
                                the network asks for them, and the nick you want there.";

    /// The form before the fields: the result addressing and the instructions.
    const FORM_HEAD: &str = "<iq xmlns='jabber:component:accept' from='irc.gw.example' \
                             to='juliet@example.com/balcony' id='reg1' type='result'><query \
                             xmlns='jabber:iq:register'><instructions>";

    /// The form's title, instructions and hidden FORM_TYPE.
    const DATA_HEAD: &str = "<x xmlns='jabber:x:data' type='form'><title>IRC gateway \
                             registration</title><instructions>";

    const FORM_TYPE: &str =
        "<field var='FORM_TYPE' type='hidden'><value>jabber:iq:register</value></field>";

    #[test]
    fn the_form_for_a_new_user_is_empty() {
        let get = iq("get", query());
        assert_eq!(
            register_form(&get, "IRC", None).to_xml(),
            format!(
                "{FORM_HEAD}{INSTRUCTIONS}</instructions><username/><password/><nick/>{DATA_HEAD}\
                 {INSTRUCTIONS}</instructions>{FORM_TYPE}<field var='username' type='text-single' \
                 label='Username'/><field var='password' type='text-private' label='Password'/><field \
                 var='nick' type='text-single' label='Nick'/></x></query></iq>"
            )
        );
    }

    #[test]
    fn the_form_for_a_registered_user_shows_all_but_the_password() {
        let get = iq("get", query());
        let current = registration_from(
            Some("juliet".into()),
            Some(Secret::new("R0m30")),
            Some("jc".into()),
            "juliet@example.com",
            "irc:libera",
        );
        let xml = register_form(&get, "IRC", Some(&current)).to_xml();
        assert_eq!(
            xml,
            format!(
                "{FORM_HEAD}{INSTRUCTIONS}</instructions><registered/><username>juliet</username>\
                 <password/><nick>jc</nick>{DATA_HEAD}{INSTRUCTIONS}</instructions>{FORM_TYPE}<field \
                 var='username' type='text-single' label='Username'><value>juliet</value></field><field \
                 var='password' type='text-private' label='Password'/><field var='nick' \
                 type='text-single' label='Nick'><value>jc</value></field></x></query></iq>"
            )
        );
        assert!(!xml.contains("R0m30"), "{xml}");
    }

    #[test]
    fn results_and_presences_go_from_the_gateway_to_the_user() {
        let set = iq("set", query().with_child(legacy("nick", "jc")));
        assert_eq!(
            register_result(&set).to_xml(),
            "<iq xmlns='jabber:component:accept' from='irc.gw.example' to='juliet@example.com/balcony' \
             id='reg1' type='result'/>"
        );
        assert_eq!(
            subscription_after_registration("irc.gw.example", "juliet@example.com").to_xml(),
            "<presence xmlns='jabber:component:accept' from='irc.gw.example' to='juliet@example.com' \
             type='subscribe'/>"
        );
        let removal = presences_after_removal("irc.gw.example", "juliet@example.com")
            .map(|presence| presence.to_xml());
        assert_eq!(
            removal,
            ["unsubscribe", "unsubscribed", "unavailable"].map(|kind| format!(
                "<presence xmlns='jabber:component:accept' from='irc.gw.example' \
                 to='juliet@example.com' type='{kind}'/>"
            ))
        );
    }

    #[test]
    fn a_submission_becomes_a_registration_and_edits_keep_what_they_leave_out() {
        let registration = registration_from(
            Some("juliet".into()),
            Some(Secret::new("R0m30")),
            Some("jc".into()),
            "juliet@example.com",
            "irc:libera",
        );
        assert_eq!(
            registration,
            Registration {
                user: "juliet@example.com".into(),
                network: "irc:libera".into(),
                legacy_username: Some("juliet".into()),
                legacy_password: Some(Secret::new("R0m30")),
                settings: BTreeMap::from([("nick".to_owned(), "jc".to_owned())]),
            }
        );
        let bare = registration_from(None, None, None, "juliet@example.com", "sms");
        assert_eq!(bare.legacy_username, None);
        assert!(bare.settings.is_empty());
        let edited = updated_registration(&registration, None, None, Some("juju".into()));
        assert_eq!(
            edited,
            Registration {
                settings: BTreeMap::from([("nick".to_owned(), "juju".to_owned())]),
                ..registration.clone()
            }
        );
        let new_password =
            updated_registration(&registration, None, Some(Secret::new("Jul13t")), None);
        assert_eq!(
            new_password.legacy_password.as_ref().map(Secret::expose),
            Some("Jul13t")
        );
        assert_eq!(new_password.legacy_username.as_deref(), Some("juliet"));
    }
}
