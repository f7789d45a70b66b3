//! `--jsonl`: one JSON object per line; the text field is cleaned, every other field keeps its
//! value and the keys keep their order (serde_json with `preserve_order`).
//!
//! A stream is read in batches bounded by bytes and by records; each batch is cleaned in
//! parallel (rayon's `collect` keeps the order) while the thread that reads and writes writes
//! the batch before it and reads the batch after it. At most three batches are held, so memory
//! stays bounded on an input of any size. A line longer than `--max-doc-bytes` is never held in
//! memory: it is skipped with an error.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};

use anyhow::Result;
use declutter::{Hit, RuleSet};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::batch::stdout_error;
use crate::explain::Explainer;
use crate::inputs::{Dest, Jobs};
use crate::messages::{Msg, Reporter};
use crate::record::{Fields, Line, Record, clean_record, read_line};
use crate::stats::Stats;
use crate::write::AtomicFile;

/// Everything a JSONL stream needs besides the rules.
pub struct JsonlCtx<'a> {
    pub text_field: &'a str,
    /// Where the cleaned text goes; `None` replaces the text field.
    pub output_field: Option<&'a str>,
    pub source_field: &'a str,
    /// Source of records without a source field (`--source`).
    pub source: Option<&'a str>,
    pub explainer: Option<Explainer>,
    pub fail_fast: bool,
    pub max_doc_bytes: u64,
    pub batch_bytes: u64,
    pub batch_records: usize,
    pub skip_existing: bool,
    /// `-o DIR`, canonical: outputs are confined to it.
    pub out_root: Option<&'a std::path::Path>,
    /// Show a progress bar (bytes read) for input files.
    pub progress: bool,
}

/// How a stream ended.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    /// Read to the end (malformed lines, if any, were skipped and reported).
    Done,
    /// Stopped at a malformed line (`--fail-fast`).
    Stopped,
}

/// Why a stream could not go on.
enum StreamError {
    Read(io::Error),
    Write(io::Error),
}

/// stdin to stdout.
pub fn run_stdin(
    rules: &RuleSet,
    ctx: &JsonlCtx<'_>,
    pool: &rayon::ThreadPool,
    reporter: &mut Reporter,
    stats: &mut Stats,
) -> Result<()> {
    let input = BufReader::with_capacity(256 * 1024, io::stdin().lock());
    let mut out = BufWriter::with_capacity(256 * 1024, io::stdout().lock());
    stats.files += 1;
    match stream(
        "<stdin>", input, &mut out, rules, ctx, pool, reporter, stats,
    ) {
        Ok(_) => {}
        Err(StreamError::Read(e)) => reporter.error(format!("<stdin>: cannot read: {e}")),
        Err(StreamError::Write(e)) => return Err(stdout_error(e).into()),
    }
    out.flush().map_err(stdout_error)?;
    Ok(())
}

/// Each file in turn (each one streamed in parallel batches). `Err` is a failure to write
/// stdout; everything else is reported per file.
pub fn run_files(
    jobs: &Jobs,
    rules: &RuleSet,
    ctx: &JsonlCtx<'_>,
    pool: &rayon::ThreadPool,
    reporter: &mut Reporter,
    stats: &mut Stats,
) -> Result<()> {
    for i in 0..jobs.len() {
        let job = jobs.get(i);
        let name = job.input.display().to_string();
        if ctx.skip_existing {
            if let Dest::File(dest) = &job.dest {
                if dest.exists() {
                    stats.skipped += 1;
                    continue;
                }
            }
        }
        let file = match File::open(&job.input) {
            Ok(f) => f,
            Err(e) => {
                reporter.error(format!("{name}: {e}"));
                continue;
            }
        };
        if ctx.progress {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(name.clone());
            reporter.set_progress(bar);
        }
        let input = BufReader::with_capacity(256 * 1024, file);
        stats.files += 1;
        let flow = match &job.dest {
            Dest::Stdout => {
                let mut out = BufWriter::with_capacity(256 * 1024, io::stdout().lock());
                let result = stream(&name, input, &mut out, rules, ctx, pool, reporter, stats);
                match result {
                    Ok(flow) => {
                        out.flush().map_err(stdout_error)?;
                        flow
                    }
                    Err(StreamError::Read(e)) => {
                        out.flush().map_err(stdout_error)?;
                        reporter.error(format!("{name}: cannot read: {e}"));
                        Flow::Done
                    }
                    Err(StreamError::Write(e)) => return Err(stdout_error(e).into()),
                }
            }
            Dest::File(dest) => {
                let mut out = match AtomicFile::create(dest, ctx.out_root) {
                    Ok(out) => out,
                    Err(e) => {
                        reporter.error(format!("{e:#}"));
                        continue;
                    }
                };
                let result = stream(&name, input, &mut out, rules, ctx, pool, reporter, stats);
                match result {
                    Ok(Flow::Done) => {
                        if let Err(e) = out.commit(dest) {
                            reporter.error(format!("{e:#}"));
                        }
                        Flow::Done
                    }
                    Ok(Flow::Stopped) => {
                        reporter.error(format!(
                            "{name}: stopped at the first malformed line (--fail-fast); {} not written",
                            dest.display()
                        ));
                        Flow::Stopped
                    }
                    Err(StreamError::Read(e)) => {
                        reporter.error(format!(
                            "{name}: cannot read: {e}; {} not written",
                            dest.display()
                        ));
                        Flow::Done
                    }
                    Err(StreamError::Write(e)) => {
                        reporter.error(format!("{}: cannot write: {e}", dest.display()));
                        Flow::Done
                    }
                }
            }
        };
        reporter.progress().finish_and_clear();
        reporter.set_progress(ProgressBar::hidden());
        if flow == Flow::Stopped {
            break;
        }
    }
    Ok(())
}

