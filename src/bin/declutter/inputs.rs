//! From the paths on the command line to a list of jobs: which files to read (walking
//! directories, `--glob`), where each one is written (`-o DIR`, `--in-place`, stdout), and the
//! checks that must pass before anything is written (no two inputs on one output, no input
//! overwritten without `--in-place`).
//!
//! Walking does not follow symbolic links to directories (they are skipped with a warning), so a
//! link cycle cannot loop and a tree is cleaned once. Symbolic links to files are read. An output
//! directory inside an input directory is not walked, so earlier outputs are never re-read as
//! input.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::messages::Msg;

/// Where one input's cleaned text goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    Stdout,
    File(PathBuf),
}

/// One input file and its output.
#[derive(Debug, Clone)]
pub struct Job {
    /// The input, as the user would name it (directory argument joined with the relative path).
    pub input: PathBuf,
    pub dest: Dest,
}

/// What a `clean` run reads and writes.
#[derive(Debug)]
pub struct Plan {
    /// Read stdin, write stdout; `jobs` is empty.
    pub stdin: bool,
    pub jobs: Vec<Job>,
    /// Problems found while walking (unreadable directories, skipped links), in walk order.
    pub messages: Vec<Msg>,
}

/// What [`plan`] needs from the command line.
pub struct PlanOptions<'a> {
    pub paths: &'a [PathBuf],
    pub out_dir: Option<&'a Path>,
    pub in_place: bool,
    pub globs: &'a [String],
}

/// Names the tool itself keeps in an output directory; never taken as input.
pub const OWN_FILE_PREFIX: &str = ".declutter-";

pub fn plan(opts: &PlanOptions<'_>) -> Result<Plan> {
    let is_stdin = |p: &PathBuf| p.as_os_str() == "-";
    if opts.paths.is_empty() || opts.paths.iter().all(is_stdin) {
        if opts.paths.len() > 1 {
            bail!("`-` (stdin) can be given only once");
        }
        if opts.out_dir.is_some() {
            bail!("-o needs file or directory arguments: stdin is always written to stdout");
        }
        if opts.in_place {
            bail!("--in-place needs file or directory arguments: stdin is written to stdout");
        }
        return Ok(Plan {
            stdin: true,
            jobs: Vec::new(),
            messages: Vec::new(),
        });
    }
    if opts.paths.iter().any(is_stdin) {
        bail!("`-` (stdin) cannot be mixed with file or directory arguments");
    }

    let skip_dir = opts.out_dir.and_then(|d| fs::canonicalize(d).ok());
    let mut messages = Vec::new();
    let mut found: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut any_dir = false;
    for path in opts.paths {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                any_dir = true;
                let walker = Walker {
                    globs: opts.globs,
                    skip_dir: skip_dir.as_deref(),
                };
                walker.walk(path, Path::new(""), &mut found, &mut messages);
            }
            // A missing or unreadable file is still a job: reading it reports the error for that
            // file alone, in input order, and the other inputs are still written.
            _ => {
                let name = path
                    .file_name()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| path.clone());
                found.push((path.clone(), name));
            }
        }
    }

    let jobs: Vec<Job> = match (opts.out_dir, opts.in_place) {
        (Some(dir), _) => found
            .into_iter()
            .map(|(input, rel)| Job {
                dest: Dest::File(dir.join(rel)),
                input,
            })
            .collect(),
        (None, true) => found
            .into_iter()
            .map(|(input, _)| Job {
                dest: Dest::File(input.clone()),
                input,
            })
            .collect(),
        (None, false) => {
            if any_dir || opts.paths.len() > 1 {
                bail!(
                    "a directory or several inputs need an output directory: add -o DIR \
                     (or --in-place to overwrite the inputs)"
                );
            }
            found
                .into_iter()
                .map(|(input, _)| Job {
                    input,
                    dest: Dest::Stdout,
                })
                .collect()
        }
    };
    check_outputs(&jobs, opts.in_place)?;
    Ok(Plan {
        stdin: false,
        jobs,
        messages,
    })
}

