//! The presence model: PIDF basics (RFC 3863), RPID activities (RFC 4480), priorities, validation and the
//! XMPP-style summary.

use switchboard_core::address::Address;
use switchboard_core::presence::{
    Activity, BasicStatus, Contact, DEFAULT_TUPLE_ID, Note, Presence, PresenceError, Priority,
    PriorityError, Show, Tuple,
};
use time::macros::datetime;

fn entity() -> Address {
    "pres:someone@example.com".parse().unwrap()
}

fn tuple(id: &str, status: BasicStatus, activity: Option<Activity>) -> Tuple {
    Tuple {
        activity,
        ..Tuple::new(id, status)
    }
}

fn presence(tuples: Vec<Tuple>) -> Presence {
    Presence {
        entity: entity(),
        tuples,
        notes: Vec::new(),
    }
}

#[test]
fn available_and_unavailable_helpers() {
    let online = Presence::available(entity());
    assert!(online.is_available());
    assert_eq!(online.show(), Some(Show::Available));
    assert_eq!(online.tuples.len(), 1);
    assert_eq!(online.tuples[0].id, DEFAULT_TUPLE_ID);
    assert_eq!(online.tuples[0].status, BasicStatus::Open);
    assert_eq!(online.validate(), Ok(()));

    let offline = Presence::unavailable(entity());
    assert!(!offline.is_available());
    assert_eq!(offline.show(), None);
    assert_eq!(offline.tuples[0].status, BasicStatus::Closed);
    assert_eq!(offline.validate(), Ok(()));
}

#[test]
fn any_open_tuple_makes_the_entity_available() {
    let mixed = presence(vec![
        Tuple::new("phone", BasicStatus::Closed),
        Tuple::new("desk", BasicStatus::Open),
    ]);
    assert!(mixed.is_available());
    assert!(!presence(Vec::new()).is_available());
    assert_eq!(presence(Vec::new()).show(), None);
}

#[test]
fn show_follows_the_rpid_activity() {
    let cases = [
        (None, Show::Available),
        (Some(Activity::Chat), Show::Chat),
        (Some(Activity::Away), Show::Away),
        (Some(Activity::ExtendedAway), Show::Xa),
        (Some(Activity::Sleeping), Show::Xa),
        (Some(Activity::Vacation), Show::Xa),
        (Some(Activity::Busy), Show::Dnd),
        (Some(Activity::OnThePhone), Show::Dnd),
        (Some(Activity::Meeting), Show::Dnd),
        (Some(Activity::Unknown("meal".into())), Show::Available),
    ];
    for (activity, show) in cases {
        let doc = presence(vec![tuple("t", BasicStatus::Open, activity.clone())]);
        assert_eq!(doc.show(), Some(show), "{activity:?}");
    }
}

#[test]
fn show_summarises_the_most_available_open_tuple() {
    let doc = presence(vec![
        tuple("a", BasicStatus::Open, Some(Activity::Busy)),
        tuple("b", BasicStatus::Open, Some(Activity::Away)),
        tuple("c", BasicStatus::Closed, Some(Activity::Chat)),
    ]);
    assert_eq!(doc.show(), Some(Show::Away));
    let doc = presence(vec![
        tuple("a", BasicStatus::Open, Some(Activity::ExtendedAway)),
        tuple("b", BasicStatus::Open, None),
        tuple("c", BasicStatus::Open, Some(Activity::Chat)),
    ]);
    assert_eq!(doc.show(), Some(Show::Chat));
    // A closed tuple still reports its own activity.
    assert_eq!(
        tuple("c", BasicStatus::Closed, Some(Activity::Chat)).show(),
        Show::Chat
    );
}

#[test]
fn show_maps_to_xmpp_values() {
    assert_eq!(Show::Available.as_xmpp(), None);
    assert_eq!(Show::Chat.as_xmpp(), Some("chat"));
    assert_eq!(Show::Away.as_xmpp(), Some("away"));
    assert_eq!(Show::Xa.as_xmpp(), Some("xa"));
    assert_eq!(Show::Dnd.as_xmpp(), Some("dnd"));
}

