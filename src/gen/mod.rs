//! Seeded generator of synthetic communes: a dataset directory (per the dataset contract) together with
//! `truth.json`, what a correct `thuadat check` must report on it.
//!
//! # Layout
//!
//! The commune is drawn in VN-2000 TM-3 metres (eastings around 540-600 km, northings of the province that
//! goes with the central meridian: about 2 320 km, Hanoi, for `VN2000:105.0`), turned a few degrees as a
//! whole. Its west part is urban, its east part rural; each is a grid of blocks separated by roads whose
//! crossings are jittered, so blocks are slightly skewed quadrilaterals, not axis-aligned rectangles.
//!
//! * Urban blocks (70-130 m by 28-46 m) hold two back-to-back rows of tube-house strips (4-6 m frontage,
//!   12-25 m deep, frontage on the street; land use ODT, sometimes ODT+CLN or TMD) and a corner lot at each
//!   end spanning the block's depth.
//! * Rural blocks (120-250 m by 100-200 m) are villages (ONT, ONT+CLN, 200-600 m2), rice fields (LUC, long
//!   plots up to 2 000 m2), gardens (CLN, HNK) or fish ponds (NTS): a jittered lattice of plots, some edges
//!   bent at their middle so that plots have 4 to 8 vertices and some are concave.
//! * Roads are parcels too (DGT; some rural ones are canals, DTL): the road south of each block runs through
//!   the crossing at its south-west corner, the road west of it ends there. They have no certificate (state
//!   land); dataset.toml lists their land uses in `[rules] no_certificate_land_use`, so they are not
//!   `parcel_without_certificate`.
//!
//! Neighbours share boundaries exactly: every shared vertex, T-junctions included (the rear corners of one
//! row lie on the rear line of the other and appear in both rings), is computed once and written into both
//! rings, so touching parcels do not overlap by even a rounding sliver.
//!
//! Map sheets are rectangles of blocks (a few hundred to about 1 500 parcels, numbered from the north-west);
//! parcels are numbered 1..n per sheet block by block (north row of a block first, west to east, its roads
//! last). Residential groups ("Tổ dân phố 3", "Thôn Đông") are other rectangles of blocks (about 400-1 500
//! parcels), each with its roads; `groups.geojson` holds their exact unions, so every parcel lies inside its
//! group.
//!
//! Certificates: one per parcel, issued 1993-2024, area within ±1% of the mapped area; a quarter have two
//! holders (husband and wife). Holder ids are CCCD (consistent with birth year and sex), old CMND or empty,
//! by period of issue; addresses are three-level ("thôn Đông, xã X, huyện Y") before 2005. Some holder names
//! are damaged (upper case, no diacritics, NFD, double space, old tone placement); about 3% of the others are
//! written in TCVN3, VNI or CP1258 as read back through Windows-1252 (`NguyÔn V¨n An`; only names that
//! `vntext::repair` recovers exactly, on their own random stream). `citizens.csv` has every
//! holder (clean, unless planted missing) and some other people.
//!
//! # Planted defects
//!
//! About `defect_rate` x parcels are touched, shared among the kinds below. Each yields exactly the conflicts
//! in the truth, every compared ratio 3x or more away from its threshold:
//!
//! * `overlap`: the middle vertex of a boundary pushed 0.3-2 m into the neighbour (3 m2 or more); or a rural
//!   plot digitised again (90-97% of its size, shifted, inside the original) as a new parcel numbered after
//!   the sheet's last, without certificate (so also `parcel_without_certificate`).
//! * `invalid_geometry`: bow-tie (two corners swapped), a ring of two distinct points, an unclosed ring, a
//!   null geometry; the parcel keeps one ordinary certificate (and no area rule applies to it). The ground it
//!   no longer covers (all of it without a geometry, the two triangles beside a bow tie's lobes) is a `gap`
//!   where its neighbours enclose it and its area fits (the truth works that out: `holes`).
//! * `gap` (5% more, on their own random stream): the middle vertex of a boundary pulled 0.5-2 m back into its
//!   own parcel between the midpoints of its two edges: a hole of 2-40 m2 between the two parcels alone.
//! * `duplicate_parcel_number`: a parcel cut in two on the map whose split-off part took the number of another
//!   parcel of the sheet (areas 15% or more apart); it follows its origin in the file, so either of the two
//!   may get the `_2` id; the other parcel's certificate goes to the closer area, leaving the split-off part
//!   `parcel_without_certificate`.
//! * `unmapped_split`: 2 or 3 certificates for one parcel, with suffixes (`45a`, `45-1`, `45/1`) or plain
//!   numbers whose areas sum to the mapped area within 0.4%.
//! * `duplicate_certificate`: two certificates (issued 1993-2004 and 2008-2024) each for the whole parcel.
//! * `unmatched_certificate`: the certificate's number with two digits transposed, one digit wrong, the sheet
//!   wrong (pointing at no parcel; `expected_candidate` is the true parcel, which is then the only parcel
//!   without certificate within one edit of what the certificate says), or the number torn (`""`, `"4?"`) or
//!   beyond the sheet's last (`expected_candidate` null); the true parcel is left `parcel_without_certificate`.
//! * numbers mistyped twice (5% more, on their own random stream, after the rest): two digits added or
//!   dropped (`1012` for `12`), one dropped or added and one wrong, two wrong, or a swap and a wrong digit;
//!   `expected_candidate` is the true parcel with `expected_within: 3` (among the first three candidates).
//! * `parcel_without_certificate`: plots with no certificate (besides the roads).
//! * `area_mismatch`: a certificate 16-40% off the mapped area.
//!
//! National codes (`MaDinhDanh`, own random stream: `codes.rs`): every parcel carries the GeoHash of a point
//! inside it, some with spaces around; some are empty, malformed (a character dropped or added, upper case, a
//! letter outside the alphabet), of a point 1-20 m outside the parcel, or copied from a neighbour.
//!
//! Holders (own random stream, after the rest, so the map and certificates do not depend on it): names are
//! unique per folded name and birth year, except for the planted namesakes. About 10% of the people whom no one
//! else looks like moved within the commune since their certificates: the register has their new house or
//! group (`namesakes.rs`), so that another address weighs against a match without deciding it. About 0.6% of the people
//! holding certificates are missing from `citizens.csv` (`not_found`), 0.6% get a namesake in it (same name,
//! birth date and address, another id: without an id they are `not_found`, ambiguous); 0.6% of the holder
//! rows carry another person's CCCD born the same year (`mismatch`), 0.6% their own with a serial digit
//! mistyped (matched by attributes, also when the person has a namesake twin: the typo is one edit from the
//! person's id only), 0.8% a malformed id (eleven digits, a letter O, province 003, the year digits one off:
//! `id_invalid`). Another 0.6% of the holders whose every row carries a CCCD are absent from the register,
//! which has a namesake instead: the same name and birth year (half of them the same date), another house or
//! group of the commune, another current id (`namesakes.rs`): `not_found`, with the namesake as
//! `candidate_id`. `truth.json` lists every holder row's status and citizen id (and that candidate).

