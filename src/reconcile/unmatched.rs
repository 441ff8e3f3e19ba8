//! `unmatched_certificate`: a certificate that points at no mapped parcel, with ranked guesses at the parcel
//! it meant.
//!
//! Hand-copied numbers go wrong in a few typical ways: two digits swapped (`45` for `54`), one digit
//! mistyped, dropped or doubled, the sheet number mistyped, a torn field with a digit missing (`4?`), and now
//! and then two such slips at once (`1012` for `12`). Candidates are the parcels of the certificate's sheet
//! whose number is at most two slips from its own (edit distance over digits, a swap of neighbours counting
//! one), the parcels with its number on a sheet one slip away, and for a torn number those that fit it. Each is
//! scored on the kind of slip, on how closely its mapped area agrees with the certificate's (the strongest
//! evidence once two slips are allowed), and on whether it lacks a certificate of its own (the parcel the
//! typo left orphaned); each carries the reason, e.g. "one digit dropped; area agrees within 1%".

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
/// Two slips at once.
const TWO_SLIPS: f64 = 0.5;

/// The relative area difference at which area evidence has fallen to 1/e (see [`area_agreement`]).
const AREA_SCALE: f64 = 0.1;

/// How well a parcel's mapped area `m` agrees with the certificate's `a`: 1 when equal, 0.9 at 1% apart, 0.6
/// at 5%, 0.37 at 10%, nearly 0 beyond 30%; 0.5 when either is unknown.
///
/// ```
/// use thuadat::reconcile::unmatched::area_agreement;
/// assert_eq!(area_agreement(Some(120.0), Some(120.0)), 1.0);
/// assert!((area_agreement(Some(100.0), Some(101.0)) - 0.905).abs() < 0.001);
/// assert!(area_agreement(Some(100.0), Some(150.0)) < 0.02);
/// assert_eq!(area_agreement(None, Some(150.0)), 0.5);
/// ```
pub fn area_agreement(a: Option<f64>, m: Option<f64>) -> f64 {
    match (a, m) {
        (Some(a), Some(m)) if a > 0.0 && m > 0.0 => (-(a / m).ln().abs() / AREA_SCALE).exp(),
        _ => 0.5,
    }
}

/// The area part of a candidate's reason.
fn area_reason(a: Option<f64>, m: Option<f64>) -> String {
    match (a, m) {
        (Some(a), Some(m)) if a > 0.0 && m > 0.0 => {
            let off = (m - a).abs() / a * 100.0;
            if off <= 1.0 {
                "area agrees within 1%".into()
            } else if off <= 5.0 {
                "area agrees within 5%".into()
            } else {
                format!("area differs by {off:.0}%")
            }
        }
        _ => "no area to compare".into(),
    }
}

/// The slip between the certificate's number `written` and a parcel's `number` (digits), as (likelihood,
/// reason), when they are at most two slips apart ([`digit_distance`]) and differ.
pub fn slip(written: &str, number: &str) -> Option<(f64, String)> {
    let (w, n) = (written.as_bytes(), number.as_bytes());
    if w == n {
        return None;
    }
    let d = digit_distance(w, n);
    let (p, why) = match (d, w.len() as i64 - n.len() as i64) {
        (1, 0) if w.len() >= 2 && (0..w.len() - 1).any(|i| w[i] == n[i + 1] && w[i + 1] == n[i]) => {
            (TRANSPOSED, "two digits swapped".to_string())
        }
        (1, 0) => (ONE_DIGIT, "one digit wrong".into()),
        (1, 1) => (DROPPED_OR_ADDED, "one digit added".into()),
        (1, -1) => (DROPPED_OR_ADDED, "one digit dropped".into()),
        (2, 2) => (TWO_SLIPS, "two digits added".into()),
        (2, -2) => (TWO_SLIPS, "two digits dropped".into()),
        (2, _) => (TWO_SLIPS, "two slips".into()),
        _ => return None,
    };
    Some((p, why))
}

