//! The commune's map: two regions (urban west, rural east) of blocks between roads, blocks cut into parcels
//! that share their boundaries vertex for vertex, map sheets and residential groups as rectangles of blocks.
//!
//! Coordinates are integer millimetres of VN-2000 TM-3 (easting, northing). Every vertex that two parcels share
//! is computed once and copied into both rings, including T-junction vertices (a back-row corner on the rear
//! line of a front-row strip), so touching parcels never overlap, not even by a rounding sliver.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::names;

/// A vertex: easting and northing in millimetres.
pub(crate) type Pt = [i64; 2];

/// Land-use codes used on the map (index = `Parcel::land_use`).
pub(crate) const LAND_USES: [&str; 12] =
    ["ODT", "ODT+CLN", "TMD", "ONT", "ONT+CLN", "LUC", "LUK", "HNK", "CLN", "NTS", "DGT", "DTL"];
pub(crate) const ODT: u8 = 0;
const ODT_CLN: u8 = 1;
const TMD: u8 = 2;
const ONT: u8 = 3;
const ONT_CLN: u8 = 4;
pub(crate) const LUC: u8 = 5;
const LUK: u8 = 6;
pub(crate) const HNK: u8 = 7;
const CLN: u8 = 8;
const NTS: u8 = 9;
pub(crate) const DGT: u8 = 10;
pub(crate) const DTL: u8 = 11;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Urban tube-house strip.
    Strip,
    /// Urban corner lot spanning the depth of a block.
    Corner,
    /// Rural plot.
    Plot,
    /// Road or canal between blocks (state land, no certificate).
    Road,
    /// Planted: a parcel digitised again over an existing one.
    NearDup,
    /// Planted: the split-off part of a parcel, carrying another parcel's number.
    SplitOff,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Geom {
    Valid,
    /// Self-intersecting ring (two corners swapped).
    BowTie,
    /// Ring with two distinct points.
    TwoPoints,
    /// Ring whose last coordinate is not its first.
    Unclosed,
    /// `"geometry": null`.
    Null,
}

#[derive(Clone, Debug)]
pub(crate) struct Parcel {
    pub sheet: u32,
    pub number: u32,
    pub group: u32,
    pub shape: Shape,
    pub land_use: u8,
    pub geom: Geom,
    /// The ring (counter-clockwise, without the closing vertex) in `Layout::coords`.
    pub start: u32,
    pub len: u32,
    /// Ring indices of the four main corners (counter-clockwise).
    pub corners: [u16; 4],
    /// Ring indices of a chord that cuts the parcel into two valid parts.
    pub split: [u16; 2],
    /// Planar area of the ring in m2 (for planted invalid geometry: of the valid ring it replaced).
    pub area: f64,
    /// Position in the file within the sheet: the number, or for a split-off part the number it follows.
    pub pos: u32,
    pub sub: u8,
    /// Layout order within the sheet (block order << 20 | sequence in the block), for numbering.
    pub key: u64,
}

pub(crate) struct Group {
    pub name: String,
    pub urban: bool,
    /// The village the group's land belonged to before urbanisation (old addresses).
    pub village: String,
    pub rings: Vec<Vec<Pt>>,
}

/// A shared boundary whose middle vertex can be pushed from parcel `a` into its neighbour `b`.
#[derive(Clone, Debug)]
pub(crate) struct OverlapSite {
    pub a: u32,
    pub b: u32,
    /// Index of the middle vertex in `a`'s ring.
    pub vertex: u16,
    /// Unit normal pointing from `a` into `b`.
    pub normal: [f64; 2],
    /// Length of the shared boundary, m.
    pub len: f64,
}

pub(crate) struct Layout {
    pub coords: Vec<Pt>,
    pub parcels: Vec<Parcel>,
    /// Last parcel number of each sheet (index: sheet - 1).
    pub sheet_max: Vec<u32>,
    pub groups: Vec<Group>,
    pub sites: Vec<OverlapSite>,
    pub urban_groups: usize,
}

/// Signed planar area of a ring (counter-clockwise positive), m2.
pub(crate) fn ring_area(r: &[Pt]) -> f64 {
    if r.len() < 3 {
        return 0.0;
    }
    let o = r[0];
    let mut s: i128 = 0;
    for i in 1..r.len() - 1 {
        let (a, b) = (r[i], r[i + 1]);
        s += (a[0] - o[0]) as i128 * (b[1] - o[1]) as i128 - (b[0] - o[0]) as i128 * (a[1] - o[1]) as i128;
    }
    s as f64 / 2.0e6
}

