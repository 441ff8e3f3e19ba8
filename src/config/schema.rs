//! The keys `dataset.toml` may hold (contract v2), checked before the values are read: an unknown key anywhere
//! is an error naming its line and the nearest known name, so that `[tolerance]` or `[column.parcels]` can never
//! let the defaults apply silently. `toml_edit` is used for the walk because it keeps each key's position.

use std::path::Path;

use toml_edit::{ImDocument, Item, TableLike};

use super::{CERTIFICATE_FIELDS, CITIZEN_FIELDS, GROUP_FIELDS, PARCEL_FIELDS};
use crate::error::{Error, Location, Result};

/// What a key holds.
enum Shape {
    /// A value (its type is checked when the values are read).
    Value,
    /// A table with these keys.
    Table(&'static [(&'static str, Shape)]),
    /// A table mapping canonical names (these) to column names.
    Columns(&'static [&'static str]),
}

const TOP: &[(&str, Shape)] = &[
    ("name", Shape::Value),
    ("crs", Shape::Value),
    ("province", Shape::Value),
    ("commune", Shape::Value),
    (
        "tolerances",
        Shape::Table(&[
            ("overlap_min_area_m2", Shape::Value),
            ("area_mismatch_ratio", Shape::Value),
            ("split_area_ratio", Shape::Value),
            ("gap_max_area_m2", Shape::Value),
        ]),
    ),
    ("rules", Shape::Table(&[("no_certificate_land_use", Shape::Value)])),
    (
        "columns",
        Shape::Table(&[
            ("parcels", Shape::Columns(PARCEL_FIELDS)),
            ("certificates", Shape::Columns(CERTIFICATE_FIELDS)),
            ("citizens", Shape::Columns(CITIZEN_FIELDS)),
            ("groups", Shape::Columns(GROUP_FIELDS)),
        ]),
    ),
    (
        "map_sheets",
        Shape::Table(&[
            ("file_pattern", Shape::Value),
            ("boundary_levels", Shape::Value),
            ("label_levels", Shape::Value),
        ]),
    ),
];

/// The 1-based line of byte `offset` in `text`.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Checks every key of `text` against the contract's. Syntax errors are left to the value reader, which says
/// them as well.
pub(super) fn check(text: &str, path: &Path) -> Result<()> {
    let Ok(doc) = ImDocument::parse(text) else { return Ok(()) };
    walk(doc.as_table(), TOP, "", text, path)
}

fn walk(table: &dyn TableLike, known: &[(&str, Shape)], prefix: &str, text: &str, path: &Path) -> Result<()> {
    for (key, item) in table.iter() {
        let dotted = format!("{prefix}{key}");
        let at = || {
            let line = table.key(key).and_then(|k| k.span()).map(|s| line_of(text, s.start));
            Location { file: path.to_path_buf(), item: line.map(|l| format!("line {l}")), field: Some(dotted.clone()) }
        };
        let Some((_, shape)) = known.iter().find(|(k, _)| *k == key) else {
            let names: Vec<&str> = known.iter().map(|(k, _)| *k).collect();
            let place = if prefix.is_empty() {
                "at the top of dataset.toml".to_string()
            } else {
                format!("in [{}]", prefix.trim_end_matches('.'))
            };
            return Err(Error::bad_input(at(), format!("unknown key `{key}` {place}; {}", suggest(key, &names))));
        };
        match shape {
            Shape::Value => {}
            Shape::Table(_) | Shape::Columns(_) if item.as_table_like().is_none() => {
                return Err(Error::bad_input(at(), format!("must be a table ([{dotted}]), not a single value")));
            }
            Shape::Table(inner) => {
                if let Some(t) = item.as_table_like() {
                    walk(t, inner, &format!("{dotted}."), text, path)?;
                }
            }
            Shape::Columns(names) => {
                let Some(t) = item.as_table_like() else { continue };
                for (canonical, value) in t.iter() {
                    let line = t.key(canonical).and_then(|k| k.span()).map(|s| line_of(text, s.start));
                    let at = Location {
                        file: path.to_path_buf(),
                        item: line.map(|l| format!("line {l}")),
                        field: Some(format!("{dotted}.{canonical}")),
                    };
                    if !names.contains(&canonical) {
                        return Err(Error::bad_input(
                            at,
                            format!("unknown property `{canonical}`; {}", suggest(canonical, names)),
                        ));
                    }
                    if !matches!(value, Item::Value(v) if v.is_str()) {
                        return Err(Error::bad_input(at, "must be a column name in quotes"));
                    }
                }
            }
        }
    }
    Ok(())
}

