//! What one connection knows of a channel it is in: who is there with which prefixes (RFC 2812 §3.2.5 NAMES,
//! IRCv3 multi-prefix), and the topic; kept in step with JOIN, PART, QUIT, KICK, NICK and MODE.

use std::collections::HashMap;

use switchboard_core::address::CaseMapping;
use switchboard_core::room::{Affiliation, Role};

/// One member of a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    /// The nick as the server spells it.
    pub(crate) nick: String,
    /// Their status prefixes, highest first (`@+` with multi-prefix).
    pub(crate) prefixes: String,
}

/// A channel as one connection sees it.
#[derive(Debug, Clone)]
pub(crate) struct Channel {
    /// The channel name as the server spells it.
    pub(crate) name: String,
    /// Members by folded nick.
    members: HashMap<String, Member>,
    /// The topic (RPL_TOPIC 332, TOPIC).
    pub(crate) topic: Option<String>,
    /// Whether our own JOIN has been seen.
    pub(crate) joined: bool,
    /// Whether the first NAMES list (RPL_ENDOFNAMES 366) is complete: until then members are collected, not
    /// announced one by one.
    pub(crate) names_complete: bool,
}

impl Channel {
    pub(crate) fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            members: HashMap::new(),
            topic: None,
            joined: false,
            names_complete: false,
        }
    }

    /// Adds or updates a member.
    pub(crate) fn add(&mut self, mapping: CaseMapping, nick: &str, prefixes: &str) {
        self.members.insert(
            mapping.fold(nick),
            Member {
                nick: nick.to_owned(),
                prefixes: prefixes.to_owned(),
            },
        );
    }

    /// Removes a member; whether they were there.
    pub(crate) fn remove(&mut self, mapping: CaseMapping, nick: &str) -> bool {
        self.members.remove(&mapping.fold(nick)).is_some()
    }

    /// Whether `nick` is in the channel.
    pub(crate) fn contains(&self, mapping: CaseMapping, nick: &str) -> bool {
        self.members.contains_key(&mapping.fold(nick))
    }

    /// A member by nick.
    pub(crate) fn member(&self, mapping: CaseMapping, nick: &str) -> Option<&Member> {
        self.members.get(&mapping.fold(nick))
    }

    /// Renames a member; whether they were there.
    pub(crate) fn rename(&mut self, mapping: CaseMapping, old: &str, new: &str) -> bool {
        match self.members.remove(&mapping.fold(old)) {
            Some(mut member) => {
                member.nick = new.to_owned();
                self.members.insert(mapping.fold(new), member);
                true
            }
            None => false,
        }
    }

    /// Gives or takes a status prefix (MODE +o / -v ...); the member's prefixes stay ordered by `order`
    /// (ISUPPORT PREFIX, highest first). Returns the member's new prefixes.
    pub(crate) fn set_prefix(
        &mut self,
        mapping: CaseMapping,
        nick: &str,
        prefix: char,
        given: bool,
        order: &[(char, char)],
    ) -> Option<String> {
        let member = self.members.get_mut(&mapping.fold(nick))?;
        let mut has: Vec<char> = member.prefixes.chars().filter(|&p| p != prefix).collect();
        if given {
            has.push(prefix);
        }
        member.prefixes = order
            .iter()
            .map(|&(_, p)| p)
            .filter(|p| has.contains(p))
            .collect();
        Some(member.prefixes.clone())
    }

    /// Every member.
    pub(crate) fn members(&self) -> impl Iterator<Item = &Member> {
        self.members.values()
    }
}

/// Splits a NAMES entry (`@+nick` with multi-prefix, `@nick` without) into prefixes and nick, by the
/// server's ISUPPORT PREFIX characters.
pub(crate) fn split_names_entry<'a>(entry: &'a str, order: &[(char, char)]) -> (&'a str, &'a str) {
    let nick_start = entry
        .char_indices()
        .find(|&(_, c)| !order.iter().any(|&(_, p)| p == c))
        .map_or(entry.len(), |(i, _)| i);
    let (prefixes, rest) = entry.split_at(nick_start);
    // A userhost-in-names entry is `nick!user@host`: only the nick names the member.
    let nick = rest.split('!').next().unwrap_or(rest);
    (prefixes, nick)
}

/// The XEP-0045 role and affiliation of a member with `prefixes`, as Biboumi presents them: `~` owner,
/// `&` and `@` admin and moderator, `%` member and moderator, `+` member and participant, nothing none and
/// participant.
pub(crate) fn role_and_affiliation(prefixes: &str) -> (Role, Affiliation) {
    match prefixes.chars().next() {
        Some('~') => (Role::Moderator, Affiliation::Owner),
        Some('&') | Some('@') => (Role::Moderator, Affiliation::Admin),
        Some('%') => (Role::Moderator, Affiliation::Member),
        Some('+') => (Role::Participant, Affiliation::Member),
        _ => (Role::Participant, Affiliation::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: [(char, char); 5] = [('q', '~'), ('a', '&'), ('o', '@'), ('h', '%'), ('v', '+')];

    #[test]
    fn names_entries_split_into_prefixes_and_nick() {
        assert_eq!(split_names_entry("@+alice", &ORDER), ("@+", "alice"));
        assert_eq!(split_names_entry("bob", &ORDER), ("", "bob"));
        assert_eq!(split_names_entry("%carol!c@host", &ORDER), ("%", "carol"));
    }

    #[test]
    fn prefixes_map_to_roles_and_affiliations() {
        assert_eq!(
            role_and_affiliation("~@"),
            (Role::Moderator, Affiliation::Owner)
        );
        assert_eq!(
            role_and_affiliation("@+"),
            (Role::Moderator, Affiliation::Admin)
        );
        assert_eq!(
            role_and_affiliation("%"),
            (Role::Moderator, Affiliation::Member)
        );
        assert_eq!(
            role_and_affiliation("+"),
            (Role::Participant, Affiliation::Member)
        );
        assert_eq!(
            role_and_affiliation(""),
            (Role::Participant, Affiliation::None)
        );
    }

    #[test]
    fn members_fold_by_the_servers_case_mapping() {
        let mut channel = Channel::new("#Dev");
        channel.add(CaseMapping::Rfc1459, "Alice[m]", "");
        assert!(channel.contains(CaseMapping::Rfc1459, "alice{M}"));
        assert!(channel.rename(CaseMapping::Rfc1459, "ALICE[M]", "al"));
        assert_eq!(
            channel
                .member(CaseMapping::Rfc1459, "AL")
                .map(|m| m.nick.as_str()),
            Some("al")
        );
        assert_eq!(
            channel.set_prefix(CaseMapping::Rfc1459, "al", '+', true, &ORDER),
            Some("+".to_owned())
        );
        assert_eq!(
            channel.set_prefix(CaseMapping::Rfc1459, "al", '@', true, &ORDER),
            Some("@+".to_owned())
        );
        assert_eq!(
            channel.set_prefix(CaseMapping::Rfc1459, "al", '+', false, &ORDER),
            Some("@".to_owned())
        );
        assert!(channel.remove(CaseMapping::Rfc1459, "AL"));
        assert!(!channel.contains(CaseMapping::Rfc1459, "al"));
    }
}