/// One line of input, waiting in a batch.
enum Item {
    Line { line_no: u64, bytes: Vec<u8> },
    TooLong { line_no: u64, len: u64 },
}

/// What became of one line.
enum Done {
    /// A blank line: nothing to write.
    Blank,
    Record {
        json: Vec<u8>,
        hits: Vec<Hit>,
        explain: String,
        warning: Option<Msg>,
        bytes_in: u64,
    },
    Bad(Msg),
}

/// A batch read from the stream, with the number of input bytes read once it is complete.
struct Batch {
    items: Vec<Item>,
    bytes_read: u64,
    eof: bool,
}

/// Reads a stream in batches bounded by bytes and by records.
struct BatchReader {
    line_no: u64,
    bytes_read: u64,
    buf: Vec<u8>,
}

impl BatchReader {
    fn next(&mut self, input: &mut impl BufRead, ctx: &JsonlCtx<'_>) -> io::Result<Batch> {
        let mut items = Vec::new();
        let mut batch_bytes: u64 = 0;
        let mut eof = false;
        while items.len() < ctx.batch_records && batch_bytes < ctx.batch_bytes {
            match read_line(input, &mut self.buf, ctx.max_doc_bytes)? {
                Line::Eof => {
                    eof = true;
                    break;
                }
                Line::Some(len) => {
                    self.line_no += 1;
                    self.bytes_read += len;
                    batch_bytes += len;
                    items.push(Item::Line {
                        line_no: self.line_no,
                        bytes: std::mem::take(&mut self.buf),
                    });
                }
                Line::TooLong(len) => {
                    self.line_no += 1;
                    self.bytes_read += len;
                    items.push(Item::TooLong {
                        line_no: self.line_no,
                        len,
                    });
                }
            }
        }
        Ok(Batch {
            items,
            bytes_read: self.bytes_read,
            eof,
        })
    }
}

/// Clean a stream. Batches go through a pipeline of two: while the pool cleans one batch, this
/// thread writes the results of the one before and reads the one after, so reading and
/// writing cost no cleaning time. Memory stays bounded: at most three batches are held (one
/// being read, one being cleaned, the results of one being written).
#[allow(clippy::too_many_arguments)]
fn stream(
    name: &str,
    mut input: impl BufRead,
    out: &mut impl Write,
    rules: &RuleSet,
    ctx: &JsonlCtx<'_>,
    pool: &rayon::ThreadPool,
    reporter: &mut Reporter,
    stats: &mut Stats,
) -> Result<Flow, StreamError> {
    let mut reader = BatchReader {
        line_no: 0,
        bytes_read: 0,
        buf: Vec::new(),
    };
    let first = reader.next(&mut input, ctx).map_err(StreamError::Read)?;
    std::thread::scope(|s| {
        let start = |batch: Batch| {
            let (bytes_read, eof) = (batch.bytes_read, batch.eof);
            let cleaning = s.spawn(move || clean_batch(batch.items, rules, name, ctx, pool));
            (cleaning, bytes_read, eof)
        };
        let mut current = Some(start(first));
        while let Some((cleaning, bytes_read, eof)) = current.take() {
            // Read the next batch while this one is cleaned.
            let next = (!eof).then(|| reader.next(&mut input, ctx));
            let results = cleaning
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let mut read_error = None;
            match next {
                Some(Ok(batch)) => current = Some(start(batch)),
                Some(Err(e)) => read_error = Some(e),
                None => {}
            }
            // Written while the next batch is cleaned.
            let flow = write_results(results, out, rules, ctx, reporter, stats)?;
            reporter.progress().set_position(bytes_read);
            if flow == Flow::Stopped {
                return Ok(Flow::Stopped);
            }
            if let Some(e) = read_error {
                return Err(StreamError::Read(e));
            }
        }
        Ok(Flow::Done)
    })
}

