//! Planting the defects: geometry changes on the map and a plan for each parcel's certificates.

use std::collections::HashSet;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::certs::Plan;
use super::layout::{ring_area, Geom, Layout, Parcel, Pt, Shape};

/// Share of the planted defects by kind (they sum to 1).
const WEIGHTS: Weights = Weights {
    overlap_edge: 0.10,
    near_duplicate: 0.05,
    invalid: 0.10,
    duplicate_number: 0.10,
    split: 0.13,
    duplicate_certificate: 0.10,
    unmatched: 0.17,
    without_certificate: 0.10,
    area_mismatch: 0.15,
};

/// Gaps, planted on top of the others (from their own random stream).
const GAP_WEIGHT: f64 = 0.05;
/// Certificate numbers mistyped twice (two digits dropped, added, wrong or swapped), on top of the others.
const TWICE_WEIGHT: f64 = 0.05;

struct Weights {
    overlap_edge: f64,
    near_duplicate: f64,
    invalid: f64,
    duplicate_number: f64,
    split: f64,
    duplicate_certificate: f64,
    unmatched: f64,
    without_certificate: f64,
    area_mismatch: f64,
}

pub(crate) struct Planted {
    /// Pairs of parcels (indices) that overlap.
    pub overlaps: Vec<(u32, u32)>,
    /// Pairs of parcels (indices) with a gap planted between them: nothing else touches it.
    pub gaps: Vec<(u32, u32)>,
    /// The rings, as laid out, of the parcels whose geometry was made invalid: the ground they covered.
    pub originals: Vec<(u32, Vec<Pt>)>,
    /// The certificate plan of each parcel.
    pub plans: Vec<Plan>,
}

struct Planter<'a> {
    lay: &'a mut Layout,
    rng: &'a mut ChaCha8Rng,
    used: Vec<bool>,
    pool: Vec<u32>,
    plans: Vec<Plan>,
    overlaps: Vec<(u32, u32)>,
    gaps: Vec<(u32, u32)>,
    originals: Vec<(u32, Vec<Pt>)>,
    /// Index range of each sheet's parcels as laid out (before planted parcels were appended).
    sheets: Vec<(usize, usize)>,
}

/// Plants about `rate` x parcels defects and returns what the certificates must look like. `drawn`: the map
/// is a drawing of lines (map sheets), which cannot hold overlaps or invalid rings: those are not planted.
pub(crate) fn plant(lay: &mut Layout, rate: f64, rng: &mut ChaCha8Rng, drawn: bool) -> Planted {
    let n = lay.parcels.len();
    let plans: Vec<Plan> =
        lay.parcels.iter().map(|p| if p.shape == Shape::Road { Plan::Nothing } else { Plan::Normal }).collect();
    let mut pool: Vec<u32> = (0..n as u32).filter(|&i| lay.parcels[i as usize].shape != Shape::Road).collect();
    pool.shuffle(rng);
    let sheets = (1..=lay.sheet_max.len() as u32)
        .map(|s| (lay.parcels.partition_point(|q| q.sheet < s), lay.parcels.partition_point(|q| q.sheet <= s)))
        .collect();
    // Gaps come from a stream of their own, so that adding them left every other defect where it was.
    let mut gap_rng = ChaCha8Rng::seed_from_u64(rng.clone().random::<u64>() ^ 0x6761_7073);
    let mut pl = Planter {
        lay,
        rng,
        used: vec![false; n],
        pool,
        plans,
        overlaps: Vec::new(),
        gaps: Vec::new(),
        originals: Vec::new(),
        sheets,
    };
    let count = |w: f64| if rate > 0.0 { ((n as f64 * rate * w).round() as usize).max(1) } else { 0 };
    let w = &WEIGHTS;

    let drawable = |n: usize| if drawn { 0 } else { n };
    pl.overlap_edges(drawable(count(w.overlap_edge)));
    for _ in 0..drawable(count(w.near_duplicate)) {
        pl.near_duplicate();
    }
    for k in 0..drawable(count(w.invalid)) {
        pl.invalid(k);
    }
    for _ in 0..count(w.duplicate_number) {
        pl.duplicate_number();
    }
    for k in 0..count(w.split) {
        if let Some(i) = pl.take(|_, _| true) {
            let style = (k % 4) as u8;
            let parts = if pl.rng.random_bool(0.7) { 2 } else { 3 };
            pl.plans[i] = Plan::Split { k: parts, style };
        }
    }
    for _ in 0..count(w.duplicate_certificate) {
        if let Some(i) = pl.take(|_, _| true) {
            pl.plans[i] = Plan::DupCert;
        }
    }
    // Typos are chosen once every parcel is numbered (near-duplicates took new numbers at the sheets' ends).
    for k in 0..count(w.unmatched) {
        pl.unmatched(k);
    }
    for _ in 0..count(w.without_certificate) {
        if let Some(i) = pl.take(|_, _| true) {
            pl.plans[i] = Plan::Nothing;
        }
    }
    for _ in 0..count(w.area_mismatch) {
        if let Some(i) = pl.take(|_, _| true) {
            let r = pl.rng.random_range(0.16..0.40);
            pl.plans[i] = Plan::Mismatch(if pl.rng.random_bool(0.5) { 1.0 + r } else { 1.0 - r });
        }
    }
    pl.gaps(count(GAP_WEIGHT), &mut gap_rng);
    pl.disambiguate();
    // Numbers mistyped twice come last, from their own stream, so that every defect above stays where it was.
    let mut twice_rng = ChaCha8Rng::seed_from_u64(gap_rng.random::<u64>() ^ 0x0074_7769_6365);
    pl.mistyped_twice(count(TWICE_WEIGHT), &mut twice_rng);
    Planted { overlaps: pl.overlaps, gaps: pl.gaps, originals: pl.originals, plans: pl.plans }
}

