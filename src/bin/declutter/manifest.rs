//! `DIR/.declutter-rules`: the fingerprint of the rules and settings that made the outputs in
//! an output directory, so `--skip-existing` skips only outputs made the same way.
//!
//! With no record yet, it is written before any output, so a resumed run skips what an
//! interrupted one finished. When the recorded fingerprint differs, the record is removed before
//! anything is written and the new one is written at the end of the run, so an interrupted run
//! never leaves outputs of mixed rules under a record that vouches for them. (Outputs in DIR that
//! this run does not touch are not checked; a later issue may keep one fingerprint per output.)

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::messages::Reporter;
use crate::write::write_atomic;

pub const FILE_NAME: &str = ".declutter-rules";

pub struct Manifest {
    path: PathBuf,
    fingerprint: String,
    /// The outputs in DIR were made with the same fingerprint.
    pub current: bool,
    /// The record is written (or was already right).
    written: bool,
}

impl Manifest {
    /// Read the record in `out_dir` and, when it does not match, remove it.
    pub fn open(
        out_dir: &Path,
        fingerprint: &str,
        skip_existing: bool,
        reporter: &mut Reporter,
    ) -> Result<Manifest> {
        let path = out_dir.join(FILE_NAME);
        let recorded = fs::read_to_string(&path).ok();
        let current = recorded.as_deref().map(str::trim) == Some(fingerprint);
        if !current {
            if let Some(old) = &recorded {
                if skip_existing {
                    reporter.warning(format!(
                        "{}: outputs were made with other rules or settings ({}); \
                         --skip-existing redoes every file",
                        path.display(),
                        old.trim()
                    ));
                }
                fs::remove_file(&path)
                    .with_context(|| format!("{}: cannot remove", path.display()))?;
            }
        }
        let mut manifest = Manifest {
            path,
            fingerprint: fingerprint.to_string(),
            current,
            written: current,
        };
        if recorded.is_none() {
            manifest.write()?;
        }
        Ok(manifest)
    }

    fn write(&mut self) -> Result<()> {
        write_atomic(
            &self.path,
            format!("{}\n", self.fingerprint).as_bytes(),
            None,
        )?;
        self.written = true;
        Ok(())
    }

    /// Record the fingerprint (at the end of the run).
    pub fn finish(mut self) -> Result<()> {
        if self.written {
            return Ok(());
        }
        self.write()
    }
}
