//! What can go wrong while loading a configuration file.

use std::fmt;
use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// One thing wrong with a configuration file, at a line and column of that file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line of the offending key or value; 0 when the problem has no place in the file.
    pub line: usize,
    /// 1-based column (in characters) of the offending key or value; 0 when the problem has no place.
    pub column: usize,
    /// Dotted path of the key, with array indices: `bridge[0].endpoints[1]`, `irc.networks.libera.server`;
    /// empty when the problem is not tied to a key (a TOML syntax error between keys).
    pub key: String,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in one configuration file, sorted by position.
///
/// Its `Display` prints one `file:line:column: key: message` line per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems {
    source: String,
    problems: Vec<Problem>,
}

impl Problems {
    /// Wraps `problems` found in the file named `source`, sorting them by line and column.
    pub fn new(source: impl Into<String>, mut problems: Vec<Problem>) -> Self {
        problems.sort_by_key(|problem| (problem.line, problem.column));
        Problems {
            source: source.into(),
            problems,
        }
    }

    /// The name of the file the problems were found in, as given to the loader.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The problems, sorted by line and column.
    pub fn as_slice(&self) -> &[Problem] {
        &self.problems
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.problems.len()
    }

    /// Whether there are no problems at all.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// Iterates over the problems in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.problems.iter()
    }
}

impl<'a> IntoIterator for &'a Problems {
    type Item = &'a Problem;
    type IntoIter = std::slice::Iter<'a, Problem>;

    fn into_iter(self) -> Self::IntoIter {
        self.problems.iter()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.len() > 1 {
            writeln!(
                f,
                "{} has {} problems; fix all of them and start again:",
                self.source,
                self.problems.len()
            )?;
        }
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{problem}", self.source)?;
        }
        Ok(())
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Happens when the configuration file cannot be read (missing, unreadable, not UTF-8).
    #[error("cannot read config file `{}`; check the path and its permissions", path.display())]
    Read {
        /// The file that could not be read.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// Happens when the file is not valid TOML or does not fit the schema: a syntax error, an unknown
    /// key, a value of the wrong type or a missing required key. Holds exactly one problem.
    #[error("{0}")]
    Parse(Problems),
    /// Happens when the file parsed but its values are wrong or inconsistent, or a secret cannot be
    /// read; lists every problem at once.
    #[error("{0}")]
    Invalid(Problems),
}

impl ConfigError {
    /// The problems found, in file order; empty for [`ConfigError::Read`].
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Read { .. } => &[],
            ConfigError::Parse(problems) | ConfigError::Invalid(problems) => problems.as_slice(),
        }
    }
}