#[test]
fn activity_tokens() {
    for activity in [
        Activity::Away,
        Activity::Busy,
        Activity::ExtendedAway,
        Activity::Chat,
        Activity::OnThePhone,
        Activity::Meeting,
        Activity::Sleeping,
        Activity::Vacation,
        Activity::Unknown("travel".into()),
    ] {
        assert_eq!(Activity::from_token(activity.as_str()), activity);
    }
    // RFC 4480 §3.2 token names, and the XMPP aliases.
    assert_eq!(Activity::OnThePhone.as_str(), "on-the-phone");
    assert_eq!(Activity::from_token("dnd"), Activity::Busy);
    assert_eq!(Activity::from_token("xa"), Activity::ExtendedAway);
    assert_eq!(
        Activity::from_token("meal"),
        Activity::Unknown("meal".into())
    );
}

#[test]
fn priority_accepts_qvalues() {
    // RFC 3863 §4.1.5 / RFC 3261 §25.1 qvalue forms.
    let cases = [
        ("0", 0),
        ("1", 1000),
        ("0.5", 500),
        (".5", 500),
        ("1.000", 1000),
        ("1.", 1000),
        ("0.125", 125),
        ("0.1250", 125),
        ("00.8", 800),
        ("0.001", 1),
    ];
    for (text, thousandths) in cases {
        let priority: Priority = text
            .parse()
            .unwrap_or_else(|error| panic!("{text}: {error}"));
        assert_eq!(priority.thousandths(), thousandths, "{text}");
    }
    assert_eq!("0.25".parse::<Priority>().unwrap().value(), 0.25);
    assert_eq!(Priority::MIN.thousandths(), 0);
    assert_eq!(Priority::MAX.thousandths(), 1000);
    assert!(Priority::MAX > "0.999".parse().unwrap());
}

#[test]
fn priority_prints_shortest_decimal() {
    for (text, printed) in [
        ("0", "0"),
        ("1.000", "1"),
        ("0.500", "0.5"),
        ("0.125", "0.125"),
        (".05", "0.05"),
    ] {
        let priority: Priority = text.parse().unwrap();
        assert_eq!(priority.to_string(), printed);
        assert_eq!(printed.parse::<Priority>(), Ok(priority));
    }
}

#[test]
fn priority_limits_and_errors() {
    let err = |text: &str| text.parse::<Priority>().unwrap_err();
    assert_eq!(err("1.001"), PriorityError::OutOfRange("1.001".into()));
    assert_eq!(err("2"), PriorityError::OutOfRange("2".into()));
    assert_eq!(err("10"), PriorityError::OutOfRange("10".into()));
    assert_eq!(
        err("0.1234"),
        PriorityError::TooManyDecimals("0.1234".into())
    );
    assert_eq!(err("-0.5"), PriorityError::NotANumber("-0.5".into()));
    assert_eq!(err("+0.5"), PriorityError::NotANumber("+0.5".into()));
    assert_eq!(err("1e-1"), PriorityError::NotANumber("1e-1".into()));
    assert_eq!(err(""), PriorityError::NotANumber(String::new()));
    assert_eq!(err("."), PriorityError::NotANumber(".".into()));
    assert_eq!(err("0.5.1"), PriorityError::NotANumber("0.5.1".into()));
    assert_eq!(
        err("0.1234").to_string(),
        "contact priority `0.1234` has more than three decimals"
    );

    assert_eq!(Priority::from_thousandths(1000), Ok(Priority::MAX));
    assert_eq!(
        Priority::from_thousandths(1001),
        Err(PriorityError::OutOfRange("1.001".into()))
    );

    assert_eq!(Priority::try_from(0.75).map(Priority::thousandths), Ok(750));
    assert_eq!(Priority::try_from(1.0), Ok(Priority::MAX));
    assert_eq!(Priority::try_from(0.0), Ok(Priority::MIN));
    assert_eq!(
        Priority::try_from(1.5),
        Err(PriorityError::OutOfRange("1.5".into()))
    );
    assert_eq!(
        Priority::try_from(-0.1),
        Err(PriorityError::OutOfRange("-0.1".into()))
    );
    assert_eq!(
        Priority::try_from(0.1234),
        Err(PriorityError::TooManyDecimals("0.1234".into()))
    );
    assert_eq!(
        Priority::try_from(f64::NAN),
        Err(PriorityError::NotANumber("NaN".into()))
    );
}

