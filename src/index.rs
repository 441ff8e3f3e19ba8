//! The spatial index: every parcel with a geometry in an R-tree (`rstar`), bulk loaded, keyed by the
//! parcel's position in [`crate::dataset::Dataset::parcels`].
//!
//! The tree holds each envelope in single precision, rounded outward (so it always contains the parcel's
//! exact box): a node takes 40 bytes instead of 56, which for a million parcels is about 20 MB less in the
//! tree and 20 MB less in the bulk load's working copy. A query therefore returns a few more parcels than the
//! exact boxes would (at most a float32 step, 0.125 m at VN-2000 northings, around the box); callers that
//! need the exact set test the parcels' own boxes, as [`crate::reconcile::overlap`] does.

use rstar::{RTree, RTreeObject, AABB};

use crate::dataset::Parcel;

/// An index entry: the parcel's planar envelope, rounded outward to `f32`, and its position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    min: [f32; 2],
    max: [f32; 2],
    parcel: u32,
}

impl Entry {
    /// The parcel's position in the dataset.
    pub fn parcel(&self) -> usize {
        self.parcel as usize
    }
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f32; 2]>;

    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.min, self.max)
    }
}

/// The largest `f32` not above `v`.
fn floor32(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) <= v {
        f
    } else {
        step_down(f)
    }
}

/// The smallest `f32` not below `v`.
fn ceil32(v: f64) -> f32 {
    -floor32(-v)
}

/// The next `f32` below a finite or infinite `f` (not NaN).
fn step_down(f: f32) -> f32 {
    if f == 0.0 {
        -f32::from_bits(1)
    } else if f > 0.0 {
        f32::from_bits(f.to_bits() - 1)
    } else {
        f32::from_bits(f.to_bits() + 1)
    }
}

/// A box `[min, max]` in double precision as the smallest single-precision box that contains it.
fn outward(min: [f64; 2], max: [f64; 2]) -> ([f32; 2], [f32; 2]) {
    ([floor32(min[0]), floor32(min[1])], [ceil32(max[0]), ceil32(max[1])])
}

/// All parcel envelopes in an R-tree.
pub struct ParcelIndex {
    tree: RTree<Entry>,
}

impl ParcelIndex {
    /// Bulk-loads the envelopes of every parcel that has a geometry (valid or not).
    pub fn build(parcels: &[Parcel]) -> ParcelIndex {
        let with_box = parcels.iter().filter(|p| p.bbox.is_some()).count();
        let mut entries = Vec::with_capacity(with_box);
        for (i, p) in parcels.iter().enumerate() {
            if let Some(r) = p.bbox {
                let (min, max) = outward([r.min().x, r.min().y], [r.max().x, r.max().y]);
                entries.push(Entry { min, max, parcel: i as u32 });
            }
        }
        ParcelIndex { tree: RTree::bulk_load(entries) }
    }

    /// Parcels whose envelope meets the box `[min, max]`, and possibly a few more whose envelope passes within
    /// a float32 step of it (see the module's note): callers that need the exact set test the boxes.
    pub fn intersecting(&self, min: [f64; 2], max: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        let (min, max) = outward(min, max);
        let envelope = AABB::from_corners(min, max);
        self.tree.locate_in_envelope_intersecting(&envelope).map(Entry::parcel)
    }

    /// The number of parcels in the index.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// True when no parcel has a geometry.
    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::tests::parcel;

    #[test]
    fn boxes_round_outward() {
        for v in [0.0, 1.0, -1.0, 0.1, -0.1, 575_123.456_789, 1_712_345.678_901, -1_712_345.678_901, 1e-40, 1e300] {
            assert!(f64::from(floor32(v)) <= v, "{v}");
            assert!(f64::from(ceil32(v)) >= v, "{v}");
            // The closest such: one step further is on the wrong side.
            assert!(f64::from(-step_down(-floor32(v))) > v, "{v}");
        }
        assert_eq!(floor32(1.0), 1.0);
        assert_eq!(ceil32(-0.5), -0.5);
        assert_eq!(floor32(0.1), 0.099_999_994);
        assert_eq!(ceil32(0.1), 0.1);
    }

    #[test]
    fn finds_every_box_that_meets_the_query_at_vn2000_coordinates() {
        // Boxes a millimetre apart, far from the origin: the exact answer must be in the index's.
        let (x0, y0) = (575_123.456_7, 1_712_345.678_9);
        let parcels: Vec<Parcel> = (0..20)
            .map(|k| {
                let x = x0 + f64::from(k) * 0.001;
                parcel(&format!("p{k}"), &[(x, y0), (x + 0.0005, y0), (x + 0.0005, y0 + 1.0), (x, y0 + 1.0)])
            })
            .collect();
        let index = ParcelIndex::build(&parcels);
        assert_eq!(index.len(), 20);
        for q in 0..20 {
            let x = x0 + f64::from(q) * 0.001 + 0.0002;
            let (min, max) = ([x, y0 + 0.5], [x + 0.0001, y0 + 0.6]);
            let found: std::collections::BTreeSet<usize> = index.intersecting(min, max).collect();
            let meets = |p: &Parcel| {
                let r = p.bbox.unwrap();
                r.min().x <= max[0] && min[0] <= r.max().x && r.min().y <= max[1] && min[1] <= r.max().y
            };
            let exact: std::collections::BTreeSet<usize> = (0..20).filter(|&i| meets(&parcels[i])).collect();
            assert_eq!(exact, [q as usize].into());
            assert!(found.is_superset(&exact), "query {q}: {found:?}");
        }
    }
}
