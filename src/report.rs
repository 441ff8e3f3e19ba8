//! The report directory of the contract: `conflicts.geojson`, `parcels.csv`, `holders.csv`, `summary.json`.
//!
//! Written into a temporary sibling directory and swapped into place ([`Destination`]), so a failed run leaves
//! no half report, an earlier report stays until the new one is whole, and nothing but an empty directory or an
//! earlier report is ever replaced.
//!
//! The CSV files are opened in spreadsheets: every cell goes through [`spreadsheet_cell`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::Path;

use geo::{Coord, MultiPolygon};
use serde_json::{json, Value};

mod destination;
pub use destination::{Destination, REPORT_FILES};

use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::reconcile::Reconciliation;

/// A CSV cell as a spreadsheet may open it (OWASP, "CSV Injection"): a cell that starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return would be read as a formula, so it gets a `'` in front (which spreadsheets
/// take as "text" and do not show). A cell that is a plain decimal number (`-12.5`, `+3`, `1e-3`) stays as
/// it is. The same holds for each `;`-separated part of a cell (lists of ids; spreadsheets set to a `;`
/// list separator split cells there). Any other cell is unchanged.
pub fn spreadsheet_cell(cell: &str) -> Cow<'_, str> {
    // Most cells start with none of the characters, and hold no `;` followed by one: said with a byte look
    // (this runs for every cell of a million-row report).
    let b = cell.as_bytes();
    let risky = |c: &u8| matches!(c, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r');
    // (`contains` on bytes is memchr: most cells hold no `;` at all.)
    if !b.first().is_some_and(risky) && (!b.contains(&b';') || !b.windows(2).any(|w| w[0] == b';' && risky(&w[1]))) {
        return Cow::Borrowed(cell);
    }
    if !cell.split(';').any(formula_like) {
        return Cow::Borrowed(cell);
    }
    let mut out = String::with_capacity(cell.len() + 2);
    for (i, part) in cell.split(';').enumerate() {
        if i > 0 {
            out.push(';');
        }
        if formula_like(part) {
            out.push('\'');
        }
        out.push_str(part);
    }
    Cow::Owned(out)
}

fn formula_like(part: &str) -> bool {
    matches!(part.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')) && !is_decimal_number(part)
}

/// `[+-]digits[.digits][e[+-]digits]` (at least one digit before the exponent).
fn is_decimal_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A cell of a CSV record for spreadsheets.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// Text that came from the input (ids, names, groups): written through [`spreadsheet_cell`].
    Text(&'a str),
    /// Text thuadat wrote itself (numbers, statuses, kinds, conflict ids): written as it is.
    Own(&'a str),
}

/// Writes one CSV record: input text through [`spreadsheet_cell`], thuadat's own cells as they are.
pub fn write_spreadsheet_record<W: Write>(w: &mut csv::Writer<W>, cells: &[Cell<'_>]) -> csv::Result<()> {
    struct Bytes<'a>(Cow<'a, str>);
    impl AsRef<[u8]> for Bytes<'_> {
        fn as_ref(&self) -> &[u8] {
            self.0.as_bytes()
        }
    }
    w.write_record(cells.iter().map(|c| match *c {
        Cell::Text(t) => Bytes(spreadsheet_cell(t)),
        Cell::Own(t) => Bytes(Cow::Borrowed(t)),
    }))
}

/// Writes the whole report into `out` (checked beforehand with [`Destination::check`]), replacing the previous
/// report in one step. `timings` are the caller's (seconds per step).
pub fn write(ds: &Dataset, rec: &Reconciliation, out: &Destination, timings: &[(String, f64)]) -> Result<()> {
    out.replace_with(|dir| write_files(ds, rec, dir, timings))
}

fn write_files(ds: &Dataset, rec: &Reconciliation, dir: &Path, timings: &[(String, f64)]) -> Result<()> {
    let ((conflicts, summary), (parcels, holders)) = rayon::join(
        || rayon::join(|| write_conflicts(ds, rec, &dir.join("conflicts.geojson")), || summary(ds, rec, timings)),
        || {
            rayon::join(
                || write_parcels(ds, rec, &dir.join("parcels.csv")),
                || write_holders(ds, rec, &dir.join("holders.csv")),
            )
        },
    );
    conflicts?;
    parcels?;
    holders?;
    let path = dir.join("summary.json");
    let text = serde_json::to_string_pretty(&summary).map_err(|cause| Error::Json { what: "summary.json", cause })?;
    std::fs::write(&path, text + "\n").map_err(|e| Error::io(&path, e))
}

/// The ids of a conflict's parcels and certificates.
pub fn ids<'a>(ds: &'a Dataset, c: &Conflict) -> (Vec<&'a str>, Vec<&'a str>) {
    (
        c.parcels.iter().map(|&i| ds.parcels[i].id.as_str()).collect(),
        c.certificates.iter().map(|&i| ds.certificates.id(i)).collect(),
    )
}

