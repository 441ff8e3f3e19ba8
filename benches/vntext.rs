//! Throughput of `vntext::{fold, normalize, repair}` on real Vietnamese names, one thread, per input form:
//! Unicode as written, ASCII (names typed without diacritics), upper-case NFD, and TCVN3 mojibake; the module's
//! first `fold` (NFC, collapse, lower case, NFD and drop the marks) as the baseline in the same run.
//!
//! The names are the 8,757 full names of `tests/fixtures/names-vn` (duyet/vietnamese-namedb, MIT).
//! `cargo bench --bench vntext`; `scripts/bench-vntext.sh` runs it with Python's folding as the peer.
// A benchmark fails loudly on its own fixture.
#![allow(clippy::unwrap_used)]
// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::Read;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use thuadat::vntext::legacy::{encode, Legacy};
use thuadat::vntext::{fold, normalize, repair};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The first version of `fold` (commit 10ef59e), without legacy decoding or tone placement.
fn fold_v1(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    let collapsed = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.to_lowercase().nfd().filter(|c| !is_combining_mark(*c)).map(|c| if c == 'đ' { 'd' } else { c }).collect()
}

/// A function of text to text.
type Text = fn(&str) -> String;

fn names() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/names-vn/uit_member.full_name.json.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()).read_to_string(&mut text).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn bench(c: &mut Criterion) {
    let base = names();
    let forms: Vec<(&str, Vec<String>)> = vec![
        ("unicode", base.clone()),
        ("ascii", base.iter().map(|n| fold(n)).collect()),
        ("upper nfd", base.iter().map(|n| n.to_uppercase().nfd().collect()).collect()),
        ("tcvn3", base.iter().filter_map(|n| encode(n, Legacy::Tcvn3)).collect()),
    ];
    let functions: [(&str, Text); 4] =
        [("fold", fold), ("normalize", normalize), ("repair", repair), ("first fold", fold_v1)];
    for (form, names) in &forms {
        let mut group = c.benchmark_group(format!("vntext/{form}"));
        group.throughput(Throughput::Elements(names.len() as u64));
        for (name, f) in functions {
            group.bench_function(name, |b| {
                b.iter(|| names.iter().map(|n| black_box(f(black_box(n))).len()).sum::<usize>())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
