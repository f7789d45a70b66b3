//! From the paths on the command line to a list of jobs: which files to read (walking
//! directories, `--glob`), where each one is written (`-o DIR`, `--in-place`, stdout), and the
//! checks that must pass before anything is written (no two inputs on one output, no input
//! overwritten without `--in-place`).
//!
//! Walking does not follow symbolic links to directories (they are skipped with a warning), so a
//! link cycle cannot loop and a tree is cleaned once; symbolic links to files are read when they
//! point inside the directory given, and skipped with a warning when they point outside it.
//! `--follow` follows both, with loop detection: a link to a directory that is the directory
//! itself or one above it (same device and inode) is skipped with a warning. An output directory
//! inside an input directory is not walked, so earlier outputs are never re-read as input.

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
    /// `--follow`: follow symbolic links (to directories, and to files outside the tree).
    pub follow: bool,
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
                    follow: opts.follow,
                    root: fs::canonicalize(path).ok(),
                };
                let mut ancestors = vec![dir_id(&meta)];
                walker.walk(
                    path,
                    Path::new(""),
                    &mut ancestors,
                    &mut found,
                    &mut messages,
                );
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

    // Hundreds of thousands of paths may be held: no spare capacity in each.
    for (input, rel) in &mut found {
        input.shrink_to_fit();
        rel.shrink_to_fit();
    }
    let jobs: Vec<Job> = match (opts.out_dir, opts.in_place) {
        (Some(dir), _) => found
            .into_iter()
            .map(|(input, rel)| {
                let mut dest = dir.join(rel);
                dest.shrink_to_fit();
                Job {
                    dest: Dest::File(dest),
                    input,
                }
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
///
/// Memory stays small for hundreds of thousands of jobs: the maps hold 64-bit hashes of the
/// paths' identities, and a hash match is confirmed by comparing the identities themselves.
fn check_outputs(jobs: &[Job], in_place: bool) -> Result<()> {
    let mut problems = Vec::new();
    let mut ids = Identities::default();

    // Output identity hash → first job writing there; groups of jobs on one output.
    let mut by_dest = HashIndex::with_capacity(jobs.len());
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut dest_ids: Vec<u64> = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        let Dest::File(dest) = &job.dest else {
            dest_ids.push(0);
            continue;
        };
        let id = ids.of_output(dest);
        let h = hash(&id);
        dest_ids.push(h);
        let same = by_dest.find(h, |j| {
            let Dest::File(other) = &jobs[j].dest else {
                unreachable!()
            };
            ids.of_output(other) == id
        });
        match same {
            None => by_dest.insert(h, i),
            Some(j) => match groups.iter_mut().find(|g| g[0] == j) {
                Some(group) => group.push(i),
                None => groups.push(vec![j, i]),
            },
        }
    }
    drop(by_dest);
    for group in &groups {
        let Dest::File(dest) = &jobs[group[0]].dest else {
            unreachable!()
        };
        let names: Vec<String> = group
            .iter()
            .map(|&i| jobs[i].input.display().to_string())
            .collect();
        problems.push(format!(
            "{}: {} inputs would be written here: {}",
            dest.display(),
            group.len(),
            names.join(", ")
        ));
    }

    // Input identity hash → input jobs.
    let mut inputs = HashIndex::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        if let Ok(p) = fs::canonicalize(&job.input) {
            inputs.insert(hash(&p), i);
        }
    }
    for (i, job) in jobs.iter().enumerate() {
        let Dest::File(dest) = &job.dest else {
            continue;
        };
        if !inputs.contains(dest_ids[i]) {
            continue;
        }
        let id = ids.of_output(dest);
        let owner = inputs.find(dest_ids[i], |o| {
            fs::canonicalize(&jobs[o].input).is_ok_and(|p| p == id)
        });
        let Some(owner) = owner else {
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

/// Job indexes by a 64-bit hash: one `u32` per job, and a side list for the (rare) jobs whose
/// hash is already taken.
struct HashIndex {
    first: HashMap<u64, u32>,
    more: Vec<(u64, usize)>,
}

impl HashIndex {
    fn with_capacity(n: usize) -> HashIndex {
        HashIndex {
            first: HashMap::with_capacity(n),
            more: Vec::new(),
        }
    }

    fn insert(&mut self, h: u64, i: usize) {
        match self.first.entry(h) {
            std::collections::hash_map::Entry::Occupied(_) => self.more.push((h, i)),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(i as u32);
            }
        }
    }

    fn contains(&self, h: u64) -> bool {
        self.first.contains_key(&h)
    }

    /// The first job with hash `h` for which `same` holds.
    fn find(&self, h: u64, mut same: impl FnMut(usize) -> bool) -> Option<usize> {
        let first = *self.first.get(&h)? as usize;
        if same(first) {
            return Some(first);
        }
        self.more
            .iter()
            .filter(|&&(m, _)| m == h)
            .map(|&(_, i)| i)
            .find(|&i| same(i))
    }
}

fn hash(path: &Path) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(path)
}

/// Output path identities, with the canonical form of each directory looked up once.
#[derive(Default)]
struct Identities {
    dirs: HashMap<PathBuf, Option<PathBuf>>,
}

impl Identities {
    /// A path's identity for comparing outputs with inputs and with each other: canonical
    /// when it is a symbolic link, otherwise its directory made canonical (when it exists)
    /// joined with its name, otherwise the path made absolute.
    fn of_output(&mut self, path: &Path) -> PathBuf {
        if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            if let Ok(p) = fs::canonicalize(path) {
                return p;
            }
        }
        if let (Some(parent), Some(name)) = (path.parent(), path.file_name()) {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            let canonical = self
                .dirs
                .entry(parent.to_path_buf())
                .or_insert_with(|| fs::canonicalize(parent).ok());
            if let Some(dir) = canonical {
                return dir.join(name);
            }
        }
        std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

struct Walker<'a> {
    globs: &'a [String],
    skip_dir: Option<&'a Path>,
    /// `--follow`: walk into symbolic links to directories and read links to files anywhere.
    follow: bool,
    /// The directory argument being walked, canonical: without `--follow`, a link to a file
    /// outside it is not read.
    root: Option<PathBuf>,
}

/// A directory's identity, for loop detection with `--follow`.
#[cfg(unix)]
fn dir_id(meta: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn dir_id(_meta: &fs::Metadata) -> (u64, u64) {
    (0, 0)
}

impl Walker<'_> {
    /// Append `(input path, path relative to the root)` for every matching file under `dir`,
    /// in sorted order. `ancestors` are the identities of `dir` and the directories above it
    /// (a link back to one of them is a loop).
    fn walk(
        &self,
        dir: &Path,
        rel: &Path,
        ancestors: &mut Vec<(u64, u64)>,
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
                match fs::metadata(&path) {
                    Ok(meta) if meta.is_dir() => {
                        if !self.follow {
                            messages.push(Msg::warning(format!(
                                "{}: skipped: symbolic links to directories are not followed \
                                 (use --follow)",
                                path.display()
                            )));
                        } else if ancestors.contains(&dir_id(&meta)) {
                            messages.push(Msg::warning(format!(
                                "{}: skipped: symbolic link loop (it points to a directory \
                                 above it)",
                                path.display()
                            )));
                        } else {
                            self.walk_dir(&path, &meta, &rel, ancestors, found, messages);
                        }
                    }
                    Ok(_) if !self.matches(&name) => {}
                    Ok(_) if !self.follow && !self.inside_root(&path) => {
                        messages.push(Msg::warning(format!(
                            "{}: skipped: symbolic link to a file outside the input directory \
                             (use --follow)",
                            path.display()
                        )));
                    }
                    // A dangling link or a link loop is still a job: reading it reports the
                    // error for that file alone.
                    _ => {
                        if self.matches(&name) {
                            found.push((path, rel));
                        }
                    }
                }
            } else if file_type.is_dir() {
                match fs::metadata(&path) {
                    Ok(meta) => self.walk_dir(&path, &meta, &rel, ancestors, found, messages),
                    Err(e) => messages.push(Msg::error(format!(
                        "{}: cannot read directory: {e}",
                        path.display()
                    ))),
                }
            } else if file_type.is_file() && self.matches(&name) {
                found.push((path, rel));
            }
        }
    }

    fn walk_dir(
        &self,
        path: &Path,
        meta: &fs::Metadata,
        rel: &Path,
        ancestors: &mut Vec<(u64, u64)>,
        found: &mut Vec<(PathBuf, PathBuf)>,
        messages: &mut Vec<Msg>,
    ) {
        // The output directory (reached directly or through a followed link) is never input.
        let is_out_dir = self
            .skip_dir
            .is_some_and(|skip| fs::canonicalize(path).is_ok_and(|p| p == skip));
        if is_out_dir {
            return;
        }
        ancestors.push(dir_id(meta));
        self.walk(path, rel, ancestors, found, messages);
        ancestors.pop();
    }

    /// Whether a link resolves to a path inside the directory argument.
    fn inside_root(&self, link: &Path) -> bool {
        match (&self.root, fs::canonicalize(link)) {
            (Some(root), Ok(target)) => target.starts_with(root),
            _ => false,
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
