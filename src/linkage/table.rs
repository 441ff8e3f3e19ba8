//! The matcher on any pair of CSV files, through a column mapping (`thuadat link`): how the FEBRL and
//! RLdata benchmarks are run through the same code as holder linkage.
//!
//! The mapping is a TOML file:
//!
//! ```toml
//! id = "rec_id"                 # the column that names a record in the output
//! delimiter = ","               # optional; "\t" for TSV
//! missing = ["NA"]              # optional: values that mean "empty"
//! dedup = false                 # true: one file against itself (pairs i < j)
//! one_to_one = true             # each record in at most one pair (greedy by weight)
//! min_probability = 0.5         # pairs below are not links
//! blocks = [["surname"], ["given_name:prefix3", "postcode"], ["date_of_birth:year", "state"]]
//!
//! [[fields]]
//! name = "given_name"           # the column (and the field's name)
//! compare = "name"              # name | exact | date | date_parts | address
//! transform = "fold"            # optional: fold (lower case, no diacritics) | yyyymmdd (to YYYY-MM-DD) |
//!                               # ymd (with columns = [year, month, day]: joined as YYYY-MM-DD)
//! ```
//!
//! Block keys are field names, optionally `:prefixN`, `:year` or `:lastword`.

use std::path::Path;

use serde::Deserialize;

use super::compare::Comparator;
use super::matcher::{one_to_one, KeyPart, Matcher, Records, Schema};
use crate::error::{Error, Location, Result};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldSpec {
    pub(crate) name: String,
    pub(crate) compare: String,
    #[serde(default)]
    pub(crate) transform: Option<String>,
    /// Columns whose values make the field (default: the column `name`); with `transform = "ymd"`, year,
    /// month and day columns joined as `YYYY-MM-DD`.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
}

/// A column mapping for [`link_files`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) delimiter: Option<String>,
    #[serde(default)]
    pub(crate) missing: Vec<String>,
    #[serde(default)]
    pub(crate) dedup: bool,
    #[serde(default)]
    pub(crate) one_to_one: bool,
    #[serde(default = "half")]
    pub(crate) min_probability: f64,
    pub(crate) blocks: Vec<Vec<String>>,
    pub(crate) fields: Vec<FieldSpec>,
    #[serde(default = "max_block")]
    pub(crate) max_block: usize,
}

fn half() -> f64 {
    0.5
}
fn max_block() -> usize {
    5_000
}

impl LinkConfig {
    /// Reads the mapping file; a missing, unreadable or malformed file is bad input.
    pub fn load(path: &Path) -> Result<LinkConfig> {
        // The mapping is input: a missing or unreadable file is the input's fault (exit code 2).
        let text = std::fs::read_to_string(path).map_err(|e| {
            let message = match e.kind() {
                std::io::ErrorKind::NotFound => "file not found".to_string(),
                std::io::ErrorKind::InvalidData => "not UTF-8 text".to_string(),
                _ => format!("cannot read: {e}"),
            };
            Error::bad_input(Location::file(path), message)
        })?;
        let c: LinkConfig =
            toml::from_str(&text).map_err(|e| Error::bad_input(Location::file(path), e.message().to_string()))?;
        Ok(c)
    }

    /// The matcher's schema.
    pub fn schema(&self, path: &Path) -> Result<Schema> {
        let mut fields = Vec::new();
        for f in &self.fields {
            let c = match f.compare.as_str() {
                "name" => Comparator::Name,
                "exact" => Comparator::Exact,
                "date" => Comparator::Date,
                "date_parts" => Comparator::DateParts,
                "address" => Comparator::Address,
                "citizen_id" => Comparator::CitizenId,
                other => {
                    return Err(Error::bad_input(
                        Location::file(path).field(format!("fields.{}.compare", f.name)),
                        format!("`{other}` is not a comparator (name, exact, date, date_parts, address, citizen_id)"),
                    ))
                }
            };
            fields.push((f.name.clone(), c));
        }
        let index = |name: &str| {
            self.fields.iter().position(|f| f.name == name).ok_or_else(|| {
                Error::bad_input(Location::file(path).field("blocks"), format!("`{name}` is not one of the fields"))
            })
        };
        let mut blocks = Vec::new();
        for b in &self.blocks {
            let mut parts = Vec::new();
            for key in b {
                let (name, how) = key.split_once(':').unwrap_or((key, ""));
                let f = index(name)?;
                parts.push(match how {
                    "" => KeyPart::Whole(f),
                    "year" => KeyPart::Year(f),
                    "lastword" => KeyPart::LastWord(f),
                    p if p.starts_with("prefix") => KeyPart::Prefix(f, p[6..].parse().unwrap_or(3)),
                    other => {
                        return Err(Error::bad_input(
                            Location::file(path).field("blocks"),
                            format!("`{other}` is not a key part (prefixN, year, lastword)"),
                        ))
                    }
                });
            }
            blocks.push(parts);
        }
        Ok(Schema { fields, blocks, max_block: self.max_block })
    }
}

