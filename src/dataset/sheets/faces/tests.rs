use geo::Area;

use super::*;

fn line(element: u64, pts: &[(f64, f64)]) -> DrawnLine {
    DrawnLine { element, coords: pts.iter().map(|&(x, y)| Coord { x, y }).collect() }
}

fn label(element: u64, x: f64, y: f64, text: &str) -> DrawnLabel {
    DrawnLabel { element, at: Coord { x, y }, text: text.into() }
}

/// Two 10 m squares side by side, the shared edge drawn once: an outline in two pieces and the middle line.
fn two_squares() -> Vec<DrawnLine> {
    vec![
        line(1, &[(10.0, 0.0), (0.0, 0.0), (0.0, 10.0), (10.0, 10.0)]),
        line(2, &[(10.0, 10.0), (20.0, 10.0), (20.0, 0.0), (10.0, 0.0)]),
        line(3, &[(10.0, 0.0), (10.0, 10.0)]),
    ]
}

fn numbers(f: &Faces) -> Vec<i64> {
    let mut v: Vec<i64> = f.parcels.iter().map(|p| p.number).collect();
    v.sort_unstable();
    v
}

#[test]
fn shared_edges_drawn_once_make_two_parcels_with_their_labels() {
    let labels = [label(10, 5.0, 5.0, "1"), label(11, 15.0, 6.0, "2"), label(12, 15.0, 4.0, "120,5 ODT")];
    let f = build(&two_squares(), &labels).unwrap();
    assert_eq!(numbers(&f), vec![1, 2]);
    let two = f.parcels.iter().find(|p| p.number == 2).unwrap();
    assert_eq!((two.area, two.land_use.as_deref(), two.label_element), (Some(120.5), Some("ODT"), 11));
    assert_eq!(two.polygon.unsigned_area(), 100.0);
    let one = f.parcels.iter().find(|p| p.number == 1).unwrap();
    assert_eq!((one.area, one.land_use.as_deref()), (None, None));
    assert!(one.shares_face_with.is_empty());
    assert_eq!((f.without_number, f.loose_lines.len(), f.loose_labels.len()), (0, 0, 0));
}

#[test]
fn a_missing_boundary_puts_two_numbers_in_one_face() {
    let lines = &two_squares()[..2];
    let f = build(lines, &[label(10, 5.0, 5.0, "1"), label(11, 15.0, 5.0, "2")]).unwrap();
    assert_eq!(numbers(&f), vec![1, 2]);
    for p in &f.parcels {
        assert_eq!(p.shares_face_with, vec![1, 2]);
        assert_eq!(p.polygon.unsigned_area(), 200.0);
    }
}

#[test]
fn ends_that_miss_by_a_millimetre_meet_and_longer_misses_are_listed() {
    // The middle line stops 1 mm short of the bottom edge, and its top end is 1 mm beside the corner.
    let mut lines = two_squares();
    lines[2] = line(3, &[(10.0, 0.001), (10.001, 10.0)]);
    let f = build(&lines, &[label(10, 5.0, 5.0, "1"), label(11, 15.0, 5.0, "2")]).unwrap();
    assert_eq!(numbers(&f), vec![1, 2]);
    assert!(f.loose_lines.is_empty(), "{:?}", f.loose_lines);
    assert!(f.parcels.iter().all(|p| (p.polygon.unsigned_area() - 100.0).abs() < 0.02));

    // 5 cm short: no boundary between them, and the line hangs loose.
    lines[2] = line(3, &[(10.0, 0.05), (10.0, 10.0)]);
    let f = build(&lines, &[label(10, 5.0, 5.0, "1"), label(11, 15.0, 5.0, "2")]).unwrap();
    assert!(f.parcels.iter().all(|p| p.shares_face_with == vec![1, 2]));
    assert_eq!(f.loose_lines.len(), 1);
    let loose = &f.loose_lines[0];
    assert_eq!((loose.kind, loose.element), ("dangle", Some(3)));
    assert!((loose.length - 9.95).abs() < 1e-9, "{loose:?}");
}

#[test]
fn an_open_outline_makes_no_face_and_its_label_is_loose() {
    let lines = [line(1, &[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.2)])];
    let f = build(&lines, &[label(10, 5.0, 5.0, "7")]).unwrap();
    assert!(f.parcels.is_empty());
    assert_eq!(f.loose_labels, vec![0]);
    assert_eq!(f.loose_lines.len(), 1);
    assert_eq!(f.loose_lines[0].element, Some(1));
}

#[test]
fn crossing_lines_are_noded_and_faces_without_a_number_are_counted() {
    // A road strip crossing a block: the block is cut in two, the strip's own faces carry no number.
    let lines = [
        line(1, &[(0.0, 0.0), (20.0, 0.0), (20.0, 10.0), (0.0, 10.0), (0.0, 0.0)]),
        line(2, &[(9.0, -5.0), (9.0, 15.0)]),
        line(3, &[(11.0, -5.0), (11.0, 15.0)]),
    ];
    let f = build(&lines, &[label(10, 4.0, 5.0, "1"), label(11, 16.0, 5.0, "2"), label(12, 10.0, 5.0, "DGT")]).unwrap();
    assert_eq!(numbers(&f), vec![1, 2]);
    assert_eq!(f.without_number, 1);
    assert!(f.parcels.iter().all(|p| p.polygon.unsigned_area() == 90.0));
    // The road's ends beyond the block hang loose: four dangles of 5 m.
    assert_eq!(f.loose_lines.iter().filter(|l| l.kind == "dangle" && l.length == 5.0).count(), 4);
}

#[test]
fn a_parcel_inside_another_is_a_hole_of_it() {
    let lines = [
        line(1, &[(0.0, 0.0), (30.0, 0.0), (30.0, 30.0), (0.0, 30.0), (0.0, 0.0)]),
        line(2, &[(10.0, 10.0), (20.0, 10.0), (20.0, 20.0), (10.0, 20.0), (10.0, 10.0)]),
    ];
    let f = build(&lines, &[label(10, 5.0, 5.0, "1"), label(11, 15.0, 15.0, "2")]).unwrap();
    let outer = f.parcels.iter().find(|p| p.number == 1).unwrap();
    assert_eq!((outer.polygon.interiors().len(), outer.polygon.unsigned_area()), (1, 800.0));
}

#[test]
fn lines_drawn_twice_or_overlapping_make_the_same_faces() {
    let labels = [label(10, 5.0, 5.0, "1"), label(11, 15.0, 5.0, "2")];
    // The middle line twice (once reversed), and the bottom edge again in a piece that overlaps it.
    let mut lines = two_squares();
    lines.push(line(4, &[(10.0, 10.0), (10.0, 0.0)]));
    lines.push(line(5, &[(10.0, 0.0), (10.0, 10.0)]));
    lines.push(line(6, &[(5.0, 0.0), (15.0, 0.0)]));
    let f = build(&lines, &labels).unwrap();
    assert_eq!(numbers(&f), vec![1, 2]);
    assert!(f.parcels.iter().all(|p| p.polygon.unsigned_area() == 100.0 && p.shares_face_with.is_empty()));
    assert_eq!((f.without_number, f.loose_lines.len()), (0, 0), "{:?}", f.loose_lines);
}
