//! Platform directories (XDG on Linux via the `directories` crate): the data dir holds the
//! default SQLite trace database and the writer's spool; the config dir holds settings.
//! `TRACEDECK_DATA_DIR` / `TRACEDECK_CONFIG_DIR` override them (tests, portable installs).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

fn project() -> Result<directories::ProjectDirs> {
    directories::ProjectDirs::from("dev", "Tracedeck", "tracedeck")
        .context("cannot determine the home directory for Tracedeck's data (set TRACEDECK_DATA_DIR)")
}

pub fn data_dir() -> Result<PathBuf> {
    match std::env::var_os("TRACEDECK_DATA_DIR") {
        Some(d) => Ok(PathBuf::from(d)),
        None => Ok(project()?.data_dir().to_path_buf()),
    }
}

pub fn config_dir() -> Result<PathBuf> {
    match std::env::var_os("TRACEDECK_CONFIG_DIR") {
        Some(d) => Ok(PathBuf::from(d)),
        None => Ok(project()?.config_dir().to_path_buf()),
    }
}

/// The default trace database: an SQLite file in the data dir, created on first use.
pub fn default_db() -> Result<PathBuf> {
    Ok(default_db_in(&data_dir()?))
}

pub fn default_db_in(data_dir: &Path) -> PathBuf {
    data_dir.join("traces.db")
}

/// Spool file for a database, named after what it points to (never after a password).
pub fn spool_for(data_dir: &Path, describe: &str) -> PathBuf {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in describe.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    data_dir.join("spool").join(format!("{h:016x}.sqlite"))
}
