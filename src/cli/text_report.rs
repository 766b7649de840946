//! The text-corpus part of `mlwb run`'s plain output: vocabulary and
//! sparsity, the most indicative words per class, one test message explained.

use std::io::Write;

use crate::experiment::TextSummary;

fn words(list: &[(String, f64)]) -> String {
    list.iter()
        .map(|(w, v)| format!("{w} {v:+.3}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn print_text_summary(t: &TextSummary, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "text: {} {}-grams, min_df {}, max_df {}: vocabulary {} words ({} pruned), {} stored entries, density {:.5}%{}",
        t.weighting,
        format_args!("{}..{}", t.ngram_range.0, t.ngram_range.1),
        t.min_df,
        t.max_df,
        t.vocabulary_size,
        t.pruned_terms,
        t.nnz,
        t.density * 100.0,
        if t.sparse { ", sparse" } else { ", densified for this algorithm" }
    )?;
    if let Some(first) = t.indicative.first() {
        writeln!(out, "\nmost indicative words per class ({})", first.measure)?;
        for c in &t.indicative {
            writeln!(out, "  {:<14} {}", c.class, words(&c.words))?;
        }
    }
    if let Some(e) = &t.example {
        let shown: String = e.text.chars().take(100).collect();
        let more = if e.text.chars().count() > 100 {
            "…"
        } else {
            ""
        };
        writeln!(
            out,
            "\ntest message 1 (truth {}, predicted {}): \"{shown}{more}\"",
            e.truth, e.predicted
        )?;
        writeln!(
            out,
            "  words pushing it towards {}: {}",
            e.predicted,
            words(&e.words)
        )?;
    }
    Ok(())
}
