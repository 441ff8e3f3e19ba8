//! Dates as land records and the register write them: `YYYY` or `YYYY-MM-DD`.

/// A year, or a full date (`month` and `day` 0 for a year alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PartialDate {
    /// The year (`YYYY`).
    pub year: u16,
    /// The month, 1-12; 0 when only the year is known.
    pub month: u8,
    /// The day of the month, 1-31; 0 when only the year is known.
    pub day: u8,
}

impl PartialDate {
    /// True when month and day are known.
    pub fn is_full(&self) -> bool {
        self.month != 0
    }
}

impl std::fmt::Display for PartialDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_full() {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
        } else {
            write!(f, "{:04}", self.year)
        }
    }
}

/// Parses `YYYY` or `YYYY-MM-DD` (years 1800-2199, a real day of the month); empty is None.
///
/// ```
/// use thuadat::input::date::{parse_date, PartialDate};
/// assert_eq!(parse_date("1960"), Ok(Some(PartialDate { year: 1960, month: 0, day: 0 })));
/// assert_eq!(parse_date("1960-02-29").unwrap().unwrap().to_string(), "1960-02-29");
/// assert!(parse_date("1961-02-29").is_err());
/// assert!(parse_date("12/03/1960").is_err());
/// ```
pub fn parse_date(t: &str) -> Result<Option<PartialDate>, String> {
    let t = t.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("`{t}` is not a date (YYYY or YYYY-MM-DD)");
    let b = t.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = t.get(r)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let year = digits(0..4).ok_or_else(bad)?;
    if !(1800..=2199).contains(&year) {
        return Err(format!("`{t}`: year {year} is out of range (1800-2199)"));
    }
    let year = year as u16;
    match b.len() {
        4 => Ok(Some(PartialDate { year, month: 0, day: 0 })),
        10 if b[4] == b'-' && b[7] == b'-' => {
            let month = digits(5..7).ok_or_else(bad)?;
            let day = digits(8..10).ok_or_else(bad)?;
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            let days = match month {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if leap => 29,
                2 => 28,
                _ => return Err(format!("`{t}`: month {month} does not exist")),
            };
            if day == 0 || day > days {
                return Err(format!("`{t}`: day {day} does not exist in that month"));
            }
            Ok(Some(PartialDate { year, month: month as u8, day: day as u8 }))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_and_dates() {
        assert_eq!(parse_date(" 1985 "), Ok(Some(PartialDate { year: 1985, month: 0, day: 0 })));
        assert_eq!(parse_date("2000-02-29"), Ok(Some(PartialDate { year: 2000, month: 2, day: 29 })));
        assert_eq!(parse_date(""), Ok(None));
        assert_eq!(parse_date("1900-02-29"), Err("`1900-02-29`: day 29 does not exist in that month".into()));
        assert_eq!(parse_date("1985-13-01"), Err("`1985-13-01`: month 13 does not exist".into()));
        assert_eq!(parse_date("85"), Err("`85` is not a date (YYYY or YYYY-MM-DD)".into()));
        assert_eq!(parse_date("1985-1-1"), Err("`1985-1-1` is not a date (YYYY or YYYY-MM-DD)".into()));
        assert_eq!(parse_date("0985"), Err("`0985`: year 985 is out of range (1800-2199)".into()));
        assert_eq!(parse_date("1985-01-01").unwrap().unwrap().to_string(), "1985-01-01");
        assert_eq!(parse_date("1985").unwrap().unwrap().to_string(), "1985");
    }
}
