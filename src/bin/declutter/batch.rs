//! Plain-text inputs: stdin, or files cleaned in parallel on a rayon pool, each worker with its
//! own clone of the rule set. Workers read, clean and write their file and return what
//! happened; the main thread then prints messages and explanations in input order.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use declutter::{Hit, RuleSet};
use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::explain::Explainer;
use crate::inputs::{Dest, Job, Jobs};
use crate::messages::{Msg, Reporter};
use crate::stats::Stats;
use crate::write::{DirCache, write_atomic_cached};

/// Files per parallel chunk: bounds what is held for in-order reporting.
const CHUNK: usize = 1024;

/// What every file job needs besides the rules.
pub struct FileCtx<'a> {
    pub explainer: Option<Explainer>,
    pub source: Option<&'a str>,
    pub max_doc_bytes: u64,
    /// Skip an input whose output file exists (the outputs were made with the same rules).
    pub skip_existing: bool,
    /// `-o DIR`, canonical: outputs are confined to it.
    pub out_root: Option<&'a Path>,
    /// `-o DIR` did not exist before this run: no output replaces an earlier file.
    pub out_fresh: bool,
    pub progress: ProgressBar,
}

/// Something to print for a file, in order.
enum Event {
    Msg(Msg),
    Explain(String),
}

#[derive(Default)]
struct Outcome {
    events: Vec<Event>,
    hits: Vec<Hit>,
    cleaned: bool,
    skipped: bool,
    bytes_in: u64,
    bytes_out: u64,
    /// The cleaned text, when it goes to stdout.
    stdout: Option<String>,
}

/// What a worker thread keeps from one file to the next, across chunks.
#[derive(Default)]
struct Scratch {
    /// The file being cleaned (reused: no allocation per file).
    buf: Vec<u8>,
    dirs: DirCache,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// A worker keeps a read buffer up to this size between files.
const KEEP_BUF: usize = 4 << 20;

/// Clean every job; messages, explanations and stdout output in input order. An `Err` is a
/// failure to write stdout (the caller treats a closed pipe as success).
pub fn run_files(
    jobs: &Jobs,
    rules: &RuleSet,
    ctx: &FileCtx<'_>,
    pool: &rayon::ThreadPool,
    reporter: &mut Reporter,
    stats: &mut Stats,
) -> io::Result<()> {
    let mut start = 0;
    while start < jobs.len() {
        let end = jobs.len().min(start + CHUNK);
        let outcomes: Vec<Outcome> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map_init(
                    || rules.clone(),
                    |rules, i| {
                        // Nothing in cleaning runs on the pool: the borrow cannot nest.
                        let outcome = SCRATCH.with_borrow_mut(|scratch| {
                            clean_file(rules, scratch, &jobs.get(i), ctx)
                        });
                        ctx.progress.inc(1);
                        outcome
                    },
                )
                .collect()
        });
        for outcome in outcomes {
            report(outcome, rules, reporter, stats)?;
        }
        start = end;
    }
    Ok(())
}

/// Print what happened to one input, count it, and write its text when it goes to stdout.
fn report(
    outcome: Outcome,
    rules: &RuleSet,
    reporter: &mut Reporter,
    stats: &mut Stats,
) -> io::Result<()> {
    for event in &outcome.events {
        match event {
            Event::Msg(msg) => reporter.emit(msg),
            Event::Explain(text) => reporter.print(text),
        }
    }
    stats.add_hits(rules, &outcome.hits);
    stats.files += u64::from(outcome.cleaned);
    stats.skipped += u64::from(outcome.skipped);
    stats.bytes_in += outcome.bytes_in;
    stats.bytes_out += outcome.bytes_out;
    if let Some(text) = outcome.stdout {
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes()).map_err(stdout_error)?;
        out.flush().map_err(stdout_error)?;
    }
    Ok(())
}

fn clean_file(rules: &RuleSet, worker: &mut Scratch, job: &Job, ctx: &FileCtx<'_>) -> Outcome {
    let mut outcome = Outcome::default();
    if ctx.skip_existing {
        if let Dest::File(dest) = &job.dest {
            if dest.exists() {
                outcome.skipped = true;
                return outcome;
            }
        }
    }
    let name = job.input.display().to_string();
    if let Err(e) = read_bounded(&job.input, ctx.max_doc_bytes, &mut worker.buf) {
        outcome
            .events
            .push(Event::Msg(Msg::error(format!("{name}: {e}"))));
        return outcome;
    }
    let cleaned = clean_bytes(
        rules,
        &name,
        &worker.buf,
        ctx.source,
        ctx.explainer,
        &mut outcome,
    );
    if worker.buf.capacity() > KEEP_BUF {
        worker.buf = Vec::new();
    }
    let Some(cleaned) = cleaned else {
        return outcome;
    };
    match &job.dest {
        Dest::Stdout => outcome.stdout = Some(cleaned),
        Dest::File(dest) => {
            if let Err(e) = write_atomic_cached(
                dest,
                cleaned.as_bytes(),
                ctx.out_root,
                ctx.out_fresh,
                &mut worker.dirs,
            ) {
                outcome
                    .events
                    .push(Event::Msg(Msg::error(format!("{e:#}"))));
                return outcome;
            }
        }
    }
    outcome
}

