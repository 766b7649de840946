//! How lab numbers are written for people (the TUI and `mlwb run`): whole
//! numbers as whole numbers, reals to four significant figures, very large
//! or small ones in scientific notation. JSON keeps the full values.

use super::Cell;

/// A real to about four significant figures: `0.7071`, `12.35`, `1.234e-5`.
pub fn num(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{x:.3e}");
    }
    let decimals = (3 - a.log10().floor() as i32).clamp(0, 4) as usize;
    format!("{x:.decimals$}")
}

/// A table cell as text.
pub fn cell(c: &Cell) -> String {
    match c {
        Cell::Int(i) => i.to_string(),
        Cell::Num(x) => num(*x),
        Cell::Text(s) => s.clone(),
    }
}

/// A figure's value and unit: `97%`, `0.9721`, `12 ms`.
pub fn figure(value: f64, unit: &str) -> String {
    // A figure without a unit that is whole is a count (parameters,
    // layers): written whole, not `5.000`.
    let v = if unit.is_empty() && value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        num(value)
    };
    match unit {
        "" => v,
        "%" => format!("{v}%"),
        u => format!("{v} {u}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(0.7071234), "0.7071");
        assert_eq!(num(12.3456), "12.35");
        assert_eq!(num(1234.56), "1235");
        assert_eq!(num(0.0000123), "1.230e-5");
        assert_eq!(num(3.2e12), "3.200e12");
        assert_eq!(num(-0.5), "-0.5000");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(f64::NAN), "NaN");
        assert_eq!(cell(&Cell::Int(42)), "42");
        assert_eq!(figure(97.2, "%"), "97.20%");
        assert_eq!(figure(5.0, ""), "5");
        assert_eq!(figure(138_357_544.0, ""), "138357544");
        assert_eq!(figure(12.0, "ms"), "12.00 ms");
    }
}
