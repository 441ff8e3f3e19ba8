//! `parcel_code`: the national parcel identification code (mã định danh thửa đất, Circular 09/2024) is the
//! GeoHash, 12 characters, of a point inside the parcel in WGS 84. Where the parcels file has a `parcel_code`
//! column, a parcel's code is a defect when it is empty, malformed, names a point more than
//! [`MAX_OUTSIDE_M`] outside the parcel, or is shared with other parcels (one conflict per shared code, all its
//! parcels in it). Each parcel gets a [`proposed`] code, the GeoHash of its pole of inaccessibility (the inner
//! point farthest from its boundary, from the `polylabel` crate); a stored code is never rewritten: the
//! officer decides.
//!
//! ```
//! use thuadat::reconcile::parcel_code::well_formed;
//! assert!(well_formed("w6ugqb0hjbkq"));
//! assert!(!well_formed("w6ugqb0hjbk")); // eleven characters
//! assert!(!well_formed("W6UGQB0HJBKQ")); // GeoHash is written in lower case
//! assert!(!well_formed("w6ugqb0hjbka")); // `a` is not a GeoHash character
//! ```

use geo::{Area, BoundingRect, Distance, Euclidean, MultiPolygon, Point, Polygon};
use rayon::prelude::*;

use super::gap::cover;
use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::crs::{Frame, ProjectionGrid};
use crate::dataset::Parcel;

/// Characters of a national parcel code.
pub const LEN: usize = 12;
/// How far (ground metres) the code's point may lie outside its parcel: a 12-character GeoHash cell is about
/// 37 mm by 19 mm, so a code made from a point inside names a point within 21 mm of it.
pub const MAX_OUTSIDE_M: f64 = 0.05;
/// The GeoHash alphabet (base 32 without a, i, l, o).
const ALPHABET: &[u8] = b"0123456789bcdefghjkmnpqrstuvwxyz";
/// The pole of inaccessibility is found to a twentieth of the parcel's narrower side, between these bounds
/// (metres of the planar frame): the point named is at most that much nearer the boundary than the true pole.
/// Finer costs time (the refinement grows with the ratio of the parcel's size to the precision) for a point
/// that is inside either way.
const POLE_PRECISION: (f64, f64) = (0.01, 0.5);

/// What is wrong with one parcel's own code (sharing it aside).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Defect {
    /// The parcel has no code.
    Empty,
    /// Not 12 GeoHash characters.
    Malformed,
    /// The code's point lies this far (ground metres) outside the parcel.
    Outside(f64),
}

/// Each byte's value in the GeoHash alphabet, or `NOT` for a byte outside it.
const VALUE: [u8; 256] = {
    let mut t = [NOT; 256];
    let mut k = 0;
    while k < ALPHABET.len() {
        t[ALPHABET[k] as usize] = k as u8;
        k += 1;
    }
    t
};
const NOT: u8 = 0xff;

/// True when `code` is 12 characters of the GeoHash alphabet, in lower case.
pub fn well_formed(code: &str) -> bool {
    code.len() == LEN && code.bytes().all(|b| VALUE[b as usize] != NOT)
}

/// A well-formed code as a number, five bits a character: equal codes are equal numbers, and since the
/// alphabet is in ASCII order, numbers sort as the codes do.
fn packed(code: &str) -> u64 {
    code.bytes().fold(0, |v, b| (v << 5) | u64::from(VALUE[b as usize]))
}

/// The ground distance in metres from the point that `code` names (the centre of its GeoHash cell) to parcel
/// `p` (0 inside it); None when the code is not a GeoHash, the parcel has no geometry or the point does not
/// project.
pub fn offset_m(p: &Parcel, code: &str, frame: &Frame) -> Option<f64> {
    let (centre, _, _) = geohash::decode(code).ok()?;
    let (x, y) = frame.from_wgs84(centre.x, centre.y).ok()?;
    distance_m(p, x, y)
}

/// The ground distance in metres from the planar point (x, y) to parcel `p` (0 inside it).
fn distance_m(p: &Parcel, x: f64, y: f64) -> Option<f64> {
    let area = cover(p)?;
    let planar = Euclidean.distance(&Point::new(x, y), area.as_ref());
    Some(planar * p.area_scale.sqrt())
}

/// What is wrong with parcel `p`'s code apart from sharing it; None when it is right, or cannot be judged
/// (a well-formed code on a parcel without geometry).
pub fn defect(p: &Parcel, frame: &Frame) -> Option<Defect> {
    let Some(code) = p.code.as_deref() else { return Some(Defect::Empty) };
    if !well_formed(code) {
        return Some(Defect::Malformed);
    }
    let d = offset_m(p, code, frame)?;
    (d > MAX_OUTSIDE_M).then_some(Defect::Outside(d))
}

