//! Files that hold what the database protects (the data key, the SQLite database, `.eml`
//! emails) are created readable and writable by their owner only (`0600`), whatever the umask.

use std::io::Write;
use std::path::Path;

fn owner_only(options: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Write `contents` to a new or truncated file at `path`, created `0600`.
pub fn write_private(path: &Path, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
    let mut file = owner_only(
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true),
    )
    .open(path)?;
    file.write_all(contents.as_ref())?;
    file.sync_all()
}

/// Create an empty file at `path`, `0600`, unless something is there already (SQLite takes an
/// empty file as a new database, and gives its journal files the database file's permissions).
pub fn create_private_if_missing(path: &Path) -> std::io::Result<()> {
    match owner_only(std::fs::OpenOptions::new().write(true).create_new(true)).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Make an existing file readable and writable by its owner only (`0600`).
pub fn restrict_to_owner(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
