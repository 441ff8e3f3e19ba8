//! The invariant of the incremental re-check, property-based: after every edit of a random sequence (parcels
//! moved, renumbered, split, retired and added; certificates re-pointed, corrected and cancelled; land uses
//! and national codes changed), the live conflicts and statuses equal those of a full check of the same data.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use geo::BoundingRect;
use proptest::prelude::*;

use super::{Live, LiveEdit};
use crate::check::{self, Directory, Options, Progress};
use crate::dataset::certificates::{CertificateRow, CertificatesBuilder};
use crate::dataset::parcels::{RawFeature, RawValue};
use crate::dataset::Dataset;
use crate::index::ParcelIndex;
use crate::linkage::holders::Linkage;

/// A small generated commune, checked, once per test process.
pub(crate) fn commune() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let opts = crate::gen::GenOptions {
            out: tmp.path().join("c"),
            parcels: 300,
            seed: 7,
            defect_rate: 0.08,
            ..Default::default()
        };
        crate::gen::generate(&opts).unwrap();
        tmp
    })
    .path()
    .join("c")
    .leak()
}

/// The small commune checked whole.
pub(crate) fn checked() -> crate::check::Checked {
    check::run(&mut Directory::new(commune()), &Options::with_progress(Progress::Hidden)).unwrap()
}

pub(crate) fn live() -> Live {
    Live::new(checked())
}

/// Parcel `i` as a raw feature of the contract's columns, its geometry moved by `(dx, dy)` (or replaced).
fn raw_of(live: &Live, i: usize, dx: f64, dy: f64, geometry: Option<geo::MultiPolygon<f64>>) -> RawFeature {
    let own = live.dataset.parcels[i].geometry.clone();
    let g = geometry.or(own).unwrap_or_else(|| geo::MultiPolygon(vec![]));
    live.raw_of(i, &g, dx, dy).unwrap()
}

