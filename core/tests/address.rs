//! Address parsing, canonical printing and validation for every scheme, IRC case mapping, XEP-0106 escaping,
//! and the PRECIS golden cases against the JID parts.

mod common;

use common::{canonical, parse, parse_err};

use std::collections::BTreeSet;

use switchboard_core::address::{
    Address, AddressError, Scheme, SipUri, SipUriError, TelNumber, TelNumberError, XmppAddress,
    XmppAddressError,
};

// ---------------------------------------------------------------- dispatch, scheme, serde

#[test]
fn scheme_names_round_trip_and_ignore_case() {
    for (text, scheme) in [
        ("xmpp", Scheme::Xmpp),
        ("sip", Scheme::Sip),
        ("sips", Scheme::Sips),
        ("irc", Scheme::Irc),
        ("tel", Scheme::Tel),
        ("mailto", Scheme::Mailto),
        ("im", Scheme::Im),
        ("pres", Scheme::Pres),
    ] {
        assert_eq!(text.parse::<Scheme>().unwrap(), scheme);
        assert_eq!(text.to_uppercase().parse::<Scheme>().unwrap(), scheme);
        assert_eq!(scheme.to_string(), text);
        assert_eq!(scheme.as_str(), text);
    }
    assert_eq!(
        "http".parse::<Scheme>(),
        Err(AddressError::UnknownScheme("http".into()))
    );
}

#[test]
fn address_dispatches_on_scheme() {
    assert_eq!(parse("xmpp:a@example.org").scheme(), Scheme::Xmpp);
    assert_eq!(parse("sip:a@example.org").scheme(), Scheme::Sip);
    assert_eq!(parse("sips:a@example.org").scheme(), Scheme::Sips);
    assert_eq!(parse("irc://libera/#rust").scheme(), Scheme::Irc);
    assert_eq!(parse("tel:+15550100").scheme(), Scheme::Tel);
    assert_eq!(parse("mailto:a@example.org").scheme(), Scheme::Mailto);
    assert_eq!(parse("im:a@example.org").scheme(), Scheme::Im);
    assert_eq!(parse("pres:a@example.org").scheme(), Scheme::Pres);
    assert_eq!(parse("XMPP:a@example.org").scheme(), Scheme::Xmpp);
}

#[test]
fn address_errors_name_the_problem() {
    assert_eq!(
        parse_err("alice@example.org"),
        AddressError::MissingScheme("alice@example.org".into())
    );
    assert_eq!(
        parse_err("http://example.org"),
        AddressError::UnknownScheme("http".into())
    );
    assert_eq!(
        parse_err("http://example.org").to_string(),
        "unknown address scheme `http`; expected one of xmpp, sip, sips, irc, tel, mailto, im, pres"
    );
    assert_eq!(
        parse_err("tel:5550100"),
        AddressError::Tel(TelNumberError::LocalNumber("5550100".into()))
    );
    // The per-scheme error is shown as is, not wrapped.
    assert_eq!(
        parse_err("tel:5550100").to_string(),
        "tel number `5550100` is local; a global number starting with + and the country code is needed"
    );
    assert!(std::error::Error::source(&parse_err("tel:5550100")).is_none());
}

#[test]
fn domain_and_bare_per_scheme() {
    let cases = [
        (
            "xmpp:juliet@Example.COM/balcony",
            Some("example.com"),
            "xmpp:juliet@example.com",
        ),
        (
            "sip:alice@Atlanta.example.com:5060;transport=tcp",
            Some("atlanta.example.com"),
            "sip:alice@atlanta.example.com:5060",
        ),
        ("irc://Libera/#rust", Some("libera"), "irc://libera/#rust"),
        ("tel:+1-555-0100", None, "tel:+15550100"),
        (
            "mailto:Bob@Example.ORG",
            Some("example.org"),
            "mailto:Bob@example.org",
        ),
        (
            "im:fred@Example.com",
            Some("example.com"),
            "im:fred@example.com",
        ),
        (
            "pres:fred@Example.com",
            Some("example.com"),
            "pres:fred@example.com",
        ),
    ];
    for (text, domain, bare) in cases {
        let address = parse(text);
        assert_eq!(address.domain(), domain, "{text}");
        assert_eq!(address.bare().to_string(), bare, "{text}");
    }
}