/// Local metres -> global millimetres: a rotation then a translation, rounded to the millimetre.
#[derive(Clone, Copy)]
struct Frame {
    c: f64,
    s: f64,
    ox: f64,
    oy: f64,
}

impl Frame {
    fn mm(&self, p: [f64; 2]) -> Pt {
        let x = self.ox + p[0] * self.c - p[1] * self.s;
        let y = self.oy + p[0] * self.s + p[1] * self.c;
        [(x * 1000.0).round() as i64, (y * 1000.0).round() as i64]
    }
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Bilinear map of the unit square onto a block's corners [SW, SE, NE, NW].
fn bil(c: &[[f64; 2]; 4], u: f64, v: f64) -> [f64; 2] {
    let w = [(1.0 - u) * (1.0 - v), u * (1.0 - v), u * v, (1.0 - u) * v];
    [
        w[0] * c[0][0] + w[1] * c[1][0] + w[2] * c[2][0] + w[3] * c[3][0],
        w[0] * c[0][1] + w[1] * c[1][1] + w[2] * c[2][1] + w[3] * c[3][1],
    ]
}

fn pick(rng: &mut ChaCha8Rng, table: &[(u8, u32)]) -> u8 {
    let total: u32 = table.iter().map(|t| t.1).sum();
    let mut x = rng.random_range(0..total);
    for &(v, w) in table {
        if x < w {
            return v;
        }
        x -= w;
    }
    table[table.len() - 1].0
}

/// `n` items cut into `k` nearly equal consecutive ranges: the range index of item `i`.
fn tile_of(i: usize, n: usize, k: usize) -> usize {
    (i * k / n).min(k - 1)
}

/// Number of tiles (columns, rows) for a grid of `nc` x `nr` cells of `cw` x `ch` metres, aiming at
/// `target` cells per tile, tiles roughly square.
fn tiling(nc: usize, nr: usize, cw: f64, ch: f64, target: f64) -> (usize, usize) {
    let k = ((nc * nr) as f64 / target).round().max(1.0);
    let kx = (k * (nc as f64 * cw) / (nr as f64 * ch)).sqrt().round().clamp(1.0, nc as f64) as usize;
    let ky = (k / kx as f64).ceil().clamp(1.0, nr as f64) as usize;
    (kx, ky)
}

struct Region {
    urban: bool,
    nc: usize,
    nr: usize,
    /// Local x of the region's west edge, m.
    dx: f64,
}

/// Expected parcels per block (roads included), for sizing the grids.
const URBAN_PER_BLOCK: f64 = 37.1;
const RURAL_PER_BLOCK: f64 = 48.5;
/// Mean block pitch (block + road), m.
const URBAN_CELL: (f64, f64) = (108.0, 44.0);
const RURAL_CELL: (f64, f64) = (190.0, 155.0);
/// Share of the parcels in the urban region.
const URBAN_SHARE: f64 = 0.55;

impl Layout {
    pub(crate) fn ring(&self, i: usize) -> &[Pt] {
        let p = &self.parcels[i];
        &self.coords[p.start as usize..(p.start + p.len) as usize]
    }

    /// Stores a ring and returns (start, len).
    pub(crate) fn store(&mut self, ring: &[Pt]) -> (u32, u32) {
        let start = self.coords.len() as u32;
        self.coords.extend_from_slice(ring);
        (start, ring.len() as u32)
    }