/// Decode and clean one document; `None` when it is not text (a warning says it was skipped).
fn clean_bytes(
    rules: &RuleSet,
    name: &str,
    bytes: &[u8],
    source: Option<&str>,
    explainer: Option<Explainer>,
    outcome: &mut Outcome,
) -> Option<String> {
    let decoded = match declutter::decode(bytes) {
        Ok(decoded) => decoded,
        Err(reason) => {
            outcome.events.push(Event::Msg(Msg::warning(format!(
                "{name}: skipped, not text: {reason}; no output written"
            ))));
            return None;
        }
    };
    if let Some(warning) = &decoded.warning {
        outcome
            .events
            .push(Event::Msg(Msg::warning(format!("{name}: {warning}"))));
    }
    // A bug in the library must cost one file, not the batch: a panic becomes an error for
    // this file (the panic message is printed too) and the other files are still written.
    let cleaned = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rules.clean(&decoded.text, source)
    })) {
        Ok(cleaned) => cleaned,
        Err(_) => {
            outcome.events.push(Event::Msg(Msg::error(format!(
                "{name}: internal error: cleaning panicked (a bug: please report it with this \
                 file); no output written"
            ))));
            return None;
        }
    };
    if let Some(explainer) = explainer {
        let mut text = String::new();
        explainer.explain(&mut text, rules, name, &decoded.text, &cleaned.hits);
        outcome.events.push(Event::Explain(text));
    }
    outcome.cleaned = true;
    outcome.bytes_in = bytes.len() as u64;
    outcome.bytes_out = cleaned.text.len() as u64;
    outcome.hits = cleaned.hits;
    Some(cleaned.text)
}

/// Read a whole file into `buf`, refusing one larger than `max` bytes (before reading it when
/// its size is known). A file of the size its metadata gives takes two reads (the second one
/// confirms the end).
fn read_bounded(path: &Path, max: u64, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.clear();
    let mut file = File::open(path)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > max {
        return Err(io::Error::other(too_large(len, max)));
    }
    // Room for the whole file and one byte more, so the first read can reach the end; reading
    // into spare capacity, so the buffer is never zeroed first.
    let limit = max.saturating_add(1);
    let size = usize::try_from(len.saturating_add(1).min(limit)).unwrap_or(usize::MAX);
    buf.reserve(size.max(1));
    if let Err(e) = (&mut file).take(limit).read_to_end(buf) {
        buf.clear();
        return Err(e);
    }
    let filled = buf.len();
    if filled as u64 > max {
        buf.clear();
        return Err(io::Error::other(too_large(filled as u64, max)));
    }
    Ok(())
}

/// Read at most `max + 1` bytes: more than `max` means the document is too large.
fn read_limited(reader: impl Read, max: u64, hint: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(hint);
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn too_large(len: u64, max: u64) -> String {
    let len = if len > max {
        format!("{len} bytes")
    } else {
        format!("more than {max} bytes")
    };
    format!(
        "document too large ({len}; the limit is {max} bytes, see --max-doc-bytes); not cleaned"
    )
}

/// Prefix a stdout write error, keeping its kind (a closed pipe is not an error).
pub fn stdout_error(e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("writing to stdout: {e}"))
}

/// Stdin to stdout. `Err` is a failure to read stdin or write stdout.
pub fn run_stdin(
    rules: &RuleSet,
    ctx: &FileCtx<'_>,
    reporter: &mut Reporter,
    stats: &mut Stats,
) -> io::Result<()> {
    let name = "<stdin>";
    let mut outcome = Outcome::default();
    let bytes = read_limited(io::stdin().lock(), ctx.max_doc_bytes, 0)
        .map_err(|e| io::Error::new(e.kind(), format!("reading stdin: {e}")))?;
    outcome.stdout = if bytes.len() as u64 > ctx.max_doc_bytes {
        let msg = too_large(bytes.len() as u64, ctx.max_doc_bytes);
        outcome
            .events
            .push(Event::Msg(Msg::error(format!("{name}: {msg}"))));
        None
    } else {
        clean_bytes(rules, name, &bytes, ctx.source, ctx.explainer, &mut outcome)
    };
    report(outcome, rules, reporter, stats)
}
