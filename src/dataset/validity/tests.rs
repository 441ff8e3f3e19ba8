//! The verdicts (and words) of [`check`] against geo's `check_validation`, on random geometry of small
//! integer grids, where rings touch, share edges, nest and cross all the time; and the work it does on the
//! large parcels that geo's validation could not finish.

use geo::{Coord, LineString, MultiPolygon, Polygon, Validation};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

type Rng8 = ChaCha8Rng;

fn coords(points: &[(i64, i64)]) -> Vec<Coord<f64>> {
    points.iter().map(|&(x, y)| Coord { x: x as f64, y: y as f64 }).collect()
}

/// A random ring on a `grid` x `grid` lattice from (`x`, `y`): points anywhere (mostly crossing; only when
/// `wild`), an axis-aligned rectangle, a triangle, or a convex quadrilateral, at random orientation, sometimes
/// with a repeated point.
fn random_ring(rng: &mut Rng8, x: i64, y: i64, grid: i64, wild: bool) -> LineString<f64> {
    let p = |rng: &mut Rng8| (x + rng.random_range(0..=grid), y + rng.random_range(0..=grid));
    let mut pts = match rng.random_range(if wild { 0 } else { 1 }..4) {
        0 => (0..rng.random_range(3..8)).map(|_| p(rng)).collect::<Vec<_>>(),
        1 => {
            let (a, b) = (p(rng), p(rng));
            vec![(a.0, a.1), (b.0, a.1), (b.0, b.1), (a.0, b.1)]
        }
        2 => vec![p(rng), p(rng), p(rng)],
        _ => {
            let (x0, x1) = (x + rng.random_range(0..=grid / 2), x + rng.random_range(grid / 2..=grid));
            let (y0, y1) = (y + rng.random_range(0..=grid / 2), y + rng.random_range(grid / 2..=grid));
            let (mx, my) = ((x0 + x1) / 2, (y0 + y1) / 2);
            vec![(mx, y0), (x1, my), (mx, y1), (x0, my)]
        }
    };
    if rng.random_range(0..2) == 0 {
        pts.reverse();
    }
    if rng.random_range(0..6) == 0 {
        let k = rng.random_range(0..pts.len());
        pts.insert(k, pts[k]);
    }
    LineString(coords(&pts))
}

/// A random polygon: a shell on the grid and up to `holes` holes on a grid inside its own.
fn random_polygon(rng: &mut Rng8, x: i64, y: i64, grid: i64, holes: usize, wild: bool) -> Polygon<f64> {
    let shell = random_ring(rng, x, y, grid, wild);
    let n = rng.random_range(0..=holes);
    let interiors = (0..n).map(|_| random_ring(rng, x + 1, y + 1, (grid - 2).max(1), wild)).collect();
    Polygon::new(shell, interiors)
}

/// Whether our problem is one geo has no word for (a ring of zero area): then geo's verdict is not comparable.
fn ours_only(ours: &Result<(), Problem>) -> bool {
    matches!(ours, Err(Problem::Polygon(_, PolygonProblem::ZeroArea(_))))
}

/// Whether some polygon of `mp` has a ring of zero area: such a polygon is invalid here and not for geo, which
/// goes on to relate it (its topology means nothing), so the comparison stops there.
fn has_zero_area_ring(mp: &MultiPolygon<f64>) -> bool {
    mp.0.iter().any(|p| ours_only(&check(&MultiPolygon(vec![p.clone()]))))
}

