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

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
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

/// Where every output goes.
#[derive(Debug, Clone)]
enum DestRule {
    Stdout,
    /// `-o DIR`: DIR joined with the path relative to the directory argument (or the file name).
    OutDir(PathBuf),
    /// `--in-place`: over the input.
    InPlace,
}

/// How an input's identity (its canonical path) is found.
const TAG_RESOLVE: u32 = 1;

/// The jobs of a run, stored compactly: hundreds of thousands of files cost a few tens of bytes
/// each (the relative path's bytes, an offset and a tag), not two allocated paths. A [`Job`]
/// is made when it is needed.
#[derive(Debug)]
pub struct Jobs {
    dest: DestRule,
    /// One per path argument: the path as given.
    bases: Vec<PathBuf>,
    /// Whether each path argument is a walked directory (jobs are `base/rel`) or a file (the
    /// job is the argument itself; `rel` is its file name).
    base_is_dir: Vec<bool>,
    /// The relative paths, concatenated (the platform's path bytes).
    names: Vec<u8>,
    /// Where each job's relative path ends in `names`.
    ends: Vec<usize>,
    /// Per job: its base index << 1, | [`TAG_RESOLVE`] when the input is not a plain file
    /// found by the walk (a symbolic link, or a file argument), so its identity needs a full
    /// canonicalize.
    tags: Vec<u32>,
}