#[test]
fn serde_uses_the_uri_string() {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Holder {
        to: Address,
    }
    let holder = Holder {
        to: parse("xmpp:juliet@example.com/balcony"),
    };
    let bytes = postcard::to_stdvec(&holder).unwrap();
    assert_eq!(postcard::from_bytes::<Holder>(&bytes).unwrap(), holder);
    let as_string: String =
        postcard::from_bytes(&postcard::to_stdvec(&holder.to).unwrap()).unwrap();
    assert_eq!(as_string, "xmpp:juliet@example.com/balcony");
    let invalid = postcard::to_stdvec("tel:12").unwrap();
    assert!(postcard::from_bytes::<Address>(&invalid).is_err());
}

#[test]
fn ordering_and_hashing_follow_canonical_form() {
    let set: BTreeSet<Address> = [
        "xmpp:A@example.com",
        "xmpp:a@EXAMPLE.com",
        "tel:+1 555 0100",
        "tel:+15550100",
    ]
    .into_iter()
    .map(parse)
    .collect();
    assert_eq!(set.len(), 2);
}

// ---------------------------------------------------------------- xmpp:

#[test]
fn xmpp_parts_and_normalisation() {
    let address: XmppAddress = "xmpp:Juliet@Example.COM/Balcony".parse().unwrap();
    assert_eq!(address.node(), Some("juliet"));
    assert_eq!(address.domain(), "example.com");
    assert_eq!(address.resource(), Some("Balcony"));
    assert!(!address.is_bare());
    assert_eq!(address.bare().to_string(), "xmpp:juliet@example.com");
    assert!(address.bare().is_bare());
    let jid = jid::Jid::new("romeo@montague.lit").unwrap();
    assert_eq!(XmppAddress::from(jid.clone()).jid(), &jid);
    assert_eq!(XmppAddress::new(jid).to_string(), "xmpp:romeo@montague.lit");
    assert_eq!(
        XmppAddress::from_jid_str("example.com/a/b")
            .unwrap()
            .resource(),
        Some("a/b")
    );
}

#[test]
fn xmpp_canonical_and_round_trip() {
    // RFC 5122 §2.7.2 percent-encoding: characters the URI syntax reserves are escaped in the localpart;
    // nodeprep allows all of nasty!#$%()*+,;=[] there.
    let nasty: XmppAddress = "xmpp:nasty!%23$%25()*+,;=%5B%5D@example.com"
        .parse()
        .unwrap();
    assert_eq!(nasty.node(), Some("nasty!#$%()*+,;=[]"));
    assert_eq!(
        nasty.to_string(),
        "xmpp:nasty!%23$%25()*+,;=%5B%5D@example.com"
    );
    // A "?" in a resource must be written %3F so it is not read as a query (RFC 5122 §2.5).
    let resource: XmppAddress = "xmpp:node@example.com/ah%3F2+2=4".parse().unwrap();
    assert_eq!(resource.resource(), Some("ah?2+2=4"));
    assert_eq!(
        canonical("xmpp:node@example.com/ah%3F2+2=4"),
        "xmpp:node@example.com/ah%3F2+2=4"
    );
    assert_eq!(
        canonical("xmpp:Ju%6Ciet@example.com"),
        "xmpp:juliet@example.com"
    );
    assert_eq!(canonical("xmpp:example.com"), "xmpp:example.com");
    assert_eq!(
        canonical("xmpp:example.com/res%20with%20space"),
        "xmpp:example.com/res%20with%20space"
    );
    assert_eq!(canonical("xmpp:[::1]"), "xmpp:[::1]");
    assert_eq!(canonical("xmpp:192.0.2.1/r"), "xmpp:192.0.2.1/r");
    assert_eq!(
        canonical("xmpp:%C3%A9lise@example.com"),
        "xmpp:élise@example.com"
    );
    assert_eq!(
        canonical("xmpp:élise@example.com/chambre"),
        "xmpp:élise@example.com/chambre"
    );
}

