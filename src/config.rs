//! `dataset.toml`: the dataset's name, CRS, tolerances and column mappings.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Location, Result};

/// Canonical parcel properties (contract, "parcels") that the check reads, in the readers' order (that of
/// `RawFeature::values`); a `[columns.parcels]` mapping may name each.
pub const PARCEL_FIELDS: &[&str] =
    &["parcel_id", "commune", "sheet", "parcel_no", "group", "land_use", "area", "parcel_code"];
/// Canonical certificate columns (contract, "certificates.csv").
pub const CERTIFICATE_FIELDS: &[&str] = &[
    "cert_id",
    "serial",
    "commune",
    "sheet",
    "parcel_no",
    "area",
    "land_use",
    "issued",
    "holder_name",
    "holder_id",
    "holder_birth",
    "address",
];
/// Canonical population-register columns (contract, "citizens.csv").
pub const CITIZEN_FIELDS: &[&str] = &["citizen_id", "full_name", "birth_date", "gender", "address"];
/// Canonical residential-group properties.
pub const GROUP_FIELDS: &[&str] = &["group"];

/// Thresholds of the rules (contract, `[tolerances]`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tolerances {
    /// Overlaps up to this ground area (m2) are digitising noise.
    pub overlap_min_area_m2: f64,
    /// |certificate area - mapped area| / mapped area above this is a mismatch.
    pub area_mismatch_ratio: f64,
    /// Certificates whose areas sum to the mapped area within this ratio explain a split.
    pub split_area_ratio: f64,
    /// Holes between parcels up to this area (m2) are gaps to close (contract v2; the `gap` rule).
    pub gap_max_area_m2: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            overlap_min_area_m2: 0.5,
            area_mismatch_ratio: 0.05,
            split_area_ratio: 0.05,
            gap_max_area_m2: 50.0,
        }
    }
}

/// Rules that depend on the commune's practice (contract, `[rules]`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// Land-use codes that never carry a certificate: no `parcel_without_certificate` for parcels of these
    /// uses. By default roads, irrigation, rivers and water surface (`DGT`, `DTL`, `SON`, `MNC`, contract v2);
    /// `[]` exempts none.
    pub no_certificate_land_use: Vec<String>,
}

/// The land uses that carry no certificate in the campaign's practice: roads, irrigation, rivers, water surface
/// (the contract's default of `[rules] no_certificate_land_use`).
pub const USUALLY_EXEMPT: [&str; 4] = ["DGT", "DTL", "SON", "MNC"];

impl Default for Rules {
    fn default() -> Self {
        Rules { no_certificate_land_use: USUALLY_EXEMPT.iter().map(|c| c.to_string()).collect() }
    }
}

/// Map sheets kept one file per sheet in a `parcels/` folder (contract, `[map_sheets]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MapSheets {
    /// Regular expression whose first group is the sheet number (default: the first number in the name).
    pub file_pattern: Option<String>,
    /// DGN levels holding parcel boundaries (default: all lines).
    pub boundary_levels: Option<Vec<u32>>,
    /// DGN levels holding parcel labels (default: all text).
    pub label_levels: Option<Vec<u32>>,
}

/// Source column name for each canonical property, per input file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Columns {
    pub(crate) parcels: BTreeMap<String, String>,
    pub(crate) certificates: BTreeMap<String, String>,
    pub(crate) citizens: BTreeMap<String, String>,
    pub(crate) groups: BTreeMap<String, String>,
}

impl Columns {
    /// The source column that holds `canonical` in the parcels file.
    pub fn parcel(&self, canonical: &str) -> String {
        self.parcels.get(canonical).cloned().unwrap_or_else(|| canonical.to_string())
    }
    pub(crate) fn certificate(&self, canonical: &str) -> String {
        self.certificates.get(canonical).cloned().unwrap_or_else(|| canonical.to_string())
    }
    pub(crate) fn citizen(&self, canonical: &str) -> String {
        self.citizens.get(canonical).cloned().unwrap_or_else(|| canonical.to_string())
    }
    pub(crate) fn group(&self, canonical: &str) -> String {
        self.groups.get(canonical).cloned().unwrap_or_else(|| canonical.to_string())
    }
}

/// The whole of `dataset.toml`. Every key is optional; an unknown one is an error (see [`crate::config`]'s
/// `schema`): a misspelt key must not let the defaults apply silently.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatasetConfig {
    pub(crate) name: Option<String>,
    /// "EPSG:nnnn", a PROJ string, or "VN2000:<lon_0>"; None: the parcels file's own CRS, else EPSG:4326.
    pub crs: Option<String>,
    /// The 2-digit province code (Hanoi `01`), where a store holds several provinces.
    pub province: Option<String>,
    /// The commune code for parcels that carry none.
    pub commune: Option<String>,
    /// The rules' thresholds (`[tolerances]`; defaults when the table is absent).
    pub tolerances: Tolerances,
    pub(crate) rules: Rules,
    pub(crate) columns: Columns,
    pub(crate) map_sheets: Option<MapSheets>,
}

