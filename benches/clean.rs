//! Throughput of `RuleSet::clean` (bytes/s) on every fixture input, on all of them at once and
//! on a long synthetic document, and the cost of loading and compiling the built-in packs.
//!
//! `cargo bench --bench clean`. Single-threaded on purpose: whole-program and multi-thread
//! figures come from `scripts/bench.sh`.

use std::fs;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use declutter::RuleSet;

fn fixture_inputs() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut cases: Vec<_> = fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    cases.sort();
    cases
        .into_iter()
        .filter_map(|case: std::path::PathBuf| {
            let bytes = fs::read(case.join("input.txt")).ok()?;
            let text = declutter::decode(&bytes).ok()?.text.into_owned();
            Some((case.file_name()?.to_string_lossy().into_owned(), text))
        })
        .collect()
}

/// A long document: every fixture input concatenated until it is about 4 MB.
fn synthetic(inputs: &[(String, String)]) -> String {
    let mut doc = String::new();
    while doc.len() < 4_000_000 && !inputs.is_empty() {
        for (_, text) in inputs {
            doc.push_str(text);
            doc.push('\n');
        }
    }
    doc
}

fn bench(c: &mut Criterion) {
    let rules = RuleSet::builtin();
    let inputs = fixture_inputs();

    let mut group = c.benchmark_group("clean/fixture");
    for (name, text) in &inputs {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| b.iter(|| rules.clean(black_box(text), None)));
    }
    group.finish();

    let all: usize = inputs.iter().map(|(_, t)| t.len()).sum();
    let mut group = c.benchmark_group("clean");
    group.throughput(Throughput::Bytes(all as u64));
    group.bench_function("all-fixtures", |b| {
        b.iter(|| {
            inputs
                .iter()
                .map(|(_, t)| rules.clean(black_box(t), None).text.len())
                .sum::<usize>()
        })
    });
    let long = synthetic(&inputs);
    group.throughput(Throughput::Bytes(long.len() as u64));
    group.sample_size(20);
    group.bench_function("synthetic-4mb", |b| {
        b.iter(|| rules.clean(black_box(&long), None))
    });
    group.finish();

    c.bench_function("load/builtin-packs", |b| {
        b.iter(|| RuleSet::builder().build().unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