/// Clean a batch in parallel, results in input order.
fn clean_batch(
    items: Vec<Item>,
    rules: &RuleSet,
    name: &str,
    ctx: &JsonlCtx<'_>,
    pool: &rayon::ThreadPool,
) -> Vec<Done> {
    pool.install(|| {
        items
            .par_iter()
            .map_init(
                || rules.clone(),
                |rules, item| record(rules, name, item, ctx),
            )
            .collect()
    })
}

/// Write a batch's results in order; `Stopped` at a malformed line with `--fail-fast`.
fn write_results(
    results: Vec<Done>,
    out: &mut impl Write,
    rules: &RuleSet,
    ctx: &JsonlCtx<'_>,
    reporter: &mut Reporter,
    stats: &mut Stats,
) -> Result<Flow, StreamError> {
    for result in results {
        match result {
            Done::Blank => {}
            Done::Record {
                json,
                hits,
                explain,
                warning,
                bytes_in,
            } => {
                if let Some(w) = &warning {
                    reporter.emit(w);
                }
                reporter.print(&explain);
                out.write_all(&json).map_err(StreamError::Write)?;
                stats.records += 1;
                stats.bytes_in += bytes_in;
                stats.bytes_out += json.len() as u64;
                stats.add_hits(rules, &hits);
            }
            Done::Bad(msg) => {
                reporter.emit(&msg);
                if ctx.fail_fast {
                    out.flush().map_err(StreamError::Write)?;
                    return Ok(Flow::Stopped);
                }
            }
        }
    }
    out.flush().map_err(StreamError::Write)?;
    Ok(Flow::Done)
}

/// Clean one record.
fn record(rules: &RuleSet, name: &str, item: &Item, ctx: &JsonlCtx<'_>) -> Done {
    let (line_no, bytes) = match item {
        Item::TooLong { line_no, len } => {
            return Done::Bad(Msg::error(format!(
                "{name}:{line_no}: record too large ({len} bytes; the limit is {} bytes, see \
                 --max-doc-bytes); skipped",
                ctx.max_doc_bytes
            )));
        }
        Item::Line { line_no, bytes } => (*line_no, bytes.as_slice()),
    };
    let fields = Fields {
        text: ctx.text_field,
        output: ctx.output_field,
        source: ctx.source_field,
        default_source: ctx.source,
    };
    let mut explain = String::new();
    // Counted without the line ending and a BOM, as the record itself.
    let mut body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    body = body.strip_suffix(b"\r").unwrap_or(body);
    if line_no == 1 {
        body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    }
    let bytes_in = body.len() as u64;
    let on_clean = |text: &str, hits: &[Hit]| {
        if let Some(explainer) = ctx.explainer {
            explainer.explain(
                &mut explain,
                rules,
                &format!("{name}:{line_no}"),
                text,
                hits,
            );
        }
    };
    // A bug in the library must cost one record, not the stream (see batch.rs).
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        clean_record(rules, bytes, line_no == 1, &fields, on_clean)
    }));
    let Ok(result) = result else {
        return Done::Bad(Msg::error(format!(
            "{name}:{line_no}: internal error: cleaning panicked (a bug: please report it with \
             this record); record skipped"
        )));
    };
    match result {
        Record::Blank => Done::Blank,
        Record::Malformed { column, message } => Done::Bad(Msg::error(format!(
            "{name}:{line_no}: malformed JSON (column {column}): {message}; line skipped"
        ))),
        Record::Written {
            json,
            hits,
            unchanged,
        } => Done::Record {
            json,
            hits,
            explain,
            warning: unchanged.map(|why| {
                Msg::warning(format!(
                    "{name}:{line_no}: {why}; record passed through unchanged"
                ))
            }),
            bytes_in,
        },
    }
}