/// The fast check gives geo's verdict exactly, in geo's words, on rings full of the cases that matter:
/// repeated points, spikes, bow ties, vertices touching edges, collinear overlaps (small integer grids make
/// them common), and non-finite coordinates (whose words may differ: geo names a self-intersection first).
#[test]
fn shell_check_agrees_with_geo_validation_on_random_rings() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let (mut valid, mut invalid, mut zero_area) = (0, 0, 0);
    for case in 0..40_000 {
        let points = 3 + next(7) as usize;
        let grid = if case % 2 == 0 { 3 } else { 1000 };
        let mut ring: Vec<Coord<f64>> =
            (0..points).map(|_| Coord { x: next(grid) as f64, y: next(grid) as f64 }).collect();
        if case % 997 == 0 {
            ring[1].x = f64::NAN;
        }
        let polygon = Polygon::new(LineString(ring), vec![]);
        let geo_says = polygon.check_validation();
        let ours = check(&MultiPolygon(vec![polygon.clone()]));
        if ours_only(&ours) {
            assert!(geo_says.is_ok(), "{:?}", polygon.exterior());
            zero_area += 1;
            continue;
        }
        assert_eq!(ours.is_ok(), geo_says.is_ok(), "{:?}: ours {ours:?}, geo {geo_says:?}", polygon.exterior());
        if let (Err(a), Err(b)) = (&ours, &geo_says) {
            if case % 997 != 0 {
                assert_eq!(a.to_string(), b.to_string(), "{:?}", polygon.exterior());
            }
        }
        if geo_says.is_ok() {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    assert!(
        valid > 5_000 && invalid > 5_000 && zero_area > 100,
        "{valid} valid, {invalid} invalid, {zero_area} zero area"
    );
}

/// Polygons with holes: the same verdict and the same first problem as geo (holes outside or crossing the
/// shell, holes overlapping or sharing an edge, touching at a point), on small grids.
#[test]
fn agrees_with_geo_validation_on_random_polygons_with_holes() {
    let mut rng = Rng8::seed_from_u64(14);
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    let (mut valid, mut zero_area) = (0, 0);
    for _ in 0..30_000 {
        let grid = rng.random_range(3..9);
        let wild = rng.random_range(0..3) == 0;
        let polygon = random_polygon(&mut rng, 0, 0, grid, 4, wild);
        let geo_says = polygon.check_validation();
        let ours = check(&MultiPolygon(vec![polygon.clone()]));
        if ours_only(&ours) {
            zero_area += 1;
            continue;
        }
        match (&ours, &geo_says) {
            (Ok(()), Ok(())) => valid += 1,
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "{polygon:?}");
                let kind = format!("{b:?}");
                *seen.entry(kind[..kind.find('(').unwrap_or(kind.len())].to_string()).or_default() += 1;
            }
            _ => panic!("{polygon:?}: ours {ours:?}, geo {geo_says:?}"),
        }
    }
    // Every relation between rings comes up, often.
    for kind in [
        "TooFewPointsInRing",
        "SelfIntersection",
        "InteriorRingNotContainedInExteriorRing",
        "IntersectingRingsOnALine",
        "IntersectingRingsOnAnArea",
    ] {
        assert!(seen.get(kind).is_some_and(|n| *n >= 100), "{kind}: {seen:?}");
    }
    assert!(valid >= 4_000 && zero_area >= 500, "{valid} valid, {zero_area} zero area, {seen:?}");
}

/// Multipolygons of two to four polygons (some with holes) side by side on a shared grid, so that they overlap,
/// touch on lines and at points, and nest: the same verdict as geo, and its words except where geo relates a
/// polygon to a later invalid one (see the module's note).
#[test]
fn agrees_with_geo_validation_on_random_multipolygons() {
    let mut rng = Rng8::seed_from_u64(8);
    let (mut valid, mut invalid, mut overlap, mut line, mut reworded, mut zero_area) = (0, 0, 0, 0, 0, 0);
    for _ in 0..20_000 {
        let n = rng.random_range(2..5);
        let polygons: Vec<Polygon<f64>> = (0..n)
            .map(|_| {
                let (x, y, grid) = (rng.random_range(0..6), rng.random_range(0..6), rng.random_range(2..7));
                let holes = if rng.random_range(0..3) == 0 { 1 } else { 0 };
                random_polygon(&mut rng, x, y, grid, holes, false)
            })
            .collect();
        let mp = MultiPolygon(polygons);
        let geo_says = mp.check_validation();
        let ours = check(&mp);
        if has_zero_area_ring(&mp) {
            zero_area += 1;
            continue;
        }
        match (&ours, &geo_says) {
            (Ok(()), Ok(())) => valid += 1,
            (Err(a), Err(b)) => {
                invalid += 1;
                overlap += usize::from(matches!(a, Problem::Overlap(..)));
                line += usize::from(matches!(a, Problem::TouchOnALine(..)));
                if a.to_string() != b.to_string() {
                    // Only where geo related a pair to a polygon that is itself invalid.
                    use geo::algorithm::validation::InvalidMultiPolygon::*;
                    let j = match b {
                        ElementsOverlaps(_, j) | ElementsTouchOnALine(_, j) => j.0,
                        InvalidPolygon(..) => panic!("{mp:?}: ours {a}, geo {b}"),
                    };
                    assert!(mp.0[j].check_validation().is_err(), "{mp:?}: ours {a}, geo {b}");
                    reworded += 1;
                }
            }
            _ => panic!("{mp:?}: ours {ours:?}, geo {geo_says:?}"),
        }
    }
    assert!(
        valid >= 2_000 && overlap >= 2_000 && line >= 400 && zero_area >= 500,
        "{valid} valid, {invalid} invalid ({overlap} overlaps, {line} on a line, {reworded} reworded), {zero_area} zero area"
    );
}

