//! Rule sets: load rule files, validate them, compile them into matchers, and answer questions
//! about the loaded rules.
//!
//! Loading is all-or-nothing: every problem in every file is collected into one [`LoadError`]
//! and no partial rule set is ever returned, because a silently missing rule lets chrome through.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::clean::{By, Cleaned};
use crate::diag::{Diagnostic, LoadError, Severity};
use crate::format::{RawFile, RawKind, RawPattern, RawRule};
use crate::matcher::{DocGate, Entry, LineMatcher, ParsedRegexes, Pattern, compile_regex};
use crate::settings::Settings;
use crate::source::{domain_of, host_matches, is_valid_domain};

/// At most this many rules load: a rule file is data from anywhere, and memory must stay bounded.
const MAX_RULES: usize = 100_000;
/// A rule file may be at most this large.
const MAX_RULE_FILE_BYTES: u64 = 16 << 20;

/// The built-in packs: `(file name, text)` of every `rules/packs/*.toml`, compiled in.
const BUILTIN_PACKS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_packs.rs"));

/// Index of a rule in [`RuleSet::rules`]. Rules are sorted by id, so ids compare like their
/// strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(pub(crate) u32);

impl RuleId {
    /// Position in [`RuleSet::rules`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a rule does to what it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// Drop the matching line.
    DropLine,
    /// Remove the matched span from inside the line and keep the rest.
    Strip,
    /// Drop the marker line and everything after it (guarded by `min-words-before`).
    Truncate,
    /// Drop from the marker line through the first later line matching `until`.
    DropBlock,
    /// The line opens an entry of a reader-comment thread (its title, an author line, a date
    /// stamp). At the first entry followed by a sentence and then another entry, with enough
    /// sentences before it, the rest of the document is dropped (see `clean.rs`, phase 4).
    Thread,
}

impl RuleKind {
    /// The name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::DropLine => "drop-line",
            RuleKind::Strip => "strip",
            RuleKind::Truncate => "truncate",
            RuleKind::DropBlock => "drop-block",
            RuleKind::Thread => "thread",
        }
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One validated rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    id: String,
    description: String,
    kind: RuleKind,
    pattern: Pattern,
    until: Option<Pattern>,
    ignore_case: bool,
    min_words_before: Option<usize>,
    max_words: Option<usize>,
    sources: Vec<String>,
    must_remove: Vec<String>,
    must_keep: Vec<String>,
    path: String,
    line: usize,
}

impl Rule {
    /// The unique id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// What the chrome is.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// What the rule does.
    pub fn kind(&self) -> RuleKind {
        self.kind
    }
    /// What it matches.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }
    /// The end marker of a `drop-block` rule.
    pub fn until(&self) -> Option<&Pattern> {
        self.until.as_ref()
    }
    /// Whether matching ignores case.
    pub fn ignore_case(&self) -> bool {
        self.ignore_case
    }
    /// The truncate guard set on this rule, if any (else the settings' default applies).
    pub fn min_words_before(&self) -> Option<usize> {
        self.min_words_before
    }
    /// The rule applies only to lines of at most this many words.
    pub fn max_words(&self) -> Option<usize> {
        self.max_words
    }
    /// Domains the rule is limited to; empty means every source.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }
    /// Examples this rule alone must change.
    pub fn must_remove(&self) -> &[String] {
        &self.must_remove
    }
    /// Examples no rule may change.
    pub fn must_keep(&self) -> &[String] {
        &self.must_keep
    }
    /// The file the rule was loaded from.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The line of its `id` in that file.
    pub fn line(&self) -> usize {
        self.line
    }
}

/// The matchers of all rules that share one scope, one per phase.
#[derive(Debug, Clone)]
pub(crate) struct Engine {
    /// Domains this engine applies to; empty = every document.
    pub sources: Vec<String>,
    /// Strip rules: one regex each (they need match positions), in rule id order, each with
    /// a gate that tells documents where it cannot match.
    pub strip: Vec<(regex::Regex, RuleId, Option<DocGate>)>,
    pub truncate: LineMatcher,
    pub block_start: LineMatcher,
    /// End marker matcher of every block rule, by rule.
    pub block_end: HashMap<RuleId, LineMatcher>,
    pub drop: LineMatcher,
    pub thread: LineMatcher,
}