/// The conflict as a GeoJSON feature (geometry in WGS 84), as `conflicts.geojson` has it.
pub fn conflict_feature(ds: &Dataset, c: &Conflict) -> Value {
    serde_json::to_value(FeatureOut::new(ds, c)).unwrap_or(Value::Null)
}

/// A conflict feature as it is written, without building a JSON tree (keys in sorted order, as they were when
/// this was a `serde_json::Value`; coordinates transformed as they are written).
struct FeatureOut<'a> {
    ds: &'a Dataset,
    c: &'a Conflict,
    pids: Vec<&'a str>,
    cids: Vec<&'a str>,
}

impl<'a> FeatureOut<'a> {
    fn new(ds: &'a Dataset, c: &'a Conflict) -> Self {
        let (pids, cids) = ids(ds, c);
        FeatureOut { ds, c, pids, cids }
    }
}

/// A planar ring's coordinates in WGS 84.
struct RingOut<'a>(&'a Dataset, &'a geo::LineString<f64>);
/// A planar polygon's rings in WGS 84.
struct RingsOut<'a>(&'a Dataset, &'a geo::Polygon<f64>);
/// A planar multipolygon's coordinates: a Polygon's when it has one member.
struct PolygonsOut<'a>(&'a Dataset, &'a MultiPolygon<f64>);

impl serde::Serialize for RingOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.1 .0.iter().map(|c| wgs84(self.0, *c)))
    }
}

impl serde::Serialize for RingsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(std::iter::once(self.1.exterior()).chain(self.1.interiors()).map(|r| RingOut(self.0, r)))
    }
}

impl serde::Serialize for PolygonsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.1 .0.as_slice() {
            [one] => RingsOut(self.0, one).serialize(s),
            many => s.collect_seq(many.iter().map(|p| RingsOut(self.0, p))),
        }
    }
}

/// A conflict's geometry as GeoJSON (null without one).
struct GeometryOut<'a>(&'a Dataset, &'a Conflict);

impl serde::Serialize for GeometryOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let ds = self.0;
        if let ConflictGeometry::Point(p) = &self.1.geometry {
            let mut m = s.serialize_map(Some(2))?;
            m.serialize_entry("coordinates", &wgs84(ds, p.0))?;
            m.serialize_entry("type", "Point")?;
            return m.end();
        }
        let Some(g) = self.1.area(&ds.parcels) else { return s.serialize_unit() };
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("coordinates", &PolygonsOut(ds, g))?;
        m.serialize_entry("type", if g.0.len() == 1 { "Polygon" } else { "MultiPolygon" })?;
        m.end()
    }
}

/// A candidate parcel of an unmatched certificate, as the report and the store write it.
#[derive(serde::Serialize)]
pub(crate) struct CandidateOut<'a> {
    parcel_id: &'a str,
    score: f64,
    reason: &'a str,
}

/// The conflict's ranked candidates by parcel id.
pub(crate) fn candidates<'a>(ds: &'a Dataset, c: &'a Conflict) -> Vec<CandidateOut<'a>> {
    c.candidates
        .iter()
        .map(|k| CandidateOut { parcel_id: ds.parcels[k.parcel].id.as_str(), score: k.score, reason: &k.reason })
        .collect()
}

