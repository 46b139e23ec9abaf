//! XEP-0077 In-Band Registration with the transport (XEP-0100 §4): an XMPP user registers with a gateway
//! domain, optionally giving legacy credentials (an IRC account and SASL password, say), changes them, or
//! removes the registration. Registrations live in the store; passwords are never echoed or logged.

use switchboard_core::store::{Registration, Secret};

use crate::proto::{Element, NS_COMPONENT};

/// XEP-0077 §2.
pub(crate) const NS_REGISTER: &str = "jabber:iq:register";
/// XEP-0004 data forms.
const NS_DATA: &str = "jabber:x:data";

/// What a registration iq asks.
#[derive(Debug)]
pub(crate) enum Request {
    /// The registration form (a `get`).
    Form,
    /// Register or change the registration.
    Submit {
        username: Option<String>,
        password: Option<Secret>,
        nick: Option<String>,
    },
    /// Cancel the registration (XEP-0077 §3.2).
    Remove,
}

/// Whether `iq` is a registration iq.
pub(crate) fn is_register_iq(iq: &Element) -> bool {
    iq.name == "iq"
        && matches!(iq.attr("type"), Some("get" | "set"))
        && iq.child("query", NS_REGISTER).is_some()
}

/// What a registration iq asks; `Err` with the reason when a `set` carries nothing usable.
pub(crate) fn parse(iq: &Element) -> Result<Request, &'static str> {
    let query = iq
        .child("query", NS_REGISTER)
        .ok_or("not a registration query")?;
    if iq.attr("type") == Some("get") {
        return Ok(Request::Form);
    }
    if query.child("remove", NS_REGISTER).is_some() {
        return Ok(Request::Remove);
    }
    // XEP-0077 §6: a data form, when present, takes precedence over the legacy fields.
    let form_value = |var: &str| {
        query
            .child("x", NS_DATA)
            .and_then(|x| {
                x.elements()
                    .find(|f| f.name == "field" && f.attr("var") == Some(var))
            })
            .and_then(|f| f.child("value", NS_DATA))
            .map(Element::text)
    };
    let field = |name: &str| {
        form_value(name)
            .or_else(|| query.child(name, NS_REGISTER).map(Element::text))
            .filter(|value| !value.is_empty())
    };
    let (username, password, nick) = (field("username"), field("password"), field("nick"));
    if username.is_none() && password.is_none() && nick.is_none() {
        return Err("the registration names no username, password or nick");
    }
    Ok(Request::Submit {
        username,
        password: password.map(Secret::new),
        nick,
    })
}

/// The registration form (XEP-0077 §3.1) for `network`, showing the current registration without its
/// password.
pub(crate) fn form(iq: &Element, network: &str, current: Option<&Registration>) -> Element {
    let instructions = format!(
        "Register with the {network} gateway. Give your {network} account name and password if the network \
         needs them, and the nick you want there."
    );
    let current_name = current
        .and_then(|r| r.legacy_username.clone())
        .unwrap_or_default();
    let current_nick = current
        .and_then(|r| r.settings.get("nick").cloned())
        .unwrap_or_default();
    let mut query = Element::new("query", NS_REGISTER)
        .with_child(Element::new("instructions", NS_REGISTER).with_text(instructions.clone()));
    if current.is_some() {
        query = query.with_child(Element::new("registered", NS_REGISTER));
    }
    query = query
        .with_child(Element::new("username", NS_REGISTER).with_text(current_name.clone()))
        .with_child(Element::new("password", NS_REGISTER))
        .with_child(Element::new("nick", NS_REGISTER).with_text(current_nick.clone()));
    let field = |var: &str, kind: &str, label: &str, value: &str| {
        let mut field = Element::new("field", NS_DATA)
            .with_attr("var", var)
            .with_attr("type", kind)
            .with_attr("label", label);
        if !value.is_empty() {
            field = field.with_child(Element::new("value", NS_DATA).with_text(value));
        }
        field
    };
    let data = Element::new("x", NS_DATA)
        .with_attr("type", "form")
        .with_child(
            Element::new("title", NS_DATA).with_text(format!("{network} gateway registration")),
        )
        .with_child(Element::new("instructions", NS_DATA).with_text(instructions))
        .with_child(field("FORM_TYPE", "hidden", "", NS_REGISTER))
        .with_child(field(
            "username",
            "text-single",
            "Account name",
            &current_name,
        ))
        .with_child(field("password", "text-private", "Password", ""))
        .with_child(field("nick", "text-single", "Nick", &current_nick));
    result(iq).with_child(query.with_child(data))
}