/// The code parcel `p` should carry: the GeoHash (12 characters) of its pole of inaccessibility in WGS 84, on
/// its largest polygon; None without a geometry.
pub fn proposed(p: &Parcel, frame: &Frame) -> Option<String> {
    let area = cover(p)?;
    let largest: &Polygon<f64> = area.0.iter().max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
    let side = largest.bounding_rect().map_or(0.0, |r| r.width().min(r.height()));
    let precision = (side / 20.0).clamp(POLE_PRECISION.0, POLE_PRECISION.1);
    let pole = polylabel::polylabel(largest, &precision).ok()?;
    let (lon, lat) = frame.to_wgs84(pole.x(), pole.y()).ok()?;
    geohash::encode(geo::Coord { x: lon, y: lat }, LEN).ok()
}

/// Every parcel's code defects, and one conflict per code shared by several parcels. The codes' points are
/// projected through a [`ProjectionGrid`] (one exact projection per corner of its 0.0025° cells, not per parcel); a code
/// whose interpolated point is not clearly inside its parcel (nearer the 0.05 m bound than the grid's error) is
/// judged exactly, so the result is [`defect`]'s for every parcel.
pub(crate) fn find(parcels: &[Parcel], frame: &Frame) -> Vec<Conflict> {
    let points: Vec<Option<(f64, f64)>> = parcels
        .par_iter()
        .map(|p| {
            let code = p.code.as_deref().filter(|c| well_formed(c))?;
            let (c, _, _) = geohash::decode(code).ok()?;
            Some((c.x, c.y))
        })
        .collect();
    let grid = ProjectionGrid::covering(frame, points.iter().flatten().copied());
    let mut found: Vec<Conflict> = parcels
        .par_iter()
        .zip(&points)
        .enumerate()
        .filter_map(|(i, (p, point))| {
            let clearly_inside = point
                .and_then(|(lon, lat)| grid.at(lon, lat))
                .and_then(|(x, y)| distance_m(p, x, y))
                .is_some_and(|d| d < MAX_OUTSIDE_M - ProjectionGrid::MAX_ERROR_M);
            if clearly_inside {
                return None;
            }
            own(parcels, i, defect(p, frame)?)
        })
        .collect();
    found.extend(shared(parcels, 0..parcels.len()));
    found
}

/// [`find`] for the parcels `only`; `only` must hold every parcel that carries a code one of them carries (the
/// incremental re-check's scope).
pub(crate) fn find_in(parcels: &[Parcel], frame: &Frame, only: &[usize]) -> Vec<Conflict> {
    let mut found: Vec<Conflict> = only.iter().filter_map(|&i| own(parcels, i, defect(&parcels[i], frame)?)).collect();
    found.extend(shared(parcels, only.iter().copied()));
    found
}

/// The conflict of one parcel's own defect.
fn own(parcels: &[Parcel], i: usize, defect: Defect) -> Option<Conflict> {
    let p = &parcels[i];
    let mut c = Conflict::new(Kind::ParcelCode, vec![i], vec![]);
    let code = p.code.as_deref().unwrap_or("");
    // The proposal is not in the sentence: it is computed where it is shown (`proposed_code`), not for every
    // conflict of a check.
    c.detail = match defect {
        Defect::Empty => "the parcel has no national parcel code".to_string(),
        Defect::Malformed if well_formed(&code.to_ascii_lowercase()) => {
            format!("national parcel code `{code}` is in upper case (GeoHash is written in lower case)")
        }
        Defect::Malformed => format!("national parcel code `{code}` is not 12 GeoHash characters"),
        Defect::Outside(d) => {
            c.measure = Some((d * 1000.0).round() / 1000.0);
            format!("national parcel code `{code}` names a point {d:.2} m outside the parcel")
        }
    };
    if p.geometry.is_some() {
        c.geometry = ConflictGeometry::Parcel(i);
    }
    Some(c)
}

/// One conflict per well-formed code that two or more of `only` carry.
fn shared(parcels: &[Parcel], only: impl Iterator<Item = usize>) -> Vec<Conflict> {
    // Sorted as numbers rather than as text: a commune has a million codes.
    let mut coded: Vec<(u64, usize)> =
        only.filter_map(|i| Some((packed(parcels[i].code.as_deref().filter(|c| well_formed(c))?), i))).collect();
    coded.par_sort_unstable();
    coded
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|g| g.len() > 1)
        .map(|g| {
            let v: Vec<usize> = g.iter().map(|x| x.1).collect();
            let code = parcels[v[0]].code.as_deref().unwrap_or_default();
            let mut c = Conflict::new(Kind::ParcelCode, v.clone(), vec![]);
            c.measure = Some(v.len() as f64);
            c.detail = format!("{} parcels carry the national parcel code `{code}`", v.len());
            let polys: Vec<Polygon<f64>> =
                v.iter().filter_map(|&i| parcels[i].geometry.as_ref()).flat_map(|g| g.0.iter().cloned()).collect();
            if !polys.is_empty() {
                c.geometry = ConflictGeometry::Area(MultiPolygon(polys));
            }
            c
        })
        .collect()
}