#[test]
fn xmpp_invalid() {
    let err = |text: &str| text.parse::<XmppAddress>().expect_err(text);
    assert_eq!(
        err("sip:a@b"),
        XmppAddressError::NotXmppUri("sip:a@b".into())
    );
    assert_eq!(err("xmpp:"), XmppAddressError::Empty);
    assert_eq!(
        err("xmpp://guest@example.com/support@example.com"),
        XmppAddressError::AuthorityNotSupported(
            "xmpp://guest@example.com/support@example.com".into()
        )
    );
    assert_eq!(
        err("xmpp:a@example.com?message"),
        XmppAddressError::QueryNotSupported("xmpp:a@example.com?message".into())
    );
    assert_eq!(
        err("xmpp:a@example.com#x"),
        XmppAddressError::FragmentNotSupported("xmpp:a@example.com#x".into())
    );
    assert_eq!(
        err("xmpp:a%2@example.com"),
        XmppAddressError::BadPercentEncoding("xmpp:a%2@example.com".into())
    );
    assert_eq!(
        err("xmpp:a%FF@example.com"),
        XmppAddressError::BadPercentEncoding("xmpp:a%FF@example.com".into())
    );
    assert_eq!(err("xmpp:@example.com"), XmppAddressError::EmptyLocalpart);
    assert_eq!(err("xmpp:a@example.com/"), XmppAddressError::EmptyResource);
    assert_eq!(
        err("xmpp:d'artagnan@example.com"),
        XmppAddressError::InvalidLocalpart("d'artagnan".into())
    );
    assert_eq!(
        err("xmpp:a%40b@example.com"),
        XmppAddressError::InvalidLocalpart("a@b".into())
    );
    assert_eq!(
        err("xmpp:a@exa%2Fmple.com"),
        XmppAddressError::InvalidDomain("exa/mple.com".into())
    );
    assert_eq!(
        err("xmpp:a@ex ample.com"),
        XmppAddressError::InvalidDomain("ex ample.com".into())
    );
    assert_eq!(
        err("xmpp:a@example.com/%07"),
        XmppAddressError::InvalidResource("\u{7}".into())
    );
}

#[test]
fn xmpp_length_limits() {
    // RFC 7622 §3.3.1 and §3.4.1: 1023 octets at most.
    let ok_node = "a".repeat(1023);
    assert!(
        format!("xmpp:{ok_node}@example.com")
            .parse::<XmppAddress>()
            .is_ok()
    );
    let long_node = "a".repeat(1024);
    assert_eq!(
        format!("xmpp:{long_node}@example.com").parse::<XmppAddress>(),
        Err(XmppAddressError::LocalpartTooLong)
    );
    let ok_resource = "r".repeat(1023);
    assert!(
        format!("xmpp:example.com/{ok_resource}")
            .parse::<XmppAddress>()
            .is_ok()
    );
    let long_resource = "r".repeat(1024);
    assert_eq!(
        format!("xmpp:example.com/{long_resource}").parse::<XmppAddress>(),
        Err(XmppAddressError::ResourceTooLong)
    );
}

// ---------------------------------------------------------------- sip: / sips:

#[test]
fn sip_parts() {
    // Modelled on the RFC 3261 §19.1.3 examples.
    assert_eq!(
        "sip:alice:secretword@atlanta.com;transport=tcp".parse::<SipUri>(),
        Err(SipUriError::PasswordNotSupported)
    );
    let uri: SipUri = "sip:alice@atlanta.com;transport=tcp".parse().unwrap();
    assert_eq!(uri.user(), Some("alice"));
    assert_eq!(uri.host(), "atlanta.com");
    assert_eq!(uri.param("TRANSPORT"), Some(Some("tcp")));
    assert_eq!(uri.param("lr"), None);
    let gw: SipUri = "sips:+1-212-555-1212@gateway.com;user=phone"
        .parse()
        .unwrap();
    assert!(gw.is_secure());
    assert_eq!(gw.user(), Some("+1-212-555-1212"));
    assert_eq!(
        gw.params(),
        &[("user".to_owned(), Some("phone".to_owned()))]
    );
    let ip: SipUri = "sip:alice@192.0.2.4".parse().unwrap();
    assert_eq!(ip.host(), "192.0.2.4");
    let proxy: SipUri = "sip:atlanta.com;method=REGISTER;lr".parse().unwrap();
    assert_eq!(proxy.user(), None);
    assert_eq!(proxy.param("lr"), Some(None));
    assert_eq!(proxy.param("method"), Some(Some("REGISTER")));
    let v6: SipUri = "sip:[2001:db8::10]:5070".parse().unwrap();
    assert_eq!((v6.host(), v6.port()), ("[2001:db8::10]", Some(5070)));
}

