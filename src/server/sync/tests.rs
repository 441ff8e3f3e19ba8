//! The served data changed in place equal the served data built whole from the live commune, after every
//! edit of a random sequence, with two copies taking turns as the server keeps them (the spare one edit
//! behind).

use std::collections::BTreeMap;

use geo::BoundingRect;
use proptest::prelude::*;

use super::Touched;
use crate::live::tests::{checked, edit_of};
use crate::live::Live;
use crate::server::source::Source;

/// What a request can read of a parcel: id, feature, status and reasons, group, Web Mercator geometry,
/// certificates, conflicts in order, thinning key.
type ParcelView = (u32, String, Option<String>, Option<geo::MultiPolygon<f64>>, Vec<String>, Vec<String>, (u8, u64));
/// Of a conflict: id, kind, group, parcels, certificates, candidates, detail, drawing's envelope.
type ConflictView = (String, String, Option<String>, Vec<String>, Vec<String>, Vec<String>, String, Option<[u64; 4]>);

/// Of a group: parcels, statuses, conflicts by kind.
type GroupView = (usize, [usize; 3], BTreeMap<&'static str, usize>);
/// Of a certificate: id, sheet, number, area, parcel, conflicts.
type CertificateView = (String, Option<i64>, String, Option<u64>, Option<String>, Vec<String>);

#[derive(Debug, PartialEq)]
struct View {
    parcels: BTreeMap<String, ParcelView>,
    conflicts: Vec<ConflictView>,
    /// Per group: parcels, statuses, conflicts by kind (outlines drawn from parcels may be larger in place).
    groups: BTreeMap<String, GroupView>,
    /// Parcel ids found by the Web Mercator and the planar R-trees over everything; conflicts by theirs.
    parcel_tree: Vec<String>,
    planar_index: Vec<String>,
    conflict_tree: Vec<String>,
    certificates: Vec<CertificateView>,
    counts: (usize, usize),
}

fn view(src: &Source) -> View {
    let ds = &src.checked.dataset;
    let rec = &src.checked.reconciliation;
    let pid = |i: usize| ds.parcels[i].id.to_string();
    let cid = |ci: usize| src.conflict_ids[ci].clone();
    let group = |g: Option<u32>| g.map(|g| src.groups[g as usize].name.clone());
    let parcels = src
        .parcels_served()
        .map(|i| {
            let status = format!("{:?}", rec.statuses[i]);
            let certs = rec.links.certs_of(i).iter().map(|&k| ds.certificates.id(k as usize).to_string()).collect();
            let conflicts = src.parcel_conflicts[i].iter().map(|&c| cid(c as usize)).collect();
            let (class, area) = src.rank_of(i);
            let v = (ds.parcels[i].feature, status, group(src.parcel_group[i]), src.parcel_geometry[i].clone());
            (pid(i), (v.0, v.1, v.2, v.3, certs, conflicts, (class, area.to_bits())))
        })
        .collect();
    let conflicts = src
        .conflict_order()
        .iter()
        .map(|&ci| {
            let (ci, c) = (ci as usize, &src.conflicts()[ci as usize]);
            let r = src.conflict_drawing(ci).and_then(|g| g.bounding_rect());
            (
                cid(ci),
                c.kind.as_str().to_string(),
                group(src.conflict_group[ci]),
                c.parcels.iter().map(|&p| pid(p)).collect(),
                c.certificates.iter().map(|&k| ds.certificates.id(k).to_string()).collect(),
                c.candidates.iter().map(|k| format!("{}:{}", pid(k.parcel), k.score)).collect(),
                c.detail.clone(),
                r.map(|r| [r.min().x.to_bits(), r.min().y.to_bits(), r.max().x.to_bits(), r.max().y.to_bits()]),
            )
        })
        .collect();
    let groups = src
        .groups
        .iter()
        .filter(|g| g.parcels > 0 || !g.drawn_from_parcels)
        .map(|g| (g.name.clone(), (g.parcels, g.by_status, g.conflicts_by_kind.clone())))
        .collect();
    let everything = geo::Rect::new((-2.1e7, -2.1e7), (2.1e7, 2.1e7));
    let mut parcel_tree: Vec<String> = src.parcels_in(everything).into_iter().map(pid).collect();
    parcel_tree.sort();
    let mut planar_index: Vec<String> = src.checked.index.intersecting([-1e12, -1e12], [1e12, 1e12]).map(pid).collect();
    planar_index.sort();
    let conflict_tree = src.conflicts_in(everything).into_iter().map(cid).collect();
    let certificates = (0..ds.certificates.certificates.len())
        .map(|k| {
            let c = &ds.certificates.certificates[k];
            let conflicts = src.cert_conflicts[k].iter().map(|&c| cid(c as usize)).collect();
            (
                ds.certificates.id(k).to_string(),
                c.sheet,
                ds.certificates.text(c.parcel_no).to_string(),
                c.area.map(f64::to_bits),
                rec.links.parcel_of(k).map(pid),
                conflicts,
            )
        })
        .map(|(id, sheet, no, area, parcel, mut conflicts): (_, _, _, _, _, Vec<String>)| {
            conflicts.sort();
            (id, sheet, no, area, parcel, conflicts)
        })
        .collect();
    View {
        parcels,
        conflicts,
        groups,
        parcel_tree,
        planar_index,
        conflict_tree,
        certificates,
        counts: (src.parcel_count(), src.conflict_count()),
    }
}

/// Tiles over the commune at zooms 15 and 17, whole and cut to the first group.
fn tiles(src: &Source) -> Vec<(crate::tiles::TileId, crate::tiles::Cut)> {
    use crate::tiles::{Cut, TileId};
    let [w, s, e, n] = src.bounds;
    let (x0, y0) = crate::tiles::grid::lonlat_to_mercator(w, s);
    let (x1, y1) = crate::tiles::grid::lonlat_to_mercator(e, n);
    let mut out = Vec::new();
    for z in [15u8, 17] {
        let (a, b) = (TileId::containing(z, x0, y1), TileId::containing(z, x1, y0));
        for x in a.x..=b.x {
            for y in a.y..=b.y {
                let t = TileId::new(u32::from(z), u64::from(x), u64::from(y)).unwrap();
                out.push((t, Cut::All));
                out.push((t, Cut::only([0])));
            }
        }
    }
    out
}

/// Every tile of [`tiles`] from the cache, rendered and kept when it is not there (as a request does).
fn read_tiles(src: &Source) {
    for key in tiles(src) {
        if src.tiles.get(&key).is_none() {
            let epoch = src.tiles.epoch();
            let bytes = bytes::Bytes::from(crate::server::vector::render(src, key.0, &key.1));
            src.tiles.put(key, bytes, epoch);
        }
    }
}

/// Every tile the cache still holds is the tile the data draw now.
fn assert_cache_current(src: &Source, step: usize) -> usize {
    let mut kept = 0;
    for key in tiles(src) {
        if let Some(cached) = src.tiles.get(&key) {
            let now = crate::server::vector::render(src, key.0, &key.1);
            assert!(cached[..] == now[..], "step {step}: tile {:?} ({:?}) is stale in the cache", key.0, key.1);
            kept += 1;
        }
    }
    kept
}

/// Runs `edits` (`(what, a, b)` as the live commune's tests draw them) through a live commune and two served
/// copies taking turns, comparing the one served with the data built whole after every edit.
/// Answers the conflicts moved in and out, and the cached tiles kept over the edits.
fn run(edits: &[(u8, u32, u32)]) -> (usize, usize, usize) {
    let checked = checked();
    let mut served = Source::new(checked.clone(), 1 << 20);
    let mut spare = served.duplicate();
    let mut lacking = Touched::default();
    let mut live = Live::new(checked);
    let (mut moved_in, mut moved_out, mut kept_tiles) = (0, 0, 0);
    read_tiles(&served);
    read_tiles(&spare);
    for (step, &(what, a, b)) in edits.iter().enumerate() {
        let edit = edit_of(&live, what, a, b);
        let delta = live.apply(&edit).unwrap();
        let mut touched = Touched::default();
        touched.add(&delta);
        lacking.merge(&touched);
        let done = spare.sync(&live, &lacking).unwrap();
        (moved_in, moved_out) = (moved_in + done.conflicts_in, moved_out + done.conflicts_out);
        std::mem::swap(&mut served, &mut spare);
        lacking = touched;
        kept_tiles += assert_cache_current(&served, step);
        read_tiles(&served);
        let whole = Source::new(live.snapshot(), 0);
        let (got, want) = (view(&served), view(&whole));
        if got != want {
            let differ: Vec<_> =
                got.parcels.iter().filter(|(id, v)| want.parcels.get(*id) != Some(v)).take(3).collect();
            panic!(
                "step {step} ({edit:?}): served in place differs from whole.\nparcels differing (in place): {differ:?}\n\
                 conflicts equal: {}; groups equal: {}; trees equal: {} {} {}; certificates equal: {}; counts {:?} vs {:?}",
                got.conflicts == want.conflicts,
                got.groups == want.groups,
                got.parcel_tree == want.parcel_tree,
                got.planar_index == want.planar_index,
                got.conflict_tree == want.conflict_tree,
                got.certificates == want.certificates,
                got.counts,
                want.counts,
            );
        }
    }
    (moved_in, moved_out, kept_tiles)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn served_data_changed_in_place_equal_the_data_built_whole(
        edits in prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>()), 1..40)
    ) {
        run(&edits);
    }
}

/// Three hundred edits of every kind in a row; conflicts do move in and out.
#[test]
fn three_hundred_edits_in_place() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
    let edits: Vec<(u8, u32, u32)> = (0..300).map(|_| (rng.random(), rng.random(), rng.random())).collect();
    let (moved_in, moved_out, kept_tiles) = run(&edits);
    assert!(moved_in > 100 && moved_out > 100, "in {moved_in}, out {moved_out}");
    // Only the tiles an edit draws differently go: most stay.
    assert!(kept_tiles > 300, "{kept_tiles} tiles kept over 300 edits");
}