/// A `parcel_code` conflict's `proposed_code`: for a conflict of one parcel, the code it should carry; for a
/// shared code, one per parcel in `parcel_ids` order (null for a parcel without geometry).
#[derive(serde::Serialize)]
#[serde(untagged)]
pub(crate) enum ProposedCode {
    One(Option<String>),
    Each(Vec<Option<String>>),
}

impl ProposedCode {
    pub(crate) fn of(ds: &Dataset, c: &Conflict) -> ProposedCode {
        let mut each = crate::reconcile::parcel_code::proposals(c, &ds.parcels, &ds.frame);
        if each.len() == 1 {
            ProposedCode::One(each.pop().flatten())
        } else {
            ProposedCode::Each(each)
        }
    }
}

/// A conflict's properties, keys sorted.
struct PropertiesOut<'a>(&'a FeatureOut<'a>);

impl serde::Serialize for PropertiesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let FeatureOut { ds, c, pids, cids } = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("candidates", &candidates(ds, c))?;
        m.serialize_entry("cert_ids", cids)?;
        m.serialize_entry("detail", &c.detail)?;
        m.serialize_entry("group", &c.parcels.first().and_then(|&i| ds.parcels[i].group.as_deref()))?;
        m.serialize_entry("id", &c.id(pids, cids))?;
        m.serialize_entry("kind", c.kind.as_str())?;
        m.serialize_entry("measure", &c.measure)?;
        if let Some(nd) = c.near_duplicate {
            m.serialize_entry("near_duplicate", &nd)?;
        }
        m.serialize_entry("parcel_ids", pids)?;
        if c.kind == Kind::ParcelCode {
            m.serialize_entry("proposed_code", &ProposedCode::of(ds, c))?;
        }
        m.serialize_entry("severity", &c.kind.severity())?;
        m.end()
    }
}

impl serde::Serialize for FeatureOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("geometry", &GeometryOut(self.ds, self.c))?;
        m.serialize_entry("properties", &PropertiesOut(self))?;
        m.serialize_entry("type", "Feature")?;
        m.end()
    }
}

/// A planar point of the dataset in WGS 84 longitude/latitude, rounded to 1e-8 degrees as the report writes it.
pub(crate) fn wgs84(ds: &Dataset, c: Coord<f64>) -> [f64; 2] {
    let (lon, lat) = ds.frame.to_wgs84(c.x, c.y).unwrap_or((f64::NAN, f64::NAN));
    // 1e-8 degrees is about a millimetre.
    [(lon * 1e8).round() / 1e8, (lat * 1e8).round() / 1e8]
}

/// CSV rows rendered this many at a time, in parallel, then written in order.
const CSV_CHUNK: usize = 16_384;
/// Conflict features per chunk: each is a JSON tree while it is rendered, so fewer at a time.
const FEATURE_CHUNK: usize = 2_048;

/// Writes `head`, then `n` items rendered in parallel chunks of `chunk` by `render(range, out)`, then `tail`.
fn write_chunked(
    path: &Path,
    head: &[u8],
    n: usize,
    chunk: usize,
    render: impl Fn(std::ops::Range<usize>, &mut Vec<u8>) -> Result<()> + Sync,
    tail: &[u8],
) -> Result<()> {
    use rayon::prelude::*;
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let io = |e: std::io::Error| Error::io(path, e);
    w.write_all(head).map_err(io)?;
    let ranges: Vec<std::ops::Range<usize>> = (0..n).step_by(chunk).map(|s| s..(s + chunk).min(n)).collect();
    // A few chunks in flight at a time keeps memory flat.
    for group in ranges.chunks(4) {
        let parts: Vec<Result<Vec<u8>>> = group
            .par_iter()
            .map(|r| {
                let mut out = Vec::with_capacity(r.len() * 128);
                render(r.clone(), &mut out).map(|()| out)
            })
            .collect();
        for part in parts {
            w.write_all(&part?).map_err(io)?;
        }
    }
    w.write_all(tail).map_err(io)?;
    w.flush().map_err(io)
}

