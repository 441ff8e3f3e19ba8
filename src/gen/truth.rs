//! The truth: the rules of docs/RULES.md applied to what was generated and planted.
//!
//! Overlaps are known from the planting (the layout has no others), gaps from the planting and the invalid
//! parcels ([`super::holes`]), codes outside their parcels from the planting ([`super::codes`]); everything
//! else is derived from the
//! parcels and certificates as written, with the planar areas. Every ratio a rule compares must lie 3x or
//! more away from its threshold (so that the checker's ground areas, which differ by up to 0.06%, decide the
//! same); the decisions that do not are reported in `near_threshold`, which must stay empty.

use std::collections::HashMap;

use rayon::slice::ParallelSliceMut;

use super::certs::{holder_outcome, Cert, Person};
use super::layout::{Geom, Layout};

/// Conflict kinds and the status reason `holder_matched_by_attributes`, in sorted order (bit k of a
/// parcel's mask).
pub(crate) const KINDS: [&str; 14] = [
    "area_mismatch",
    "duplicate_certificate",
    "duplicate_parcel_number",
    "gap",
    "holder_id_invalid",
    "holder_matched_by_attributes",
    "holder_mismatch",
    "holder_not_found",
    "invalid_geometry",
    "overlap",
    "parcel_code",
    "parcel_without_certificate",
    "unmapped_split",
    "unmatched_certificate",
];
const AREA_MISMATCH: usize = 0;
const DUPLICATE_CERTIFICATE: usize = 1;
const DUPLICATE_PARCEL_NUMBER: usize = 2;
const GAP: usize = 3;
const HOLDER_ID_INVALID: usize = 4;
const HOLDER_MATCHED_BY_ATTRIBUTES: usize = 5;
const HOLDER_MISMATCH: usize = 6;
const HOLDER_NOT_FOUND: usize = 7;
const INVALID_GEOMETRY: usize = 8;
const OVERLAP: usize = 9;
const PARCEL_CODE: usize = 10;
const PARCEL_WITHOUT_CERTIFICATE: usize = 11;
const UNMAPPED_SPLIT: usize = 12;
const UNMATCHED_CERTIFICATE: usize = 13;
/// Kinds that make a parcel status 3; the other parcel kinds make it 2.
const LEVEL_3: u16 = (1 << INVALID_GEOMETRY) | (1 << OVERLAP) | (1 << UNMAPPED_SPLIT);

pub(crate) struct Tolerances {
    pub area_mismatch_ratio: f64,
    pub split_area_ratio: f64,
}

pub(crate) struct Conflict {
    pub kind: &'static str,
    pub parcel_ids: Vec<String>,
    pub cert_ids: Vec<String>,
    pub expected: Option<String>,
    /// The expected candidate is among this many first (1, or 3 for a number mistyped twice).
    pub within: u8,
}

pub(crate) struct ParcelTruth {
    pub id: String,
    pub status: u8,
    pub reasons: String,
}

/// A holder row's expected linkage, in certificates.csv order.
pub(crate) struct HolderTruth {
    pub cert_id: String,
    pub status: &'static str,
    pub citizen_id: Option<String>,
    /// The namesake a `not_found` holder's row should name (the person is absent, the namesake has another id).
    pub candidate_id: Option<String>,
}

pub(crate) struct Truth {
    pub conflicts: Vec<Conflict>,
    pub holders: Vec<HolderTruth>,
    pub parcels: Vec<ParcelTruth>,
    pub near_threshold: Vec<String>,
}

/// Parcel ids by the default rule: `{commune}-{sheet}-{number}`, repeats `_2`, `_3` in file order.
pub(crate) fn parcel_ids(lay: &Layout, order: &[u32], commune: &str) -> Vec<String> {
    let mut ids = vec![String::new(); lay.parcels.len()];
    let mut seen: HashMap<(u32, u32), u32> = HashMap::new();
    for &i in order {
        let p = &lay.parcels[i as usize];
        let n = seen.entry((p.sheet, p.number)).or_insert(0);
        *n += 1;
        ids[i as usize] = if *n == 1 {
            format!("{commune}-{}-{}", p.sheet, p.number)
        } else {
            format!("{commune}-{}-{}_{}", p.sheet, p.number, n)
        };
    }
    ids
}