impl Jobs {
    fn new(dest: DestRule) -> Jobs {
        Jobs {
            dest,
            bases: Vec::new(),
            base_is_dir: Vec::new(),
            names: Vec::new(),
            ends: Vec::new(),
            tags: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    fn add_base(&mut self, path: &Path, is_dir: bool) -> Result<u32> {
        let Ok(i) = u32::try_from(self.bases.len()) else {
            bail!("too many path arguments");
        };
        if i >= u32::MAX >> 1 {
            bail!("too many path arguments");
        }
        self.bases.push(path.to_path_buf());
        self.base_is_dir.push(is_dir);
        Ok(i)
    }

    fn push(&mut self, base: u32, rel: &Path, resolve: bool) {
        self.names
            .extend_from_slice(rel.as_os_str().as_encoded_bytes());
        self.ends.push(self.names.len());
        self.tags.push(base << 1 | u32::from(resolve));
    }

    fn shrink_to_fit(&mut self) {
        self.names.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.tags.shrink_to_fit();
    }

    /// Job `i`'s path relative to its directory argument (or its file name).
    fn rel(&self, i: usize) -> &Path {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Path::new(os_str(&self.names[start..self.ends[i]]))
    }

    fn base(&self, i: usize) -> usize {
        (self.tags[i] >> 1) as usize
    }

    /// Whether job `i`'s identity needs a full canonicalize (not a plain file found by walking).
    fn resolve(&self, i: usize) -> bool {
        self.tags[i] & TAG_RESOLVE != 0
    }

    /// Job `i`'s input path.
    pub fn input(&self, i: usize) -> PathBuf {
        let base = self.base(i);
        if self.base_is_dir[base] {
            join(&self.bases[base], self.rel(i))
        } else {
            self.bases[base].clone()
        }
    }

    /// Job `i`'s output.
    pub fn dest(&self, i: usize) -> Dest {
        match &self.dest {
            DestRule::Stdout => Dest::Stdout,
            DestRule::OutDir(dir) => Dest::File(join(dir, self.rel(i))),
            DestRule::InPlace => Dest::File(self.input(i)),
        }
    }

    pub fn get(&self, i: usize) -> Job {
        Job {
            input: self.input(i),
            dest: self.dest(i),
        }
    }
}

/// Bytes that came from `OsStr::as_encoded_bytes` back to an `OsStr`.
#[cfg(unix)]
fn os_str(bytes: &[u8]) -> &OsStr {
    use std::os::unix::ffi::OsStrExt;
    OsStr::from_bytes(bytes)
}

#[cfg(not(unix))]
fn os_str(bytes: &[u8]) -> &OsStr {
    // SAFETY: `names` holds only whole relative paths taken from `as_encoded_bytes` in this
    // process, and `rel` slices it at the boundaries between them.
    unsafe { OsStr::from_encoded_bytes_unchecked(bytes) }
}

/// What a `clean` run reads and writes.
#[derive(Debug)]
pub struct Plan {
    /// Read stdin, write stdout; `jobs` is empty.
    pub stdin: bool,
    pub jobs: Jobs,
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
            jobs: Jobs::new(DestRule::Stdout),
            messages: Vec::new(),
        });
    }
    if opts.paths.iter().any(is_stdin) {
        bail!("`-` (stdin) cannot be mixed with file or directory arguments");
    }

    let dest = match (opts.out_dir, opts.in_place) {
        (Some(dir), _) => DestRule::OutDir(dir.to_path_buf()),
        (None, true) => DestRule::InPlace,
        (None, false) => DestRule::Stdout,
    };
    let skip_dir = opts.out_dir.and_then(|d| fs::canonicalize(d).ok());
    let mut messages = Vec::new();
    let mut jobs = Jobs::new(dest);
    let mut any_dir = false;
    for path in opts.paths {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                any_dir = true;
                let base = jobs.add_base(path, true)?;
                let walker = Walker {
                    globs: opts.globs,
                    skip_dir: skip_dir.as_deref(),
                    follow: opts.follow,
                    root: fs::canonicalize(path).ok(),
                    base,
                };
                let mut ancestors = vec![dir_id(&meta)];
                walker.walk(
                    path,
                    Path::new(""),
                    &mut ancestors,
                    &mut jobs,
                    &mut messages,
                );
            }
            // A missing or unreadable file is still a job: reading it reports the error for that
            // file alone, in input order, and the other inputs are still written.
            _ => {
                let base = jobs.add_base(path, false)?;
                let name = path.file_name().map_or(path.as_path(), Path::new);
                jobs.push(base, name, true);
            }
        }
    }
    jobs.shrink_to_fit();

    if matches!(jobs.dest, DestRule::Stdout) && (any_dir || opts.paths.len() > 1) {
        bail!(
            "a directory or several inputs need an output directory: add -o DIR \
             (or --in-place to overwrite the inputs)"
        );
    }
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
/// Directories are looked up once each (not once per file): their canonical form, and which
/// names in them are symbolic links.
fn check_outputs(jobs: &Jobs, in_place: bool) -> Result<()> {
    let mut problems = Vec::new();
    let mut ids = Identities::default();
    let n = jobs.len();

    // Output identity hash → first job writing there; groups of jobs on one output.
    let mut by_dest = HashIndex::with_capacity(n);
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut dest_ids: Vec<u64> = Vec::with_capacity(n);
    for i in 0..n {
        let Dest::File(dest) = jobs.dest(i) else {
            dest_ids.push(0);
            continue;
        };
        let id = ids.of_output(&dest);
        let h = hash(&id);
        dest_ids.push(h);
        let same = by_dest.find(h, |j| match jobs.dest(j) {
            Dest::File(other) => ids.of_output(&other) == id,
            Dest::Stdout => false,
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
        let Dest::File(dest) = jobs.dest(group[0]) else {
            continue;
        };
        let names: Vec<String> = group
            .iter()
            .map(|&i| jobs.input(i).display().to_string())
            .collect();
        problems.push(format!(
            "{}: {} inputs would be written here: {}",
            dest.display(),
            group.len(),
            names.join(", ")
        ));
    }

    // Input identity hash → input jobs.
    let mut inputs = HashIndex::with_capacity(n);
    for i in 0..n {
        if let Some(p) = ids.of_input(jobs, i) {
            inputs.insert(hash(&p), i);
        }
    }
    for (i, &dest_id) in dest_ids.iter().enumerate() {
        if !inputs.contains(dest_id) {
            continue;
        }
        let Dest::File(dest) = jobs.dest(i) else {
            continue;
        };
        let id = ids.of_output(&dest);
        let owner = inputs.find(dest_id, |o| ids.of_input(jobs, o).is_some_and(|p| p == id));
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
                jobs.input(i).display(),
                jobs.input(owner).display()
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
        match (self.first.entry(h), u32::try_from(i)) {
            (std::collections::hash_map::Entry::Vacant(slot), Ok(i)) => {
                slot.insert(i);
            }
            _ => self.more.push((h, i)),
        }
    }

    fn contains(&self, h: u64) -> bool {
        self.first.contains_key(&h) || self.more.iter().any(|&(m, _)| m == h)
    }

    /// The first job with hash `h` for which `same` holds.
    fn find(&self, h: u64, mut same: impl FnMut(usize) -> bool) -> Option<usize> {
        if let Some(&first) = self.first.get(&h) {
            if same(first as usize) {
                return Some(first as usize);
            }
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

/// What is known about one directory holding inputs or outputs.
struct DirInfo {
    /// Its canonical path, when it exists.
    canonical: Option<PathBuf>,
    /// The names in it that are symbolic links (read once, when outputs are looked up in it);
    /// `None` when it could not be listed (each path is then looked up by itself).
    links: Option<Option<HashSet<OsString>>>,
}

/// Directories looked up at most this many at a time (the cache is emptied when full).
const DIR_CACHE: usize = 256;

/// Path identities, with each directory looked up once.
#[derive(Default)]
struct Identities {
    /// By the directory as spelled: hashing its bytes is much cheaper than hashing a `Path`
    /// (which hashes its components), and two spellings of one directory only cost a second
    /// lookup of the same facts.
    dirs: HashMap<OsString, DirInfo>,
}

impl Identities {
    fn dir(&mut self, dir: &Path) -> &mut DirInfo {
        let key = dir.as_os_str();
        if !self.dirs.contains_key(key) {
            if self.dirs.len() >= DIR_CACHE {
                self.dirs.clear();
            }
            self.dirs.insert(
                key.to_os_string(),
                DirInfo {
                    canonical: fs::canonicalize(dir).ok(),
                    links: None,
                },
            );
        }
        self.dirs.get_mut(key).expect("inserted above")
    }

    /// A path's identity for comparing outputs with inputs and with each other: canonical
    /// when it is a symbolic link, otherwise its directory made canonical (when it exists)
    /// joined with its name, otherwise the path made absolute.
    fn of_output(&mut self, path: &Path) -> PathBuf {
        if let (Some(parent), Some(name)) = (path.parent(), path.file_name()) {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            let info = self.dir(parent);
            if info.canonical.is_none() {
                // The directory does not exist (yet): neither does the path.
                return std::path::absolute(parent)
                    .map(|p| p.join(name))
                    .unwrap_or_else(|_| path.to_path_buf());
            }
            let is_link = match info.links.get_or_insert_with(|| symlinks_in(parent)) {
                Some(links) => links.contains(name),
                None => fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()),
            };
            if is_link {
                if let Ok(p) = fs::canonicalize(path) {
                    return p;
                }
            }
            if let Some(dir) = &info.canonical {
                return dir.join(name);
            }
        }
        if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            if let Ok(p) = fs::canonicalize(path) {
                return p;
            }
        }
        std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
    }

    /// Job `i`'s input made canonical; `None` when it cannot be resolved.
    fn of_input(&mut self, jobs: &Jobs, i: usize) -> Option<PathBuf> {
        let input = jobs.input(i);
        if jobs.resolve(i) {
            return fs::canonicalize(&input).ok();
        }
        // A plain file found by the walk: its directory made canonical, and its name.
        match (input.parent(), input.file_name()) {
            (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => {
                let dir = self.dir(parent).canonical.as_ref()?;
                Some(join(dir, Path::new(name)))
            }
            _ => fs::canonicalize(&input).ok(),
        }
    }
}

/// The names of the symbolic links in `dir`; `None` when it cannot be listed.
fn symlinks_in(dir: &Path) -> Option<HashSet<OsString>> {
    let mut links = HashSet::new();
    for entry in fs::read_dir(dir).ok()? {
        let entry = entry.ok()?;
        if entry.file_type().ok()?.is_symlink() {
            links.insert(entry.file_name());
        }
    }
    Some(links)
}

struct Walker<'a> {
    globs: &'a [String],
    skip_dir: Option<&'a Path>,
    /// `--follow`: walk into symbolic links to directories and read links to files anywhere.
    follow: bool,
    /// The directory argument being walked, canonical: without `--follow`, a link to a file
    /// outside it is not read.
    root: Option<PathBuf>,
    /// Its index in [`Jobs`].
    base: u32,
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

/// What kind of entry a directory listing holds.
#[derive(Clone, Copy)]
enum Kind {
    File,
    Dir,
    Symlink,
    Other,
    /// Its type could not be read: the error is in the listing's `errors`.
    Error,
}

/// One directory's entries: names in one buffer (a directory of 200,000 files costs ~40 bytes
/// per entry while it is walked, not a `DirEntry` each).
#[derive(Default)]
struct Listing {
    names: Vec<u8>,
    /// Where each name starts in `names`, its length, and the entry's kind.
    entries: Vec<(usize, u32, Kind)>,
    /// The errors of the entries whose kind is [`Kind::Error`], by their start in `names`.
    errors: HashMap<usize, std::io::Error>,
}

impl Listing {
    fn name(&self, entry: &(usize, u32, Kind)) -> &[u8] {
        &self.names[entry.0..entry.0 + entry.1 as usize]
    }
}

impl Walker<'_> {
    /// Add a job for every matching file under `dir`, in sorted order. `ancestors` are the
    /// identities of `dir` and the directories above it (a link back to one of them is a loop).
    fn walk(
        &self,
        dir: &Path,
        rel: &Path,
        ancestors: &mut Vec<(u64, u64)>,
        jobs: &mut Jobs,
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
        let mut list = Listing::default();
        for entry in entries {
            match entry {
                Ok(entry) => {
                    let start = list.names.len();
                    let kind = match entry.file_type() {
                        Ok(t) if t.is_symlink() => Kind::Symlink,
                        Ok(t) if t.is_dir() => Kind::Dir,
                        Ok(t) if t.is_file() => Kind::File,
                        Ok(_) => Kind::Other,
                        Err(e) => {
                            list.errors.insert(start, e);
                            Kind::Error
                        }
                    };
                    let name = entry.file_name();
                    let name = name.as_encoded_bytes();
                    // A file name is at most a few hundred bytes.
                    let Ok(len) = u32::try_from(name.len()) else {
                        continue;
                    };
                    list.names.extend_from_slice(name);
                    list.entries.push((start, len, kind));
                }
                Err(e) => messages.push(Msg::error(format!(
                    "{}: cannot read directory: {e}",
                    dir.display()
                ))),
            }
        }
        list.names.shrink_to_fit();
        list.entries.shrink_to_fit();
        let names = &list.names;
        let name = |e: &(usize, u32, Kind)| &names[e.0..e.0 + e.1 as usize];
        list.entries.sort_by(|a, b| name(a).cmp(name(b)));
        // Room for this directory's jobs at once (a flat directory of many files then takes
        // one allocation of the right size).
        let rel_len = rel.as_os_str().len() + 1;
        jobs.names
            .reserve(list.names.len() + rel_len * list.entries.len());
        jobs.ends.reserve(list.entries.len());
        jobs.tags.reserve(list.entries.len());
        for entry in &list.entries {
            let name = os_str(list.name(entry));
            let path = join(dir, Path::new(name));
            let rel = join(rel, Path::new(name));
            let name = name.to_string_lossy();
            match entry.2 {
                Kind::Error => {
                    if let Some(e) = list.errors.get(&entry.0) {
                        messages.push(Msg::error(format!("{}: {e}", path.display())));
                    }
                }
                Kind::Symlink => match fs::metadata(&path) {
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
                            self.walk_dir(&path, &meta, &rel, ancestors, jobs, messages);
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
                            jobs.push(self.base, &rel, true);
                        }
                    }
                },
                Kind::Dir => match fs::metadata(&path) {
                    Ok(meta) => self.walk_dir(&path, &meta, &rel, ancestors, jobs, messages),
                    Err(e) => messages.push(Msg::error(format!(
                        "{}: cannot read directory: {e}",
                        path.display()
                    ))),
                },
                Kind::File if self.matches(&name) => jobs.push(self.base, &rel, false),
                Kind::File | Kind::Other => {}
            }
        }
    }

    fn walk_dir(
        &self,
        path: &Path,
        meta: &fs::Metadata,
        rel: &Path,
        ancestors: &mut Vec<(u64, u64)>,
        jobs: &mut Jobs,
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
        self.walk(path, rel, ancestors, jobs, messages);
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
    // The usual patterns, `*.txt` and plain names, without decoding: they run for every file
    // of a directory.
    let literal = |s: &str| !s.contains(['*', '?']);
    if let Some(suffix) = pattern.strip_prefix('*').filter(|s| literal(s)) {
        return name.ends_with(suffix);
    }
    if literal(pattern) {
        return pattern == name;
    }
    glob_match_chars(pattern, name)
}

/// [`glob_match`] for any pattern, a character at a time.
fn glob_match_chars(pattern: &str, name: &str) -> bool {
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

/// `base.join(rel)`, allocated once at its final size (`Path::join` copies `base`, then grows
/// the copy to add `rel`): paths are made several times for every input.
fn join(base: &Path, rel: &Path) -> PathBuf {
    let mut path = PathBuf::with_capacity(base.as_os_str().len() + 1 + rel.as_os_str().len());
    path.push(base);
    path.push(rel);
    path
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
        assert!(glob_match("a.txt", "a.txt"));
        assert!(!glob_match("a.txt", "b.txt"));
        assert!(glob_match("*é", "café"));
        assert!(!glob_match("*.txt", "a.TXT"));
        assert!(glob_match("статья-*.txt", "статья-1.txt"));
        // The shortcuts answer as the general matcher does.
        for pattern in ["*.txt", "*", "*é", "a.txt", "", "*.tar.gz"] {
            for name in [
                "a.txt",
                ".txt",
                "a.txt.bak",
                "",
                "café",
                "x.tar.gz",
                "a.txt",
            ] {
                assert_eq!(
                    glob_match(pattern, name),
                    glob_match_chars(pattern, name),
                    "{pattern} {name}"
                );
            }
        }
    }
}