impl DatasetConfig {
    /// Reads and validates `dataset.toml`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(Error::bad_input(Location::file(path), "not UTF-8 text"))
            }
            Err(e) => return Err(Error::unreadable(path, &e)),
        };
        Self::parse(&text, path)
    }

    /// Parses `dataset.toml` text; `path` names it in errors. Every key is checked against the contract's
    /// (an unknown one is an error naming its line and the nearest known name) before the values are read.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        schema::check(text, path)?;
        let config: DatasetConfig = toml::from_str(text).map_err(|e| {
            let field = e.span().map(|s| format!("line {}", schema::line_of(text, s.start)));
            Error::BadInput {
                at: Location { file: path.to_path_buf(), item: field, field: None },
                message: e.message().trim_end().to_string(),
            }
        })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let t = &self.tolerances;
        for (name, value) in [
            ("overlap_min_area_m2", t.overlap_min_area_m2),
            ("area_mismatch_ratio", t.area_mismatch_ratio),
            ("split_area_ratio", t.split_area_ratio),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(Error::bad_input(
                    Location::file(path).field(format!("tolerances.{name}")),
                    format!("must be a non-negative number, not {value}"),
                ));
            }
        }
        if !t.gap_max_area_m2.is_finite() || t.gap_max_area_m2 < 0.0 {
            return Err(Error::bad_input(
                Location::file(path).field("tolerances.gap_max_area_m2"),
                format!("must be a non-negative number, not {}", t.gap_max_area_m2),
            ));
        }
        if let Some(p) = &self.province {
            if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::bad_input(
                    Location::file(path).field("province"),
                    format!("`{p}` is not a 2-digit province code (Hanoi is \"01\")"),
                ));
            }
        }
        for (key, value) in [("name", &self.name), ("crs", &self.crs), ("commune", &self.commune)] {
            if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Error::bad_input(
                    Location::file(path).field(key),
                    "is empty: leave the key out for the default",
                ));
            }
        }
        if let Some(pattern) = self.map_sheets.as_ref().and_then(|m| m.file_pattern.as_deref()) {
            sheets::SheetNames::new(Some(pattern))
                .map_err(|e| Error::bad_input(Location::file(path).field("map_sheets.file_pattern"), e))?;
        }
        for (i, code) in self.rules.no_certificate_land_use.iter().enumerate() {
            if code.trim().is_empty() {
                return Err(Error::bad_input(
                    Location::file(path).field(format!("rules.no_certificate_land_use[{i}]")),
                    "an empty land-use code",
                ));
            }
        }
        Ok(())
    }
}

mod schema;
pub mod sheets;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_file() {
        let c = DatasetConfig::load(Path::new("/nonexistent/dataset.toml")).unwrap();
        assert_eq!(c, DatasetConfig::default());
        assert_eq!(c.tolerances.overlap_min_area_m2, 0.5);
    }

    #[test]
    fn parses_contract_example() {
        let text = r#"
name = "Phuc Son commune"
crs = "VN2000:105.0"
[tolerances]
overlap_min_area_m2 = 0.5
area_mismatch_ratio = 0.05
split_area_ratio = 0.05
[columns.parcels]
sheet = "SoTo"
parcel_no = "SoThua"
[columns.certificates]
holder_name = "HoTen"
"#;
        let c = DatasetConfig::parse(text, Path::new("dataset.toml")).unwrap();
        assert_eq!(c.name.as_deref(), Some("Phuc Son commune"));
        assert_eq!(c.crs.as_deref(), Some("VN2000:105.0"));
        assert_eq!(c.columns.parcel("sheet"), "SoTo");
        assert_eq!(c.columns.parcel("group"), "group");
        assert_eq!(c.columns.certificate("holder_name"), "HoTen");
    }

    #[test]
    fn rejects_unknown_canonical_name_and_negative_tolerance() {
        let e = DatasetConfig::parse("[columns.parcels]\nsheeet = \"SoTo\"\n", Path::new("d.toml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "d.toml, line 2, field `columns.parcels.sheeet`: unknown property `sheeet`; did you mean `sheet`? (known: parcel_id, commune, sheet, parcel_no, group, land_use, area, parcel_code)"
        );
        let e = DatasetConfig::parse("[tolerances]\nsplit_area_ratio = -1.0\n", Path::new("d.toml")).unwrap_err();
        assert!(e.is_bad_input());
        assert!(e.to_string().contains("tolerances.split_area_ratio"), "{e}");
        let e = DatasetConfig::parse("[tolerances]\nsplit_area_ratio = \"x\"\n", Path::new("d.toml")).unwrap_err();
        assert!(e.to_string().starts_with("d.toml, line 2"), "{e}");
    }
}