/// CSV rows into a buffer, quoted as the `csv` crate quotes them.
fn csv_rows(out: &mut Vec<u8>, rows: impl FnMut(&mut csv::Writer<&mut Vec<u8>>) -> csv::Result<()>) -> Result<()> {
    let mut rows = rows;
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(out);
    // Into memory: only a bug can make these fail.
    rows(&mut w).map_err(|e| Error::Internal(format!("a CSV row: {e}")))?;
    w.flush().map_err(|e| Error::Internal(format!("a CSV row: {e}")))
}

fn write_conflicts(ds: &Dataset, rec: &Reconciliation, path: &Path) -> Result<()> {
    write_chunked(
        path,
        b"{\"type\":\"FeatureCollection\",\"name\":\"conflicts\",\"features\":[\n",
        rec.conflicts.len(),
        FEATURE_CHUNK,
        |range, out| {
            for i in range {
                if i > 0 {
                    out.extend_from_slice(b",\n");
                }
                serde_json::to_writer(&mut *out, &FeatureOut::new(ds, &rec.conflicts[i]))
                    .map_err(|cause| Error::Json { what: "conflicts.geojson", cause })?;
            }
            Ok(())
        },
        b"\n]}\n",
    )
}

fn write_parcels(ds: &Dataset, rec: &Reconciliation, path: &Path) -> Result<()> {
    use Cell::{Own, Text};
    // Parcels of map sheets say where they were drawn (extension columns): the sheet's file and the element (the
    // number label in a drawing, the feature in a table of polygons).
    let head: &[u8] = match ds.sheets {
        Some(_) => {
            b"parcel_id,group,status,reasons,sheet,parcel_no,land_use,mapped_area_m2,cert_ids,sheet_file,element\n"
        }
        None => b"parcel_id,group,status,reasons,sheet,parcel_no,land_use,mapped_area_m2,cert_ids\n",
    };
    let columns = if ds.sheets.is_some() { 11 } else { 9 };
    write_chunked(
        path,
        head,
        ds.parcels.len(),
        CSV_CHUNK,
        |range, out| {
            use std::fmt::Write;
            // Numbers and lists are formatted into buffers reused from row to row.
            let [mut status, mut reasons, mut sheet, mut no, mut area, mut certs, mut element]: [String; 7] =
                Default::default();
            csv_rows(out, |w| {
                for i in range.clone() {
                    let p = &ds.parcels[i];
                    let s = &rec.statuses[i];
                    for b in [&mut status, &mut reasons, &mut sheet, &mut no, &mut area, &mut certs, &mut element] {
                        b.clear();
                    }
                    let origin = ds.sheets.as_ref().and_then(|r| r.origin(p.feature));
                    if let Some((_, e)) = origin {
                        let _ = write!(element, "{e}");
                    }
                    let _ = write!(status, "{}", s.status);
                    s.push_reasons(&mut reasons);
                    if let Some(v) = p.sheet {
                        let _ = write!(sheet, "{v}");
                    }
                    if let Some(v) = p.parcel_no {
                        let _ = write!(no, "{v}");
                    }
                    if let Some(a) = p.area_m2 {
                        let _ = write!(area, "{a:.2}");
                    }
                    for (k, &c) in rec.links.certs_of(i).iter().enumerate() {
                        certs.push_str(if k > 0 { ";" } else { "" });
                        certs.push_str(ds.certificates.id(c as usize));
                    }
                    let cells = [
                        Text(p.id.as_str()),
                        Text(p.group.as_deref().unwrap_or("")),
                        Own(&status),
                        Own(&reasons),
                        Own(&sheet),
                        Own(&no),
                        Text(p.land_use.as_deref().unwrap_or("")),
                        Own(&area),
                        Text(&certs),
                        Text(origin.map_or("", |o| o.0)),
                        Own(&element),
                    ];
                    write_spreadsheet_record(w, &cells[..columns])?;
                }
                Ok(())
            })
        },
        b"",
    )
}