/// A wavy circle of `n` vertices around the origin (valid, star-shaped).
fn wavy_circle(n: usize) -> LineString<f64> {
    let mut pts: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let t = i as f64 / n as f64 * std::f64::consts::TAU;
            let r = 500.0 + 20.0 * (t * 50.0).sin();
            Coord { x: (r * t.cos() * 1000.0).round() / 1000.0, y: (r * t.sin() * 1000.0).round() / 1000.0 }
        })
        .collect();
    pts.push(pts[0]);
    LineString(pts)
}

fn square(x: f64, y: f64, side: f64) -> LineString<f64> {
    LineString::from(vec![(x, y), (x + side, y), (x + side, y + side), (x, y + side), (x, y)])
}

/// The parcels geo's validation could not finish (issue 14, item 8): the work grows with the segments, not
/// with their square. (Counts, not times: the times are in `scripts/bench-validity.sh`.)
#[test]
fn work_grows_like_the_segments_not_their_square() {
    // One shell of 200,000 vertices: each segment's box meets its two neighbours' (and a few more).
    let (verdict, stats) = check_counting(&MultiPolygon(vec![Polygon::new(wavy_circle(200_000), vec![])]));
    assert_eq!(verdict, Ok(()));
    assert_eq!(stats.segments, 200_000);
    assert!(stats.segment_pairs <= 3 * stats.segments, "{stats:?}");
    assert_eq!(stats.related_pairs, 0);

    // 22,500 holes: each is related to the shell, and to no other hole (no two meet or nest).
    let holes: Vec<LineString<f64>> =
        (0..150).flat_map(|i| (0..150).map(move |j| square(1.0 + 4.0 * i as f64, 1.0 + 4.0 * j as f64, 2.0))).collect();
    let (verdict, stats) = check_counting(&MultiPolygon(vec![Polygon::new(square(0.0, 0.0, 600.0), holes)]));
    assert_eq!(verdict, Ok(()));
    assert_eq!(stats.segments, 4 * 22_501);
    assert!(stats.segment_pairs <= 3 * stats.segments, "{stats:?}");
    assert_eq!(stats.related_pairs, 22_500);

    // 2,500 polygons apart: none related to another.
    let parts: Vec<Polygon<f64>> = (0..50)
        .flat_map(|i| (0..50).map(move |j| Polygon::new(square(10.0 * i as f64, 10.0 * j as f64, 8.0), vec![])))
        .collect();
    let (verdict, stats) = check_counting(&MultiPolygon(parts));
    assert_eq!(verdict, Ok(()));
    assert_eq!(stats.related_pairs, 0);

    // The same with one hole crossing the shell and two holes sharing an edge: found, in geo's words.
    let mut holes: Vec<LineString<f64>> = (0..100).map(|i| square(1.0 + 4.0 * i as f64, 1.0, 2.0)).collect();
    holes.push(square(598.0, 300.0, 4.0));
    let shell = square(0.0, 0.0, 600.0);
    assert_eq!(
        check(&MultiPolygon(vec![Polygon::new(shell.clone(), holes.clone())])).unwrap_err().to_string(),
        "interior ring at index 100 is not contained within the polygon's exterior"
    );
    holes.pop();
    holes.push(square(3.0, 1.0, 2.0));
    assert_eq!(
        check(&MultiPolygon(vec![Polygon::new(shell, holes)])).unwrap_err().to_string(),
        "interior ring at index 0 and interior ring at index 100 intersect on a line"
    );
}

#[test]
fn zero_area_rings_in_geos_words() {
    let collinear = LineString::from(vec![(0., 0.), (1., 1.), (2., 2.), (0., 0.)]);
    let shell = square(0.0, 0.0, 10.0);
    assert_eq!(
        check(&MultiPolygon(vec![Polygon::new(collinear.clone(), vec![])])).unwrap_err().to_string(),
        "exterior ring has zero area (its points are collinear)"
    );
    let hole = LineString::from(vec![(1., 1.), (2., 2.), (3., 3.), (1., 1.)]);
    assert_eq!(
        check(&MultiPolygon(vec![Polygon::new(shell.clone(), vec![hole])])).unwrap_err().to_string(),
        "interior ring at index 0 has zero area (its points are collinear)"
    );
    let far = Polygon::new(square(20.0, 0.0, 10.0), vec![]);
    assert_eq!(
        check(&MultiPolygon(vec![far, Polygon::new(collinear, vec![])])).unwrap_err().to_string(),
        "polygon at index 1 is invalid: exterior ring has zero area (its points are collinear)"
    );
}