/// "did you mean `x`? (known: ...)" with the nearest known name, or just the list when none is near.
fn suggest(word: &str, known: &[&str]) -> String {
    let lower = word.to_lowercase();
    let nearest = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&lower, k), *k))
        .min()
        .filter(|(d, k)| *d <= 1.max(k.len() / 3) || k.starts_with(&lower) || lower.starts_with(k));
    match nearest {
        Some((_, k)) => format!("did you mean `{k}`? (known: {})", known.join(", ")),
        None => format!("known: {}", known.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatasetConfig;

    fn error(text: &str) -> String {
        DatasetConfig::parse(text, Path::new("dataset.toml")).unwrap_err().to_string()
    }

    #[test]
    fn misspelt_tables_and_keys_name_their_line_and_the_nearest_name() {
        assert_eq!(
            error("name = \"x\"\n\n[tolerance]\noverlap_min_area_m2 = 2.0\n"),
            "dataset.toml, line 3, field `tolerance`: unknown key `tolerance` at the top of dataset.toml; did you mean `tolerances`? (known: name, crs, province, commune, tolerances, rules, columns, map_sheets)"
        );
        assert_eq!(
            error("[column.parcels]\nsheet = \"SoTo\"\n"),
            "dataset.toml, line 1, field `column`: unknown key `column` at the top of dataset.toml; did you mean `columns`? (known: name, crs, province, commune, tolerances, rules, columns, map_sheets)"
        );
        assert_eq!(
            error("[tolerances]\noverlap_min_area_m2 = 1.0\narea_missmatch_ratio = 0.1\n"),
            "dataset.toml, line 3, field `tolerances.area_missmatch_ratio`: unknown key `area_missmatch_ratio` in [tolerances]; did you mean `area_mismatch_ratio`? (known: overlap_min_area_m2, area_mismatch_ratio, split_area_ratio, gap_max_area_m2)"
        );
        assert_eq!(
            error("[columns.certificate]\nholder_name = \"HoTen\"\n"),
            "dataset.toml, line 1, field `columns.certificate`: unknown key `certificate` in [columns]; did you mean `certificates`? (known: parcels, certificates, citizens, groups)"
        );
        // Dotted keys and inline tables are the same keys.
        assert!(error("columns.parcels.shet = \"SoTo\"\n")
            .contains("field `columns.parcels.shet`: unknown property `shet`; did you mean `sheet`?"));
        assert!(error("tolerances = { overlap = 1.0 }\n").contains("unknown key `overlap` in [tolerances]"));
        assert!(error("zzz = 1\n").ends_with("unknown key `zzz` at the top of dataset.toml; known: name, crs, province, commune, tolerances, rules, columns, map_sheets"));
        assert_eq!(
            error("columns = \"MaXa\"\n"),
            "dataset.toml, line 1, field `columns`: must be a table ([columns]), not a single value"
        );
        assert_eq!(
            error("[columns.parcels]\nsheet = 3\n"),
            "dataset.toml, line 2, field `columns.parcels.sheet`: must be a column name in quotes"
        );
    }

    #[test]
    fn every_key_of_the_contract_is_known() {
        let text = r#"
name = "Phuc Son commune"
crs = "VN2000:105.0"
province = "01"
commune = "10105"
[tolerances]
overlap_min_area_m2 = 0.5
area_mismatch_ratio = 0.05
split_area_ratio = 0.05
gap_max_area_m2 = 50.0
[rules]
no_certificate_land_use = ["DGT", "DTL", "SON", "MNC"]
[map_sheets]
file_pattern = "To_(\\d+)"
boundary_levels = [10]
label_levels = [13]
[columns.parcels]
sheet = "SoTo"
parcel_no = "SoThua"
parcel_code = "MaDinhDanh"
[columns.certificates]
holder_name = "HoTen"
[columns.citizens]
citizen_id = "SoDinhDanh"
[columns.groups]
group = "TenTo"
"#;
        let c = DatasetConfig::parse(text, Path::new("dataset.toml")).unwrap();
        assert_eq!(c.province.as_deref(), Some("01"));
        assert_eq!(c.commune.as_deref(), Some("10105"));
        assert_eq!(c.tolerances.gap_max_area_m2, 50.0);
        assert_eq!(c.rules.no_certificate_land_use, ["DGT", "DTL", "SON", "MNC"]);
        assert_eq!(c.map_sheets.as_ref().and_then(|m| m.label_levels.clone()), Some(vec![13]));
        assert_eq!(
            error("province = \"1\"\n"),
            "dataset.toml, field `province`: `1` is not a 2-digit province code (Hanoi is \"01\")"
        );
    }
}
