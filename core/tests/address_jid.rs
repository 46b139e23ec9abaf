//! JID-specific address rules: XEP-0106 escaping with every example of the XEP, and the PRECIS golden cases
//! for the localpart and resourcepart profiles run against the JID parser.

use switchboard_core::address::{XmppAddress, XmppAddressError, xep0106};

// ---------------------------------------------------------------- XEP-0106

fn xep0106_table() -> Vec<(u32, &'static str, &'static str)> {
    include_str!("fixtures/address/xep0106-examples.tsv")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            (columns[0].parse().unwrap(), columns[1], columns[2])
        })
        .collect()
}

#[test]
fn xep0106_table_examples() {
    let table = xep0106_table();
    assert_eq!(table.len(), 12);
    for (row, input, escaped) in table {
        // Every escaped form in the table unescapes to the user input.
        assert_eq!(xep0106::unescape(escaped), input, "row {row} unescape");
        // Escaping is reversible.
        assert_eq!(
            xep0106::unescape(&xep0106::escape(input)),
            input,
            "row {row} round trip"
        );
        // The result is a valid localpart.
        let jid = format!("{}@example.com", xep0106::escape(input));
        assert!(XmppAddress::from_jid_str(&jid).is_ok(), "row {row}: {jid}");
        match row {
            // Rows 9-11 escape a backslash that starts no known sequence (`\n`, `\c`). That contradicts the
            // XEP's own rule (§4.1 rule 7, §4.3: only backslashes that start a known sequence are escaped,
            // shown by `\2plus\2is\4` and the IMPS example); this module follows the rule, and both forms
            // unescape to the same text.
            9 => assert_eq!(xep0106::escape(input), "c\\3a\\net"),
            10 => assert_eq!(xep0106::escape(input), "c\\3a\\\\net"),
            11 => assert_eq!(xep0106::escape(input), "c\\3a\\cool\\20stuff"),
            _ => assert_eq!(xep0106::escape(input), escaped, "row {row} escape"),
        }
    }
}

#[test]
fn xep0106_other_examples() {
    // §1 / §3.2: d'artagnan.
    assert_eq!(xep0106::escape("d'artagnan"), "d\\27artagnan");
    // §3.3: the mail gateway JID.
    assert_eq!(
        xep0106::unescape("tréville\\40musketeers.lit"),
        "tréville@musketeers.lit"
    );
    // §4.2 step 3 and §6.5: the IMPS address \3and\2is\5cool.
    assert_eq!(
        xep0106::escape("\\3and\\2is\\5cool"),
        "\\5c3and\\2is\\5c5cool"
    );
    assert_eq!(
        xep0106::unescape("\\5c3and\\2is\\5c5cool"),
        "\\3and\\2is\\5cool"
    );
    // §4.3 exceptions: partial and unknown sequences pass through both ways.
    for untouched in ["\\2plus\\2is\\4", "foo\\bar", "foob\\41r"] {
        assert_eq!(xep0106::escape(untouched), untouched);
        assert_eq!(xep0106::unescape(untouched), untouched);
    }
    // §6.2-§6.4: the e-mail / SIP / IM example.
    let mailbox = "here's_a_wild_&_/cr%zy/_address";
    assert_eq!(
        xep0106::escape(mailbox),
        "here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address"
    );
    assert_eq!(
        xep0106::unescape("here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address"),
        mailbox
    );
    // §6.5: the IMPS example.
    assert_eq!(
        xep0106::escape("here's_a_wild_&_/cr%zy/_address_for:<wv>(\"IMPS\")"),
        "here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address_for\\3a\\3cwv\\3e(\\22IMPS\\22)"
    );
    // §6.6: the LDAP example; `\E9` is no known sequence and stays.
    assert_eq!(
        xep0106::escape("CN=D'Artagnan Saint-Andr\\E9,O=Example & Company, Inc.,DC=example,DC=com"),
        "CN=D\\27Artagnan\\20Saint-Andr\\E9,O=Example\\20\\26\\20Company,\\20Inc.,DC=example,DC=com"
    );
    // §3: sequences are lowercase; `\2F` is not `\2f`.
    assert_eq!(xep0106::unescape("a\\2Fb"), "a\\2Fb");
}