#[test]
fn sip_canonical_and_round_trip() {
    // RFC 3261 §19.1.4: %61lice equals alice; host case does not matter.
    assert_eq!(
        canonical("sip:%61lice@AtLanTa.CoM;Transport=UDP"),
        "sip:alice@atlanta.com;transport=UDP"
    );
    assert_eq!(
        canonical("SIPS:bob@biloxi.com:5061"),
        "sips:bob@biloxi.com:5061"
    );
    assert_eq!(
        canonical("sip:[2001:DB8:0:0:0:0:0:10]"),
        "sip:[2001:db8::10]"
    );
    // An escaped colon and space in the user part stay escaped (RFC 3261 §25.1 `user` has neither).
    assert_eq!(
        canonical("sip:sip%3Auser%20name@example.com"),
        "sip:sip%3Auser%20name@example.com"
    );
    assert_eq!(
        parse("sip:sip%3Auser%20name@example.com")
            .bare()
            .to_string(),
        "sip:sip%3Auser%20name@example.com"
    );
    assert_eq!(canonical("sip:a;b=c@example.com"), "sip:a;b=c@example.com");
    assert_eq!(
        canonical("sip:%C3%A9@example.com"),
        "sip:%C3%A9@example.com"
    );
    assert_eq!(
        canonical("sip:example.com.;maddr=[::1]"),
        "sip:example.com.;maddr=[::1]"
    );
    // XEP-0106 §6.3 example sip: URI (its "%zy" is kept as the literal "%25zy" here).
    let uri: SipUri = "sip:here%27s_a_wild_%26_%2Fcr%25zy%2F_address@example.com"
        .parse()
        .unwrap();
    assert_eq!(uri.user(), Some("here's_a_wild_&_/cr%zy/_address"));
}

#[test]
fn sip_invalid() {
    let err = |text: &str| text.parse::<SipUri>().expect_err(text);
    assert_eq!(err("tel:+1"), SipUriError::NotSipUri("tel:+1".into()));
    assert_eq!(err("sip:@example.com"), SipUriError::EmptyUser);
    assert_eq!(
        err("sip:a:b@example.com"),
        SipUriError::PasswordNotSupported
    );
    assert_eq!(
        err("sip:a b@example.com"),
        SipUriError::InvalidUser("a b".into())
    );
    assert_eq!(err("sip:alice@"), SipUriError::MissingHost);
    assert_eq!(err("sip:"), SipUriError::MissingHost);
    assert_eq!(
        err("sip:alice@exa_mple.com"),
        SipUriError::InvalidHost("exa_mple.com".into())
    );
    assert_eq!(
        err("sip:alice@-a.com"),
        SipUriError::InvalidHost("-a.com".into())
    );
    assert_eq!(
        err("sip:alice@example.123"),
        SipUriError::InvalidHost("example.123".into())
    );
    assert_eq!(
        err("sip:alice@256.1.1.1"),
        SipUriError::InvalidHost("256.1.1.1".into())
    );
    assert_eq!(
        err("sip:alice@[::g]"),
        SipUriError::InvalidHost("[::g]".into())
    );
    assert_eq!(
        err("sip:alice@a..b"),
        SipUriError::InvalidHost("a..b".into())
    );
    assert_eq!(
        err("sip:alice@example.com:"),
        SipUriError::InvalidPort(String::new())
    );
    assert_eq!(
        err("sip:alice@example.com:65536"),
        SipUriError::InvalidPort("65536".into())
    );
    assert_eq!(
        err("sip:alice@example.com:+5"),
        SipUriError::InvalidPort("+5".into())
    );
    assert_eq!(
        err("sip:alice@example.com;"),
        SipUriError::InvalidParameter(String::new())
    );
    assert_eq!(
        err("sip:alice@example.com;a="),
        SipUriError::InvalidParameter("a=".into())
    );
    assert_eq!(
        err("sip:alice@example.com;a=b c"),
        SipUriError::InvalidParameter("a=b c".into())
    );
    assert_eq!(
        err("sip:alice@example.com;lr;LR"),
        SipUriError::DuplicateParameter("lr".into())
    );
    assert_eq!(
        err("sip:alice@example.com?subject=hi"),
        SipUriError::HeadersNotSupported("sip:alice@example.com?subject=hi".into())
    );
    assert_eq!(
        err("sip:a%zz@example.com"),
        SipUriError::BadPercentEncoding("sip:a%zz@example.com".into())
    );
    assert_eq!(
        err("sip:alice@example.com:99999").to_string(),
        "sip URI port `99999` is not a number from 0 to 65535"
    );
}

