//! `mailto:`, `im:` and `pres:` addresses.

mod common;

use common::canonical;

use switchboard_core::address::{ImAddress, MailboxError, MailtoAddress, PresAddress, Scheme};

// ---------------------------------------------------------------- mailto: / im: / pres:

#[test]
fn mailto_addresses() {
    // Modelled on the RFC 6068 §6.1 examples.
    let chris: MailtoAddress = "mailto:chris@example.com".parse().unwrap();
    assert_eq!((chris.local(), chris.domain()), ("chris", "example.com"));
    let quoted: MailtoAddress = "mailto:%22not%40me%22@example.org".parse().unwrap();
    assert_eq!(quoted.local(), "\"not@me\"");
    assert_eq!(quoted.to_string(), "mailto:%22not%40me%22@example.org");
    let unusual: MailtoAddress = "mailto:%22%5C%5C%5C%22it's%5C%20ugly%5C%5C%5C%22%22@example.org"
        .parse()
        .unwrap();
    assert_eq!(unusual.local(), "\"\\\\\\\"it's\\ ugly\\\\\\\"\"");
    let percent: MailtoAddress = "mailto:user%25example.net@example.org".parse().unwrap();
    assert_eq!(percent.local(), "user%example.net");
    assert_eq!(
        canonical("mailto:Some.User@EXAMPLE.Org"),
        "mailto:Some.User@example.org"
    );
    assert_eq!(
        canonical("mailto:a+tag@[192.0.2.1]"),
        "mailto:a+tag@[192.0.2.1]"
    );
    assert_eq!(
        canonical("mailto:%22not%40me%22@example.org"),
        "mailto:%22not%40me%22@example.org"
    );
    assert_eq!(
        canonical("mailto:user%25example.net@example.org"),
        "mailto:user%25example.net@example.org"
    );
    assert_eq!(
        canonical("mailto:jos%C3%A9@ex%C3%A4mple.org"),
        "mailto:jos%C3%A9@ex%C3%A4mple.org"
    );
    // XEP-0106 §6.2: the mailbox under the mailto: URI (with its stray "%zy" written as "%25zy").
    let wild: MailtoAddress = "mailto:here%27s_a_wild_%26_%2Fcr%25zy%2F_address@example.com"
        .parse()
        .unwrap();
    assert_eq!(wild.local(), "here's_a_wild_&_/cr%zy/_address");
    assert_eq!(
        MailtoAddress::from_mailbox("Bob@Example.Org")
            .unwrap()
            .to_string(),
        "mailto:Bob@example.org"
    );
}

#[test]
fn mailto_invalid() {
    let err = |text: &str| text.parse::<MailtoAddress>().expect_err(text);
    assert_eq!(
        err("im:a@b"),
        MailboxError::WrongScheme {
            expected: Scheme::Mailto,
            input: "im:a@b".into()
        }
    );
    assert_eq!(err("mailto:"), MailboxError::Empty(Scheme::Mailto));
    // RFC 6068 §2: a list of addresses, and header fields, are not one address.
    assert_eq!(
        err("mailto:a@example.com,b@example.com"),
        MailboxError::MultipleAddresses("mailto:a@example.com,b@example.com".into())
    );
    assert_eq!(
        err("mailto:infobot@example.com?subject=current-issue"),
        MailboxError::HeaderFields("mailto:infobot@example.com?subject=current-issue".into())
    );
    // XEP-0106 §6.2's example keeps "%zy" unescaped, which RFC 3986 §2.1 does not allow.
    assert_eq!(
        err("mailto:cr%zy@example.com"),
        MailboxError::BadPercentEncoding("mailto:cr%zy@example.com".into())
    );
    for control in ["%0D", "%0A", "%00"] {
        assert_eq!(
            err(&format!("mailto:a{control}b@example.com")),
            MailboxError::ControlCharacter
        );
    }
    assert_eq!(
        err("mailto:a@example.com%0D%0ABcc:x@y"),
        MailboxError::ControlCharacter
    );
    assert_eq!(
        err("mailto:example.com"),
        MailboxError::MissingAt("example.com".into())
    );
    assert_eq!(
        err("mailto:@example.com"),
        MailboxError::EmptyLocalPart("@example.com".into())
    );
    assert_eq!(
        err("mailto:a..b@example.com"),
        MailboxError::InvalidLocalPart("a..b".into())
    );
    assert_eq!(
        err("mailto:a%20b@example.com"),
        MailboxError::InvalidLocalPart("a b".into())
    );
    assert_eq!(
        err("mailto:%22a%22b%22@example.com"),
        MailboxError::InvalidLocalPart("\"a\"b\"".into())
    );
    assert_eq!(
        err("mailto:a@exa_mple.com"),
        MailboxError::InvalidDomain("exa_mple.com".into())
    );
    assert_eq!(err("mailto:a@"), MailboxError::InvalidDomain(String::new()));
    assert_eq!(
        err("mailto:a@b?x").to_string(),
        "`mailto:a@b?x` carries header fields (?...); give only the address"
    );
}

#[test]
fn mailbox_length_limits() {
    let local64 = "l".repeat(64);
    assert!(
        format!("mailto:{local64}@example.com")
            .parse::<MailtoAddress>()
            .is_ok()
    );
    assert_eq!(
        format!("mailto:{local64}l@example.com").parse::<MailtoAddress>(),
        Err(MailboxError::LocalPartTooLong)
    );
    let domain255 = format!("{}.com", "d".repeat(251));
    assert!(
        format!("mailto:a@{domain255}")
            .parse::<MailtoAddress>()
            .is_ok()
    );
    assert_eq!(
        format!("mailto:a@d{domain255}").parse::<MailtoAddress>(),
        Err(MailboxError::DomainTooLong)
    );
}

#[test]
fn im_and_pres_addresses() {
    // RFC 3860 §3 / RFC 3859 §4 form, and the XEP-0106 §6.4 examples.
    let im: ImAddress = "im:fred@example.com".parse().unwrap();
    assert_eq!((im.local(), im.domain()), ("fred", "example.com"));
    let pres: PresAddress = PresAddress::from(im.clone());
    assert_eq!(pres.to_string(), "pres:fred@example.com");
    assert_eq!(ImAddress::from(pres), im);
    let wild: ImAddress = "im:here%27s_a_wild_%26_%2Fcr%25zy%2F_address@example.com"
        .parse()
        .unwrap();
    assert_eq!(wild.local(), "here's_a_wild_&_/cr%zy/_address");
    assert_eq!(canonical("IM:Fred@Example.com"), "im:Fred@example.com");
    assert_eq!(
        canonical("pres:here's_a_wild_%26@example.com"),
        "pres:here's_a_wild_%26@example.com"
    );
    assert_eq!(
        PresAddress::from_mailbox("a@B.c").unwrap().to_string(),
        "pres:a@b.c"
    );
    assert_eq!(
        "pres:fred@example.com?subject=x".parse::<PresAddress>(),
        Err(MailboxError::HeaderFields(
            "pres:fred@example.com?subject=x".into()
        ))
    );
    assert_eq!(
        "im:fred".parse::<ImAddress>(),
        Err(MailboxError::MissingAt("fred".into()))
    );
    assert_eq!(
        "pres:fred".parse::<ImAddress>(),
        Err(MailboxError::WrongScheme {
            expected: Scheme::Im,
            input: "pres:fred".into()
        })
    );
}
