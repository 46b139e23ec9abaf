//! The data directory: private modes and the lock that keeps a second gateway out.

use std::fs::{self, DirBuilder, File, OpenOptions, Permissions, TryLockError};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::StoreError;

/// Mode of the data directory and every directory under it: owner only.
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of every file under the data directory: owner read/write only.
pub(crate) const FILE_MODE: u32 = 0o600;
/// The lock file's name inside the data directory.
const LOCK_FILE: &str = "switchboard.lock";

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates the data directory (mode 0700, parents too) if needed and makes it 0700 if it already existed.
pub(crate) fn prepare_dir(dir: &Path) -> Result<(), StoreError> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(io_error(dir))?;
    fs::set_permissions(dir, Permissions::from_mode(DIR_MODE)).map_err(io_error(dir))
}

/// Takes the data directory's exclusive lock, held as long as the returned file stays open.
///
/// The lock is an advisory `flock` on its own file, so it also keeps out a second open in the same process.
pub(crate) fn lock_dir(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_error(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::Locked {
            path: dir.to_path_buf(),
        }),
        Err(TryLockError::Error(source)) => Err(StoreError::Io { path, source }),
    }
}

/// Gives every file under `dir` mode 0600 and every directory 0700, recursively.
pub(crate) fn make_private(dir: &Path) -> Result<(), StoreError> {
    let mut pending: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).map_err(io_error(&current))? {
            let entry = entry.map_err(io_error(&current))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(io_error(&path))?;
            if kind.is_dir() {
                fs::set_permissions(&path, Permissions::from_mode(DIR_MODE))
                    .map_err(io_error(&path))?;
                pending.push(path);
            } else if kind.is_file() {
                fs::set_permissions(&path, Permissions::from_mode(FILE_MODE))
                    .map_err(io_error(&path))?;
            }
        }
    }
    Ok(())
}
