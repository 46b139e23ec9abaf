//! The ircdocs parser tests (tests/fixtures/ircdocs, CC0) through the wire codec: every `msg-split` line
//! parses into the expected tags, source, verb and params; every `msg-join` atom set serializes to one of
//! the accepted lines; every `userhost-split` source splits into nick, user and host.

use serde_json::Value;
use switchboard_irc::wire::{Charset, IrcMessage, Source, serialize_tagged};

fn fixture(name: &str) -> Vec<Value> {
    let path = format!(
        "{}/tests/fixtures/ircdocs/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let value: Value = serde_json::from_str(&text).expect("fixture is JSON");
    value["tests"].as_array().expect("a tests array").clone()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_msg_split_vector_parses_as_expected() {
    let tests = fixture("msg-split");
    assert_eq!(tests.len(), 35);
    for test in tests {
        let input = test["input"].as_str().expect("input");
        let atoms = &test["atoms"];
        let line = IrcMessage::parse(input.as_bytes(), Charset::Latin1)
            .unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(
            line.command,
            atoms["verb"].as_str().unwrap().to_ascii_uppercase(),
            "{input:?}"
        );
        assert_eq!(line.params, strings(&atoms["params"]), "{input:?}");
        let source = line.source.as_ref().map(|s| {
            let mut text = s.nick.clone();
            if let Some(user) = &s.user {
                text.push('!');
                text.push_str(user);
            }
            if let Some(host) = &s.host {
                text.push('@');
                text.push_str(host);
            }
            text
        });
        assert_eq!(source.as_deref(), atoms["source"].as_str(), "{input:?}");
        let expected_tags = atoms["tags"].as_object().cloned().unwrap_or_default();
        assert_eq!(line.tags.len(), expected_tags.len(), "{input:?}");
        for (key, value) in expected_tags {
            assert_eq!(line.tag(&key), value.as_str(), "{input:?} tag {key}");
        }
    }
}

#[test]
fn every_msg_join_vector_serializes_to_an_accepted_line() {
    let tests = fixture("msg-join");
    assert_eq!(tests.len(), 18);
    let mut checked = 0;
    for test in tests {
        let atoms = &test["atoms"];
        let matches = strings(&test["matches"]);
        let verb = atoms["verb"].as_str().unwrap();
        let params = strings(&atoms["params"]);
        let params: Vec<&str> = params.iter().map(String::as_str).collect();
        let tags: Vec<(String, String)> = atoms["tags"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let tags: Vec<(&str, &str)> = tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let line =
            serialize_tagged(&tags, verb, &params).unwrap_or_else(|e| panic!("{atoms}: {e}"));
        let mut line = String::from_utf8(line).unwrap();
        // A source is the server's to add, after the tags; our serializer writes client lines.
        if let Some(source) = atoms["source"].as_str() {
            let at = if line.starts_with('@') {
                line.find(' ').unwrap() + 1
            } else {
                0
            };
            line.insert_str(at, &format!(":{source} "));
        }
        let line = line.trim_end_matches("\r\n");
        assert!(
            matches.iter().any(|m| m == line),
            "{line:?} is none of {matches:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 18);
}

#[test]
fn every_userhost_split_vector_splits_as_expected() {
    for test in fixture("userhost-split") {
        let source = test["source"].as_str().unwrap();
        let atoms = &test["atoms"];
        let split = Source::parse(source);
        assert_eq!(
            Some(split.nick.as_str()),
            atoms["nick"].as_str(),
            "{source}"
        );
        assert_eq!(split.user.as_deref(), atoms["user"].as_str(), "{source}");
        assert_eq!(split.host.as_deref(), atoms["host"].as_str(), "{source}");
    }
}
