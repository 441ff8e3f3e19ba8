//! `unmatched_certificate`: a certificate that points at no mapped parcel, with ranked guesses at the parcel
//! it meant.
//!
//! Hand-copied numbers go wrong in a few typical ways: two digits swapped (`45` for `54`), one digit
//! mistyped, dropped or doubled, the sheet number mistyped, a torn field with a digit missing (`4?`). Candidates
//! are the parcels one such slip away; each is scored on the kind of slip, on how close its mapped area is to
//! the certificate's, and on whether it lacks a certificate of its own (the parcel the typo left orphaned).

use std::collections::HashMap;

use geo::InteriorPoint;

use super::linking::communes_agree;
use super::Links;
use crate::conflict::{Candidate, Conflict, ConflictGeometry, Kind};
use crate::dataset::{Certificates, Parcel};

/// At most this many candidates are reported.
pub const MAX_CANDIDATES: usize = 5;

/// How likely each slip is, before area and orphan evidence.
const TRANSPOSED: f64 = 0.9;
const SHEET_SLIP: f64 = 0.85;
const ONE_DIGIT: f64 = 0.8;
const DROPPED_OR_ADDED: f64 = 0.7;
const TORN: f64 = 0.6;

pub(crate) fn find(parcels: &[Parcel], certs: &Certificates, links: &Links) -> Vec<Conflict> {
    find_in(parcels, certs, links, 0..certs.certificates.len())
}

/// [`find`] for the certificates `only` (the incremental re-check's scope).
pub(crate) fn find_in(
    parcels: &[Parcel],
    certs: &Certificates,
    links: &Links,
    only: impl IntoIterator<Item = usize>,
) -> Vec<Conflict> {
    let mut out = Vec::new();
    for ci in only {
        let cert = &certs.certificates[ci];
        if links.parcel_of(ci).is_some() {
            continue;
        }
        let candidates = rank(parcels, certs, ci, links);
        let (id, raw) = (certs.id(ci), certs.text(cert.parcel_no));
        let mut c = Conflict::new(Kind::UnmatchedCertificate, vec![], vec![ci]);
        c.measure = candidates.first().map(|k| k.score);
        let best = candidates.first().map(|k| parcels[k.parcel].id.as_str());
        c.detail = match (cert.sheet, best) {
            (Some(s), Some(b)) => {
                format!("certificate {} points at sheet {s} parcel {:?}, not on the map; likely {b}", id, raw)
            }
            (Some(s), None) => {
                format!("certificate {id} points at sheet {s} parcel {raw:?}, not on the map")
            }
            (None, _) => format!("certificate {id} has no sheet number"),
        };
        if let Some(point) = candidates.first().and_then(|k| parcels[k.parcel].geometry.as_ref()?.interior_point()) {
            c.geometry = ConflictGeometry::Point(point);
        }
        c.candidates = candidates;
        out.push(c);
    }
    out
}

/// Candidate parcels for an unmatched certificate, best first.
pub fn rank(parcels: &[Parcel], certs: &Certificates, ci: usize, links: &Links) -> Vec<Candidate> {
    let cert = &certs.certificates[ci];
    let mut slips: HashMap<usize, f64> = HashMap::new();
    let mut note = |pi: usize, p: f64| {
        let e = slips.entry(pi).or_insert(0.0);
        *e = e.max(p);
    };
    let lookup = |sheet: i64, no: i64| links.numbered(sheet, no);
    if let Some(sheet) = cert.sheet {
        match cert.parcel_base {
            Some(no) => {
                for (variant, p) in number_slips(&no.to_string()) {
                    for pi in lookup(sheet, variant) {
                        note(pi, p);
                    }
                }
                for (variant, _) in number_slips(&sheet.to_string()) {
                    for pi in lookup(variant, no) {
                        note(pi, SHEET_SLIP);
                    }
                }
            }
            None => {
                // A torn number: `?`, `_` or `*` stand for the digits that are gone.
                let pattern: String = certs.text(cert.parcel_no).chars().filter(|c| !c.is_whitespace()).collect();
                if pattern.chars().any(|c| c.is_ascii_digit())
                    && pattern.chars().all(|c| c.is_ascii_digit() || matches!(c, '?' | '_' | '*'))
                {
                    let mut numbers: Vec<i64> = links.sheet_numbers(sheet).collect();
                    numbers.dedup();
                    for n in numbers {
                        if torn_fits(&pattern, &n.to_string()) {
                            for pi in lookup(sheet, n) {
                                note(pi, TORN);
                            }
                        }
                    }
                }
            }
        }
    }
    let mut out: Vec<Candidate> = slips
        .into_iter()
        .filter(|(pi, _)| communes_agree(parcels[*pi].commune.as_deref(), certs.commune(ci)))
        .map(|(pi, slip)| {
            let area = match (cert.area, parcels[pi].area_m2) {
                (Some(a), Some(m)) if a > 0.0 && m > 0.0 => a.min(m) / a.max(m),
                _ => 0.5,
            };
            let orphan = if links.certs_of(pi).is_empty() { 1.0 } else { 0.0 };
            let score = 0.5 * slip + 0.3 * area + 0.2 * orphan;
            Candidate { parcel: pi, score: (score * 1000.0).round() / 1000.0 }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| parcels[a.parcel].id.cmp(&parcels[b.parcel].id)));
    out.truncate(MAX_CANDIDATES);
    out
}

