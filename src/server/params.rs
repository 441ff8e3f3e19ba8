//! Query parameters, parsed by hand so every bad value gets a reason naming the parameter.

use geo::{Coord, Rect};

use super::error::ApiError;

/// The query string's parameters (later repeats win).
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The parameters of a query string (none when there is no query).
    pub fn parse(query: Option<&str>) -> Params {
        Params(form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect())
    }

    /// The value of parameter `name` (the last one when repeated), as decoded.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A finite number, or None when absent.
    pub fn number(&self, name: &str) -> Result<Option<f64>, ApiError> {
        let Some(v) = self.get(name) else { return Ok(None) };
        match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(ApiError::bad_request(format!("parameter `{name}`: `{v}` is not a number"))),
        }
    }

    /// A whole number in `0..=max`, or None when absent.
    pub fn count(&self, name: &str, max: usize) -> Result<Option<usize>, ApiError> {
        let Some(v) = self.get(name) else { return Ok(None) };
        let n: usize = v
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_request(format!("parameter `{name}`: `{v}` is not a whole number")))?;
        if n > max {
            return Err(ApiError::bad_request(format!("parameter `{name}`: {n} is beyond the maximum {max}")));
        }
        Ok(Some(n))
    }

    /// A required number within `range`.
    pub fn required_in(&self, name: &str, range: std::ops::RangeInclusive<f64>) -> Result<f64, ApiError> {
        let x = self.number(name)?.ok_or_else(|| ApiError::bad_request(format!("parameter `{name}` is required")))?;
        in_range(name, x, range)
    }

    /// `bbox=west,south,east,north` in longitude/latitude (OGC API - Features, CRS84).
    pub fn bbox(&self) -> Result<Option<Rect<f64>>, ApiError> {
        let Some(v) = self.get("bbox") else { return Ok(None) };
        let parts: Vec<&str> = v.split(',').collect();
        if parts.len() != 4 {
            return Err(ApiError::bad_request(format!(
                "parameter `bbox`: `{v}` must be four numbers west,south,east,north"
            )));
        }
        let mut n = [0.0; 4];
        for (slot, p) in n.iter_mut().zip(&parts) {
            *slot = match p.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => x,
                _ => return Err(ApiError::bad_request(format!("parameter `bbox`: `{p}` is not a number"))),
            };
        }
        let [w, s, e, north] = n;
        for (name, x, r) in [
            ("west", w, -180.0..=180.0),
            ("south", s, -90.0..=90.0),
            ("east", e, -180.0..=180.0),
            ("north", north, -90.0..=90.0),
        ] {
            in_range(&format!("bbox {name}"), x, r)?;
        }
        if w > e || s > north {
            return Err(ApiError::bad_request(format!(
                "parameter `bbox`: minimum above maximum in `{v}` (west,south,east,north)"
            )));
        }
        Ok(Some(Rect::new(Coord { x: w, y: s }, Coord { x: e, y: north })))
    }
}

fn in_range(name: &str, x: f64, range: std::ops::RangeInclusive<f64>) -> Result<f64, ApiError> {
    if range.contains(&x) {
        Ok(x)
    } else {
        Err(ApiError::bad_request(format!("parameter `{name}`: {x} is outside {}..{}", range.start(), range.end())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bboxes_are_checked() {
        let p = |q| Params::parse(Some(q)).bbox();
        assert!(p("bbox=105,20,106,21").unwrap().is_some());
        assert!(p("bbox=106,20,105,21").is_err());
        assert!(p("bbox=105,20,106,91").is_err());
        assert!(p("bbox=a,20,106,21").is_err());
        assert!(p("bbox=1,2,3").is_err());
    }

    #[test]
    fn counts_are_whole_and_bounded() {
        let p = Params::parse(Some("limit=20&offset=-1&x=abc"));
        assert_eq!(p.count("limit", 100), Ok(Some(20)));
        assert!(p.count("limit", 10).is_err());
        assert!(p.count("offset", 10).is_err());
        assert!(p.number("x").is_err());
        assert_eq!(p.count("absent", 10), Ok(None));
    }
}