    /// Builds the commune's map for about `n` parcels; the origin (global metres) is the south-west corner.
    pub(crate) fn build(n: usize, origin: [f64; 2], rng: &mut ChaCha8Rng) -> Layout {
        let n = n.max(1) as f64;
        let ub = (n * URBAN_SHARE / URBAN_PER_BLOCK).round().max(1.0);
        let rb = (n * (1.0 - URBAN_SHARE) / RURAL_PER_BLOCK).round().max(1.0);
        let unc = (ub * URBAN_CELL.1 / URBAN_CELL.0).sqrt().round().max(1.0) as usize;
        let unr = (ub / unc as f64).round().max(1.0) as usize;
        let rnc = (rb * RURAL_CELL.1 / RURAL_CELL.0).sqrt().round().max(1.0) as usize;
        let rnr = (rb / rnc as f64).round().max(1.0) as usize;
        // A few degrees of rotation for the whole commune; the blocks add their own skew.
        let angle = rng.random_range(3.0f64..9.0).to_radians() * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        let frame = Frame { c: angle.cos(), s: angle.sin(), ox: origin[0], oy: origin[1] };
        let sheet_target = rng.random_range(600.0..1200.0);
        let group_target = rng.random_range(400.0..1000.0);

        let mut lay = Layout {
            coords: Vec::with_capacity(n as usize * 8),
            parcels: Vec::with_capacity(n as usize + 16),
            sheet_max: Vec::new(),
            groups: Vec::new(),
            sites: Vec::new(),
            urban_groups: 0,
        };
        let mut b = Builder { lay: &mut lay, rng, frame, sheets: 0, scratch: Vec::new(), deck: Vec::new() };
        let urban = Region { urban: true, nc: unc, nr: unr, dx: 0.0 };
        let width = b.region(&urban, sheet_target, group_target);
        b.lay.urban_groups = b.lay.groups.len();
        let rural = Region { urban: false, nc: rnc, nr: rnr, dx: width + 30.0 };
        b.region(&rural, sheet_target, group_target);
        let sheets = b.sheets;
        lay.number(sheets);
        lay.group_polygons();
        lay
    }

    /// Sorts the parcels into sheet and layout order and numbers them 1..n per sheet.
    fn number(&mut self, sheets: usize) {
        let n = self.parcels.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&i| (self.parcels[i as usize].sheet, self.parcels[i as usize].key));
        let mut inv = vec![0u32; n];
        for (new, &old) in order.iter().enumerate() {
            inv[old as usize] = new as u32;
        }
        let mut parcels: Vec<Parcel> = order.iter().map(|&o| self.parcels[o as usize].clone()).collect();
        self.sheet_max = vec![0; sheets];
        for p in &mut parcels {
            let m = &mut self.sheet_max[p.sheet as usize - 1];
            *m += 1;
            p.number = *m;
            p.pos = *m;
        }
        self.parcels = parcels;
        for s in &mut self.sites {
            s.a = inv[s.a as usize];
            s.b = inv[s.b as usize];
        }
    }

    /// Each group's polygon: the union of its parcels, found by cancelling the edges that two of its parcels
    /// share (they are identical, in opposite directions) and chaining the rest.
    fn group_polygons(&mut self) {
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); self.groups.len()];
        for (i, p) in self.parcels.iter().enumerate() {
            members[p.group as usize].push(i as u32);
        }
        let rings: Vec<Vec<Vec<Pt>>> = members.par_iter().map(|m| union_rings(self, m)).collect();
        for (g, r) in self.groups.iter_mut().zip(rings) {
            g.rings = r;
        }
    }
}

fn union_rings(lay: &Layout, members: &[u32]) -> Vec<Vec<Pt>> {
    let mut keyed: Vec<(Pt, Pt, bool)> = Vec::new();
    for &i in members {
        let r = lay.ring(i as usize);
        for k in 0..r.len() {
            let (p, q) = (r[k], r[(k + 1) % r.len()]);
            keyed.push(if p < q { (p, q, true) } else { (q, p, false) });
        }
    }
    keyed.sort_unstable();
    let mut rest: Vec<(Pt, Pt)> = Vec::new();
    let mut k = 0;
    while k < keyed.len() {
        if k + 1 < keyed.len() && keyed[k].0 == keyed[k + 1].0 && keyed[k].1 == keyed[k + 1].1 {
            debug_assert_ne!(keyed[k].2, keyed[k + 1].2, "edge shared in the same direction");
            k += 2;
        } else {
            let (a, b, fwd) = keyed[k];
            rest.push(if fwd { (a, b) } else { (b, a) });
            k += 1;
        }
    }
    rest.sort_unstable();
    let mut used = vec![false; rest.len()];
    let mut rings = Vec::new();
    for s in 0..rest.len() {
        if used[s] {
            continue;
        }
        let mut ring = vec![rest[s].0];
        used[s] = true;
        let mut cur = rest[s].1;
        while cur != ring[0] {
            ring.push(cur);
            let from = rest.partition_point(|e| e.0 < cur);
            let Some(next) = (from..rest.len()).take_while(|&e| rest[e].0 == cur).find(|&e| !used[e]) else {
                break;
            };
            used[next] = true;
            cur = rest[next].1;
        }
        rings.push(ring);
    }
    // Outer ring first.
    rings.sort_by(|a, b| ring_area(b).total_cmp(&ring_area(a)));
    rings
}

mod blocks;
use blocks::Builder;
