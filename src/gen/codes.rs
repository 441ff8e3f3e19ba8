//! National parcel codes (`parcel_code`, written as `MaDinhDanh`) for the generated parcels, with planted
//! defects, on a random stream of their own (so that the map, the certificates and the holders stay what they
//! were without codes).
//!
//! Every parcel first gets the code of a point inside the ground it covers: the pole of inaccessibility of its
//! ring as written (of the ring it replaced when that is not an area: two points, none; of one lobe of a bow
//! tie, whose repaired geometry is its two lobes). Then, over parcels whose geometry is an area and that
//! overlap nothing:
//! * empty: no code (`null`, or `""`);
//! * malformed: a character dropped or added, written in upper case, or a character outside the GeoHash
//!   alphabet (`a`, `i`, `l`, `o`);
//! * outside: the code of a point 1-20 m beyond the parcel's bounding box;
//! * shared: a neighbour's code copied (so also outside), by one or two parcels.
//!
//! Some right codes are written with spaces around them, which reading trims. What a correct check reports is
//! then [`Codes::outside`] and the codes as written: each empty or malformed one, each planted outside, and
//! each well-formed code that several parcels carry.

use geo::{Coord, LineString, Polygon};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::defects::Planted;
use super::layout::{Geom, Layout, Pt};
use crate::crs::Crs;

/// Shares of the parcels (times the defect rate) given each code defect.
const EMPTY: f64 = 0.10;
const MALFORMED: f64 = 0.08;
const OUTSIDE: f64 = 0.06;
const SHARED: f64 = 0.06;
/// Share of the right codes written with spaces around them.
const PADDED: f64 = 0.01;

/// The codes as written, and which parcels had theirs moved outside.
pub(crate) struct Codes {
    /// Per parcel, the `MaDinhDanh` value as written (None: `null`).
    pub written: Vec<Option<String>>,
    /// Per parcel: its code names a point planted more than a metre outside it.
    pub outside: Vec<bool>,
}

/// A GeoHash of 12 characters of the planar point `(x, y)` (metres of `crs`).
fn geohash_at(crs: &Crs, x: f64, y: f64) -> String {
    let (lon, lat) = crs.to_wgs84(x, y).unwrap_or((0.0, 0.0));
    geohash::encode(Coord { x: lon, y: lat }, 12).unwrap_or_default()
}

fn metres(p: Pt) -> Coord<f64> {
    Coord { x: p[0] as f64 / 1000.0, y: p[1] as f64 / 1000.0 }
}

/// A point inside a ring of at least three distinct corners: its pole of inaccessibility.
pub(super) fn inside(ring: &[Pt]) -> Coord<f64> {
    let line: LineString<f64> = ring.iter().copied().map(metres).collect();
    let poly = Polygon::new(line, vec![]);
    // Any point well inside will do (the generated parcels are 4 m wide or more); 0.2 m is quick.
    match polylabel::polylabel(&poly, &0.2) {
        Ok(p) => p.0,
        Err(_) => metres(ring[0]),
    }
}

/// The centroid of the lobe `c3, c0, x` of a bow tie `c0, c2, c1, c3`, `x` where its diagonals cross.
fn lobe(ring: &[Pt]) -> Coord<f64> {
    let [c0, c2, c1, c3] = [ring[0], ring[1], ring[2], ring[3]].map(metres);
    // c0 + t (c2 - c0) = c1 + u (c3 - c1)
    let (d1, d2) = (c2 - c0, c3 - c1);
    let den = d1.x * d2.y - d1.y * d2.x;
    let t = ((c1.x - c0.x) * d2.y - (c1.y - c0.y) * d2.x) / den;
    let x = c0 + d1 * t;
    (c3 + c0 + x) / 3.0
}