/// Numbers one typing slip away from `digits`, with the slip's likelihood.
pub fn number_slips(digits: &str) -> Vec<(i64, f64)> {
    let d: Vec<u8> = digits.bytes().collect();
    let mut out: Vec<(Vec<u8>, f64)> = Vec::new();
    for i in 0..d.len() {
        if i + 1 < d.len() && d[i] != d[i + 1] {
            let mut v = d.clone();
            v.swap(i, i + 1);
            out.push((v, TRANSPOSED));
        }
        for c in b'0'..=b'9' {
            if c != d[i] {
                let mut v = d.clone();
                v[i] = c;
                out.push((v, ONE_DIGIT));
            }
        }
        if d.len() > 1 {
            let mut v = d.clone();
            v.remove(i);
            out.push((v, DROPPED_OR_ADDED));
        }
    }
    for i in 0..=d.len() {
        for c in b'0'..=b'9' {
            let mut v = d.clone();
            v.insert(i, c);
            out.push((v, DROPPED_OR_ADDED));
        }
    }
    out.into_iter()
        .filter(|(v, _)| v.first() != Some(&b'0'))
        .filter_map(|(v, p)| std::str::from_utf8(&v).ok()?.parse::<i64>().ok().map(|n| (n, p)))
        .collect()
}

fn torn_fits(pattern: &str, number: &str) -> bool {
    pattern.len() == number.len()
        && pattern.bytes().zip(number.bytes()).all(|(p, n)| p == n || matches!(p, b'?' | b'_' | b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::linking::link;
    use crate::reconcile::tests::{cert, numbered, table};

    #[test]
    fn slips() {
        let s = number_slips("45");
        assert!(s.contains(&(54, TRANSPOSED)));
        assert!(s.contains(&(46, ONE_DIGIT)));
        assert!(s.contains(&(4, DROPPED_OR_ADDED)));
        assert!(s.contains(&(455, DROPPED_OR_ADDED)));
        assert!(!s.iter().any(|(n, _)| *n == 45));
        assert!(torn_fits("4?", "47") && !torn_fits("4?", "147"));
    }

    #[test]
    fn transposition_to_the_orphan_of_similar_area_ranks_first() {
        let ps = vec![
            numbered("p45", None, 3, 45, 120.0),  // the true parcel, now without certificate
            numbered("p46", None, 3, 46, 300.0),  // one digit away, has a certificate
            numbered("p54b", None, 4, 54, 118.0), // the number on another sheet
        ];
        let cs = table(vec![
            cert("typo", None, Some(3), "54", Some(121.0)),
            cert("c46", None, Some(3), "46", Some(300.0)),
            cert("torn", None, Some(3), "4?", Some(299.0)),
            cert("nothing", None, Some(9), "900", Some(10.0)),
        ]);
        let links = link(&ps, &cs);
        let found = find(&ps, &cs, &links);
        let ids = |c: &Conflict| c.candidates.iter().map(|k| ps[k.parcel].id.clone()).collect::<Vec<_>>();
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].certificates, vec![0]);
        assert_eq!(ids(&found[0]), vec!["p45", "p54b"]);
        assert_eq!(found[0].measure, Some(0.948)); // 0.5 * 0.9 + 0.3 * 120/121 + 0.2
        assert_eq!(ids(&found[1]), vec!["p45", "p46"]);
        assert!(found[2].candidates.is_empty());
        assert_eq!(found[2].measure, None);
    }
}
