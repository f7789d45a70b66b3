//! Atomic output files: write a temporary file in the destination directory, then rename it
//! over the destination, so an interrupted run never leaves a half-written output. (No fsync:
//! this guards against the process dying, not against power loss, and keeps small-file batches
//! fast.) A run killed with SIGKILL may leave a `.declutter-*.tmp` file behind, never a partial
//! output; inputs named `.declutter-*` are never read.
//!
//! Outputs under `-o DIR` are confined to DIR: a directory on the way that is a symbolic link
//! leading out of DIR is refused before anything is created there. An output that is a symbolic
//! link is replaced, never written through. A `--report` path that is a device or a pipe
//! (`/dev/stdout`) is written directly: renaming over it would replace the device node.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tempfile::NamedTempFile;

/// The output directory that was last created and checked (outputs come in walk order, so
/// consecutive files nearly always share it): later files there skip `mkdir` and the check.
#[derive(Default)]
pub struct DirCache {
    last: Option<PathBuf>,
    /// `last` did not exist before this run's files: nothing in it predates them (and no two
    /// inputs share an output), so an output there replaces no file and needs no lookup.
    fresh: bool,
}

/// An output file being written; nothing appears at the destination until [`commit`].
///
/// [`commit`]: AtomicFile::commit
pub struct AtomicFile {
    file: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Create the destination directory if needed and a temporary file next to `dest`. With a
    /// `root` (canonical), refuse a destination whose directory is not inside it.
    pub fn create(dest: &Path, root: Option<&Path>) -> Result<AtomicFile> {
        AtomicFile::create_cached(dest, root, &mut DirCache::default())
    }

    /// [`create`](AtomicFile::create), skipping the directory checks and `mkdir` when `dirs`
    /// holds the destination's directory (it was made and checked for an earlier file).
    pub fn create_cached(
        dest: &Path,
        root: Option<&Path>,
        dirs: &mut DirCache,
    ) -> Result<AtomicFile> {
        AtomicFile::create_buffered(dest, root, dirs, 64 * 1024)
    }

    /// [`create_cached`](AtomicFile::create_cached) with a write buffer of `capacity` bytes
    /// (0: writes go straight to the file, for data written in one piece).
    fn create_buffered(
        dest: &Path,
        root: Option<&Path>,
        dirs: &mut DirCache,
        capacity: usize,
    ) -> Result<AtomicFile> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if dirs.last.as_deref() != Some(dir) {
            let mut fresh = false;
            if let Some(root) = root {
                // Before creating anything: the deepest directory that exists must be inside.
                let existing = dir
                    .ancestors()
                    .find(|d| d.exists())
                    .unwrap_or(Path::new("."));
                check_within(existing, root, dest)?;
                fresh = existing != dir;
            }
            fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create directory", dir.display()))?;
            if let Some(root) = root {
                check_within(dir, root, dest)?;
            }
            dirs.last = Some(dir.to_path_buf());
            dirs.fresh = fresh;
        }
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
            file: BufWriter::with_capacity(capacity, tmp),
        })
    }

    /// Flush, keep the permissions of a file being replaced, and rename over `dest`.
    pub fn commit(self, dest: &Path) -> Result<()> {
        let existing = fs::metadata(dest).ok();
        self.commit_over(dest, existing.as_ref())
    }

    /// [`commit`](AtomicFile::commit), given what `dest` was (`None`: it did not exist).
    fn commit_over(self, dest: &Path, existing: Option<&fs::Metadata>) -> Result<()> {
        let tmp = self
            .file
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("{}: cannot write", dest.display()))?;
        if let Some(meta) = existing {
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

/// Refuse `dest` unless `dir` (its directory, or an existing ancestor) resolves inside `root`.
fn check_within(dir: &Path, root: &Path, dest: &Path) -> Result<()> {
    let real = fs::canonicalize(dir)
        .with_context(|| format!("{}: cannot resolve directory", dir.display()))?;
    if !real.starts_with(root) {
        anyhow::bail!(
            "{}: refusing to write outside the output directory {} ({} leads to {})",
            dest.display(),
            root.display(),
            dir.display(),
            real.display()
        );
    }
    Ok(())
}

/// Write `data` to `dest` atomically; with a `root` (canonical), only inside it. Without a root,
/// an existing `dest` that is a device or a pipe is written directly.
pub fn write_atomic(dest: &Path, data: &[u8], root: Option<&Path>) -> Result<()> {
    write_atomic_cached(dest, data, root, false, &mut DirCache::default())
}

/// [`write_atomic`] with a cache of the directory made and checked last. `fresh_root`: the root
/// did not exist before this run, so nothing under it predates this run's outputs (and no two
/// inputs share an output): `dest` replaces no file and needs no lookup.
pub fn write_atomic_cached(
    dest: &Path,
    data: &[u8],
    root: Option<&Path>,
    fresh_root: bool,
    dirs: &mut DirCache,
) -> Result<()> {
    let mut existing = None;
    if root.is_none() {
        existing = fs::metadata(dest).ok();
        if let Some(meta) = &existing {
            if !meta.is_file() && !meta.is_dir() {
                return fs::OpenOptions::new()
                    .write(true)
                    .open(dest)
                    .and_then(|mut f| f.write_all(data).and_then(|()| f.flush()))
                    .with_context(|| format!("{}: cannot write", dest.display()));
            }
        }
    }
    // One write of the whole text: no buffer to allocate and copy it into.
    let mut file = AtomicFile::create_buffered(dest, root, dirs, 0)?;
    file.write_all(data)
        .with_context(|| format!("{}: cannot write", dest.display()))?;
    if root.is_some() && !fresh_root && !dirs.fresh {
        existing = fs::metadata(dest).ok();
    }
    file.commit_over(dest, existing.as_ref())
}