#[test]
fn validation_of_tuple_ids() {
    for bad in ["", "1abc", "a b", "a:b", "é"] {
        let doc = presence(vec![Tuple::new(bad, BasicStatus::Open)]);
        assert_eq!(
            doc.validate(),
            Err(PresenceError::InvalidTupleId(bad.into())),
            "{bad:?}"
        );
    }
    for good in ["a", "_x", "t1.mobile-2_b"] {
        assert_eq!(
            presence(vec![Tuple::new(good, BasicStatus::Open)]).validate(),
            Ok(()),
            "{good}"
        );
    }
    let duplicate = presence(vec![
        Tuple::new("a", BasicStatus::Open),
        Tuple::new("b", BasicStatus::Open),
        Tuple::new("a", BasicStatus::Closed),
    ]);
    assert_eq!(
        duplicate.validate(),
        Err(PresenceError::DuplicateTupleId("a".into()))
    );
    assert_eq!(
        duplicate.validate().unwrap_err().to_string(),
        "presence tuple id `a` is used by more than one tuple"
    );
}

#[test]
fn validation_of_note_languages() {
    let with_note = |lang: &str, on_tuple: bool| {
        let note = Note {
            lang: Some(lang.into()),
            text: "hi".into(),
        };
        let mut doc = Presence::available(entity());
        if on_tuple {
            doc.tuples[0].notes.push(note);
        } else {
            doc.notes.push(note);
        }
        doc.validate()
    };
    for good in ["en", "pt-BR", "zh-Hant-TW", "x-klingon"] {
        assert_eq!(with_note(good, false), Ok(()), "{good}");
    }
    for bad in ["", "en_US", "toolongtag", "en-", "1en"] {
        assert_eq!(
            with_note(bad, false),
            Err(PresenceError::InvalidLanguageTag(bad.into())),
            "{bad:?}"
        );
        assert_eq!(
            with_note(bad, true),
            Err(PresenceError::InvalidLanguageTag(bad.into())),
            "{bad:?}"
        );
    }
    assert_eq!(Note::new("plain").lang, None);
}

fn full_document() -> Presence {
    Presence {
        entity: entity(),
        tuples: vec![
            Tuple {
                id: "desk".into(),
                status: BasicStatus::Open,
                contact: Some(Contact {
                    uri: "xmpp:someone@example.com/desk".parse().unwrap(),
                    priority: Some("0.8".parse().unwrap()),
                }),
                notes: vec![Note {
                    lang: Some("en".into()),
                    text: "In a meeting until 3".into(),
                }],
                activity: Some(Activity::Meeting),
                timestamp: Some(datetime!(2026-01-02 03:04:05.5 +01:00)),
            },
            Tuple::new("phone", BasicStatus::Closed),
        ],
        notes: vec![Note::new("Working from home")],
    }
}

#[test]
fn serde_round_trip() {
    let doc = full_document();
    let bytes = postcard::to_stdvec(&doc).unwrap();
    let back: Presence = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, doc);
    assert_eq!(back.show(), Some(Show::Dnd));
    // The priority travels as its decimal text.
    let priority: String =
        postcard::from_bytes(&postcard::to_stdvec(&Priority::MAX).unwrap()).unwrap();
    assert_eq!(priority, "1");
    let status: BasicStatus =
        postcard::from_bytes(&postcard::to_stdvec(&BasicStatus::Closed).unwrap()).unwrap();
    assert_eq!(status, BasicStatus::Closed);
}

#[test]
fn deserialising_checks_the_rules() {
    let mut doc = full_document();
    doc.tuples[1].id = "desk".into();
    let bytes = postcard::to_stdvec(&doc).unwrap();
    assert!(postcard::from_bytes::<Presence>(&bytes).is_err());
    let bad_priority = postcard::to_stdvec("1.5").unwrap();
    assert!(postcard::from_bytes::<Priority>(&bad_priority).is_err());
}
