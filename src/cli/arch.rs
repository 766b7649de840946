//! `mlwb arch`: the architecture calculator (per-layer output shape,
//! parameters, multiply-adds and receptive field of a known network), from
//! the same layer descriptors as the `cnn` and `arch` labs.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::out::{fail, print_json, FAILED, USAGE};
use crate::labs::arch::{self, shape_text, Arch, BlockRow, LayerRow, MODELS, PUBLISHED};

#[derive(Debug, clap::Args)]
pub struct ArchArgs {
    /// The model (vgg16, resnet50, bert-base, ...); without it, every model
    /// with its totals.
    pub model: Option<String>,
    /// Image side in pixels (default: the model's own, 224 or 32 for LeNet-5).
    #[arg(long, value_name = "PIXELS")]
    pub input: Option<usize>,
    /// Tokens per sequence (BERT).
    #[arg(long, default_value_t = 128, value_name = "TOKENS")]
    pub seq_len: usize,
    /// Print one JSON object (layers, blocks, totals).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ArchJson<'a> {
    model: &'a str,
    input: &'a [usize],
    params: u64,
    macs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    published_params: Option<u64>,
    layers: &'a [LayerRow],
    blocks: Vec<BlockRow>,
}

#[derive(Serialize)]
struct ModelJson {
    model: &'static str,
    input: Vec<usize>,
    params: u64,
    macs: u64,
    published_params: Option<u64>,
}

fn published(model: &str) -> Option<u64> {
    PUBLISHED.iter().find(|(m, _)| *m == model).map(|&(_, p)| p)
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn describe(model: &str, args: &ArchArgs) -> Result<Arch, arch::ArchError> {
    let image = args.input.unwrap_or_else(|| arch::standard_input(model));
    arch::model(model, image, args.seq_len)
}

pub fn run(args: &ArchArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<ExitCode> {
    let Some(name) = args.model.as_deref() else {
        return list(args, out, err);
    };
    if !MODELS.contains(&name) {
        return fail(
            err,
            format!("no model `{name}`; the models are: {}", MODELS.join(", ")),
            USAGE,
        );
    }
    let a = match describe(name, args) {
        Ok(a) => a,
        Err(e) => return fail(err, e, FAILED),
    };
    if args.json {
        print_json(
            out,
            &ArchJson {
                model: &a.model,
                input: &a.input,
                params: a.params(),
                macs: a.macs(),
                published_params: published(name),
                layers: &a.layers,
                blocks: a.blocks(),
            },
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<[String; 6]> = a
        .layers
        .iter()
        .map(|l| {
            [
                l.name.clone(),
                l.kind.clone(),
                shape_text(&l.output),
                thousands(l.params),
                thousands(l.macs),
                l.receptive_field
                    .map(|r| format!("{r}×{r}"))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let head = [
        "layer",
        "type",
        "output",
        "parameters",
        "mult-adds",
        "receptive field",
    ];
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([head[i].len()])
            .max()
            .unwrap_or(0)
    };
    let w: Vec<usize> = (0..6).map(width).collect();
    writeln!(out, "{} on input [{}]", a.model, shape_text(&a.input))?;
    let line = |out: &mut dyn Write, r: [&str; 6]| -> std::io::Result<()> {
        // Left-aligned text, right-aligned numbers; padding by characters.
        let pad = |s: &str, n: usize| " ".repeat(n.saturating_sub(s.chars().count()));
        writeln!(
            out,
            "{}{}  {}{}  {}{}  {}{}  {}{}  {}",
            r[0],
            pad(r[0], w[0]),
            r[1],
            pad(r[1], w[1]),
            pad(r[2], w[2]),
            r[2],
            pad(r[3], w[3]),
            r[3],
            pad(r[4], w[4]),
            r[4],
            r[5]
        )
    };
    line(out, head)?;
    for r in &rows {
        line(out, [&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]])?;
    }
    let (p, m) = (thousands(a.params()), thousands(a.macs()));
    line(out, ["total", "", &shape_text(a.output()), &p, &m, ""])?;
    match published(name) {
        Some(pp) if pp == a.params() => writeln!(
            out,
            "\n{p} parameters (published: {}, equal)",
            thousands(pp)
        )?,
        Some(pp) => writeln!(
            out,
            "\n{p} parameters at this input (published at the standard input: {})",
            thousands(pp)
        )?,
        None => writeln!(out, "\n{p} parameters")?,
    }
    writeln!(
        out,
        "{m} multiply-adds per example ({:.2} G; convolutions, linear layers and attention)",
        a.macs() as f64 / 1e9
    )?;
    Ok(ExitCode::SUCCESS)
}

fn list(args: &ArchArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<ExitCode> {
    let mut models = Vec::new();
    for &m in MODELS {
        match describe(m, args) {
            Ok(a) => models.push(ModelJson {
                model: m,
                input: a.input.clone(),
                params: a.params(),
                macs: a.macs(),
                published_params: published(m),
            }),
            Err(e) => return fail(err, format!("{m}: {e}"), FAILED),
        }
    }
    if args.json {
        print_json(out, &models)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{:<11} {:<12} {:>13} {:>17}",
        "model", "input", "parameters", "mult-adds"
    )?;
    for m in &models {
        writeln!(
            out,
            "{:<11} {:<12} {:>13} {:>17}",
            m.model,
            shape_text(&m.input),
            thousands(m.params),
            thousands(m.macs)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(138_357_544), "138,357,544");
    }
}