fn centroid(r: &[Pt]) -> [f64; 2] {
    let o = r[0];
    let (mut cx, mut cy, mut a2) = (0.0, 0.0, 0.0);
    for k in 0..r.len() {
        let p = [(r[k][0] - o[0]) as f64, (r[k][1] - o[1]) as f64];
        let q = [(r[(k + 1) % r.len()][0] - o[0]) as f64, (r[(k + 1) % r.len()][1] - o[1]) as f64];
        let c = p[0] * q[1] - q[0] * p[1];
        a2 += c;
        cx += (p[0] + q[0]) * c;
        cy += (p[1] + q[1]) * c;
    }
    [o[0] as f64 + cx / (3.0 * a2), o[1] as f64 + cy / (3.0 * a2)]
}

/// Smallest distance (mm) from `c` to the lines of the ring's edges, or a negative number when `c` is on the
/// outer side of one of them.
fn inner_clearance(r: &[Pt], c: [f64; 2]) -> f64 {
    let mut best = f64::INFINITY;
    for k in 0..r.len() {
        let (p, q) = (r[k], r[(k + 1) % r.len()]);
        let (dx, dy) = ((q[0] - p[0]) as f64, (q[1] - p[1]) as f64);
        let len = (dx * dx + dy * dy).sqrt();
        // Left of the edge (inside, for a counter-clockwise ring) is positive.
        let side = (dx * (c[1] - p[1] as f64) - dy * (c[0] - p[0] as f64)) / len;
        best = best.min(side);
    }
    best
}

fn digits_exist(lay: &Layout, sheet: u32, n: u64) -> bool {
    sheet >= 1 && (sheet as usize) <= lay.sheet_max.len() && n >= 1 && n <= u64::from(lay.sheet_max[sheet as usize - 1])
}