/// The empty result of a registration iq.
pub(crate) fn result(iq: &Element) -> Element {
    Element::new("iq", NS_COMPONENT)
        .with_attr("type", "result")
        .with_attr("id", iq.attr("id").unwrap_or_default())
        .with_attr("from", iq.attr("to").unwrap_or_default())
        .with_attr("to", iq.attr("from").unwrap_or_default())
}

/// A presence of `kind` from the gateway to the user: after registering the gateway asks to subscribe to
/// the user (XEP-0100 §4.1.1), after removal it unsubscribes (§4.3).
pub(crate) fn presence(kind: &str, gateway: &str, user: &str) -> Element {
    Element::new("presence", NS_COMPONENT)
        .with_attr("type", kind)
        .with_attr("from", gateway)
        .with_attr("to", user)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(children: &str) -> Element {
        let xml = format!(
            "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>\
             <iq type='set' id='r1' from='alice@localhost/x' to='gw.localhost'>\
             <query xmlns='jabber:iq:register'>{children}</query></iq>"
        );
        let events = crate::proto::parse_all(xml.as_bytes(), Default::default()).expect("parses");
        events
            .into_iter()
            .find_map(|e| match e {
                crate::proto::StreamEvent::Stanza(s) => Some(s),
                _ => None,
            })
            .expect("a stanza")
    }

    #[test]
    fn legacy_fields_and_data_forms_both_register() {
        let Ok(Request::Submit {
            username,
            password,
            nick,
        }) = parse(&set("<username>al</username><password>pw</password>"))
        else {
            panic!("submit expected")
        };
        assert_eq!(username.as_deref(), Some("al"));
        assert_eq!(
            password.map(|p| p.expose().to_owned()).as_deref(),
            Some("pw")
        );
        assert_eq!(nick, None);
        let form = "<x xmlns='jabber:x:data' type='submit'><field var='nick'><value>ally</value></field></x>\
                    <nick>ignored</nick>";
        let Ok(Request::Submit { nick, .. }) = parse(&set(form)) else {
            panic!("submit expected")
        };
        assert_eq!(
            nick.as_deref(),
            Some("ally"),
            "the form wins over legacy fields"
        );
    }

    #[test]
    fn remove_and_empty_sets() {
        assert!(matches!(parse(&set("<remove/>")), Ok(Request::Remove)));
        assert_eq!(
            parse(&set("")).unwrap_err(),
            "the registration names no username, password or nick"
        );
    }

    #[test]
    fn the_form_shows_the_current_registration_but_never_its_password() {
        let iq = set("");
        let current = Registration {
            user: "alice@localhost".into(),
            network: "gw.localhost".into(),
            legacy_username: Some("al".into()),
            legacy_password: Some(Secret::new("hunter2")),
            settings: [("nick".to_owned(), "ally".to_owned())].into(),
        };
        let xml = form(&iq, "IRC", Some(&current)).to_xml();
        assert!(xml.contains("<registered/>"), "{xml}");
        assert!(xml.contains("<username>al</username>"), "{xml}");
        assert!(xml.contains("ally"), "{xml}");
        assert!(
            !xml.contains("hunter2"),
            "the password is never echoed: {xml}"
        );
        let fresh = form(&iq, "IRC", None).to_xml();
        assert!(!fresh.contains("registered"), "{fresh}");
        assert!(fresh.contains("type='text-private'"), "{fresh}");
    }
}
