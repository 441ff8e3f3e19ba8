//! Map sheets kept one file per sheet in a `parcels/` folder (contract v2, "Map sheets"): the sheet number that
//! a file's name gives, by `[map_sheets] file_pattern` (a regular expression whose first group is the number)
//! or, by default, the first number in the name.
//!
//! ```
//! use thuadat::config::sheets::SheetNames;
//! let default = SheetNames::new(None).unwrap();
//! assert_eq!(default.sheet_of("To_12.dgn"), Some(12));
//! assert_eq!(default.sheet_of("00118_To_12.dgn"), Some(118)); // the commune code comes first: say which number
//! let named = SheetNames::new(Some(r"To_(\d+)")).unwrap();
//! assert_eq!(named.sheet_of("00118_To_12.dgn"), Some(12));
//! assert_eq!(named.sheet_of("ban do.dgn"), None);
//! ```

use regex::Regex;

/// How sheet numbers are read from file names.
#[derive(Debug, Clone)]
pub struct SheetNames(Regex);

impl SheetNames {
    /// The pattern `file_pattern` (None: the first number in the name); why not, when it is not a regular
    /// expression with a group to take the number from.
    pub fn new(file_pattern: Option<&str>) -> Result<SheetNames, String> {
        let Some(pattern) = file_pattern else {
            return Regex::new(r"(\d+)").map(SheetNames).map_err(|e| e.to_string());
        };
        let re = Regex::new(pattern).map_err(|e| format!("`{pattern}` is not a regular expression: {e}"))?;
        if re.captures_len() < 2 {
            return Err(format!(
                "`{pattern}` has no group: put the sheet number's digits in parentheses, e.g. \"To_(\\\\d+)\""
            ));
        }
        Ok(SheetNames(re))
    }

    /// The sheet number in `file_name` (the first group of the first match); None when the pattern does not
    /// match, or its group is not a number that fits.
    pub fn sheet_of(&self, file_name: &str) -> Option<u32> {
        self.0.captures(file_name)?.get(1)?.as_str().parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_that_cannot_give_a_number_are_refused() {
        assert!(SheetNames::new(Some("To_(")).unwrap_err().starts_with("`To_(` is not a regular expression"));
        assert!(SheetNames::new(Some(r"To_\d+")).unwrap_err().contains("has no group"));
        let letters = SheetNames::new(Some("To_([a-z]+)")).unwrap();
        assert_eq!(letters.sheet_of("To_ab.dgn"), None);
        assert_eq!(SheetNames::new(None).unwrap().sheet_of("To_99999999999.dgn"), None);
    }
}
