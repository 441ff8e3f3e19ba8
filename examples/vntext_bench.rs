//! Throughput of `vntext::{fold, normalize, repair}` on real Vietnamese names, one core, per input form:
//! Unicode as written, ASCII (names typed without diacritics), upper-case NFD, and TCVN3 mojibake. In the same
//! run, the module's first version (NFC, collapse, lower case, NFD and drop the marks) as a baseline.
//!
//! `cargo run --release --example vntext_bench -- ../shared/data/names-vn/uit_member.json [names per form]`
//! (scripts/bench-vntext.sh runs it with the Python peer).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::hint::black_box;
use std::time::Instant;

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

fn time(names: &[String], f: fn(&str) -> String) -> f64 {
    let start = Instant::now();
    let mut bytes = 0;
    for n in names {
        bytes += black_box(f(black_box(n))).len();
    }
    black_box(bytes);
    names.len() as f64 / start.elapsed().as_secs_f64()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: vntext_bench <uit_member.json> [names per form]")?;
    let per_form: usize = args.get(2).map(|n| n.parse()).transpose()?.unwrap_or(1_000_000);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let base: Vec<String> = rows.iter().filter_map(|r| r["full_name"].as_str()).map(str::to_owned).collect();
    let repeat = |v: Vec<String>| -> Vec<String> { v.iter().cycle().take(per_form).cloned().collect() };
    let forms: Vec<(&str, Vec<String>)> = vec![
        ("unicode", repeat(base.clone())),
        ("ascii", repeat(base.iter().map(|n| fold(n)).collect())),
        ("upper nfd", repeat(base.iter().map(|n| n.to_uppercase().nfd().collect()).collect())),
        ("tcvn3", repeat(base.iter().filter_map(|n| encode(n, Legacy::Tcvn3)).collect())),
    ];
    println!("{} distinct names, {per_form} per form, one thread; names/s (millions)", base.len());
    println!();
    println!("| form | fold | normalize | repair | first version's fold | fold / first version |");
    println!("|---|---|---|---|---|---|");
    for (name, names) in &forms {
        let f = time(names, fold);
        let n = time(names, normalize);
        let r = time(names, repair);
        let v1 = time(names, fold_v1);
        println!("| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1}x |", f / 1e6, n / 1e6, r / 1e6, v1 / 1e6, f / v1);
    }
    Ok(())
}