/// A CSV file's ids and records under a mapping.
pub fn read(path: &Path, config: &LinkConfig) -> Result<(Vec<String>, Records)> {
    let delimiter = match config.delimiter.as_deref() {
        Some("\\t") | Some("\t") => b'\t',
        Some(d) => d.bytes().next().unwrap_or(b','),
        None => b',',
    };
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| Error::bad_input(Location::file(path), e.to_string()))?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| Error::bad_input(Location::file(path), e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    let col = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            Error::bad_input(
                Location::file(path).field(name),
                format!("column `{name}` not found; the header has: {}", header.join(", ")),
            )
        })
    };
    let id_col = if config.id.is_empty() { None } else { Some(col(&config.id)?) };
    let cols: Vec<Vec<usize>> = config
        .fields
        .iter()
        .map(|f| match &f.columns {
            Some(cs) => cs.iter().map(|c| col(c)).collect::<Result<Vec<_>>>(),
            None => col(&f.name).map(|c| vec![c]),
        })
        .collect::<Result<_>>()?;
    let mut ids = Vec::new();
    let mut records = Records::new(cols.len());
    for (k, row) in r.records().enumerate() {
        let row = row.map_err(|e| Error::bad_input(Location::row(path, k + 2), e.to_string()))?;
        ids.push(id_col.map_or_else(|| (k + 1).to_string(), |c| row.get(c).unwrap_or("").to_string()));
        let values: Vec<String> = cols
            .iter()
            .zip(&config.fields)
            .map(|(c, f)| {
                let parts: Vec<&str> = c.iter().map(|&k| row.get(k).unwrap_or("")).collect();
                if parts.iter().any(|v| v.is_empty() || config.missing.iter().any(|m| m == v)) {
                    return String::new();
                }
                let v = parts[0];
                match f.transform.as_deref() {
                    Some("ymd") if parts.len() == 3 => {
                        format!("{}-{:0>2}-{:0>2}", parts[0], parts[1], parts[2])
                    }
                    Some("fold") => crate::vntext::fold(v),
                    Some("yyyymmdd") if v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()) => {
                        format!("{}-{}-{}", &v[..4], &v[4..6], &v[6..])
                    }
                    _ => v.to_string(),
                }
            })
            .collect();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        records.push(&refs);
    }
    Ok((ids, records))
}

/// CPU seconds of this process's threads so far (nanosecond precision, from `/proc/self/task/*/schedstat`;
/// Linux, 0 elsewhere): the matcher's CPU time, which a busy machine disturbs less than wall time.
fn threads_cpu_seconds() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .sum::<f64>()
        / 1e9
}

/// Links `left` against `right` (or `left` against itself when `dedup`); returns `(left id, right id,
/// probability)` for every link.
pub fn link_files(
    config: &LinkConfig,
    config_path: &Path,
    left: &Path,
    right: Option<&Path>,
) -> Result<Vec<(String, String, f64)>> {
    let schema = config.schema(config_path)?;
    let t = std::time::Instant::now();
    let (lid, l) = read(left, config)?;
    let (rid, r) = match (config.dedup, right) {
        (false, Some(p)) => read(p, config)?,
        (false, None) => {
            return Err(Error::bad_input(Location::file(left), "two files are needed unless the mapping says dedup"))
        }
        (true, _) => (lid.clone(), l.clone()),
    };
    let read_s = t.elapsed().as_secs_f64();
    let debug = std::env::var_os("THUADAT_LINK_MODEL").is_some();
    let (t, cpu) = (std::time::Instant::now(), threads_cpu_seconds());
    let m = if config.dedup { Matcher::new_dedup(&schema, &l) } else { Matcher::new(&schema, &l, &r) };
    if debug {
        tracing::info!("prior {:.4e}", m.model.prior);
        for (f, (name, _)) in schema.fields.iter().enumerate() {
            tracing::info!(
                "{name}: m {:?} u {:?}",
                m.model.m[f].map(|x| (x * 1e4).round() / 1e4),
                m.model.u[f].map(|x| (x * 1e4).round() / 1e4)
            );
        }
    }
    if let (Some(path), Some(cache)) = (std::env::var_os("THUADAT_LINK_DUMP"), m.candidate_patterns()) {
        // Every candidate pair's ids and pattern (hex, 4 bits a field), for studying the model offline.
        let mut out = String::new();
        for &(i, j, p) in cache {
            out.push_str(&format!("{},{},{p:x}\n", lid[i as usize], rid[j as usize]));
        }
        std::fs::write(&path, out).map_err(|e| Error::io(std::path::PathBuf::from(&path), e))?;
    }
    let min_w = {
        // The weight at which the probability reaches min_probability.
        let p = config.min_probability.clamp(1e-9, 1.0 - 1e-9);
        (p / (1.0 - p)).log2() - (m.model.prior / (1.0 - m.model.prior)).log2()
    };
    let mut pairs = m.pairs(min_w);
    if config.one_to_one {
        pairs = if config.dedup {
            // Each record in at most one pair, on either side.
            let mut ps = pairs;
            ps.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
            let mut used = rustc_hash::FxHashSet::default();
            ps.retain(|&(a, b, _)| {
                if used.contains(&a) || used.contains(&b) {
                    return false;
                }
                used.insert(a);
                used.insert(b);
                true
            });
            ps
        } else {
            one_to_one(pairs)
        };
    }
    tracing::info!(
        "{} x {} records, {} candidate pairs, {} links; read {read_s:.3} s, matched in {:.3} s (cpu {:.3} s)",
        l.len(),
        r.len(),
        m.candidate_pairs(),
        pairs.len(),
        t.elapsed().as_secs_f64(),
        threads_cpu_seconds() - cpu
    );
    Ok(pairs
        .into_iter()
        .map(|(i, j, w)| (lid[i as usize].clone(), rid[j as usize].clone(), m.model.probability(w)))
        .collect())
}
