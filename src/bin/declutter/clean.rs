//! `declutter clean`: load the rules, plan inputs and outputs, run the text or JSONL driver,
//! then the summary, the report and the exit code.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::CleanArgs;
use crate::batch::{self, FileCtx};
use crate::explain::{Explainer, use_color};
use crate::inputs::{self, PlanOptions};
use crate::jsonl::{self, JsonlCtx};
use crate::manifest::Manifest;
use crate::messages::Reporter;
use crate::setup;
use crate::stats::Stats;
use crate::write::write_atomic;

/// Show a progress bar for batches of more files than this (and only on a terminal).
const PROGRESS_MIN_FILES: usize = 100;

pub fn run(args: CleanArgs) -> Result<ExitCode> {
    let mut reporter = Reporter::new(args.rules.strict);
    // Rules first: a bad rule file stops the run before any input is read.
    let Some(rules) = setup::load(&args.rules, &mut reporter) else {
        return Ok(ExitCode::from(2));
    };
    crate::release_freed_memory();
    if args.skip_existing && args.out_dir.is_none() {
        bail!("--skip-existing needs -o DIR (it skips inputs whose output there is up to date)");
    }
    if args.jsonl_batch_records == 0 {
        bail!("--jsonl-batch-records must be at least 1");
    }
    let globs = if !args.glob.is_empty() {
        args.glob.clone()
    } else if args.jsonl {
        vec!["*.jsonl".to_string()]
    } else {
        vec!["*.txt".to_string()]
    };
    let plan = inputs::plan(&PlanOptions {
        paths: &args.paths,
        out_dir: args.out_dir.as_deref(),
        in_place: args.in_place,
        globs: &globs,
        follow: args.follow,
    })?;
    for msg in &plan.messages {
        reporter.emit(msg);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .thread_name(|i| format!("declutter-{i}"))
        .build()
        .context("cannot start the worker threads")?;

    // Before the manifest creates it.
    let out_fresh = args.out_dir.as_deref().is_some_and(|dir| !dir.exists());
    let manifest = match (&args.out_dir, plan.stdin) {
        (Some(dir), false) => Some(Manifest::open(
            dir,
            rules.fingerprint(),
            args.skip_existing,
            &mut reporter,
        )?),
        _ => None,
    };
    let skip_existing = args.skip_existing && manifest.as_ref().is_some_and(|m| m.current);
    // Outputs never leave -o DIR (it exists now: the manifest is in it).
    let out_root = match (&args.out_dir, plan.stdin) {
        (Some(dir), false) => Some(
            std::fs::canonicalize(dir)
                .with_context(|| format!("{}: cannot resolve", dir.display()))?,
        ),
        _ => None,
    };
    let explainer = args.explain.then(|| Explainer {
        color: use_color(args.color),
    });
    let on_terminal = std::io::stderr().is_terminal();
    let mut stats = Stats::new();

    if args.jsonl {
        let ctx = JsonlCtx {
            text_field: &args.text_field,
            output_field: args.output_field.as_deref(),
            source_field: &args.source_field,
            source: args.source.as_deref(),
            explainer,
            fail_fast: args.fail_fast,
            max_doc_bytes: args.max_doc_bytes,
            batch_bytes: args.jsonl_batch_bytes,
            batch_records: args.jsonl_batch_records,
            skip_existing,
            out_root: out_root.as_deref(),
            progress: on_terminal,
        };
        if plan.stdin {
            jsonl::run_stdin(&rules, &ctx, &pool, &mut reporter, &mut stats)?;
        } else {
            jsonl::run_files(&plan.jobs, &rules, &ctx, &pool, &mut reporter, &mut stats)?;
        }
    } else {
        let progress = if on_terminal && plan.jobs.len() > PROGRESS_MIN_FILES {
            let bar = ProgressBar::with_draw_target(
                Some(plan.jobs.len() as u64),
                ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template("[{bar:30}] {pos}/{len} files ({per_sec}, {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar
        } else {
            ProgressBar::hidden()
        };
        reporter.set_progress(progress.clone());
        let ctx = FileCtx {
            explainer,
            source: args.source.as_deref(),
            max_doc_bytes: args.max_doc_bytes,
            skip_existing,
            out_root: out_root.as_deref(),
            out_fresh,
            progress,
        };
        if plan.stdin {
            batch::run_stdin(&rules, &ctx, &mut reporter, &mut stats)?;
        } else {
            batch::run_files(&plan.jobs, &rules, &ctx, &pool, &mut reporter, &mut stats)?;
        }
        ctx.progress.finish_and_clear();
        reporter.set_progress(ProgressBar::hidden());
    }

    if let Some(manifest) = manifest {
        if let Err(e) = manifest.finish() {
            reporter.error(format!("{e:#}"));
        }
    }
    if let Some(path) = &args.report {
        let mut json =
            serde_json::to_string_pretty(&stats.report(&rules, reporter.warnings, reporter.errors))
                .expect("a JSON value always serializes");
        json.push('\n');
        if let Err(e) = write_atomic(path, json.as_bytes(), None) {
            reporter.error(format!("{e:#}"));
        }
    }
    if args.stats {
        reporter.print(&stats.summary(reporter.warnings, reporter.errors));
    }
    Ok(if reporter.errors > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