/// The edit that `(what, a, b)` stands for in the live commune's current state.
pub(crate) fn edit_of(live: &Live, what: u8, a: u32, b: u32) -> Vec<LiveEdit> {
    let ps = &live.dataset.parcels;
    let alive: Vec<usize> = (0..ps.len()).filter(|&i| !live.is_retired(i) && ps[i].geometry.is_some()).collect();
    let (pi, qi) = (alive[a as usize % alive.len()], alive[b as usize % alive.len()]);
    let (p, q) = (&ps[pi], &ps[qi]);
    let certs = &live.dataset.certificates;
    let ci = (a as usize) % certs.certificates.len();
    let cert_id = certs.id(ci).to_string();
    let next_feature = ps.last().map_or(0, |p| p.feature + 1);
    let shift = |v: u32| f64::from(v % 7) - 3.0;
    match what % 11 {
        // Moved a little: overlaps come and go.
        0 => vec![LiveEdit::Parcel { feature: p.feature, raw: Some(raw_of(live, pi, shift(b), shift(b / 7), None)) }],
        // Renumbered: to another parcel's number (a repeat), or to a fresh one.
        1 => {
            let mut raw = raw_of(live, pi, 0.0, 0.0, None);
            raw.values[2] = q.sheet.map_or(RawValue::Null, RawValue::Int);
            raw.values[3] = RawValue::Int(if b % 2 == 0 { q.parcel_no.unwrap_or(1) } else { 5000 + i64::from(b % 50) });
            vec![LiveEdit::Parcel { feature: p.feature, raw: Some(raw) }]
        }
        // A certificate re-pointed at a parcel, or at a number one slip away from it.
        2 => {
            let no = q.parcel_no.unwrap_or(1);
            let no = if b % 3 == 0 {
                format!("{no}1")
            } else if b % 3 == 1 {
                format!("{no}a")
            } else {
                no.to_string()
            };
            vec![LiveEdit::Certificate {
                cert_id,
                sheet: q.sheet,
                parcel_no: no,
                area: certs.area(ci),
                cancelled: false,
            }]
        }
        // Its area corrected to the parcel's, or off by a fifth.
        3 => {
            let no = certs.text(certs.certificates[ci].parcel_no).to_string();
            let area = q.area_m2.map(|m| if b % 2 == 0 { (m * 10.0).round() / 10.0 } else { (m * 1.2).round() });
            vec![LiveEdit::Certificate { cert_id, sheet: certs.sheet(ci), parcel_no: no, area, cancelled: false }]
        }
        4 => {
            vec![LiveEdit::Certificate { cert_id, sheet: None, parcel_no: String::new(), area: None, cancelled: true }]
        }
        5 => vec![LiveEdit::Parcel { feature: p.feature, raw: None }],
        // A new parcel: another's geometry beside it (or on it), a new number.
        6 => {
            let mut raw = raw_of(live, qi, if b % 2 == 0 { 0.0 } else { 40.0 }, 0.0, None);
            raw.values[3] = RawValue::Int(7000 + i64::from(a % 100));
            vec![LiveEdit::Parcel { feature: next_feature, raw: Some(raw) }]
        }
        // A split mapped: the west half stays, the east half is a new parcel.
        7 => {
            let g = p.geometry.clone().unwrap_or_else(|| geo::MultiPolygon(vec![]));
            let Some(r) = g.bounding_rect() else { return vec![] };
            let mid = (r.min().x + r.max().x) / 2.0;
            let half = |x0: f64, x1: f64| {
                use geo::BooleanOps;
                g.intersection(&geo::MultiPolygon(vec![
                    geo::Rect::new((x0, r.min().y - 1.0), (x1, r.max().y + 1.0)).to_polygon()
                ]))
            };
            let (west, east) = (half(r.min().x - 1.0, mid), half(mid, r.max().x + 1.0));
            let mut new = raw_of(live, pi, 0.0, 0.0, Some(east));
            new.values[3] = RawValue::Int(8000 + i64::from(a % 100));
            vec![
                LiveEdit::Parcel { feature: p.feature, raw: Some(raw_of(live, pi, 0.0, 0.0, Some(west))) },
                LiveEdit::Parcel { feature: next_feature, raw: Some(new) },
            ]
        }
        // A holder's current id set: a register entry's (its own, or someone else's), or one the register
        // lacks; the holder linked again under the fitted model.
        9 => {
            let (Some(register), Some(linkage)) = (&live.dataset.register, &live.linkage) else { return vec![] };
            let h = a as usize % certs.holders.len();
            let row = &certs.holders[h];
            let id = if b % 3 == 2 || register.is_empty() {
                format!("0010{:02}{:06}", 60 + b % 40, b % 1_000_000)
            } else {
                let j = (b as usize / 3) % register.len();
                register.text(register.people[j].id).to_string()
            };
            let record = crate::linkage::holders::HolderRecord {
                name: certs.text(row.holder_name),
                id: &id,
                birth: certs.text(row.holder_birth),
                address: certs.text(row.address),
            };
            let link = crate::linkage::holders::link_one(record, register, &linkage.model);
            vec![LiveEdit::Holder { line: row.line, holder_id: id, link: Some(link) }]
        }
        // A national code: another parcel's (shared), emptied, malformed, or the right one.
        10 => {
            let mut raw = raw_of(live, pi, 0.0, 0.0, None);
            raw.values[7] = match b % 4 {
                0 => q.code.as_deref().map_or(RawValue::Null, |c| RawValue::Text(c.to_string())),
                1 => RawValue::Null,
                2 => RawValue::Text("w7dzq89xxtz".into()),
                _ => crate::reconcile::parcel_code::proposed(p, &live.dataset.frame)
                    .map_or(RawValue::Null, RawValue::Text),
            };
            vec![LiveEdit::Parcel { feature: p.feature, raw: Some(raw) }]
        }
        // A land use that needs no certificate, or one that does.
        _ => {
            let mut raw = raw_of(live, pi, 0.0, 0.0, None);
            raw.values[5] = RawValue::Text(if b % 2 == 0 { "DGT".into() } else { "ODT".into() });
            vec![LiveEdit::Parcel { feature: p.feature, raw: Some(raw) }]
        }
    }
}

type State = (BTreeSet<String>, BTreeMap<String, u8>);

fn live_state(live: &Live) -> State {
    let conflicts = live.conflicts().map(|(id, _)| id.to_string()).collect();
    let statuses = (0..live.dataset.parcels.len())
        .filter_map(|i| Some((live.dataset.parcels[i].id.to_string(), live.status(i)?.status)))
        .collect();
    (conflicts, statuses)
}

