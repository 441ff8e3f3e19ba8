//! The commune's map: two regions (urban west, rural east) of blocks between roads, blocks cut into parcels
//! that share their boundaries vertex for vertex, map sheets and residential groups as rectangles of blocks.
//!
//! Coordinates are integer millimetres of VN-2000 TM-3 (easting, northing). Every vertex that two parcels share
//! is computed once and copied into both rings, including T-junction vertices (a back-row corner on the rear
//! line of a front-row strip), so touching parcels never overlap, not even by a rounding sliver.

use rand::seq::SliceRandom;
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

struct Builder<'a> {
    lay: &'a mut Layout,
    rng: &'a mut ChaCha8Rng,
    frame: Frame,
    sheets: usize,
    scratch: Vec<Pt>,
    deck: Vec<u8>,
}

struct Site {
    a: usize,
    b: usize,
    vertex: usize,
    edge: (Pt, Pt),
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        ring: &[Pt],
        corners: [usize; 4],
        split: [usize; 2],
        shape: Shape,
        land_use: u8,
        sheet: usize,
        group: usize,
        key: u64,
    ) -> usize {
        let area = ring_area(ring);
        debug_assert!(area > 0.0, "{shape:?} ring not counter-clockwise: {ring:?}");
        let (start, len) = self.lay.store(ring);
        self.lay.parcels.push(Parcel {
            sheet: sheet as u32,
            number: 0,
            group: group as u32,
            shape,
            land_use,
            geom: Geom::Valid,
            start,
            len,
            corners: corners.map(|c| c as u16),
            split: split.map(|c| c as u16),
            area,
            pos: 0,
            sub: 0,
            key,
        });
        self.lay.parcels.len() - 1
    }

    fn sites(&mut self, sites: &[Site]) {
        for s in sites {
            let (p, q) = s.edge;
            let (dx, dy) = ((q[0] - p[0]) as f64 / 1000.0, (q[1] - p[1]) as f64 / 1000.0);
            let len = (dx * dx + dy * dy).sqrt();
            self.lay.sites.push(OverlapSite {
                a: s.a as u32,
                b: s.b as u32,
                vertex: s.vertex as u16,
                normal: [dy / len, -dx / len],
                len,
            });
        }
    }

    /// Lays out one region; returns its width in metres.
    fn region(&mut self, reg: &Region, sheet_target: f64, group_target: f64) -> f64 {
        let (nc, nr) = (reg.nc, reg.nr);
        let rng = &mut *self.rng;
        type Range = (f64, f64);
        let (bw, bd, road, main, jit): (Range, Range, Range, Range, f64) = if reg.urban {
            ((70.0, 130.0), (28.0, 46.0), (1.5, 3.5), (4.0, 7.0), 2.0)
        } else {
            ((120.0, 250.0), (100.0, 200.0), (1.0, 2.5), (3.0, 4.0), 4.0)
        };
        // Random sizes, scaled to their expected mean so that the commune's size follows the request.
        let sizes = |rng: &mut ChaCha8Rng, n: usize, (lo, hi): (f64, f64)| -> Vec<f64> {
            let v: Vec<f64> = (0..n).map(|_| rng.random_range(lo..hi)).collect();
            let f = (lo + hi) / 2.0 / (v.iter().sum::<f64>() / n as f64);
            v.into_iter().map(|x| (x * f).clamp(lo, hi)).collect()
        };
        let bws = sizes(rng, nc, bw);
        let bds = sizes(rng, nr, bd);
        let mut half = |k: usize, n: usize| {
            if k == n {
                0.0
            } else if k % 4 == 0 {
                rng.random_range(main.0..main.1)
            } else {
                rng.random_range(road.0..road.1)
            }
        };
        let hv: Vec<f64> = (0..=nc).map(|i| half(i, nc)).collect();
        let hh: Vec<f64> = (0..=nr).map(|j| half(j, nr)).collect();
        let mut xs = vec![reg.dx + hv[0]];
        for i in 0..nc {
            xs.push(xs[i] + hv[i] + bws[i] + hv[i + 1]);
        }
        let mut ys = vec![hh[0]];
        for j in 0..nr {
            ys.push(ys[j] + hh[j] + bds[j] + hh[j + 1]);
        }
        // Node corners [SW, SE, NE, NW], local metres and global millimetres.
        let at = |i: usize, j: usize| j * (nc + 1) + i;
        let mut cf = vec![[[0.0; 2]; 4]; (nc + 1) * (nr + 1)];
        let mut cm = vec![[[0i64; 2]; 4]; (nc + 1) * (nr + 1)];
        for j in 0..=nr {
            for i in 0..=nc {
                let p = [xs[i] + rng.random_range(-jit..jit), ys[j] + rng.random_range(-jit..jit)];
                let c = [
                    [p[0] - hv[i], p[1] - hh[j]],
                    [p[0] + hv[i], p[1] - hh[j]],
                    [p[0] + hv[i], p[1] + hh[j]],
                    [p[0] - hv[i], p[1] + hh[j]],
                ];
                cf[at(i, j)] = c;
                cm[at(i, j)] = c.map(|q| self.frame.mm(q));
            }
        }
        // Sheets and groups: rectangles of blocks.
        let per_block = if reg.urban { URBAN_PER_BLOCK } else { RURAL_PER_BLOCK };
        let cell = if reg.urban { URBAN_CELL } else { RURAL_CELL };
        let (skx, sky) = tiling(nc, nr, cell.0, cell.1, sheet_target / per_block);
        let (gkx, gky) = tiling(nc, nr, cell.0, cell.1, group_target / per_block);
        let sheet_base = self.sheets;
        self.sheets += skx * sky;
        let group_base = self.lay.groups.len();
        for k in 0..gkx * gky {
            let name = names::group_name(reg.urban, if reg.urban { k } else { group_base - self.lay.urban_groups + k });
            let village = if reg.urban {
                format!("thôn {}", names::VILLAGES[(k / 3) % names::VILLAGES.len()])
            } else {
                name.replacen("Thôn", "thôn", 1)
            };
            self.lay.groups.push(Group { name, urban: reg.urban, village, rings: Vec::new() });
        }
        // Tiles are numbered from the north-west, row by row.
        let sheet_of =
            |i: usize, j: usize| sheet_base + (sky - 1 - tile_of(j, nr, sky)) * skx + tile_of(i, nc, skx) + 1;
        let group_of = |i: usize, j: usize| group_base + (gky - 1 - tile_of(j, nr, gky)) * gkx + tile_of(i, nc, gkx);
        let block_key = |i: usize, j: usize| (((nr - 1 - j) * nc + i) as u64) << 20;

        let mut edges: Vec<[Vec<Pt>; 4]> = Vec::with_capacity(nc * nr);
        for j in 0..nr {
            for i in 0..nc {
                let f = [cf[at(i, j)][2], cf[at(i + 1, j)][3], cf[at(i + 1, j + 1)][0], cf[at(i, j + 1)][1]];
                let m = [cm[at(i, j)][2], cm[at(i + 1, j)][3], cm[at(i + 1, j + 1)][0], cm[at(i, j + 1)][1]];
                let (s, g, key) = (sheet_of(i, j), group_of(i, j), block_key(i, j));
                let e =
                    if reg.urban { self.urban_block(&f, &m, s, g, key) } else { self.rural_block(&f, &m, s, g, key) };
                edges.push(e);
            }
        }
        // Roads: the one south of each block (running through the intersection at its south-west node) and
        // the one west of it; both go with the block's sheet and group.
        let blk = |i: usize, j: usize| j * nc + i;
        for j in 0..nr {
            for i in 0..nc {
                let (s, g, key) = (sheet_of(i, j), group_of(i, j), block_key(i, j));
                let (c0, c1) = (cm[at(i, j)], cm[at(i + 1, j)]);
                let lu = if reg.urban || self.rng.random_bool(0.8) { DGT } else { DTL };
                let mut r = vec![c0[0], c0[1]];
                if j > 0 {
                    let north_of_south_block = &edges[blk(i, j - 1)][2];
                    r.extend(north_of_south_block.iter().rev().skip(1).take(north_of_south_block.len() - 2));
                }
                let k1 = r.len();
                r.extend([c1[0], c1[3]]);
                let south_of_block = &edges[blk(i, j)][0];
                r.extend(south_of_block.iter().rev().skip(1).take(south_of_block.len() - 2));
                let k3 = r.len();
                r.extend([c0[2], c0[3]]);
                self.push(&r, [0, k1, k1 + 1, r.len() - 1], [0, k3], Shape::Road, lu, s, g, key | 0xFFFF0);
                // The road west of the block, from its south-west node to its north-west node.
                let (d0, d1) = (cm[at(i, j)], cm[at(i, j + 1)]);
                let mut r = vec![d0[3], d0[2]];
                let west_of_block = &edges[blk(i, j)][3];
                r.extend(west_of_block.iter().rev().skip(1).take(west_of_block.len() - 2));
                let k2 = r.len();
                r.extend([d1[1], d1[0]]);
                if i > 0 {
                    let east_of_west_block = &edges[blk(i - 1, j)][1];
                    r.extend(east_of_west_block.iter().rev().skip(1).take(east_of_west_block.len() - 2));
                }
                self.push(&r, [0, 1, k2, k2 + 1], [1, k2 + 1], Shape::Road, lu, s, g, key | 0xFFFF1);
            }
        }
        xs[nc] - reg.dx + 2.0 * jit
    }

    /// Tube houses: a row of strips facing the south street, a row facing the north street, back to back,
    /// and a corner lot at each end spanning the block's depth. Returns the block's edges (counter-clockwise,
    /// corner to corner inclusive): south, east, north, west.
    fn urban_block(&mut self, c: &[[f64; 2]; 4], cm: &[Pt; 4], sheet: usize, group: usize, key: u64) -> [Vec<Pt>; 4] {
        let rng = &mut *self.rng;
        let fr = self.frame;
        let w = (dist(c[0], c[1]) + dist(c[3], c[2])) / 2.0;
        let d = (dist(c[0], c[3]) + dist(c[1], c[2])) / 2.0;
        let (lo, hi) = ((d - 25.0).max(12.0), (d - 12.0).min(25.0));
        let d1 = if lo < hi { rng.random_range(lo..hi) } else { d / 2.0 };
        let t1 = d1 / d;
        let ul = rng.random_range(7.0..11.0) / w;
        let ur = 1.0 - rng.random_range(7.0..11.0) / w;
        let span = (ur - ul) * w;
        let cuts = |rng: &mut ChaCha8Rng| -> Vec<f64> {
            let n = (span / 5.0).round().max(1.0) as usize;
            let r: Vec<f64> = (0..n).map(|_| rng.random_range(4.0..6.0)).collect();
            let total: f64 = r.iter().sum();
            let mut u = vec![ul];
            let mut acc = 0.0;
            for x in &r[..n - 1] {
                acc += x;
                u.push(ul + acc / total * (ur - ul));
            }
            u.push(ur);
            u
        };
        let p = |u: f64, v: f64| fr.mm(bil(c, u, v));
        // Front row (south street): boundaries from the street (bottom) to the rear line (top).
        let fu = cuts(rng);
        let nf = fu.len() - 1;
        let jit = 0.25 / w;
        let mut fb = Vec::with_capacity(nf + 1);
        let mut fu_top = Vec::with_capacity(nf + 1);
        for (k, &u) in fu.iter().enumerate() {
            let (ub, ut) = if k == 0 || k == nf {
                (u, u)
            } else {
                (u + rng.random_range(-jit..jit), u + rng.random_range(-jit..jit))
            };
            fb.push([p(ub, 0.0), p((ub + ut) / 2.0, t1 / 2.0), p(ut, t1)]);
            fu_top.push(ut);
        }
        // Back row (north street): boundaries from the rear line (bottom) to the street (top), kept 0.3 m
        // or more away from the front row's rear corners so that no two vertices nearly coincide.
        let bu = cuts(rng);
        let nb = bu.len() - 1;
        let mut bb = Vec::with_capacity(nb + 1);
        let mut bu_bot = Vec::with_capacity(nb + 1);
        for (k, &u) in bu.iter().enumerate() {
            if k == 0 {
                bb.push([fb[0][2], p(ul, (t1 + 1.0) / 2.0), p(ul, 1.0)]);
                bu_bot.push(ul);
                continue;
            }
            if k == nb {
                bb.push([fb[nf][2], p(ur, (t1 + 1.0) / 2.0), p(ur, 1.0)]);
                bu_bot.push(ur);
                continue;
            }
            let (mut ub, mut ut) = (u + rng.random_range(-jit..jit), u + rng.random_range(-jit..jit));
            if fu_top.iter().any(|&f| (f - ub).abs() * w < 0.3) {
                ub += 0.6 / w;
                ut += 0.6 / w;
            }
            bb.push([p(ub, t1), p((ub + ut) / 2.0, (t1 + 1.0) / 2.0), p(ut, 1.0)]);
            bu_bot.push(ub);
        }
        let w_t1 = p(0.0, t1);
        let e_t1 = p(1.0, t1);

        let mut sites = Vec::new();
        let base = self.lay.parcels.len();
        let mut seq = 0u64;
        let mut next_key = || {
            seq += 1;
            key | seq
        };
        let lu_strip = |rng: &mut ChaCha8Rng| pick(rng, &[(ODT, 92), (ODT_CLN, 5), (TMD, 3)]);
        // Left corner lot.
        let r = [cm[0], fb[0][0], fb[0][1], fb[0][2], bb[0][1], bb[0][2], cm[3], w_t1];
        let lu = pick(self.rng, &[(ODT, 80), (TMD, 20)]);
        let k = next_key();
        self.push(&r, [0, 1, 5, 6], [3, 7], Shape::Corner, lu, sheet, group, k);
        // Back row, west to east.
        let mut back_idx = Vec::with_capacity(nb);
        for k in 0..nb {
            let mut r = std::mem::take(&mut self.scratch);
            r.clear();
            r.push(bb[k][0]);
            for (j, &f) in fu_top.iter().enumerate() {
                if f > bu_bot[k] && f < bu_bot[k + 1] {
                    r.push(fb[j][2]);
                }
            }
            let j = r.len();
            r.extend([bb[k + 1][0], bb[k + 1][1], bb[k + 1][2], bb[k][2], bb[k][1]]);
            let lu = lu_strip(self.rng);
            let key = next_key();
            let idx = self.push(&r, [0, j, j + 2, j + 3], [j + 1, j + 4], Shape::Strip, lu, sheet, group, key);
            if k + 1 < nb {
                sites.push(Site { a: idx, b: idx + 1, vertex: j + 1, edge: (bb[k + 1][0], bb[k + 1][2]) });
            }
            back_idx.push(idx);
            self.scratch = r;
        }
        // Front row, west to east.
        for k in 0..nf {
            let mut r = std::mem::take(&mut self.scratch);
            r.clear();
            r.extend([fb[k][0], fb[k + 1][0], fb[k + 1][1], fb[k + 1][2]]);
            for (j, &b) in bu_bot.iter().enumerate().rev() {
                if b > fu_top[k] && b < fu_top[k + 1] {
                    r.push(bb[j][0]);
                }
            }
            let j = r.len();
            r.extend([fb[k][2], fb[k][1]]);
            let lu = lu_strip(self.rng);
            let key = next_key();
            let idx = self.push(&r, [0, 1, 3, j], [2, j + 1], Shape::Strip, lu, sheet, group, key);
            // The east side of the strip, pushed into the next strip (or the corner lot, pushed next).
            sites.push(Site { a: idx, b: idx + 1, vertex: 2, edge: (fb[k + 1][0], fb[k + 1][2]) });
            self.scratch = r;
        }
        // Right corner lot.
        let r = [fb[nf][0], cm[1], e_t1, cm[2], bb[nb][2], bb[nb][1], fb[nf][2], fb[nf][1]];
        let lu = pick(self.rng, &[(ODT, 80), (TMD, 20)]);
        let k = next_key();
        self.push(&r, [0, 1, 3, 4], [2, 6], Shape::Corner, lu, sheet, group, k);
        debug_assert!(base < self.lay.parcels.len());
        self.sites(&sites);

        let mut south = vec![cm[0]];
        south.extend(fb.iter().map(|b| b[0]));
        south.push(cm[1]);
        let east = vec![cm[1], e_t1, cm[2]];
        let mut north = vec![cm[2]];
        north.extend(bb.iter().rev().map(|b| b[2]));
        north.push(cm[3]);
        let west = vec![cm[3], w_t1, cm[0]];
        [south, east, north, west]
    }

    /// Rural plots: a jittered lattice, some cell edges bent at their middle (so plots have 4 to 8 vertices
    /// and some are concave).
    fn rural_block(&mut self, c: &[[f64; 2]; 4], cm: &[Pt; 4], sheet: usize, group: usize, key: u64) -> [Vec<Pt>; 4] {
        let rng = &mut *self.rng;
        let fr = self.frame;
        let w = (dist(c[0], c[1]) + dist(c[3], c[2])) / 2.0;
        let d = (dist(c[0], c[3]) + dist(c[1], c[2])) / 2.0;
        // Block type: village, rice field, garden, fish ponds, dealt from a deck in fixed proportions.
        if self.deck.is_empty() {
            self.deck = [0u8; 7].into_iter().chain([1; 8]).chain([2; 3]).chain([3; 2]).collect();
            self.deck.shuffle(rng);
        }
        let kind = self.deck.pop().expect("refilled");
        let (cw, ch) = match kind {
            0 => (rng.random_range(14.0..22.0), rng.random_range(15.0..28.0)),
            1 => (rng.random_range(15.0..30.0), rng.random_range(30.0..60.0)),
            2 => (rng.random_range(20.0..35.0), rng.random_range(20.0..35.0)),
            _ => (rng.random_range(30.0..45.0), rng.random_range(30.0..45.0)),
        };
        let table: &[(u8, u32)] = match kind {
            0 => &[(ONT, 60), (ONT_CLN, 25), (CLN, 10), (HNK, 5)],
            1 => &[(LUC, 85), (LUK, 5), (HNK, 10)],
            2 => &[(CLN, 55), (HNK, 40), (ONT_CLN, 5)],
            _ => &[(NTS, 85), (LUC, 15)],
        };
        let nu = (w / cw).round().max(1.0) as usize;
        let nv = (d / ch).round().max(1.0) as usize;
        let (ju, jv) = (0.12 / nu as f64, 0.12 / nv as f64);
        let node_at = |a: usize, b: usize| b * (nu + 1) + a;
        let mut uv = vec![[0.0f64; 2]; (nu + 1) * (nv + 1)];
        let mut nodes = vec![[0i64; 2]; (nu + 1) * (nv + 1)];
        for b in 0..=nv {
            for a in 0..=nu {
                let mut u = a as f64 / nu as f64;
                let mut v = b as f64 / nv as f64;
                if a > 0 && a < nu {
                    u += rng.random_range(-ju..ju);
                }
                if b > 0 && b < nv {
                    v += rng.random_range(-jv..jv);
                }
                uv[node_at(a, b)] = [u, v];
                nodes[node_at(a, b)] = match (a, b) {
                    (0, 0) => cm[0],
                    (a, 0) if a == nu => cm[1],
                    (a, b) if a == nu && b == nv => cm[2],
                    (0, b) if b == nv => cm[3],
                    _ => fr.mm(bil(c, u, v)),
                };
            }
        }
        // Bent middles of interior lattice edges: horizontal edge (a,b)-(a+1,b), vertical (a,b)-(a,b+1).
        let mut hm: Vec<Option<Pt>> = vec![None; nu * (nv + 1)];
        let mut vm: Vec<Option<Pt>> = vec![None; (nu + 1) * nv];
        for b in 1..nv {
            for a in 0..nu {
                if rng.random_bool(0.5) {
                    let (p, q) = (uv[node_at(a, b)], uv[node_at(a + 1, b)]);
                    let off = rng.random_range(0.02..0.07) / nv as f64 * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                    hm[b * nu + a] = Some(fr.mm(bil(c, (p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0 + off)));
                }
            }
        }
        for b in 0..nv {
            for a in 1..nu {
                if rng.random_bool(0.5) {
                    let (p, q) = (uv[node_at(a, b)], uv[node_at(a, b + 1)]);
                    let off = rng.random_range(0.02..0.07) / nu as f64 * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                    vm[b * (nu + 1) + a] = Some(fr.mm(bil(c, (p[0] + q[0]) / 2.0 + off, (p[1] + q[1]) / 2.0)));
                }
            }
        }
        // Cells, north row first, west to east.
        let mut cell_idx = vec![0usize; nu * nv];
        // Overlap sites found while pushing the cells: (parcel, neighbour cell a, b, vertex, edge).
        type Pending = (usize, usize, usize, usize, (Pt, Pt));
        let mut pending: Vec<Pending> = Vec::new();
        let mut seq = 0u64;
        for b in (0..nv).rev() {
            for a in 0..nu {
                let mut r = std::mem::take(&mut self.scratch);
                r.clear();
                let mut corners = [0usize; 4];
                corners[0] = r.len();
                r.push(nodes[node_at(a, b)]);
                r.extend(hm[b * nu + a]);
                corners[1] = r.len();
                r.push(nodes[node_at(a + 1, b)]);
                let right_mid = vm[b * (nu + 1) + a + 1].map(|m| {
                    r.push(m);
                    r.len() - 1
                });
                corners[2] = r.len();
                r.push(nodes[node_at(a + 1, b + 1)]);
                let top_mid = hm[(b + 1) * nu + a].map(|m| {
                    r.push(m);
                    r.len() - 1
                });
                corners[3] = r.len();
                r.push(nodes[node_at(a, b + 1)]);
                r.extend(vm[b * (nu + 1) + a]);
                let lu = pick(self.rng, table);
                seq += 1;
                let idx = self.push(&r, corners, [corners[0], corners[2]], Shape::Plot, lu, sheet, group, key | seq);
                cell_idx[b * nu + a] = idx;
                if let Some(v) = right_mid {
                    pending.push((idx, a + 1, b, v, (nodes[node_at(a + 1, b)], nodes[node_at(a + 1, b + 1)])));
                }
                if let Some(v) = top_mid {
                    pending.push((idx, a, b + 1, v, (nodes[node_at(a + 1, b + 1)], nodes[node_at(a, b + 1)])));
                }
                self.scratch = r;
            }
        }
        let sites: Vec<Site> = pending
            .into_iter()
            .map(|(idx, a, b, v, edge)| Site { a: idx, b: cell_idx[b * nu + a], vertex: v, edge })
            .collect();
        self.sites(&sites);

        let south: Vec<Pt> = (0..=nu).map(|a| nodes[node_at(a, 0)]).collect();
        let east: Vec<Pt> = (0..=nv).map(|b| nodes[node_at(nu, b)]).collect();
        let north: Vec<Pt> = (0..=nu).rev().map(|a| nodes[node_at(a, nv)]).collect();
        let west: Vec<Pt> = (0..=nv).rev().map(|b| nodes[node_at(0, b)]).collect();
        [south, east, north, west]
    }
}