/// One row per certificate holder. Status, citizen_id and score come from holder linkage against the
/// population register; without citizens.csv they are empty. `candidate_id` (an extension of the contract's
/// columns) names, for a holder `not_found` whose current id the register lacks, the namesake the register has
/// under another current id: for the officer to look at, never taken.
fn write_holders(ds: &Dataset, rec: &Reconciliation, path: &Path) -> Result<()> {
    use Cell::{Own, Text};
    let certs = &ds.certificates;
    let linked = rec.holders.as_ref().zip(ds.register.as_ref());
    write_chunked(
        path,
        b"cert_id,holder_name,holder_id,status,citizen_id,score,candidate_id\n",
        certs.holders.len(),
        CSV_CHUNK,
        |range, out| {
            csv_rows(out, |w| {
                for (k, h) in certs.holders[range.clone()].iter().enumerate() {
                    let t = |x| certs.text(x);
                    let (status, citizen, score, candidate) = match linked {
                        Some((l, reg)) => {
                            let link = &l.holders[range.start + k];
                            let id = |j: Option<u32>| j.map_or("", |j| reg.text(reg.people[j as usize].id));
                            (
                                link.status.as_str(),
                                id(link.citizen),
                                link.score.map(|s| format!("{s:.4}")).unwrap_or_default(),
                                id(link.candidate),
                            )
                        }
                        None => ("", "", String::new(), ""),
                    };
                    write_spreadsheet_record(
                        w,
                        &[
                            Text(certs.id(h.cert as usize)),
                            Text(t(h.holder_name)),
                            Text(t(h.holder_id)),
                            Own(status),
                            Text(citizen),
                            Own(&score),
                            Text(candidate),
                        ],
                    )?;
                }
                Ok(())
            })
        },
        b"",
    )
}

/// Holder linkage in the summary: statuses counted, register duplicates (rows only: no personal data), the
/// fitted model; or why it was skipped.
fn holder_linkage(ds: &Dataset, rec: &Reconciliation) -> Value {
    use crate::linkage::holders::Status;
    let (Some(l), Some(reg)) = (&rec.holders, &ds.register) else {
        return json!({"skipped": "the dataset has no citizens.csv"});
    };
    let status: BTreeMap<&str, usize> =
        Status::ALL.iter().map(|s| (s.as_str(), l.holders.iter().filter(|h| h.status == *s).count())).collect();
    let mut warnings = Vec::new();
    if !reg.duplicates.is_empty() {
        warnings.push(format!(
            "citizens.csv: {} citizen ids occur more than once (rows in register_duplicate_ids); every entry is kept",
            reg.duplicates.len()
        ));
    }
    let schema = crate::linkage::holders::schema();
    let model: BTreeMap<&str, Value> = schema
        .fields
        .iter()
        .enumerate()
        .filter_map(|(f, (name, _))| {
            let r = |v: &[f64; 4]| v.map(|x| if x < 1e-3 { x } else { (x * 1e4).round() / 1e4 });
            Some((name.as_str(), json!({"m": r(l.model.m.get(f)?), "u": r(l.model.u.get(f)?)})))
        })
        .collect();
    json!({
        "register": reg.len(),
        "status": status,
        "register_duplicate_ids": {"count": reg.duplicates.len(), "rows": reg.duplicates.iter().take(100).collect::<Vec<_>>()},
        "warnings": warnings,
        "model": {"prior": l.model.prior, "fields": model},
    })
}

/// The certificates `area_mismatch` could not compare (their parcel has no mapped area): how many, the first
/// 100 ids in order, and why.
fn area_not_compared(ds: &Dataset, rec: &Reconciliation) -> Value {
    let mut ids: Vec<&str> = rec.area_not_compared.iter().map(|&c| ds.certificates.id(c)).collect();
    ids.sort_unstable();
    ids.truncate(100);
    json!({
        "certificates": rec.area_not_compared.len(),
        "cert_ids": ids,
        "why": "their parcel has no mapped area (invalid or missing geometry): compared once the geometry is rebuilt",
    })
}