impl Engine {
    fn build(
        rules: &[Rule],
        members: &[RuleId],
        sources: Vec<String>,
        parsed: &mut ParsedRegexes,
    ) -> Result<Engine, String> {
        let mut phases: [Vec<Entry>; 4] = Default::default();
        let mut strip = Vec::new();
        let mut block_end = HashMap::new();
        for &id in members {
            let r = &rules[id.index()];
            let entry = (&r.pattern, r.ignore_case, r.max_words, id);
            match r.kind {
                RuleKind::Truncate => phases[0].push(entry),
                RuleKind::DropBlock => {
                    phases[1].push(entry);
                    let until = r.until.as_ref().expect("validated: block rules have until");
                    block_end.insert(
                        id,
                        LineMatcher::build(&[(until, r.ignore_case, None, id)], parsed)?,
                    );
                }
                RuleKind::DropLine => phases[2].push(entry),
                RuleKind::Thread => phases[3].push(entry),
                RuleKind::Strip => {
                    let source = r.pattern.to_regex_source(r.ignore_case);
                    let gate = regex_syntax::parse(&source)
                        .ok()
                        .and_then(|hir| DocGate::of(&[&hir]));
                    strip.push((compile_regex(&source)?, id, gate));
                }
            }
        }
        Ok(Engine {
            sources,
            strip,
            truncate: LineMatcher::build(&phases[0], parsed)?,
            block_start: LineMatcher::build(&phases[1], parsed)?,
            block_end,
            drop: LineMatcher::build(&phases[2], parsed)?,
            thread: LineMatcher::build(&phases[3], parsed)?,
        })
    }

    fn applies_to(&self, host: Option<&str>) -> bool {
        self.sources.is_empty()
            || host.is_some_and(|h| self.sources.iter().any(|d| host_matches(h, d)))
    }
}

pub(crate) struct Inner {
    /// A number no other rule set built by this process has: what the per-thread matcher
    /// caches are kept for (see `matcher::Folded::start`).
    pub id: u64,
    pub rules: Vec<Rule>,
    pub settings: Settings,
    pub engines: Vec<Engine>,
    pub warnings: Vec<Diagnostic>,
    pub fingerprint: String,
}

/// A loaded, compiled set of rules plus the settings they run with.
///
/// Cheap to clone (an `Arc` inside) and `Send + Sync`: build it once, clone it per thread.
#[derive(Clone)]
pub struct RuleSet {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.inner.rules.len())
            .field("fingerprint", &self.inner.fingerprint)
            .finish()
    }
}

/// Collects rule sources and settings, then validates and compiles them all at once.
#[derive(Debug, Clone)]
pub struct RuleSetBuilder {
    default_rules: bool,
    paths: Vec<PathBuf>,
    texts: Vec<(String, String)>,
    disabled: Vec<String>,
    settings: Option<Settings>,
}

