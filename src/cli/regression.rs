//! Text output of a regression run: scores, cross-validation, the learning
//! curve, the coefficient table and the lasso path in brief.

use std::io::Write;

use crate::experiment::RegressionOutcome;
use crate::metrics::RegressionMetrics;

fn line(label: &str, m: &RegressionMetrics) -> String {
    let mape = m
        .mape
        .map(|v| format!("{:.2}%", v * 100.0))
        .unwrap_or_else(|| "- (a true value is 0)".into());
    format!(
        "{label:<6} R² {:.4}   RMSE {:.4}   MAE {:.4}   MAPE {mape}   ({} rows)",
        m.r2, m.rmse, m.mae, m.n
    )
}

pub fn print_regression(g: &RegressionOutcome, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "\n{}", line("test", &g.metrics))?;
    writeln!(out, "{}", line("train", &g.train_metrics))?;
    if let Some(cv) = &g.cv {
        let folds: Vec<String> = cv.r2.iter().map(|a| format!("{a:.3}")).collect();
        writeln!(
            out,
            "\n{}-fold CV R² {:.4} ± {:.4}  RMSE {:.4}  [{}]",
            cv.folds,
            cv.mean_r2,
            cv.std_r2,
            cv.mean_rmse,
            folds.join(" ")
        )?;
    }
    writeln!(out, "\nlearning curve (training rows: train R² / test R²)")?;
    for p in &g.learning_curve {
        writeln!(
            out,
            "  {:>6}: {:>8.4} / {:>8.4}",
            p.n_train, p.train_r2, p.test_r2
        )?;
    }
    if let Some(rows) = &g.coefficients {
        let has_se = rows.iter().any(|r| r.std_err.is_some());
        write!(out, "\n{:<20} {:>14}", "coefficient", "value")?;
        if has_se {
            write!(out, " {:>12} {:>8}", "std. error", "t")?;
        }
        writeln!(out)?;
        for r in rows {
            write!(
                out,
                "{:<20} {:>14.6}",
                crate::text::truncate(&r.name, 20),
                r.value
            )?;
            if let Some(se) = r.std_err {
                let t = if se > 0.0 { r.value / se } else { f64::NAN };
                write!(out, " {se:>12.6} {t:>8.2}")?;
            }
            writeln!(out)?;
        }
    }
    if let Some(p) = &g.lasso_path {
        // Where each feature enters the path (first nonzero weight).
        writeln!(
            out,
            "\nlasso path (l1_ratio {}): {} alphas from {:.4} down to {:.6}; a feature enters at",
            p.path.l1_ratio,
            p.path.alphas.len(),
            p.path.alphas.first().copied().unwrap_or(0.0),
            p.path.alphas.last().copied().unwrap_or(0.0)
        )?;
        let mut entries: Vec<(usize, &str)> = p
            .features
            .iter()
            .zip(&p.path.coefs)
            .filter_map(|(f, c)| c.iter().position(|v| *v != 0.0).map(|k| (k, f.as_str())))
            .collect();
        entries.sort();
        let s: Vec<String> = entries
            .iter()
            .map(|(k, f)| format!("{f} ({:.4})", p.path.alphas[*k]))
            .collect();
        writeln!(out, "  {}", s.join(", "))?;
    }
    Ok(())
}