/// The full check of the live data: the retired parcels and cancelled certificates left out, ids given
/// afresh, the stored holder linkage (as `serve --db` has it).
fn full_state(live: &Live) -> State {
    let mut ds = Dataset::load(commune()).unwrap();
    let keep: Vec<usize> = (0..live.dataset.parcels.len()).filter(|&i| !live.is_retired(i)).collect();
    ds.parcels = keep
        .iter()
        .map(|&i| {
            let mut p = live.dataset.parcels[i].clone();
            p.id = live.natural[i].clone();
            p
        })
        .collect();
    ds.parcels.iter_mut().filter(|p| p.id.is_empty()).for_each(|p| p.id = crate::dataset::derived_id(p));
    crate::dataset::ids::assign_repeat_suffixes(&mut ds.parcels);
    let certs = &live.dataset.certificates;
    let mut b = CertificatesBuilder::default();
    let mut links = Vec::new();
    for (h, row) in certs.holders.iter().enumerate() {
        let ci = row.cert as usize;
        if live.cancelled[ci] {
            continue;
        }
        let c = &certs.certificates[ci];
        let r = CertificateRow {
            cert_id: certs.text(c.id),
            serial: certs.text(c.serial),
            commune: certs.text(c.commune),
            sheet: c.sheet,
            parcel_no: certs.text(c.parcel_no),
            area: c.area,
            land_use: certs.text(c.land_use),
            issued: certs.text(c.issued),
            holder_name: certs.text(row.holder_name),
            holder_id: certs.text(row.holder_id),
            holder_birth: certs.text(row.holder_birth),
            address: certs.text(row.address),
        };
        b.push_row(&r, row.line).unwrap();
        if let Some(l) = &live.linkage {
            links.push(l.holders[h].clone());
        }
    }
    let mut certificates = b.finish();
    certificates.absent_columns = certs.absent_columns.clone();
    ds.certificates = certificates;
    ds.linkage = live.linkage.as_ref().map(|l| Linkage { holders: links, model: l.model.clone() });
    ds.register = None;
    let index = ParcelIndex::build(&ds.parcels);
    let rec = crate::reconcile::reconcile(&ds, &index, &indicatif::ProgressBar::hidden());
    let conflicts = rec
        .conflicts
        .iter()
        .map(|c| {
            let pids: Vec<&str> = c.parcels.iter().map(|&i| ds.parcels[i].id.as_str()).collect();
            let cids: Vec<&str> = c.certificates.iter().map(|&i| ds.certificates.id(i)).collect();
            c.id(&pids, &cids)
        })
        .collect();
    let statuses = ds.parcels.iter().zip(&rec.statuses).map(|(p, s)| (p.id.to_string(), s.status)).collect();
    (conflicts, statuses)
}

fn assert_same(live: &Live, step: usize, edit: &[LiveEdit]) {
    let (l, f) = (live_state(live), full_state(live));
    let only_live: Vec<&String> = l.0.difference(&f.0).collect();
    let only_full: Vec<&String> = f.0.difference(&l.0).collect();
    assert!(
        only_live.is_empty() && only_full.is_empty(),
        "step {step} ({edit:?}): conflicts only live {only_live:?}, only in the full check {only_full:?}"
    );
    let differ: Vec<(&String, &u8, Option<&u8>)> =
        l.1.iter().filter(|(id, s)| f.1.get(*id) != Some(s)).map(|(id, s)| (id, s, f.1.get(id))).collect();
    assert!(differ.is_empty() && l.1.len() == f.1.len(), "step {step} ({edit:?}): statuses differ {differ:?}");
}

#[test]
fn the_live_commune_starts_as_its_full_check() {
    let live = live();
    assert_same(&live, 0, &[]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_edit_leaves_the_live_check_equal_to_a_full_check(edits in prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>()), 1..50)) {
        let mut live = live();
        for (step, (what, a, b)) in edits.into_iter().enumerate() {
            let edit = edit_of(&live, what, a, b);
            let delta = live.apply(&edit).unwrap();
            assert_same(&live, step, &edit);
            prop_assert!(delta.opened.iter().all(|id| live.by_id.contains_key(id)));
        }
    }
}

/// Two thousand edits in a row on one commune, each compared with a full check; the edits do change things.
#[test]
fn two_thousand_edits_in_a_row() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(18);
    let mut live = live();
    let (mut opened, mut closed, mut statuses, mut kinds) = (0, 0, 0, [0usize; 11]);
    for step in 0..2000 {
        let (what, a, b): (u8, u32, u32) = (rng.random(), rng.random(), rng.random());
        let edit = edit_of(&live, what, a, b);
        let delta = live.apply(&edit).unwrap();
        kinds[usize::from(what % 11)] += 1;
        (opened, closed, statuses) =
            (opened + delta.opened.len(), closed + delta.closed.len(), statuses + delta.statuses.len());
        assert_same(&live, step, &edit);
    }
    assert!(kinds.iter().all(|&k| k > 150), "{kinds:?}");
    assert!(opened > 500 && closed > 500 && statuses > 500, "opened {opened}, closed {closed}, statuses {statuses}");
}
