//! The one error type of every store backend.

use std::path::PathBuf;

/// The cause of a backend or decoding failure, whatever the backend.
type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Happens when another process, or another open store in this process, holds the data directory.
    #[error(
        "store at {path} is locked by another process: stop the other switchboard or choose another data_dir"
    )]
    Locked {
        /// The data directory.
        path: PathBuf,
    },

    /// Happens when the data directory or its files cannot be created, locked or given private modes.
    #[error(
        "cannot prepare store directory {path}: check that its parent exists and is writable by the switchboard user"
    )]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// Happens when the database engine fails (disk full, I/O error, damaged files).
    #[error(
        "store at {path} failed: check disk space and permissions, or restore the data_dir from a backup"
    )]
    Backend {
        /// The data directory.
        path: PathBuf,
        /// The engine's error.
        #[source]
        source: Cause,
    },

    /// Happens when a stored record cannot be read back, i.e. the files were damaged or written by an
    /// incompatible version.
    #[error(
        "a record in the {table} table of the store at {path} is unreadable: restore the data_dir from a backup"
    )]
    Corrupt {
        /// The data directory.
        path: PathBuf,
        /// The table holding the record.
        table: &'static str,
        /// The decoding error.
        #[source]
        source: Cause,
    },

    /// Happens when a value used as a key prefix (a destination, network, person, canonical id) contains a NUL
    /// byte, which separates key parts.
    #[error(
        "{what} {value:?} contains a NUL byte, which the store cannot key on: remove it from the {what}"
    )]
    InvalidKey {
        /// What the value is (e.g. `destination`).
        what: &'static str,
        /// The offending value.
        value: String,
    },
}
