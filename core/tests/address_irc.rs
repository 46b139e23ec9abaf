//! `irc:` addresses and IRC case mapping.

mod common;

use common::canonical;

use switchboard_core::address::{
    CaseMapping, CaseMappingError, IrcAddress, IrcAddressError, IrcTarget,
};

// ---------------------------------------------------------------- irc:

#[test]
fn irc_channels_and_nicks() {
    let channel: IrcAddress = "irc://Libera/#Rust".parse().unwrap();
    assert_eq!(channel.network(), "libera");
    assert_eq!(channel.target(), &IrcTarget::Channel("#Rust".into()));
    assert_eq!(channel.target().name(), "#Rust");
    let encoded: IrcAddress = "irc://libera/%23Rust".parse().unwrap();
    assert_eq!(encoded, IrcAddress::channel("libera", "#Rust").unwrap());
    let nick: IrcAddress = "irc://libera/alice,isnick".parse().unwrap();
    assert_eq!(nick.target(), &IrcTarget::Nick("alice".into()));
    assert_eq!(nick, IrcAddress::nick("LIBERA", "alice").unwrap());
    for prefix in ["#", "&", "+", "!"] {
        let name = format!("{prefix}chan");
        assert_eq!(
            IrcAddress::channel("net", &name).unwrap().target(),
            &IrcTarget::Channel(name.clone())
        );
    }
}

#[test]
fn irc_canonical_and_round_trip() {
    assert_eq!(canonical("irc://Libera/%23rust"), "irc://libera/#rust");
    assert_eq!(
        canonical("irc://libera/##rust-offtopic"),
        "irc://libera/##rust-offtopic"
    );
    assert_eq!(
        canonical("irc://oftc/Nick[away],isnick"),
        "irc://oftc/Nick[away],isnick"
    );
    assert_eq!(
        canonical("irc://net/%23a%2Fb%3Fc%25d"),
        "irc://net/#a%2Fb%3Fc%25d"
    );
    assert_eq!(canonical("irc://net/#café"), "irc://net/#café");
    assert_eq!(canonical("irc://net/%23caf%C3%A9"), "irc://net/#café");
    assert_eq!(
        canonical("irc://irc.libera.chat/&local"),
        "irc://irc.libera.chat/&local"
    );
}

#[test]
fn irc_invalid() {
    let err = |text: &str| text.parse::<IrcAddress>().expect_err(text);
    assert_eq!(
        err("irc:libera/#a"),
        IrcAddressError::NotIrcUrl("irc:libera/#a".into())
    );
    assert_eq!(
        err("ircs://libera/#a"),
        IrcAddressError::NotIrcUrl("ircs://libera/#a".into())
    );
    assert_eq!(
        err("irc:///#a"),
        IrcAddressError::InvalidNetwork(String::new())
    );
    assert_eq!(
        err("irc://libera:6697/#a"),
        IrcAddressError::InvalidNetwork("libera:6697".into())
    );
    assert_eq!(
        err("irc://libera"),
        IrcAddressError::MissingTarget("irc://libera".into())
    );
    assert_eq!(
        err("irc://libera/"),
        IrcAddressError::MissingTarget("irc://libera/".into())
    );
    assert_eq!(
        err("irc://libera/rust"),
        IrcAddressError::MissingChannelPrefix("rust".into())
    );
    assert_eq!(
        err("irc://libera/rust").to_string(),
        "irc channel `rust` has no prefix (#, &, + or !); for a nick add ,isnick"
    );
    assert_eq!(
        err("irc://libera/%23"),
        IrcAddressError::EmptyChannelName("#".into())
    );
    for bad in ["%20", "%0D", "%0A", "%00", "%07", "%2C"] {
        let text = format!("irc://libera/%23a{bad}b");
        let name = format!("#a{}b", percent_char(bad));
        assert_eq!(err(&text), IrcAddressError::InvalidChannel(name), "{text}");
    }
    for bad in [
        "1abc", "-abc", "#abc", "a%20b", "a%2Cb", "a%0Db", "a%0Ab", "a%00b", "a%07b", "a!b", "a@b",
        "a*b",
    ] {
        let text = format!("irc://libera/{bad},isnick");
        let nick = switchboard_percent_decode(bad);
        assert_eq!(err(&text), IrcAddressError::InvalidNick(nick), "{text}");
    }
    assert_eq!(
        err("irc://libera/,isnick"),
        IrcAddressError::MissingTarget("irc://libera/,isnick".into())
    );
    assert_eq!(
        err("irc://libera/#a,needkey"),
        IrcAddressError::UnsupportedFlag("needkey".into())
    );
    assert_eq!(
        err("irc://libera/#a?key"),
        IrcAddressError::QueryNotSupported("irc://libera/#a?key".into())
    );
    assert_eq!(
        err("irc://libera/%23a%C3"),
        IrcAddressError::BadPercentEncoding("irc://libera/%23a%C3".into())
    );
    assert_eq!(
        IrcAddress::channel("bad net", "#a"),
        Err(IrcAddressError::InvalidNetwork("bad net".into()))
    );
    assert_eq!(
        IrcAddress::nick("net", ""),
        Err(IrcAddressError::InvalidNick(String::new()))
    );
}