#[test]
fn xep0106_localpart_rules() {
    assert_eq!(
        xep0106::escape_localpart("space cadet"),
        Ok("space\\20cadet".into())
    );
    // §4.1 rule 6: \20 must not begin or end an escaped localpart.
    assert_eq!(
        xep0106::escape_localpart(" cadet"),
        Err(xep0106::Xep0106Error::EdgeSpace(" cadet".into()))
    );
    assert_eq!(
        xep0106::escape_localpart("cadet "),
        Err(xep0106::Xep0106Error::EdgeSpace("cadet ".into()))
    );
    assert_eq!(
        xep0106::escape_localpart(""),
        Err(xep0106::Xep0106Error::Empty)
    );
}

// ---------------------------------------------------------------- PRECIS

/// One golden case: input, expected output (`None` when the profile refuses the input).
fn golden(text: &str) -> Vec<(String, Option<String>)> {
    let code_points = |field: &str| -> String {
        if field == "-" {
            return String::new();
        }
        field
            .split(' ')
            .map(|hex| char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap())
            .collect()
    };
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            let output = (columns[1] != "!").then(|| code_points(columns[1]));
            (code_points(columns[0]), output)
        })
        .collect()
}

fn localpart(input: &str) -> Option<String> {
    XmppAddress::from_jid_str(&format!("{input}@example.com"))
        .ok()
        .map(|address| address.node().unwrap().to_owned())
}

fn resourcepart(input: &str) -> Option<String> {
    XmppAddress::from_jid_str(&format!("example.com/{input}"))
        .ok()
        .map(|address| address.resource().unwrap().to_owned())
}

/// The `jid` crate prepares JIDs with the RFC 6122 stringprep profiles (nodeprep, resourceprep), not the
/// PRECIS profiles RFC 7622 replaced them with. The two agree on ASCII input, which this checks for every
/// ASCII golden case; the localpart additionally refuses the eight characters of RFC 7622 §3.3.1.
#[test]
fn precis_ascii_cases_agree_with_the_jid_parser() {
    let users = golden(include_str!(
        "fixtures/address/precis-username-case-mapped.tsv"
    ));
    let opaque = golden(include_str!("fixtures/address/precis-opaque-string.tsv"));
    assert_eq!((users.len(), opaque.len()), (323, 323));
    let mut checked = 0;
    for (input, expected) in users.iter().filter(|(input, _)| input.is_ascii()) {
        let forbidden = input.chars().any(|c| "\"&'/:<>@".contains(c));
        let expected = if forbidden { None } else { expected.clone() };
        // An empty localpart reads as no localpart in `@example.com`; the parser refuses it.
        assert_eq!(localpart(input), expected, "localpart {input:?}");
        checked += 1;
    }
    for (input, expected) in opaque.iter().filter(|(input, _)| input.is_ascii()) {
        assert_eq!(
            resourcepart(input).as_ref(),
            expected.as_ref(),
            "resourcepart {input:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 108);
}

/// Known differences between the stringprep profiles the parser uses and PRECIS, pinned so a change of the
/// `jid` crate shows up here. Expected PRECIS results are from the golden file.
#[test]
fn precis_differences_are_known() {
    // U+00DF: PRECIS UsernameCaseMapped keeps ß, nodeprep case-folds it to "ss".
    assert_eq!(localpart("fa\u{DF}"), Some("fass".into()));
    // U+FF2A...: PRECIS maps full-width to half-width like nodeprep's NFKC, so both give "juliet".
    assert_eq!(
        localpart("\u{FF2A}\u{FF55}\u{FF4C}\u{FF49}\u{FF45}\u{FF54}"),
        Some("juliet".into())
    );
    // U+00B7 alone: PRECIS refuses a middle dot outside "l·l" (RFC 5892 A.3); nodeprep accepts it.
    assert_eq!(localpart("\u{B7}"), Some("\u{B7}".into()));
    // U+1F47E: assigned after Unicode 3.2, so stringprep refuses it as unassigned while PRECIS OpaqueString
    // accepts it.
    assert_eq!(resourcepart("\u{1F47E}"), None);
    // U+FB01 ligature: PRECIS refuses it in a localpart (has_compat); nodeprep maps it to "fi".
    assert_eq!(localpart("\u{FB01}"), Some("fi".into()));
}

#[test]
fn localpart_refusals_name_the_part() {
    assert_eq!(
        XmppAddress::from_jid_str("a b@example.com"),
        Err(XmppAddressError::InvalidLocalpart("a b".into()))
    );
    // Escaped per XEP-0106, the same name is a valid localpart.
    let escaped = format!("{}@example.com", xep0106::escape("a b"));
    assert_eq!(
        XmppAddress::from_jid_str(&escaped).unwrap().node(),
        Some("a\\20b")
    );
}