impl RuleSetBuilder {
    /// Load the built-in packs (on by default).
    pub fn default_rules(mut self, yes: bool) -> Self {
        self.default_rules = yes;
        self
    }
    /// Add a rule file, or every `*.toml` under a directory (recursively, sorted by path).
    pub fn add_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.paths.push(path.into());
        self
    }
    /// Add a rule file from memory; `name` is used in diagnostics.
    pub fn add_toml(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.texts.push((name.into(), text.into()));
        self
    }
    /// Turn off one rule by id (an unknown id is a load error).
    pub fn disable(mut self, id: impl Into<String>) -> Self {
        self.disabled.push(id.into());
        self
    }
    /// Use these settings instead of the built-in ones.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = Some(settings);
        self
    }

    /// Validate and compile everything. Every problem in every file is reported.
    pub fn build(self) -> Result<RuleSet, LoadError> {
        let mut diags = Vec::new();
        let mut files: Vec<(String, String)> = Vec::new();
        if self.default_rules {
            files.extend(
                BUILTIN_PACKS
                    .iter()
                    .map(|(n, t)| (format!("<built-in>/{n}"), t.to_string())),
            );
        }
        for path in &self.paths {
            collect_files(path, &mut files, &mut diags);
        }
        files.extend(self.texts);

        let mut rules = Vec::new();
        let mut parsed = ParsedRegexes::default();
        for (i, (name, text)) in files.iter().enumerate() {
            parse_file(i, name, text, &mut rules, &mut parsed, &mut diags);
        }
        check_duplicate_ids(&rules, &files, &mut diags);
        if rules.len() > MAX_RULES {
            diags.push(
                Diagnostic::plain("<rule set>", format!("{} rules: at most {MAX_RULES} can be loaded", rules.len()))
                    .help("split the rules into fewer, broader patterns (a regex alternation or max-words)"),
            );
        }
        for id in &self.disabled {
            if !rules.iter().any(|(r, _)| r.id == *id) {
                diags.push(
                    Diagnostic::plain("--disable", format!("no rule has the id `{id}`"))
                        .help("`declutter rules list` shows every rule id"),
                );
            }
        }
        if diags.iter().any(|d| d.severity == Severity::Error) {
            return Err(LoadError::new(diags));
        }
        let mut rules: Vec<Rule> = rules
            .into_iter()
            .map(|(r, _)| r)
            .filter(|r| !self.disabled.contains(&r.id))
            .collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        let settings = self.settings.unwrap_or_else(Settings::builtin);
        RuleSet::compile(rules, settings, diags, &mut parsed)
    }
}

impl RuleSet {
    /// The built-in packs with the built-in settings.
    pub fn builtin() -> RuleSet {
        static BUILTIN: std::sync::LazyLock<RuleSet> = std::sync::LazyLock::new(|| {
            RuleSet::builder()
                .build()
                .expect("the built-in packs are checked by the test suite")
        });
        BUILTIN.clone()
    }

    /// Start building a rule set (built-in packs on, built-in settings).
    pub fn builder() -> RuleSetBuilder {
        RuleSetBuilder {
            default_rules: true,
            paths: vec![],
            texts: vec![],
            disabled: vec![],
            settings: None,
        }
    }

    /// One rule file from memory, without the built-in packs; built-in settings.
    pub fn from_toml(name: &str, text: &str) -> Result<RuleSet, LoadError> {
        RuleSet::builder()
            .default_rules(false)
            .add_toml(name, text)
            .build()
    }