fn percent_char(escape: &str) -> char {
    char::from(u8::from_str_radix(&escape[1..], 16).unwrap())
}

fn switchboard_percent_decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(position) = rest.find('%') {
        out.push_str(&rest[..position]);
        out.push(percent_char(&rest[position..position + 3]));
        rest = &rest[position + 3..];
    }
    out + rest
}

#[test]
fn casemapping_tokens() {
    assert_eq!("ascii".parse::<CaseMapping>(), Ok(CaseMapping::Ascii));
    assert_eq!("rfc1459".parse::<CaseMapping>(), Ok(CaseMapping::Rfc1459));
    assert_eq!(
        "rfc1459-strict".parse::<CaseMapping>(),
        Ok(CaseMapping::Rfc1459Strict)
    );
    assert_eq!("RFC1459".parse::<CaseMapping>(), Ok(CaseMapping::Rfc1459));
    assert_eq!(CaseMapping::default(), CaseMapping::Rfc1459);
    for mapping in [
        CaseMapping::Ascii,
        CaseMapping::Rfc1459,
        CaseMapping::Rfc1459Strict,
    ] {
        assert_eq!(mapping.to_string().parse::<CaseMapping>(), Ok(mapping));
    }
    let error = "rfc7613".parse::<CaseMapping>().unwrap_err();
    assert_eq!(error, CaseMappingError::Unknown("rfc7613".into()));
    assert_eq!(
        error.to_string(),
        "unknown CASEMAPPING `rfc7613`; fall back to rfc1459, the mapping servers use when they do not say"
    );
}

#[test]
fn casemapping_folding_tables() {
    // Modern IRC client protocol (modern.ircdocs.horse), CASEMAPPING: each row is input, ascii, rfc1459,
    // rfc1459-strict.
    let rows = [
        ("ABCXYZ", "abcxyz", "abcxyz", "abcxyz"),
        ("[", "[", "{", "{"),
        ("]", "]", "}", "}"),
        ("\\", "\\", "|", "|"),
        ("~", "~", "^", "~"),
        ("^", "^", "^", "^"),
        ("{}|", "{}|", "{}|", "{}|"),
        (
            "Nick[Away]\\~",
            "nick[away]\\~",
            "nick{away}|^",
            "nick{away}|~",
        ),
        ("ÉCOLE", "École", "École", "École"),
    ];
    for (input, ascii, rfc1459, strict) in rows {
        assert_eq!(CaseMapping::Ascii.fold(input), ascii, "ascii {input}");
        assert_eq!(CaseMapping::Rfc1459.fold(input), rfc1459, "rfc1459 {input}");
        assert_eq!(
            CaseMapping::Rfc1459Strict.fold(input),
            strict,
            "strict {input}"
        );
    }
}

#[test]
fn irc_folded_addresses_compare_like_the_server() {
    let a = IrcAddress::channel("libera", "#Rust[Dev]").unwrap();
    let b = IrcAddress::channel("libera", "#rust{dev}").unwrap();
    assert_ne!(a, b);
    assert_eq!(
        a.folded(CaseMapping::Rfc1459),
        b.folded(CaseMapping::Rfc1459)
    );
    assert_ne!(a.folded(CaseMapping::Ascii), b.folded(CaseMapping::Ascii));
    let tilde = IrcAddress::nick("libera", "Bob~").unwrap();
    assert_eq!(
        tilde.folded(CaseMapping::Rfc1459).target(),
        &IrcTarget::Nick("bob^".into())
    );
    assert_eq!(
        tilde.folded(CaseMapping::Rfc1459Strict).target(),
        &IrcTarget::Nick("bob~".into())
    );
    assert_eq!(tilde.folded(CaseMapping::Ascii).network(), "libera");
}