/// The base parcel number and whether a split suffix (`45a`, `45-1`, `45/2`) follows; None when unreadable.
pub(crate) fn parse_parcel_no(s: &str) -> Option<(u32, bool)> {
    let digits = s.bytes().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let base: u32 = s[..digits].parse().ok()?;
    let rest = &s.as_bytes()[digits..];
    match rest {
        [] => Some((base, false)),
        [c] if c.is_ascii_alphabetic() => Some((base, true)),
        [b'-' | b'/', tail @ ..] if !tail.is_empty() && tail.iter().all(u8::is_ascii_digit) => Some((base, true)),
        _ => None,
    }
}

struct Rules<'a> {
    tol: &'a Tolerances,
    near: Vec<String>,
}

impl Rules<'_> {
    /// |a - b| / b, noting when it lies within 3x of `threshold`.
    fn ratio(&mut self, what: &str, a: f64, b: f64, threshold: f64) -> f64 {
        let r = (a - b).abs() / b;
        if r > threshold / 3.0 && r < threshold * 3.0 {
            self.near.push(format!("{what}: ratio {r:.4} near {threshold}"));
        }
        r
    }
}

pub(crate) fn compute(
    lay: &Layout,
    ids: &[String],
    certs: &[Cert],
    cert_ids: &[String],
    (planted, codes): (&super::defects::Planted, &super::codes::Codes),
    tol: &Tolerances,
    persons: &[Person],
) -> Truth {
    let n = lay.parcels.len();
    let mut rules = Rules { tol, near: Vec::new() };
    let mut mask = vec![0u16; n];
    let mut conflicts: Vec<Conflict> = Vec::new();
    let mut add = |mask: &mut [u16], kind: usize, parcels: &[u32], certs: &[u32], expected: Option<(u32, u8)>| {
        for &p in parcels {
            mask[p as usize] |= 1 << kind;
        }
        let mut parcel_ids: Vec<String> = parcels.iter().map(|&p| ids[p as usize].clone()).collect();
        parcel_ids.sort();
        let mut c: Vec<String> = certs.iter().map(|&c| cert_ids[c as usize].clone()).collect();
        c.sort();
        conflicts.push(Conflict {
            kind: KINDS[kind],
            parcel_ids,
            cert_ids: c,
            expected: expected.map(|(p, _)| ids[p as usize].clone()),
            within: expected.map_or(1, |(_, w)| w),
        });
    };
    let mapped = |i: usize| (lay.parcels[i].geom == Geom::Valid).then_some(lay.parcels[i].area);

    for &(a, b) in &planted.overlaps {
        add(&mut mask, OVERLAP, &[a, b], &[], None);
    }
    for hole in super::holes::holes(lay, &planted.gaps, &planted.originals, &mut rules.near) {
        add(&mut mask, GAP, &hole.parcels, &[], None);
    }
    for (i, p) in lay.parcels.iter().enumerate() {
        if p.geom != Geom::Valid {
            add(&mut mask, INVALID_GEOMETRY, &[i as u32], &[], None);
        }
    }
    // National codes: each empty, malformed or planted outside; each well-formed code several parcels carry.
    let mut coded: Vec<(&str, u32)> = Vec::new();
    for (i, written) in codes.written.iter().enumerate() {
        let code = written.as_deref().map(str::trim).unwrap_or("");
        let well_formed = code.len() == 12 && code.bytes().all(|b| b"0123456789bcdefghjkmnpqrstuvwxyz".contains(&b));
        if code.is_empty() || !well_formed || codes.outside[i] {
            add(&mut mask, PARCEL_CODE, &[i as u32], &[], None);
        }
        if well_formed {
            coded.push((code, i as u32));
        }
    }
    coded.sort_unstable();
    for same in coded.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        let parcels: Vec<u32> = same.iter().map(|c| c.1).collect();
        add(&mut mask, PARCEL_CODE, &parcels, &[], None);
    }
    let mut by_number: Vec<(u32, u32, u32)> =
        lay.parcels.iter().enumerate().map(|(i, p)| (p.sheet, p.number, i as u32)).collect();
    by_number.sort_unstable();
    let mut k = 0;
    while k < by_number.len() {
        let (s, no, _) = by_number[k];
        let end = k + by_number[k..].iter().take_while(|e| e.0 == s && e.1 == no).count();
        if end - k >= 2 {
            let parcels: Vec<u32> = by_number[k..end].iter().map(|e| e.2).collect();
            add(&mut mask, DUPLICATE_PARCEL_NUMBER, &parcels, &[], None);
        }
        k = end;
    }

    // Certificate -> parcel: same sheet and base number; among repeats, the closest mapped area.
    let mut links: Vec<(u32, u32)> = Vec::with_capacity(certs.len());
    let mut parcel_of: Vec<Option<u32>> = vec![None; certs.len()];
    for (ci, c) in certs.iter().enumerate() {
        let area = c.area10 as f64 / 10.0;
        let target = parse_parcel_no(&c.parcel_no).and_then(|(base, _)| {
            let from = by_number.partition_point(|e| (e.0, e.1) < (c.sheet, base));
            let len = by_number[from..].iter().take_while(|e| e.0 == c.sheet && e.1 == base).count();
            let cands = &by_number[from..from + len];
            match cands.len() {
                0 => None,
                1 => Some(cands[0].2),
                _ => {
                    let mut scored: Vec<(f64, &String, u32)> = cands
                        .iter()
                        .map(|&(_, _, p)| {
                            (mapped(p as usize).map_or(f64::INFINITY, |m| (m - area).abs()), &ids[p as usize], p)
                        })
                        .collect();
                    scored.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(y.1)));
                    if scored[1].0 - scored[0].0 < 0.05 * area {
                        rules.near.push(format!("{}: closest of repeated numbers by a small margin", cert_ids[ci]));
                    }
                    Some(scored[0].2)
                }
            }
        });
        if target.is_some() == c.unmatched {
            rules.near.push(format!("{}: planted unmatched is {} but links to {target:?}", cert_ids[ci], c.unmatched));
        }
        match target {
            Some(p) => {
                if p != c.parcel {
                    rules.near.push(format!(
                        "{}: links to {} rather than the parcel it was issued for",
                        cert_ids[ci], ids[p as usize]
                    ));
                }
                links.push((p, ci as u32));
                parcel_of[ci] = Some(p);
            }
            None => {
                add(&mut mask, UNMATCHED_CERTIFICATE, &[], &[ci as u32], c.expected.map(|p| (p, c.within)));
            }
        }
    }
    links.sort_unstable();

    // Holders: one conflict per kind and certificate, on its parcel; attribute-only matches mark the parcel.
    let mut holders = Vec::new();
    for (ci, c) in certs.iter().enumerate() {
        let mut kinds = Vec::new();
        for h in &c.holders {
            let (status, person) = holder_outcome(h, persons);
            holders.push(HolderTruth {
                cert_id: cert_ids[ci].clone(),
                status,
                citizen_id: person.map(|p| format!("{:012}", persons[p as usize].cccd)),
                candidate_id: persons[h.person as usize]
                    .namesake_in_register
                    .map(|k| format!("{:012}", persons[k as usize].cccd)),
            });
            let kind = match status {
                "id_invalid" => HOLDER_ID_INVALID,
                "not_found" => HOLDER_NOT_FOUND,
                "mismatch" => HOLDER_MISMATCH,
                "matched_by_attributes" => {
                    if let Some(p) = parcel_of[ci] {
                        mask[p as usize] |= 1 << HOLDER_MATCHED_BY_ATTRIBUTES;
                    }
                    continue;
                }
                _ => continue,
            };
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        for kind in kinds {
            let parcels: Vec<u32> = parcel_of[ci].into_iter().collect();
            add(&mut mask, kind, &parcels, &[ci as u32], None);
        }
    }

    let mut k = 0;
    for (i, label) in ids.iter().enumerate() {
        let start = k;
        while k < links.len() && links[k].0 == i as u32 {
            k += 1;
        }
        if k - start == 1 {
            // The common case: one certificate.
            let c = links[start].1;
            if let Some(m) = mapped(i) {
                let a = certs[c as usize].area10 as f64 / 10.0;
                if rules.ratio(label, a, m, rules.tol.area_mismatch_ratio) > rules.tol.area_mismatch_ratio {
                    add(&mut mask, AREA_MISMATCH, &[i as u32], &[c], None);
                }
            }
            continue;
        }
        let cs: Vec<u32> = links[start..k].iter().map(|l| l.1).collect();
        let p = i as u32;
        let area_of = |c: u32| certs[c as usize].area10 as f64 / 10.0;
        if cs.is_empty() {
            // Roads and canals never carry a certificate (`[rules] no_certificate_land_use` of dataset.toml).
            if !matches!(lay.parcels[i].land_use, super::layout::DGT | super::layout::DTL) {
                add(&mut mask, PARCEL_WITHOUT_CERTIFICATE, &[p], &[], None);
            }
            continue;
        }
        let m = mapped(i);
        let mut mismatch_candidates: Vec<u32> = cs.clone();
        if cs.len() >= 2 {
            let suffix = cs.iter().any(|&c| parse_parcel_no(&certs[c as usize].parcel_no).is_some_and(|x| x.1));
            let sum: f64 = cs.iter().map(|&c| area_of(c)).sum();
            let split = suffix
                || m.is_some_and(|m| {
                    rules.ratio(label, sum, m, rules.tol.split_area_ratio) <= rules.tol.split_area_ratio
                });
            if split {
                add(&mut mask, UNMAPPED_SPLIT, &[p], &cs, None);
                continue;
            }
            if let Some(m) = m {
                let whole: Vec<u32> = cs
                    .iter()
                    .copied()
                    .filter(|&c| {
                        rules.ratio(label, area_of(c), m, rules.tol.area_mismatch_ratio)
                            <= rules.tol.area_mismatch_ratio
                    })
                    .collect();
                if whole.len() >= 2 {
                    add(&mut mask, DUPLICATE_CERTIFICATE, &[p], &whole, None);
                    mismatch_candidates.retain(|c| !whole.contains(c));
                }
            }
        }
        if let Some(m) = m {
            for c in mismatch_candidates {
                if rules.ratio(label, area_of(c), m, rules.tol.area_mismatch_ratio) > rules.tol.area_mismatch_ratio {
                    add(&mut mask, AREA_MISMATCH, &[p], &[c], None);
                }
            }
        }
    }

    conflicts.sort_by(|a, b| (a.kind, &a.parcel_ids, &a.cert_ids).cmp(&(b.kind, &b.parcel_ids, &b.cert_ids)));
    let mut parcels: Vec<ParcelTruth> = (0..n)
        .map(|i| {
            let m = mask[i];
            let (status, level) = if m & LEVEL_3 != 0 {
                (3, m & LEVEL_3)
            } else if m & !(1 << UNMATCHED_CERTIFICATE) != 0 {
                (2, m)
            } else {
                (1, 0)
            };
            let mut reasons = String::new();
            for k in (0..KINDS.len()).filter(|k| level & (1 << k) != 0) {
                if !reasons.is_empty() {
                    reasons.push(';');
                }
                reasons.push_str(KINDS[k]);
            }
            ParcelTruth { id: ids[i].clone(), status, reasons }
        })
        .collect();
    parcels.par_sort_unstable_by(|a, b| a.id.cmp(&b.id));
    Truth { conflicts, holders, parcels, near_threshold: rules.near }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parcel_numbers() {
        assert_eq!(parse_parcel_no("45"), Some((45, false)));
        assert_eq!(parse_parcel_no("45a"), Some((45, true)));
        assert_eq!(parse_parcel_no("45-1"), Some((45, true)));
        assert_eq!(parse_parcel_no("45/2"), Some((45, true)));
        assert_eq!(parse_parcel_no(""), None);
        assert_eq!(parse_parcel_no("4?"), None);
        assert_eq!(parse_parcel_no("45-"), None);
        assert_eq!(parse_parcel_no("45ab"), None);
    }
}