#[test]
fn sip_host_length_limits() {
    let label63 = "a".repeat(63);
    assert!(format!("sip:{label63}.com").parse::<SipUri>().is_ok());
    let label64 = "a".repeat(64);
    assert_eq!(
        format!("sip:{label64}.com").parse::<SipUri>(),
        Err(SipUriError::LabelTooLong(label64))
    );
    // 63+1+63+1+63+1+61 = 253 characters.
    let host253 = format!("{label63}.{label63}.{label63}.{}", "b".repeat(61));
    assert_eq!(host253.len(), 253);
    assert!(format!("sip:{host253}").parse::<SipUri>().is_ok());
    assert_eq!(
        format!("sip:{host253}b").parse::<SipUri>(),
        Err(SipUriError::HostTooLong)
    );
}

// ---------------------------------------------------------------- tel:

#[test]
fn tel_numbers() {
    // RFC 3966 §6 example: tel:+1-201-555-0123.
    let number: TelNumber = "tel:+1-201-555-0123".parse().unwrap();
    assert_eq!(number.as_str(), "+12015550123");
    assert_eq!(number.digits(), "12015550123");
    assert_eq!(number.to_string(), "tel:+12015550123");
    assert_eq!(canonical("TEL:+44 (20) 7946.0958"), "tel:+442079460958");
    assert_eq!(
        TelNumber::from_e164("+33 1 23 45 67 89").unwrap().as_str(),
        "+33123456789"
    );
    assert_eq!(canonical("tel:+1"), "tel:+1");
}

#[test]
fn tel_limits_and_errors() {
    let err = |text: &str| text.parse::<TelNumber>().expect_err(text);
    // E.164 §6.1: 15 digits at most.
    assert!("tel:+123456789012345".parse::<TelNumber>().is_ok());
    assert_eq!(
        err("tel:+1234567890123456"),
        TelNumberError::TooManyDigits(16)
    );
    assert_eq!(err("tel:+"), TelNumberError::NoDigits);
    assert_eq!(err("tel:+--"), TelNumberError::NoDigits);
    // RFC 3966 §6 example of a local number.
    assert_eq!(
        err("tel:7042;phone-context=example.com"),
        TelNumberError::ParametersNotSupported("tel:7042;phone-context=example.com".into())
    );
    assert_eq!(
        err("tel:863-1234"),
        TelNumberError::LocalNumber("863-1234".into())
    );
    assert_eq!(
        err("tel:+1-201-555-0123;ext=1234"),
        TelNumberError::ParametersNotSupported("tel:+1-201-555-0123;ext=1234".into())
    );
    assert_eq!(
        err("tel:+1-800-FLOWERS"),
        TelNumberError::InvalidCharacter('F')
    );
    assert_eq!(
        err("tel:+0123"),
        TelNumberError::LeadingZero("+0123".into())
    );
    assert_eq!(
        err("sip:+1@a"),
        TelNumberError::NotTelUri("sip:+1@a".into())
    );
    assert_eq!(
        err("tel:+1234567890123456").to_string(),
        "tel number has 16 digits; E.164 allows at most 15"
    );
}

#[test]
fn newtypes_convert_into_address_and_serialise_alike() {
    let sip: SipUri = "sips:bob@biloxi.com".parse().unwrap();
    let address = Address::from(sip.clone());
    assert_eq!(address, parse("sips:bob@biloxi.com"));
    assert_eq!(address.scheme(), Scheme::Sips);
    assert_eq!(
        postcard::to_stdvec(&sip).unwrap(),
        postcard::to_stdvec(&address).unwrap()
    );
    let scheme: String =
        postcard::from_bytes(&postcard::to_stdvec(&Scheme::Mailto).unwrap()).unwrap();
    assert_eq!(scheme, "mailto");
    let number = TelNumber::from_e164("+1 555 0100").unwrap();
    assert_eq!(Address::from(number).domain(), None);
}