/// Codes for every parcel of `lay`, with defects planted at about `rate` (see the module's doc).
pub(crate) fn assign(lay: &Layout, planted: &Planted, lon_0: f64, rate: f64, seed: u64) -> Codes {
    let crs = Crs::parse(&format!("VN2000:{lon_0}")).unwrap_or_else(|_| Crs::wgs84());
    let n = lay.parcels.len();
    let original: std::collections::HashMap<u32, &Vec<Pt>> = planted.originals.iter().map(|(i, r)| (*i, r)).collect();
    let points: Vec<Coord<f64>> = (0..n)
        .into_par_iter()
        .map(|i| match (lay.parcels[i].geom, original.get(&(i as u32))) {
            (Geom::BowTie, _) => lobe(lay.ring(i)),
            (Geom::Valid, _) | (_, None) => inside(lay.ring(i)),
            (_, Some(r)) => inside(r),
        })
        .collect();
    let right: Vec<String> = points.par_iter().map(|c| geohash_at(&crs, c.x, c.y)).collect();
    let mut written: Vec<Option<String>> = right.iter().cloned().map(Some).collect();
    let mut outside = vec![false; n];

    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x636f_6465_7321);
    // Parcels that overlap another are left alone: a code copied from the other might name the ground they share.
    let mut overlapping = vec![false; n];
    for &(a, b) in &planted.overlaps {
        overlapping[a as usize] = true;
        overlapping[b as usize] = true;
    }
    let mut pool: Vec<usize> = (0..n).filter(|&i| lay.parcels[i].geom == Geom::Valid && !overlapping[i]).collect();
    pool.shuffle(&mut rng);
    let mut used = vec![false; n];
    let count = |w: f64| if rate > 0.0 { ((n as f64 * rate * w).round() as usize).max(1) } else { 0 };
    let mut take = |used: &mut Vec<bool>| -> Option<usize> {
        let i = pool.pop()?;
        used[i] = true;
        Some(i)
    };
    for k in 0..count(EMPTY) {
        let Some(i) = take(&mut used) else { break };
        written[i] = if k % 3 == 0 { Some(String::new()) } else { None };
    }
    for k in 0..count(MALFORMED) {
        let Some(i) = take(&mut used) else { break };
        let code = &right[i];
        let at = rng.random_range(0..12);
        written[i] = Some(match k % 4 {
            0 => code[..11].to_string(),
            1 => format!("{code}{}", &code[at..at + 1]),
            2 => code.to_uppercase(),
            _ => format!("{}{}{}", &code[..at], ['a', 'i', 'l', 'o'][at % 4], &code[at + 1..]),
        });
    }
    for _ in 0..count(OUTSIDE) {
        let Some(i) = take(&mut used) else { break };
        let ring = lay.ring(i);
        let (min_x, max_x) = ring.iter().fold((i64::MAX, i64::MIN), |(lo, hi), p| (lo.min(p[0]), hi.max(p[0])));
        let beyond = rng.random_range(1.0..20.0);
        let p = points[i];
        let east = rng.random_bool(0.5);
        let x = if east { max_x as f64 / 1000.0 + beyond } else { min_x as f64 / 1000.0 - beyond };
        written[i] = Some(geohash_at(&crs, x, p.y));
        outside[i] = true;
    }
    // Copied codes: from a neighbour across a shared boundary, onto one or both of its neighbours there.
    let mut sites: Vec<usize> = (0..lay.sites.len()).collect();
    sites.shuffle(&mut rng);
    let mut copied = 0;
    for s in sites {
        if copied == count(SHARED) {
            break;
        }
        let site = &lay.sites[s];
        let (a, b) = (site.a as usize, site.b as usize);
        let fits = |i: usize| lay.parcels[i].geom == Geom::Valid && !overlapping[i] && !used[i];
        if !fits(a) || !fits(b) {
            continue;
        }
        used[a] = true;
        used[b] = true;
        written[a] = Some(right[b].clone());
        outside[a] = true;
        copied += 1;
    }
    // Right codes with spaces around them: read as they are meant.
    for i in 0..n {
        if !used[i] && rng.random_bool(PADDED) {
            written[i] = Some(format!(" {} ", right[i]));
        }
    }
    Codes { written, outside }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bow_ties_lobe_point_lies_in_its_lobe() {
        // The square 0..10 with corners 2 and 1 swapped: lobes meet at (5, 5); the lobe c3, c0, x is the left one.
        let ring = [[0, 0], [10_000, 10_000], [10_000, 0], [0, 10_000]];
        let c = lobe(&ring);
        assert!((c.x - 5.0 / 3.0).abs() < 1e-9 && (c.y - 5.0).abs() < 1e-9, "{c:?}");
    }
}
