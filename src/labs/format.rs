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

/// The marker of group `i` of a scatter plot (the TUI's chart markers, then
/// four more so that ten digit classes read without colour).
pub const MARKERS: [char; 12] = ['o', 'x', '+', '*', '#', '@', '%', '&', '=', '~', '^', '$'];

/// The bounds `(x0, x1, y0, y1)` of a scatter plot's finite points, widened
/// when they are flat; `None` when there is no finite point.
pub fn scatter_bounds(s: &super::Scatter) -> Option<(f64, f64, f64, f64)> {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    let mut any = false;
    for p in s.groups.iter().flat_map(|g| &g.points) {
        if p[0].is_finite() && p[1].is_finite() {
            any = true;
            x0 = x0.min(p[0]);
            x1 = x1.max(p[0]);
            y0 = y0.min(p[1]);
            y1 = y1.max(p[1]);
        }
    }
    if !any {
        return None;
    }
    let widen = |lo: &mut f64, hi: &mut f64| {
        if *hi <= *lo {
            let pad = if *lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            *lo -= pad;
            *hi += pad;
        }
    };
    widen(&mut x0, &mut x1);
    widen(&mut y0, &mut y1);
    Some((x0, x1, y0, y1))
}

/// A scatter plot as `height` lines of `width` characters: each point is its
/// group's marker in the cell it falls in (a later group overwrites an
/// earlier one), `·` nowhere. Top line is the largest y.
pub fn scatter_grid(s: &super::Scatter, width: usize, height: usize) -> Vec<String> {
    let (width, height) = (width.max(2), height.max(2));
    let mut grid = vec![vec![' '; width]; height];
    if let Some((x0, x1, y0, y1)) = scatter_bounds(s) {
        for (gi, g) in s.groups.iter().enumerate() {
            let m = MARKERS[gi % MARKERS.len()];
            for p in &g.points {
                if !(p[0].is_finite() && p[1].is_finite()) {
                    continue;
                }
                let c = ((p[0] - x0) / (x1 - x0) * (width - 1) as f64).round() as usize;
                let r = ((y1 - p[1]) / (y1 - y0) * (height - 1) as f64).round() as usize;
                grid[r.min(height - 1)][c.min(width - 1)] = m;
            }
        }
    }
    grid.into_iter().map(|r| r.into_iter().collect()).collect()
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