/// Before anything is written: no two inputs on one output path, and no input overwritten
/// unless `--in-place` (and then only by its own output).
fn check_outputs(jobs: &[Job], in_place: bool) -> Result<()> {
    let mut problems = Vec::new();

    let mut by_dest: HashMap<PathBuf, Vec<usize>> = HashMap::new();
    let mut order = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        if let Dest::File(dest) = &job.dest {
            let key = identity(dest);
            let slot = by_dest.entry(key.clone()).or_default();
            if slot.is_empty() {
                order.push(key);
            }
            slot.push(i);
        }
    }
    for key in &order {
        let idx = &by_dest[key];
        if idx.len() > 1 {
            let Dest::File(dest) = &jobs[idx[0]].dest else {
                unreachable!()
            };
            let names: Vec<String> = idx
                .iter()
                .map(|&i| jobs[i].input.display().to_string())
                .collect();
            problems.push(format!(
                "{}: {} inputs would be written here: {}",
                dest.display(),
                idx.len(),
                names.join(", ")
            ));
        }
    }

    let inputs: HashMap<PathBuf, usize> = jobs
        .iter()
        .enumerate()
        .filter_map(|(i, job)| fs::canonicalize(&job.input).ok().map(|p| (p, i)))
        .collect();
    for (i, job) in jobs.iter().enumerate() {
        let Dest::File(dest) = &job.dest else {
            continue;
        };
        let Some(&owner) = inputs.get(&identity(dest)) else {
            continue;
        };
        if owner == i {
            if !in_place {
                problems.push(format!(
                    "{}: refusing to overwrite an input file (use --in-place to clean files in place)",
                    dest.display()
                ));
            }
        } else {
            problems.push(format!(
                "{}: the output of {} would overwrite input {}",
                dest.display(),
                job.input.display(),
                jobs[owner].input.display()
            ));
        }
    }

    if problems.is_empty() {
        return Ok(());
    }
    let n = problems.len();
    const SHOWN: usize = 20;
    if n > SHOWN {
        problems.truncate(SHOWN);
        problems.push(format!("... and {} more", n - SHOWN));
    }
    // One problem per line, each with the usual prefix (the caller prints the first one's).
    bail!(
        "{}\ndeclutter: error: {} problem{} with the output paths; nothing was written",
        problems.join("\ndeclutter: error: "),
        n,
        if n == 1 { "" } else { "s" }
    )
}

/// A path's identity for comparing outputs with inputs and with each other: canonical when
/// the file or its directory exists, otherwise the path made absolute.
fn identity(path: &Path) -> PathBuf {
    if let Ok(p) = fs::canonicalize(path) {
        return p;
    }
    if let (Some(parent), Some(name)) = (path.parent(), path.file_name()) {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        if let Ok(p) = fs::canonicalize(parent) {
            return p.join(name);
        }
    }
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

struct Walker<'a> {
    globs: &'a [String],
    skip_dir: Option<&'a Path>,
}

impl Walker<'_> {
    /// Append `(input path, path relative to the root)` for every matching file under `dir`,
    /// in sorted order.
    fn walk(
        &self,
        dir: &Path,
        rel: &Path,
        found: &mut Vec<(PathBuf, PathBuf)>,
        messages: &mut Vec<Msg>,
    ) {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                messages.push(Msg::error(format!(
                    "{}: cannot read directory: {e}",
                    dir.display()
                )));
                return;
            }
        };
        let mut list = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => list.push(entry),
                Err(e) => messages.push(Msg::error(format!(
                    "{}: cannot read directory: {e}",
                    dir.display()
                ))),
            }
        }
        list.sort_by_key(|e| e.file_name());
        for entry in list {
            let path = entry.path();
            let name = entry.file_name();
            let rel = rel.join(&name);
            let file_type = match entry.file_type() {
                Ok(t) => t,
                Err(e) => {
                    messages.push(Msg::error(format!("{}: {e}", path.display())));
                    continue;
                }
            };
            let name = name.to_string_lossy();
            if file_type.is_symlink() {
                if fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                    messages.push(Msg::warning(format!(
                        "{}: skipped: symbolic links to directories are not followed",
                        path.display()
                    )));
                } else if self.matches(&name) {
                    found.push((path, rel));
                }
            } else if file_type.is_dir() {
                let is_out_dir = self
                    .skip_dir
                    .is_some_and(|skip| fs::canonicalize(&path).is_ok_and(|p| p == skip));
                if !is_out_dir {
                    self.walk(&path, &rel, found, messages);
                }
            } else if file_type.is_file() && self.matches(&name) {
                found.push((path, rel));
            }
        }
    }

    fn matches(&self, name: &str) -> bool {
        !name.starts_with(OWN_FILE_PREFIX) && self.globs.iter().any(|g| glob_match(g, name))
    }
}

/// Match a file name against a pattern where `*` is any run of characters and `?` is one
/// character. Everything else matches itself.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    // Where to resume after the last `*`: (pattern index after it, name index it matched up to).
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi + 1, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.txt", "a.txt"));
        assert!(glob_match("*.txt", ".txt"));
        assert!(!glob_match("*.txt", "a.txt.bak"));
        assert!(glob_match("a?c*", "abcdef"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*", ""));
        assert!(glob_match("*a*b*", "xxaxxbxx"));
        assert!(!glob_match("*a*b", "xxaxxbxxc"));
        assert!(glob_match("статья-*.txt", "статья-1.txt"));
    }
}