/// What a `parcel_code` conflict is about, as the API names it: `shared`, `empty`, `malformed`, `outside`
/// (None for a conflict of another kind, or a parcel whose code is right now).
pub fn defect_name(c: &Conflict, parcels: &[Parcel], frame: &Frame) -> Option<&'static str> {
    if c.kind != Kind::ParcelCode {
        return None;
    }
    if c.parcels.len() > 1 {
        return Some("shared");
    }
    Some(match defect(&parcels[*c.parcels.first()?], frame)? {
        Defect::Empty => "empty",
        Defect::Malformed => "malformed",
        Defect::Outside(_) => "outside",
    })
}

/// The proposed code of each parcel of a `parcel_code` conflict, in the conflict's parcel order (None where a
/// parcel has no geometry).
pub fn proposals(c: &Conflict, parcels: &[Parcel], frame: &Frame) -> Vec<Option<String>> {
    c.parcels.iter().map(|&i| proposed(&parcels[i], frame)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Crs;
    use crate::reconcile::tests::parcel;

    /// A frame of VN-2000 / TM-3 zone 107°45' (Da Nang), where the test squares lie.
    fn frame() -> Frame {
        Frame::new(Crs::parse("VN2000:107.75").expect("a VN-2000 zone"), 0.0)
    }

    /// A 10 m square at (x, y) of the frame.
    fn square(id: &str, x: f64, y: f64) -> Parcel {
        parcel(id, &[(x, y), (x + 10.0, y), (x + 10.0, y + 10.0), (x, y + 10.0), (x, y)])
    }

    fn code_at(frame: &Frame, x: f64, y: f64) -> String {
        let (lon, lat) = frame.to_wgs84(x, y).expect("projects");
        geohash::encode(geo::Coord { x: lon, y: lat }, LEN).expect("encodes")
    }

    #[test]
    fn the_proposal_names_the_squares_centre_and_is_inside() {
        let f = frame();
        let mut p = square("a", 550_000.0, 1_770_000.0);
        let code = proposed(&p, &f).expect("a code");
        assert_eq!(code, code_at(&f, 550_005.0, 1_770_005.0));
        p.code = Some(code.as_str().into());
        assert_eq!(defect(&p, &f), None);
        assert!(offset_m(&p, &code, &f).expect("measured") == 0.0);
    }

    #[test]
    fn each_defect_is_told_apart() {
        let f = frame();
        let mut p = square("a", 550_000.0, 1_770_000.0);
        assert_eq!(defect(&p, &f), Some(Defect::Empty));
        p.code = Some("w6ugqb0hjbk".into());
        assert_eq!(defect(&p, &f), Some(Defect::Malformed));
        // 30 cm east of the square: outside by 0.30 m give or take the cell's 2 cm.
        p.code = Some(code_at(&f, 550_010.3, 1_770_005.0).as_str().into());
        let Some(Defect::Outside(d)) = defect(&p, &f) else { panic!("{:?}", defect(&p, &f)) };
        assert!((d - 0.30).abs() < 0.025, "{d}");
        // 3 cm outside is within the tolerance.
        p.code = Some(code_at(&f, 550_010.03, 1_770_005.0).as_str().into());
        assert_eq!(defect(&p, &f), None);
    }

    #[test]
    fn a_shared_code_is_one_conflict_of_all_its_parcels() {
        let f = frame();
        let mut ps = vec![
            square("a", 550_000.0, 1_770_000.0),
            square("b", 550_010.0, 1_770_000.0),
            square("c", 550_020.0, 1_770_000.0),
        ];
        let inside_a = code_at(&f, 550_005.0, 1_770_005.0);
        for p in &mut ps {
            p.code = Some(inside_a.as_str().into());
        }
        let mut found = find(&ps, &f);
        found.sort_by_key(|c| c.parcels.clone());
        let parcels: Vec<Vec<usize>> = found.iter().map(|c| c.parcels.clone()).collect();
        // b and c: outside; all three: shared.
        assert_eq!(parcels, vec![vec![0, 1, 2], vec![1], vec![2]]);
        assert_eq!(found[0].measure, Some(3.0));
        let proposals = proposals(&found[0], &ps, &f);
        assert_eq!(proposals[1].as_deref(), Some(code_at(&f, 550_015.0, 1_770_005.0).as_str()));
        assert_eq!(find_in(&ps, &f, &[0, 1, 2]).len(), 3);
    }

    #[test]
    fn an_l_shaped_parcel_gets_a_point_inside_not_its_centroid() {
        let f = frame();
        let (x, y) = (550_000.0, 1_770_000.0);
        let l = parcel(
            "l",
            &[
                (x, y),
                (x + 20.0, y),
                (x + 20.0, y + 2.0),
                (x + 2.0, y + 2.0),
                (x + 2.0, y + 20.0),
                (x, y + 20.0),
                (x, y),
            ],
        );
        let mut p = l.clone();
        p.code = proposed(&l, &f).map(|c| c.as_str().into());
        assert_eq!(defect(&p, &f), None);
    }
}