impl Planter<'_> {
    /// A random unused parcel of the pool that `ok` accepts, marked used.
    fn take(&mut self, ok: impl Fn(&Layout, usize) -> bool) -> Option<usize> {
        let n = self.pool.len();
        if n == 0 {
            return None;
        }
        let start = self.rng.random_range(0..n);
        for k in 0..n {
            let i = self.pool[(start + k) % n] as usize;
            if !self.used[i] && ok(self.lay, i) {
                self.used[i] = true;
                return Some(i);
            }
        }
        None
    }

    fn add_parcel(&mut self, p: Parcel, ring: &[Pt], plan: Plan) -> usize {
        let (start, len) = self.lay.store(ring);
        self.lay.parcels.push(Parcel { start, len, area: ring_area(ring), ..p });
        self.plans.push(plan);
        self.used.push(true);
        self.lay.parcels.len() - 1
    }

    /// Pushes the middle vertex of a boundary from a parcel into its neighbour by 0.3-2 m (at least 3 m2).
    fn overlap_edges(&mut self, count: usize) {
        let mut order: Vec<usize> = (0..self.lay.sites.len()).collect();
        order.shuffle(self.rng);
        let mut done = 0;
        for s in order {
            if done == count {
                break;
            }
            let site = self.lay.sites[s].clone();
            let (a, b) = (site.a as usize, site.b as usize);
            if self.used[a] || self.used[b] {
                continue;
            }
            let d = self.rng.random_range(0.3..2.0f64).max(6.0 / site.len);
            if d > 2.0 {
                continue;
            }
            let p = &self.lay.parcels[a];
            let v = p.start as usize + site.vertex as usize;
            let m = &mut self.lay.coords[v];
            m[0] += (site.normal[0] * d * 1000.0).round() as i64;
            m[1] += (site.normal[1] * d * 1000.0).round() as i64;
            let area = ring_area(self.lay.ring(a));
            self.lay.parcels[a].area = area;
            self.used[a] = true;
            self.used[b] = true;
            self.overlaps.push((a as u32, b as u32));
            done += 1;
        }
    }

    /// A rural plot digitised a second time, a little smaller and shifted, inside the original: a new number
    /// at the end of the sheet, no certificate.
    fn near_duplicate(&mut self) {
        let Some(i) = self.take(|lay, i| {
            let r = lay.ring(i);
            lay.parcels[i].shape == Shape::Plot && inner_clearance(r, centroid(r)) > 4000.0
        }) else {
            return;
        };
        let r = self.lay.ring(i).to_vec();
        let c = centroid(&r);
        let h = inner_clearance(&r, c);
        let s = self.rng.random_range(0.90..0.97);
        let off = self.rng.random_range(0.2..0.4) * (1.0 - s) * h;
        let ang = self.rng.random_range(0.0..std::f64::consts::TAU);
        let o = [off * ang.cos(), off * ang.sin()];
        let copy: Vec<Pt> = r
            .iter()
            .map(|v| {
                [
                    (c[0] + s * (v[0] as f64 - c[0]) + o[0]).round() as i64,
                    (c[1] + s * (v[1] as f64 - c[1]) + o[1]).round() as i64,
                ]
            })
            .collect();
        let p = self.lay.parcels[i].clone();
        let sheet = p.sheet as usize;
        self.lay.sheet_max[sheet - 1] += 1;
        let number = self.lay.sheet_max[sheet - 1];
        let new = Parcel { shape: Shape::NearDup, number, pos: number, sub: 0, ..p };
        let j = self.add_parcel(new, &copy, Plan::Nothing);
        self.overlaps.push((i as u32, j as u32));
    }

    /// Bow-tie, two distinct points, unclosed ring, null geometry, in turn. The parcel keeps one ordinary
    /// certificate (for the area of the geometry it replaced).
    fn invalid(&mut self, k: usize) {
        let Some(i) = self.take(|_, _| true) else { return };
        let r = self.lay.ring(i).to_vec();
        self.originals.push((i as u32, r.clone()));
        let c = self.lay.parcels[i].corners.map(|c| r[c as usize]);
        let geom = [Geom::BowTie, Geom::TwoPoints, Geom::Unclosed, Geom::Null][k % 4];
        let ring: Option<Vec<Pt>> = match geom {
            Geom::BowTie => Some(vec![c[0], c[2], c[1], c[3]]),
            Geom::TwoPoints => Some(vec![c[0], c[1], c[1]]),
            _ => None,
        };
        if let Some(ring) = ring {
            let (start, len) = self.lay.store(&ring);
            let p = &mut self.lay.parcels[i];
            p.start = start;
            p.len = len;
        }
        self.lay.parcels[i].geom = geom;
    }

    /// Pulls the middle vertex of a boundary back into its own parcel, 0.5-2 m, between the midpoints of its
    /// two edges: a hole of 2-40 m2 that only the two parcels touch (its corners are a metre or more from any
    /// other parcel's).
    fn gaps(&mut self, count: usize, rng: &mut ChaCha8Rng) {
        let mut order: Vec<usize> = (0..self.lay.sites.len()).collect();
        order.shuffle(rng);
        let mut done = 0;
        for s in order {
            if done == count {
                break;
            }
            let site = self.lay.sites[s].clone();
            let (a, b) = (site.a as usize, site.b as usize);
            let v = site.vertex as usize;
            let ring = self.lay.ring(a).to_vec();
            if self.used[a] || self.used[b] || v == 0 || v + 1 >= ring.len() {
                continue;
            }
            let (p0, m, p2) = (ring[v - 1], ring[v], ring[v + 1]);
            // Midpoints on the edges exactly (whole millimetres), so that the hole meets the boundary cleanly.
            if [m[0] - p0[0], m[1] - p0[1], p2[0] - m[0], p2[1] - m[1]].iter().any(|d| d % 2 != 0) {
                continue;
            }
            let q1 = [(p0[0] + m[0]) / 2, (p0[1] + m[1]) / 2];
            let q2 = [(m[0] + p2[0]) / 2, (m[1] + p2[1]) / 2];
            let d = rng.random_range(0.5..2.0f64);
            let pulled = [
                m[0] - (site.normal[0] * d * 1000.0).round() as i64,
                m[1] - (site.normal[1] * d * 1000.0).round() as i64,
            ];
            let area = ring_area(&[q1, m, q2, pulled]).abs();
            if !(2.0..=40.0).contains(&area) || inner_clearance(&ring, [pulled[0] as f64, pulled[1] as f64]) < 300.0 {
                continue;
            }
            let mut r: Vec<Pt> = ring[..v].to_vec();
            r.extend([q1, pulled, q2]);
            r.extend_from_slice(&ring[v + 1..]);
            let (start, len) = self.lay.store(&r);
            let p = &mut self.lay.parcels[a];
            (p.start, p.len, p.area) = (start, len, ring_area(&r));
            self.used[a] = true;
            self.used[b] = true;
            self.gaps.push((a as u32, b as u32));
            done += 1;
        }
    }

    /// A parcel cut in two on the map whose split-off part took the number of another parcel of the same sheet
    /// (whose area differs by 15% or more, so that certificates go to one of them without doubt).
    fn duplicate_number(&mut self) {
        let Some(r) = self.take(|_, _| true) else { return };
        let ring = self.lay.ring(r).to_vec();
        let p = self.lay.parcels[r].clone();
        let (i, j) = (p.split[0] as usize, p.split[1] as usize);
        let (i, j) = (i.min(j), i.max(j));
        let mut keep: Vec<Pt> = ring[..=i].to_vec();
        keep.extend_from_slice(&ring[j..]);
        let mut off: Vec<Pt> = ring[i..=j].to_vec();
        if self.rng.random_bool(0.5) {
            std::mem::swap(&mut keep, &mut off);
        }
        let off_area = ring_area(&off);
        // Another certified parcel of the same sheet.
        let (first, last) = self.sheets[p.sheet as usize - 1];
        let mut q = None;
        for _ in 0..64 {
            let c = self.rng.random_range(first..last);
            let cp = &self.lay.parcels[c];
            if c != r
                && !self.used[c]
                && cp.shape != Shape::Road
                && cp.shape != Shape::NearDup
                && (cp.area - off_area).abs() / cp.area >= 0.15
            {
                q = Some(c);
                break;
            }
        }
        let Some(q) = q else {
            self.used[r] = false;
            return;
        };
        self.used[q] = true;
        let (start, len) = self.lay.store(&keep);
        let pr = &mut self.lay.parcels[r];
        pr.start = start;
        pr.len = len;
        pr.area = ring_area(&keep);
        let number = self.lay.parcels[q].number;
        let d = Parcel { shape: Shape::SplitOff, number, pos: p.number, sub: 1, corners: [0; 4], split: [0; 2], ..p };
        self.add_parcel(d, &off, Plan::Nothing);
    }

    /// A certificate whose sheet or number points at no parcel: digits transposed, one digit wrong, sheet
    /// wrong (recoverable), number torn or beyond the sheet's last (not). Its parcel has no other certificate.
    fn unmatched(&mut self, k: usize) {
        let variant = k % 5;
        // Candidates are checked against the final numbering; try a few parcels for a feasible typo.
        for _ in 0..200 {
            let Some(i) = self.take(|lay, i| lay.parcels[i].shape != Shape::NearDup) else { return };
            let (sheet, n) = (self.lay.parcels[i].sheet, self.lay.parcels[i].number);
            let typo = match variant {
                0..=2 => {
                    let options = self.typo_options(variant, sheet, n);
                    self.pick_one(&options).map(|(s, no)| (s, no, true))
                }
                3 => Some((sheet, self.torn(n), false)),
                _ => {
                    let beyond = self.lay.sheet_max[sheet as usize - 1] + self.rng.random_range(1..=40);
                    Some((sheet, beyond.to_string(), false))
                }
            };
            match typo {
                Some((sheet, no, expected)) => {
                    self.plans[i] = Plan::Typo { sheet, no, expected, within: 1 };
                    return;
                }
                None => self.used[i] = false,
            }
        }
    }

    fn torn(&mut self, n: u32) -> String {
        let s = n.to_string();
        if s.len() >= 2 && self.rng.random_bool(0.6) {
            format!("{}?", &s[..s.len() - 1])
        } else {
            String::new()
        }
    }

    fn pick_one<T: Clone>(&mut self, v: &[T]) -> Option<T> {
        (!v.is_empty()).then(|| v[self.rng.random_range(0..v.len())].clone())
    }

    /// Recoverable typos of sheet `sheet`, number `n` that point at no parcel: 0 two adjacent digits of the
    /// number transposed, 1 one digit of the number wrong, 2 one digit of the sheet wrong.
    fn typo_options(&self, variant: usize, sheet: u32, n: u32) -> Vec<(u32, String)> {
        let number = n.to_string().into_bytes();
        let mut out = Vec::new();
        let mut keep = |s: u32, e: Vec<u8>| {
            if e[0] != b'0' {
                let no = String::from_utf8(e).expect("digits");
                let v: u64 = no.parse().expect("digits");
                if !digits_exist(self.lay, s, v) {
                    out.push((s, no));
                }
            }
        };
        match variant {
            0 => {
                for k in 0..number.len().saturating_sub(1) {
                    let mut e = number.clone();
                    e.swap(k, k + 1);
                    if e != number {
                        keep(sheet, e);
                    }
                }
            }
            1 => {
                for (_, e) in substitutions(&number) {
                    keep(sheet, e);
                }
            }
            _ => {
                for (_, e) in substitutions(sheet.to_string().as_bytes()) {
                    if e[0] != b'0' {
                        let s: u32 = String::from_utf8(e).expect("digits").parse().expect("digits");
                        keep(s, number.clone());
                    }
                }
            }
        }
        out
    }

    /// Certificates whose number is two slips from their parcel's (`1012` for `12`, `45` for `4512`, two digits
    /// wrong, or a swap and a wrong digit), pointing at no parcel; the parcel meant must be among the first three
    /// candidates. Parcels within one edit of a one-slip typo are left alone (that typo must stay unambiguous).
    fn mistyped_twice(&mut self, count: usize, rng: &mut ChaCha8Rng) {
        let near_typos: HashSet<(u32, u32)> = self
            .plans
            .iter()
            .filter_map(|plan| match plan {
                Plan::Typo { sheet, no, expected: true, within: 1 } => Some(one_edit(*sheet, no)),
                _ => None,
            })
            .flatten()
            .collect();
        let mut candidates: Vec<usize> = (0..self.plans.len())
            .filter(|&i| {
                let p = &self.lay.parcels[i];
                !self.used[i]
                    && matches!(self.plans[i], Plan::Normal)
                    && p.shape != Shape::NearDup
                    && !near_typos.contains(&(p.sheet, p.number))
            })
            .collect();
        candidates.shuffle(rng);
        let mut done = 0;
        for i in candidates {
            if done == count {
                break;
            }
            let (sheet, n) = (self.lay.parcels[i].sheet, self.lay.parcels[i].number);
            let d = n.to_string().into_bytes();
            let digit = |rng: &mut ChaCha8Rng| b'0' + rng.random_range(0..10u8);
            let mut e = d.clone();
            match rng.random_range(0..4) {
                0 => {
                    // Two digits added.
                    for _ in 0..2 {
                        let at = rng.random_range(0..=e.len());
                        e.insert(at, digit(rng));
                    }
                }
                1 if d.len() >= 3 => {
                    // Two digits dropped.
                    for _ in 0..2 {
                        let at = rng.random_range(0..e.len());
                        e.remove(at);
                    }
                }
                2 => {
                    // One digit dropped or added, and one wrong.
                    if d.len() >= 2 && rng.random_bool(0.5) {
                        e.remove(rng.random_range(0..e.len()));
                    } else {
                        let at = rng.random_range(0..=e.len());
                        e.insert(at, digit(rng));
                    }
                    let at = rng.random_range(0..e.len());
                    e[at] = digit(rng);
                }
                _ => {
                    // Two digits wrong, or two swapped and one wrong.
                    if d.len() >= 2 && rng.random_bool(0.5) {
                        let at = rng.random_range(0..e.len() - 1);
                        e.swap(at, at + 1);
                    } else {
                        let at = rng.random_range(0..e.len());
                        e[at] = digit(rng);
                    }
                    let at = rng.random_range(0..e.len());
                    e[at] = digit(rng);
                }
            }
            if e.is_empty() || e[0] == b'0' || crate::reconcile::unmatched::digit_distance(&e, &d) != 2 {
                continue;
            }
            let no = String::from_utf8(e).expect("digits");
            let Ok(v) = no.parse::<u64>() else { continue };
            if digits_exist(self.lay, sheet, v) {
                continue;
            }
            self.used[i] = true;
            self.plans[i] = Plan::Typo { sheet, no, expected: true, within: 3 };
            done += 1;
        }
    }

    /// Makes every recoverable typo unambiguous: its parcel must be the only parcel without a certificate
    /// within one edit (a digit transposed, replaced, dropped or added, in the number or the sheet) of what
    /// the certificate says. Otherwise another typo is chosen, or the number is torn instead.
    fn disambiguate(&mut self) {
        let orphan = |plan: &Plan| matches!(plan, Plan::Nothing | Plan::Typo { .. });
        let orphans: HashSet<(u32, u32)> = self
            .lay
            .parcels
            .iter()
            .zip(&self.plans)
            .filter(|(_, plan)| orphan(plan))
            .map(|(p, _)| (p.sheet, p.number))
            .collect();
        let ambiguous = |own: (u32, u32), sheet: u32, no: &str| {
            one_edit(sheet, no).into_iter().any(|key| key != own && orphans.contains(&key))
        };
        for i in 0..self.plans.len() {
            let Plan::Typo { sheet, no, expected: true, within: 1 } = &self.plans[i] else { continue };
            let own = (self.lay.parcels[i].sheet, self.lay.parcels[i].number);
            if !ambiguous(own, *sheet, no) {
                continue;
            }
            let options: Vec<(u32, String)> = (0..3)
                .flat_map(|v| self.typo_options(v, own.0, own.1))
                .filter(|(s, no)| !ambiguous(own, *s, no))
                .collect();
            self.plans[i] = match self.pick_one(&options) {
                Some((sheet, no)) => Plan::Typo { sheet, no, expected: true, within: 1 },
                None => Plan::Typo { sheet: own.0, no: self.torn(own.1), expected: false, within: 1 },
            };
        }
    }
}