/// Edit distance between two digit strings, a swap of neighbours counting one (optimal string alignment).
///
/// ```
/// use thuadat::reconcile::unmatched::digit_distance;
/// assert_eq!(digit_distance(b"1012", b"12"), 2);
/// assert_eq!(digit_distance(b"45", b"54"), 1);
/// assert_eq!(digit_distance(b"45", b"455"), 1);
/// assert_eq!(digit_distance(b"123", b"321"), 2);
/// ```
pub fn digit_distance(a: &[u8], b: &[u8]) -> usize {
    // Numbers are short: the table on the stack (a longer string is compared by its first 19 digits and the
    // difference in length, which is more than two slips anyway).
    const N: usize = 20;
    let (n, m) = (a.len().min(N - 1), b.len().min(N - 1));
    let extra = a.len().abs_diff(n) + b.len().abs_diff(m);
    let mut d = [[0u8; N]; N];
    for (i, row) in d.iter_mut().enumerate().take(n + 1) {
        row[0] = i as u8;
    }
    for (j, cell) in d[0].iter_mut().enumerate().take(m + 1) {
        *cell = j as u8;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    usize::from(d[n][m]) + extra
}

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
    let mut slips: HashMap<usize, (f64, String)> = HashMap::new();
    let mut note = |pi: usize, p: f64, why: &str| {
        let e = slips.entry(pi).or_insert((0.0, String::new()));
        if p > e.0 {
            *e = (p, why.to_string());
        }
    };
    let lookup = |sheet: i64, no: i64| links.numbered(sheet, no);
    if let Some(sheet) = cert.sheet {
        let mut numbers: Vec<i64> = links.sheet_numbers(sheet).collect();
        numbers.dedup();
        match cert.parcel_base {
            Some(no) => {
                // Its sheet: every number at most two slips away.
                let written = no.to_string();
                let mut buf = String::with_capacity(20);
                for n in numbers {
                    use std::fmt::Write;
                    buf.clear();
                    let _ = write!(buf, "{n}");
                    // At most two slips: the lengths differ by two or less.
                    if buf.len().abs_diff(written.len()) > 2 {
                        continue;
                    }
                    if let Some((p, why)) = slip(&written, &buf) {
                        for pi in lookup(sheet, n) {
                            note(pi, p, &why);
                        }
                    }
                }
                // Its number on a sheet one slip away.
                for (variant, _) in number_slips(&sheet.to_string()) {
                    for pi in lookup(variant, no) {
                        note(pi, SHEET_SLIP, "sheet number one slip off");
                    }
                }
            }
            None => {
                // A torn number: `?`, `_` or `*` stand for the digits that are gone.
                let pattern: String = certs.text(cert.parcel_no).chars().filter(|c| !c.is_whitespace()).collect();
                if pattern.chars().any(|c| c.is_ascii_digit())
                    && pattern.chars().all(|c| c.is_ascii_digit() || matches!(c, '?' | '_' | '*'))
                {
                    for n in numbers {
                        if torn_fits(&pattern, &n.to_string()) {
                            for pi in lookup(sheet, n) {
                                note(pi, TORN, "fits the torn number");
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
        .map(|(pi, (slip, why))| {
            let area = area_agreement(cert.area, parcels[pi].area_m2);
            let orphan = links.certs_of(pi).is_empty();
            let score = 0.4 * slip + 0.4 * area + 0.2 * f64::from(u8::from(orphan));
            let mut reason = format!("{why}; {}", area_reason(cert.area, parcels[pi].area_m2));
            if orphan {
                reason.push_str("; no certificate of its own");
            }
            Candidate { parcel: pi, score: (score * 1000.0).round() / 1000.0, reason }
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
        // 46 is two slips from 54 (both digits wrong), an area 2.5 times the certificate's, a certificate of its own.
        assert_eq!(ids(&found[0]), vec!["p45", "p54b", "p46"]);
        // 0.4 * 0.9 + 0.4 * exp(-ln(121/120) / 0.1) + 0.2
        assert_eq!(found[0].measure, Some(0.928));
        let reasons: Vec<&str> = found[0].candidates.iter().map(|k| k.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "two digits swapped; area agrees within 1%; no certificate of its own",
                "sheet number one slip off; area agrees within 5%; no certificate of its own",
                "two slips; area differs by 148%",
            ]
        );
        // The torn `4?` of 299 m²: 46's area agrees within 1% (though it has a certificate), 45's is less than half.
        assert_eq!(ids(&found[1]), vec!["p46", "p45"]);
        assert!(found[2].candidates.is_empty());
        assert_eq!(found[2].measure, None);
    }

    /// Two slips at once (digits dropped, added, changed or swapped; `1012` for `12`) on a sheet of 1,500
    /// numbered parcels: the parcel meant is among the top three candidates at least 95% of the time, its area
    /// agreeing with the certificate's within 2%.
    #[test]
    fn two_slips_still_find_the_parcel_by_its_area() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(19);
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        // Sparse numbers, as a sheet has after splits and merges.
        let numbers: Vec<i64> = (1..=1500).map(|k| k * 7 + k % 5).collect();
        let areas: Vec<f64> = numbers.iter().map(|_| rng.random_range(40.0..600.0)).collect();
        let ps: Vec<Parcel> =
            numbers.iter().zip(&areas).map(|(&n, &a)| numbered(leak(format!("p{n}")), None, 1, n, a)).collect();
        let exists: std::collections::HashSet<i64> = numbers.iter().copied().collect();
        let mut rows = Vec::new();
        let mut meant = Vec::new();
        for (k, (&n, &a)) in numbers.iter().zip(&areas).enumerate() {
            let typo = (k % 5 == 0)
                .then(|| {
                    (0..50).find_map(|_| {
                        let mut d: Vec<u8> = n.to_string().into_bytes();
                        for _ in 0..2 {
                            let i = rng.random_range(0..d.len());
                            match rng.random_range(0..4) {
                                0 if d.len() > 1 => {
                                    d.remove(i);
                                }
                                1 => d.insert(i, b'0' + rng.random_range(0..10u8)),
                                2 => d[i] = b'0' + rng.random_range(0..10u8),
                                _ if i + 1 < d.len() => d.swap(i, i + 1),
                                _ => d.push(b'0' + rng.random_range(0..10u8)),
                            }
                        }
                        let t: i64 = std::str::from_utf8(&d).ok()?.parse().ok()?;
                        (d[0] != b'0' && !exists.contains(&t) && digit_distance(n.to_string().as_bytes(), &d) == 2)
                            .then_some(t)
                    })
                })
                .flatten();
            let no = typo.unwrap_or(n);
            let area = a * (1.0 + rng.random_range(-0.02..0.02));
            rows.push(cert(
                leak(format!("c{n}")),
                None,
                Some(1),
                leak(no.to_string()),
                Some((area * 10.0).round() / 10.0),
            ));
            if typo.is_some() {
                meant.push((rows.len() - 1, k));
            }
        }
        let cs = table(rows);
        let links = link(&ps, &cs);
        let hits =
            meant.iter().filter(|&&(ci, k)| rank(&ps, &cs, ci, &links).iter().take(3).any(|c| c.parcel == k)).count();
        let rate = hits as f64 / meant.len() as f64;
        assert!(meant.len() > 250, "{} typos", meant.len());
        assert!(rate >= 0.95, "top-3 {hits} of {} ({rate:.3})", meant.len());
    }
}