    /// Every `*.toml` under the given paths, without the built-in packs; built-in settings.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<RuleSet, LoadError> {
        paths
            .iter()
            .fold(RuleSet::builder().default_rules(false), |b, p| {
                b.add_path(p.as_ref())
            })
            .build()
    }

    /// `parsed` holds regexes already parsed while validating (any missing one is parsed again).
    fn compile(
        rules: Vec<Rule>,
        settings: Settings,
        mut warnings: Vec<Diagnostic>,
        parsed: &mut ParsedRegexes,
    ) -> Result<RuleSet, LoadError> {
        // Group rules by scope: one engine for unscoped rules, one per distinct source list.
        let mut groups: Vec<(Vec<String>, Vec<RuleId>)> = vec![(vec![], vec![])];
        for (i, r) in rules.iter().enumerate() {
            let id = RuleId(i as u32);
            let mut key = r.sources.clone();
            key.sort();
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(id),
                None => groups.push((key, vec![id])),
            }
        }
        let mut engines = Vec::new();
        for (sources, members) in groups {
            match Engine::build(&rules, &members, sources, parsed) {
                Ok(e) => engines.push(e),
                Err(e) => return Err(LoadError::new(compile_errors(&rules, &members, e))),
            }
        }
        let fingerprint = fingerprint(&rules, &settings);
        warnings.retain(|d| d.severity == Severity::Warning);
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Ok(RuleSet {
            inner: Arc::new(Inner {
                id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                rules,
                settings,
                engines,
                warnings,
                fingerprint,
            }),
        })
    }

    /// A rule set of just this rule (for checking its examples), with these settings.
    pub(crate) fn single(rule: &Rule, settings: Settings) -> RuleSet {
        RuleSet::of(vec![rule.clone()], settings)
    }

    /// A set of some of the rules of a set that compiled.
    pub(crate) fn of(rules: Vec<Rule>, settings: Settings) -> RuleSet {
        RuleSet::compile(rules, settings, vec![], &mut ParsedRegexes::default())
            .expect("rules that compiled in a set compile in any part of it")
    }

    /// The same rules with other settings.
    pub(crate) fn with_settings(&self, settings: Settings) -> RuleSet {
        RuleSet::compile(
            self.inner.rules.clone(),
            settings,
            self.inner.warnings.clone(),
            &mut ParsedRegexes::default(),
        )
        .expect("rules that compiled once compile again")
    }

    /// Every rule, sorted by id.
    pub fn rules(&self) -> &[Rule] {
        &self.inner.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        let rules = &self.inner.rules;
        rules
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .map(|i| &rules[i])
    }

    /// The rule behind an id from a [`crate::Hit`].
    pub fn rule(&self, id: RuleId) -> &Rule {
        &self.inner.rules[id.index()]
    }

    /// The settings the rules run with.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Non-fatal problems found while loading (e.g. a rule without examples).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.inner.warnings
    }

    /// A hex hash of every rule and setting: equal fingerprints clean every input the same way.
    pub fn fingerprint(&self) -> &str {
        &self.inner.fingerprint
    }

    /// The rule id or stage name behind a hit.
    pub fn label(&self, by: By) -> &str {
        match by {
            By::Rule(id) => &self.inner.rules[id.index()].id,
            By::Stage(stage) => stage.name(),
        }
    }

    /// Clean one document. `source` is a URL or bare domain and enables site rules scoped to
    /// it; `None` runs unscoped rules only. Never fails.
    pub fn clean(&self, text: &str, source: Option<&str>) -> Cleaned {
        crate::clean::clean(self, text, source)
    }

    /// The engines that apply to a document from `source`.
    pub(crate) fn engines_for(&self, source: Option<&str>) -> Vec<&Engine> {
        let host = source.and_then(domain_of);
        self.inner
            .engines
            .iter()
            .filter(|e| e.applies_to(host.as_deref()))
            .collect()
    }
}

/// Why a group of rules did not compile: the rules whose regex is too large on its own, or
/// else the whole group being too large together.
fn compile_errors(rules: &[Rule], members: &[RuleId], set_error: String) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> = members
        .iter()
        .map(|id| &rules[id.index()])
        .flat_map(|r| [Some(&r.pattern), r.until.as_ref()].into_iter().flatten().map(move |p| (r, p)))
        .filter(|(_, p)| matches!(p, Pattern::Regex(_)))
        .filter_map(|(r, p)| {
            let e = compile_regex(&p.to_regex_source(r.ignore_case)).err()?;
            let mut d = Diagnostic::plain(&r.path, "regex too large to compile").rule(&r.id).note(e);
            d.line = r.line;
            d.column = 1;
            d.snippet = format!("id = {:?}", r.id);
            d.width = d.snippet.chars().count();
            Some(d.help("bound repetitions of wide classes (`.`, `\\w`) less generously, or use literal matchers"))
        })
        .collect();
    if diags.is_empty() {
        diags.push(
            Diagnostic::plain("<rule set>", "the rules are too large to compile together")
                .note(set_error),
        );
    }
    diags
}