/// Every one-digit replacement of `d`: (position, digits).
fn substitutions(d: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    for k in 0..d.len() {
        for c in b'0'..=b'9' {
            if c != d[k] {
                let mut e = d.to_vec();
                e[k] = c;
                out.push((k, e));
            }
        }
    }
    out
}

/// Sheet and number pairs one edit away from `sheet` / `no` (transposition, replacement, deletion or
/// insertion of one digit of either).
fn one_edit(sheet: u32, no: &str) -> Vec<(u32, u32)> {
    fn edits(d: &[u8]) -> Vec<u32> {
        let mut out: Vec<Vec<u8>> = substitutions(d).into_iter().map(|x| x.1).collect();
        for k in 0..d.len() {
            if k + 1 < d.len() {
                let mut e = d.to_vec();
                e.swap(k, k + 1);
                out.push(e);
            }
            let mut e = d.to_vec();
            e.remove(k);
            out.push(e);
        }
        for k in 0..=d.len() {
            for c in b'0'..=b'9' {
                let mut e = d.to_vec();
                e.insert(k, c);
                out.push(e);
            }
        }
        out.into_iter().filter_map(|e| std::str::from_utf8(&e).ok()?.parse().ok()).collect()
    }
    let Ok(n) = no.parse::<u32>() else { return Vec::new() };
    let mut out: Vec<(u32, u32)> = edits(no.as_bytes()).into_iter().map(|m| (sheet, m)).collect();
    out.extend(edits(sheet.to_string().as_bytes()).into_iter().map(|s| (s, n)));
    out
}
