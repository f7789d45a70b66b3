//! Atomic output files: write a temporary file in the destination directory, then rename it
//! over the destination, so an interrupted run never leaves a half-written output. (No fsync:
//! this guards against the process dying, not against power loss, and keeps small-file batches
//! fast.)

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use tempfile::NamedTempFile;

/// An output file being written; nothing appears at the destination until [`commit`].
///
/// [`commit`]: AtomicFile::commit
pub struct AtomicFile {
    file: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Create the destination directory if needed and a temporary file next to `dest`.
    pub fn create(dest: &Path) -> Result<AtomicFile> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create directory", dir.display()))?;
        let mut builder = tempfile::Builder::new();
        builder
            .prefix(crate::inputs::OWN_FILE_PREFIX)
            .suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Like any new file: 0o666 less the umask (tempfile's default is 0o600).
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        let tmp = builder
            .tempfile_in(dir)
            .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
        Ok(AtomicFile {
            file: BufWriter::with_capacity(64 * 1024, tmp),
        })
    }

    /// Flush, keep the permissions of a file being replaced, and rename over `dest`.
    pub fn commit(self, dest: &Path) -> Result<()> {
        let tmp = self
            .file
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("{}: cannot write", dest.display()))?;
        if let Ok(meta) = fs::metadata(dest) {
            // In place: the cleaned file keeps the original's mode.
            let _ = fs::set_permissions(tmp.path(), meta.permissions());
        }
        tmp.persist(dest)
            .map_err(|e| e.error)
            .with_context(|| format!("{}: cannot write", dest.display()))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Write `data` to `dest` atomically.
pub fn write_atomic(dest: &Path, data: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(dest)?;
    file.write_all(data)
        .with_context(|| format!("{}: cannot write", dest.display()))?;
    file.commit(dest)
}