fn fingerprint(rules: &[Rule], settings: &Settings) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for r in rules {
        let until = r.until.as_ref().map(|u| (u.mode(), u.text()));
        let line = format!(
            "{:?}\0{}\0{}\0{}\0{:?}\0{}\0{:?}\0{:?}\0{:?}\n",
            r.id,
            r.kind,
            r.pattern.mode(),
            r.pattern.text(),
            until,
            r.ignore_case,
            r.min_words_before,
            r.max_words,
            r.sources
        );
        h.update(line.as_bytes());
    }
    h.update(settings.to_toml().as_bytes());
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Read a rule file, or every `*.toml` under a directory, sorted by path.
fn collect_files(path: &Path, out: &mut Vec<(String, String)>, diags: &mut Vec<Diagnostic>) {
    let name = path.display().to_string();
    if path.is_dir() {
        let mut found = Vec::new();
        walk_toml(path, &mut found, diags, 0);
        found.sort();
        if found.is_empty() {
            diags
                .push(Diagnostic::plain(&name, "no *.toml rule files in this directory").warning());
        }
        for f in found {
            collect_files(&f, out, diags);
        }
        return;
    }
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.len() > MAX_RULE_FILE_BYTES {
            let mib = MAX_RULE_FILE_BYTES >> 20;
            return diags.push(Diagnostic::plain(
                &name,
                format!("rule file larger than {mib} MiB"),
            ));
        }
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => out.push((name, text)),
            Err(_) => diags.push(Diagnostic::plain(&name, "rule file is not valid UTF-8")),
        },
        Err(e) => diags.push(Diagnostic::io(&name, &e)),
    }
}

