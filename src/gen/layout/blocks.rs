//! Cutting the commune's blocks into parcels: urban blocks into tube-house strips (front and back rows),
//! rural blocks into a grid of plots, every shared vertex computed once; and the overlap sites planted later.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::*;

pub(super) struct Builder<'a> {
    pub(super) lay: &'a mut Layout,
    pub(super) rng: &'a mut ChaCha8Rng,
    pub(super) frame: Frame,
    pub(super) sheets: usize,
    pub(super) scratch: Vec<Pt>,
    pub(super) deck: Vec<u8>,
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
    pub(super) fn region(&mut self, reg: &Region, sheet_target: f64, group_target: f64) -> f64 {
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