/// `summary.json`: counts by kind, by group and by status, inputs read, timings.
pub fn summary(ds: &Dataset, rec: &Reconciliation, timings: &[(String, f64)]) -> Value {
    let mut by_kind: BTreeMap<&str, usize> = Kind::ALL.iter().map(|k| (k.as_str(), 0)).collect();
    let mut by_group: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for c in &rec.conflicts {
        *by_kind.entry(c.kind.as_str()).or_default() += 1;
        let group = c.parcels.first().and_then(|&i| ds.parcels[i].group.as_deref()).unwrap_or_default();
        *by_group.entry(group).or_default().entry(c.kind.as_str()).or_default() += 1;
    }
    // Counted by status value per group without a string per parcel; only the statuses that occur are listed.
    let mut counts: rustc_hash::FxHashMap<&str, [usize; 256]> = rustc_hash::FxHashMap::default();
    for (p, s) in ds.parcels.iter().zip(&rec.statuses) {
        counts.entry(p.group.as_deref().unwrap_or_default()).or_insert([0; 256])[usize::from(s.status)] += 1;
    }
    let mut status: BTreeMap<String, usize> = (1..=3).map(|s| (s.to_string(), 0)).collect();
    let mut status_by_group: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
    for (group, n) in &counts {
        let g = status_by_group.entry(group).or_default();
        for (value, &k) in n.iter().enumerate().filter(|(_, &k)| k > 0) {
            *status.entry(value.to_string()).or_default() += k;
            *g.entry(value.to_string()).or_default() += k;
        }
    }
    let all_timings: BTreeMap<String, f64> = ds
        .timings
        .iter()
        .chain(rec.timings.iter())
        .chain(timings.iter())
        .map(|(k, v)| (k.clone(), (v * 1000.0).round() / 1000.0))
        .collect();
    json!({
        "thuadat": env!("CARGO_PKG_VERSION"),
        "dataset": ds.dir,
        "name": ds.name,
        "crs": ds.frame.source().definition,
        "tolerances": {
            "overlap_min_area_m2": ds.config.tolerances.overlap_min_area_m2,
            "area_mismatch_ratio": ds.config.tolerances.area_mismatch_ratio,
            "split_area_ratio": ds.config.tolerances.split_area_ratio,
        },
        "inputs": ds.inputs,
        "parcels": ds.parcels.len(),
        "certificates": ds.certificates.certificates.len(),
        "holders": ds.certificates.holders.len(),
        "groups": ds.groups.len(),
        "skipped_features": ds.skipped_features,
        "map_sheets": ds.sheets.as_ref().map(|s| &s.sheets),
        "warnings": ds.warnings,
        "conflicts": {"total": rec.conflicts.len(), "by_kind": by_kind, "by_group": by_group},
        "status": status,
        "status_by_group": status_by_group,
        "overlap_search": rec.overlap_stats,
        "skipped_rules": rec.skipped_rules,
        "area_mismatch_not_compared": area_not_compared(ds, rec),
        "holder_linkage": holder_linkage(ds, rec),
        "timings_s": all_timings,
    })
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_cell;

    #[test]
    fn formula_cells_are_neutralised_and_numbers_stay_numbers() {
        let cases = [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("-inf", "'-inf"),
            ("C1;=1+2;C3", "C1;'=1+2;C3"),
            ("-5;@x", "-5;'@x"),
            // Left alone.
            ("-12.5", "-12.5"),
            ("+3", "+3"),
            ("-.5", "-.5"),
            ("-1e-3", "-1e-3"),
            ("00118-1-4", "00118-1-4"),
            ("Tổ dân phố 2", "Tổ dân phố 2"),
            ("a=b", "a=b"),
            (" =1", " =1"),
            ("", ""),
            ("C1;C2", "C1;C2"),
        ];
        for (cell, want) in cases {
            assert_eq!(spreadsheet_cell(cell), want, "{cell:?}");
        }
    }
}