fn walk_toml(dir: &Path, found: &mut Vec<PathBuf>, diags: &mut Vec<Diagnostic>, depth: usize) {
    // Rule directories are shallow; a deep tree means a symlink loop or a wrong path.
    if depth > 32 {
        diags.push(Diagnostic::plain(
            &dir.display().to_string(),
            "rule directory nested too deeply",
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return diags.push(Diagnostic::io(&dir.display().to_string(), &e)),
    };
    for entry in entries.flatten() {
        let p = entry.path();
        let is_symlink = entry.file_type().map(|t| t.is_symlink()).unwrap_or(false);
        if p.is_dir() {
            if !is_symlink {
                walk_toml(&p, found, diags, depth + 1);
            }
        } else if p.extension().is_some_and(|x| x == "toml") {
            found.push(p);
        }
    }
}

/// Parse one file, validating each rule; good rules go to `out` with the span of their id.
fn parse_file(
    file: usize,
    name: &str,
    text: &str,
    out: &mut Vec<(Rule, IdPlace)>,
    parsed: &mut ParsedRegexes,
    diags: &mut Vec<Diagnostic>,
) {
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => return diags.push(Diagnostic::from_toml(name, text, &e)),
    };
    let mut file_sources = Vec::new();
    for s in &raw.default_sources {
        if check_domain(name, text, s, None, diags) {
            file_sources.push(s.get_ref().clone());
        }
    }
    // Rules come in file order, so one running count gives every rule's line: a file of a
    // million rules loads in linear time.
    let (mut line, mut pos) = (1, 0);
    for r in raw.rules {
        let span = r.id.span();
        line += memchr::memchr_iter(b'\n', &text.as_bytes()[pos..span.start.max(pos)]).count();
        pos = pos.max(span.start);
        if let Some(mut rule) = validate(name, text, r, &file_sources, parsed, diags) {
            rule.line = line;
            out.push((rule, IdPlace { file, span }));
        }
    }
}

/// Where a rule's `id` stands: the file (an index into the loaded files) and the byte span, for
/// the duplicate-id diagnostic, which is only built when it is needed.
struct IdPlace {
    file: usize,
    span: std::ops::Range<usize>,
}

fn check_domain(
    name: &str,
    text: &str,
    s: &toml::Spanned<String>,
    rule: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if is_valid_domain(s.get_ref()) {
        return true;
    }
    let mut d = Diagnostic::at(
        name,
        text,
        s.span(),
        format!("`{}` is not a domain", s.get_ref()),
    )
    .help("write a lowercase domain such as \"example.com\"; it also matches its subdomains");
    if let Some(id) = rule {
        d = d.rule(id);
    }
    diags.push(d);
    false
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn convert_pattern(p: &RawPattern) -> Pattern {
    match p {
        RawPattern::Exact(s) => Pattern::Exact(s.clone()),
        RawPattern::Prefix(s) => Pattern::Prefix(s.clone()),
        RawPattern::Contains(s) => Pattern::Contains(s.clone()),
        RawPattern::Regex(s) => Pattern::Regex(s.clone()),
    }
}

/// Check one pattern; `what` is `match` or `until`.
fn check_pattern(
    name: &str,
    text: &str,
    id: &str,
    p: &toml::Spanned<RawPattern>,
    ignore_case: bool,
    parsed: &mut ParsedRegexes,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let pattern = convert_pattern(p.get_ref());
    let at = |msg: String| Diagnostic::at(name, text, p.span(), msg).rule(id);
    if pattern.text().trim().is_empty() {
        diags.push(
            at("empty pattern: it would match every line".into())
                .help("give the chrome text to match"),
        );
        return false;
    }
    if let Pattern::Regex(src) = &pattern {
        if src.contains('\n') || src.contains("\\n") {
            diags.push(
                at("a line regex cannot match a line break".into())
                    .help("rules see one line at a time; use `drop-block` for multi-line chrome"),
            );
            return false;
        }
        // Parsing is enough to find syntax errors; the regex is compiled once, into its
        // phase's set, when the rule set is built (the size limit is checked there), from
        // this parse.
        let source = pattern.to_regex_source(ignore_case);
        match regex_syntax::parse(&source) {
            Err(e) => {
                diags.push(at("invalid regex".into()).note(e.to_string()));
                return false;
            }
            Ok(hir) => {
                if hir.properties().look_set().contains_word_unicode() {
                    diags.push(
                        at("Unicode word boundary `\\b`: matching falls back to a slow engine on non-ASCII lines".into())
                            .help("write `(?-u:\\b)` (an ASCII word boundary) or anchor the pattern instead")
                            .warning(),
                    );
                }
                parsed.insert(source, hir);
            }
        }
    } else if pattern.text() != pattern.text().trim() {
        diags.push(
            at("literal pattern has spaces at its ends, but lines are matched trimmed".into())
                .help("remove the leading/trailing spaces"),
        );
        return false;
    }
    true
}

fn validate(
    name: &str,
    text: &str,
    r: RawRule,
    file_sources: &[String],
    parsed: &mut ParsedRegexes,
    diags: &mut Vec<Diagnostic>,
) -> Option<Rule> {
    let id = r.id.get_ref().clone();
    let before = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let err =
        |span: std::ops::Range<usize>, msg: &str| Diagnostic::at(name, text, span, msg).rule(&id);
    if !is_kebab_case(&id) {
        diags.push(
            err(r.id.span(), "rule id is not kebab-case")
                .help("use lowercase ASCII letters, digits and single hyphens"),
        );
    }
    if r.description.get_ref().trim().is_empty() {
        diags.push(
            err(r.description.span(), "empty description")
                .help("say in one sentence what this chrome is"),
        );
    }
    let kind = match r.kind.get_ref() {
        RawKind::DropLine => RuleKind::DropLine,
        RawKind::Strip => RuleKind::Strip,
        RawKind::Truncate => RuleKind::Truncate,
        RawKind::DropBlock => RuleKind::DropBlock,
        RawKind::Thread => RuleKind::Thread,
    };
    check_pattern(name, text, &id, &r.pattern, r.ignore_case, parsed, diags);
    match (&r.until, kind) {
        (None, RuleKind::DropBlock) => diags.push(
            err(r.kind.span(), "a drop-block rule needs an end marker")
                .help("add e.g. until = { prefix = \"Like this:\" }"),
        ),
        (Some(u), RuleKind::DropBlock) => {
            check_pattern(name, text, &id, u, r.ignore_case, parsed, diags);
        }
        (Some(u), _) => diags.push(
            err(u.span(), "`until` only goes with kind = \"drop-block\"")
                .help("remove `until`, or make the rule a drop-block rule"),
        ),
        (None, _) => {}
    }
    if kind == RuleKind::Strip && matches!(r.pattern.get_ref(), RawPattern::Exact(_)) {
        diags.push(
            err(r.pattern.span(), "a strip rule cannot use `exact`")
                .help("stripping a whole line drops it: use kind = \"drop-line\""),
        );
    }
    if let (Some(m), RuleKind::Strip) = (&r.max_words, kind) {
        diags.push(
            err(m.span(), "`max-words` does not go with kind = \"strip\"").help(
                "it limits which lines a line rule applies to; a strip rule works inside lines",
            ),
        );
    }
    if let Some(m) = &r.min_words_before {
        if kind != RuleKind::Truncate {
            diags.push(err(
                m.span(),
                "`min-words-before` only goes with kind = \"truncate\"",
            ));
        }
    }
    let sources = match &r.sources {
        Some(list) => {
            let mut ok = Vec::new();
            for s in list {
                if check_domain(name, text, s, Some(&id), diags) {
                    ok.push(s.get_ref().clone());
                }
            }
            ok
        }
        None => file_sources.to_vec(),
    };
    if r.must_remove.is_empty() {
        diags.push(
            err(r.id.span(), "rule has no `must-remove` example")
                .help("add must-remove = [\"…\"] with a line this rule removes")
                .warning(),
        );
    }
    let after = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if after > before {
        return None;
    }
    let rule = Rule {
        id: id.clone(),
        description: r.description.into_inner(),
        kind,
        pattern: convert_pattern(r.pattern.get_ref()),
        until: r.until.as_ref().map(|u| convert_pattern(u.get_ref())),
        ignore_case: r.ignore_case,
        min_words_before: r.min_words_before.map(|m| m.into_inner()),
        max_words: r.max_words.map(|m| m.into_inner()),
        sources,
        must_remove: r.must_remove.into_iter().map(|s| s.into_inner()).collect(),
        must_keep: r.must_keep.into_iter().map(|s| s.into_inner()).collect(),
        path: name.to_string(),
        line: 0,
    };
    Some(rule)
}

/// Report ids defined twice, pointing at the second place with a note on the first.
fn check_duplicate_ids(
    rules: &[(Rule, IdPlace)],
    files: &[(String, String)],
    diags: &mut Vec<Diagnostic>,
) {
    let mut first: HashMap<&str, &IdPlace> = HashMap::new();
    let at = |place: &IdPlace| {
        let (name, text) = &files[place.file];
        Diagnostic::at(name, text, place.span.clone(), "duplicate rule id")
    };
    for (rule, place) in rules {
        match first.get(rule.id.as_str()) {
            Some(prev) => {
                let p = at(prev);
                diags.push(
                    at(place)
                        .rule(&rule.id)
                        .note(format!(
                            "first defined at {}:{}:{}",
                            p.path, p.line, p.column
                        ))
                        .help("rule ids must be unique across all rule files"),
                );
            }
            None => {
                first.insert(&rule.id, place);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[rule]]
id = "spot-img"
description = "Ad placeholder."
kind = "drop-line"
match = { exact = "spot_img" }
must-remove = ["spot_img"]
"#;

    fn errors(name: &str, text: &str) -> String {
        RuleSet::from_toml(name, text).unwrap_err().to_string()
    }

    #[test]
    fn loads_a_good_file() {
        let rs = RuleSet::from_toml("a.toml", GOOD).unwrap();
        assert_eq!(rs.rules().len(), 1);
        assert_eq!(rs.get("spot-img").unwrap().line(), 3);
        assert!(rs.warnings().is_empty());
    }

    #[test]
    fn every_problem_is_reported_with_position_and_rule() {
        let text = r#"
[[rule]]
id = "Bad_Id"
description = "x"
kind = "drop-line"
match = { regex = 'Read Also:(.*' }
must-remove = ["x"]

[[rule]]
id = "block"
description = "x"
kind = "drop-block"
match = { exact = "Share this:" }
must-remove = ["x"]

[[rule]]
id = "strip-exact"
description = "x"
kind = "strip"
match = { exact = "spot_img" }
must-remove = ["x"]
"#;
        let e = errors("r.toml", text);
        assert!(
            e.contains("error[rule Bad_Id]: rule id is not kebab-case\n --> r.toml:3:6"),
            "{e}"
        );
        assert!(
            e.contains("error[rule Bad_Id]: invalid regex\n --> r.toml:6:9"),
            "{e}"
        );
        assert!(e.contains("unclosed group"), "{e}");
        assert!(
            e.contains("error[rule block]: a drop-block rule needs an end marker"),
            "{e}"
        );
        assert!(
            e.contains("error[rule strip-exact]: a strip rule cannot use `exact`"),
            "{e}"
        );
        assert!(e.ends_with("error: 4 problems in 1 file"), "{e}");
    }

    #[test]
    fn toml_shape_errors_have_positions() {
        let e = errors(
            "r.toml",
            "[[rule]]\nid = \"a\"\ndescription = \"d\"\nkind = \"drop-lines\"\nmatch = { exact = \"x\" }\n",
        );
        assert!(e.contains("r.toml:4:8"), "{e}");
        assert!(e.contains("unknown variant `drop-lines`"), "{e}");
        let e = errors(
            "r.toml",
            "[[rule]]\nid = \"a\"\ndescription = \"d\"\nkind = \"drop-line\"\nmatch = { exact = \"x\", regex = \"y\" }\n",
        );
        assert!(
            e.contains("exactly one of `exact`, `prefix`, `contains`, `regex`"),
            "{e}"
        );
        let e = errors("r.toml", "[[rule]]\nid = \"a\"\nmust_remove = [\"x\"]\n");
        assert!(
            e.contains("r.toml:3:1") && e.contains("unknown field `must_remove`"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_ids_across_files_point_at_both() {
        let e = RuleSet::builder()
            .default_rules(false)
            .add_toml("a.toml", GOOD)
            .add_toml("b.toml", GOOD)
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("error[rule spot-img]: duplicate rule id\n --> b.toml:3:6"),
            "{e}"
        );
        assert!(e.contains("first defined at a.toml:3:6"), "{e}");
    }

    #[test]
    fn disable_removes_one_rule_and_rejects_unknown_ids() {
        let rs = RuleSet::builder()
            .default_rules(false)
            .add_toml("a.toml", GOOD)
            .disable("spot-img")
            .build()
            .unwrap();
        assert!(rs.rules().is_empty());
        let e = RuleSet::builder()
            .default_rules(false)
            .add_toml("a.toml", GOOD)
            .disable("nope")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("no rule has the id `nope`"));
    }

    #[test]
    fn huge_regex_is_refused() {
        let text = GOOD.replace(
            "{ exact = \"spot_img\" }",
            "{ regex = '\\w{1000}\\w{1000}\\w{1000}' }",
        );
        let e = errors("r.toml", &text);
        assert!(
            e.contains("error[rule spot-img]: regex too large to compile\n --> r.toml:3:1"),
            "{e}"
        );
        assert!(e.contains("size limit"), "{e}");
    }

    #[test]
    fn unicode_word_boundary_is_a_warning() {
        let text = GOOD.replace("{ exact = \"spot_img\" }", "{ regex = '\\bspot_img\\b' }");
        let rs = RuleSet::from_toml("r.toml", &text).unwrap();
        let w = rs.warnings()[0].to_string();
        assert!(
            w.starts_with("warning[rule spot-img]: Unicode word boundary"),
            "{w}"
        );
        let ascii = GOOD.replace(
            "{ exact = \"spot_img\" }",
            "{ regex = '(?-u:\\b)spot_img' }",
        );
        assert!(
            RuleSet::from_toml("r.toml", &ascii)
                .unwrap()
                .warnings()
                .is_empty()
        );
    }

    #[test]
    fn missing_example_is_a_warning() {
        let text = GOOD.replace("must-remove = [\"spot_img\"]", "");
        let rs = RuleSet::from_toml("a.toml", &text).unwrap();
        assert_eq!(rs.warnings().len(), 1);
    }

    #[test]
    fn fingerprint_depends_on_rules_and_settings_not_file_order() {
        let other = GOOD
            .replace("spot-img", "other")
            .replace("spot_img", "other");
        let a = RuleSet::builder()
            .default_rules(false)
            .add_toml("a", GOOD)
            .add_toml("b", &other)
            .build()
            .unwrap();
        let b = RuleSet::builder()
            .default_rules(false)
            .add_toml("b", &other)
            .add_toml("a", GOOD)
            .build()
            .unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let mut s = Settings::builtin();
        s.tail.enabled = !s.tail.enabled;
        assert_ne!(a.fingerprint(), a.with_settings(s).fingerprint());
    }

    #[test]
    fn rule_set_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<RuleSet>();
    }
}