mod certs;
mod codes;
mod defects;
mod holes;
mod layout;
mod names;
mod namesakes;
mod sheets;
mod truth;
mod write;

pub use sheets::SheetFormat;

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Location, Result};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenOptions {
    /// Dataset directory to create; it must not exist, or be empty.
    pub out: PathBuf,
    /// Approximate number of mapped parcels.
    pub parcels: usize,
    /// Seed of the random generator (ChaCha8): the same options give the same files and truth.
    pub seed: u64,
    /// Commune code, e.g. "00118".
    pub commune: String,
    /// Central meridian of the VN-2000 TM-3 zone, degrees.
    pub lon_0: f64,
    /// Fraction of parcels touched by a planted defect.
    pub defect_rate: f64,
    /// Write the map as a `parcels/` folder of map sheets instead of `parcels.geojson` (see [`SheetFormat`]).
    /// Only what a drawing of lines can hold is planted then: no overlaps, no invalid rings, no national codes.
    pub map_sheets: Option<SheetFormat>,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            out: PathBuf::from("commune"),
            parcels: 3000,
            seed: 1,
            commune: "00118".to_string(),
            lon_0: 105.0,
            defect_rate: 0.03,
            map_sheets: None,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenSummary {
    /// Features in parcels.geojson.
    pub parcels: usize,
    /// Distinct certificates (rows of certificates.csv are holders).
    pub certificates: usize,
    /// Conflicts in truth.json.
    pub conflicts: usize,
    /// Residential groups.
    pub groups: usize,
}

/// Writes a synthetic commune into `opts.out`: built in `<out>.tmp-gen`, then renamed into place.
/// The same options give byte-identical files.
pub fn generate(opts: &GenOptions) -> Result<GenSummary> {
    validate(opts)?;
    let out = &opts.out;
    if out.exists() {
        if !out.is_dir() {
            return Err(Error::bad_input(Location::file(out), "exists and is not a directory"));
        }
        let mut entries = std::fs::read_dir(out).map_err(|e| Error::io(out, e))?;
        if entries.next().is_some() {
            return Err(Error::bad_input(Location::file(out), "exists and is not empty"));
        }
    }
    let tmp = tmp_path(out)?;
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let summary = match build(opts, &tmp) {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    if out.exists() {
        std::fs::remove_dir(out).map_err(|e| Error::io(out, e))?;
    }
    std::fs::rename(&tmp, out).map_err(|e| Error::io(out, e))?;
    Ok(summary)
}

/// `<out>.tmp-gen`, next to `out` (also when `out` ends with a slash).
fn tmp_path(out: &Path) -> Result<PathBuf> {
    let Some(name) = out.file_name() else {
        return Err(Error::bad_input(Location::file(out), "must name a new directory"));
    };
    let mut name = name.to_owned();
    name.push(".tmp-gen");
    Ok(out.with_file_name(name))
}

fn validate(opts: &GenOptions) -> Result<()> {
    let bad = |field: &str, msg: String| Err(Error::bad_input(Location::file(&opts.out).field(field), msg));
    if opts.parcels == 0 || opts.parcels > 20_000_000 {
        return bad("parcels", format!("must be between 1 and 20000000, not {}", opts.parcels));
    }
    if opts.commune.is_empty() || !opts.commune.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return bad("commune", format!("must be a non-empty code of letters and digits, not {:?}", opts.commune));
    }
    if !opts.lon_0.is_finite() || !(90.0..=120.0).contains(&opts.lon_0) {
        return bad("lon_0", format!("must be a central meridian between 90 and 120 degrees, not {}", opts.lon_0));
    }
    if !opts.defect_rate.is_finite() || !(0.0..=0.25).contains(&opts.defect_rate) {
        return bad("defect_rate", format!("must be between 0 and 0.25, not {}", opts.defect_rate));
    }
    Ok(())
}

fn build(opts: &GenOptions, dir: &Path) -> Result<GenSummary> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let province = certs::PROVINCES
        .iter()
        .copied()
        .filter(|p| (p.lon_0 - opts.lon_0).abs() < 0.5)
        .min_by(|a, b| (a.lon_0 - opts.lon_0).abs().total_cmp(&(b.lon_0 - opts.lon_0).abs()))
        .unwrap_or(certs::PROVINCES[0]);
    let commune_name = names::COMMUNES[rng.random_range(0..names::COMMUNES.len())];
    let district = names::DISTRICTS[rng.random_range(0..names::DISTRICTS.len())];
    let origin =
        [500_000.0 + rng.random_range(40_000.0..60_000.0), province.northing + rng.random_range(-5_000.0..5_000.0)];

    let mut lay = layout::Layout::build(opts.parcels, origin, &mut rng);
    let drawn = opts.map_sheets.is_some();
    let planted = defects::plant(&mut lay, opts.defect_rate, &mut rng, drawn);
    let codes = match drawn {
        false => codes::assign(&lay, &planted, opts.lon_0, opts.defect_rate, opts.seed),
        true => codes::Codes { written: Vec::new(), outside: Vec::new() },
    };
    let mut reg = certs::Registry::new(province, opts.seed, lay.groups.len());
    reg.issue(&mut rng, &lay, &planted.plans);
    reg.others(&mut rng, &lay);
    reg.order_by_issue();
    reg.plant_moves_and_absent_namesakes();
    reg.plant_holders();
    reg.plant_legacy_names();

    // File order: sheet by sheet, by number; a split-off part right after the parcel it was cut from.
    let mut order: Vec<u32> = (0..lay.parcels.len() as u32).collect();
    order.sort_by_key(|&i| {
        let p = &lay.parcels[i as usize];
        (p.sheet, p.pos, p.sub)
    });
    let ids = truth::parcel_ids(&lay, &order, &opts.commune);
    let cert_ids: Vec<String> = (0..reg.certs.len()).map(|k| certs::cert_id(k, reg.certs.len())).collect();
    let tol = truth::Tolerances { area_mismatch_ratio: 0.05, split_area_ratio: 0.05 };
    let truth = truth::compute(&lay, &ids, &reg.certs, &cert_ids, (&planted, &codes), &tol, &reg.persons);
    if let Some(first) = truth.near_threshold.first() {
        return Err(Error::Internal(format!(
            "internal error: {} planted decisions too close to a threshold, e.g. {first}",
            truth.near_threshold.len()
        )));
    }

    let name = format!("{commune_name} (synthetic commune {}, seed {})", opts.commune, opts.seed);
    let place = write::Place { commune_code: &opts.commune, commune_name, district };
    match opts.map_sheets {
        None => {
            write::dataset_toml(&dir.join("dataset.toml"), &name, opts.lon_0, None)?;
            write::parcels(&dir.join("parcels.geojson"), &lay, &order, &opts.commune, &codes.written)?;
        }
        Some(format) => {
            write::dataset_toml(&dir.join("dataset.toml"), &name, opts.lon_0, Some(&opts.commune))?;
            sheets::write(dir, &lay, &order, &opts.commune, format)?;
        }
    }
    write::groups(&dir.join("groups.geojson"), &lay)?;
    write::certificates(&dir.join("certificates.csv"), &lay, &reg.certs, &reg.persons, &place)?;
    write::citizens(&dir.join("citizens.csv"), &lay, &reg.persons, &place)?;
    write::truth(&dir.join("truth.json"), &truth)?;
    Ok(GenSummary {
        parcels: lay.parcels.len(),
        certificates: reg.certs.len(),
        conflicts: truth.conflicts.len(),
        groups: lay.groups.len(),
    })
}
