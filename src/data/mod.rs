//! Datasets: the bundled manifest, CSV -> ndarray with located errors, text
//! corpora and TF-IDF, scaling, the stratified split and k-fold. Terminal-free.

pub mod bounded;
pub mod columns;
mod csvload;
mod fastcsv;
pub mod graph;
pub mod inspect;
mod manifest;
pub mod mixed;
pub mod pipeline;
mod progress;
pub mod scale;
pub mod sparse;
pub mod split;
mod table;
pub mod text;

pub(crate) use csvload::is_missing;
pub use csvload::{
    load_csv_bytes, load_csv_path, parse_delimiter, sniff_delimiter, CsvOptions, Missing, TaskKind,
    MAX_INTEGER_CLASSES,
};
pub use manifest::{bundled_file, manifest, DatasetInfo, DatasetKind};
pub use table::{sort_classes, Corpus, DataError, Dataset, Table};

/// Load a dataset by bundled name or by path. Tabular CSVs and text corpora
/// (a CSV whose only feature column is text) are supported here; sequence
/// and graph data have their own loaders.
pub fn load(name_or_path: &str, opts: &CsvOptions) -> Result<Dataset, DataError> {
    load_with_progress(name_or_path, opts, &mut |_, _| {})
}

/// [`load`], calling `progress(bytes_read, file_bytes)` about once per
/// percent while a CSV file from disk is parsed (for a progress bar; a
/// bundled dataset is in memory and loads at once).
pub fn load_with_progress(
    name_or_path: &str,
    opts: &CsvOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Dataset, DataError> {
    // The streaming path may decline part-way (a text cell, a gap) and the
    // general path parse from the start: the bar never moves back.
    let mut high = 0;
    let progress = &mut |done: u64, total: u64| {
        if done >= high {
            high = done;
            progress(done, total);
        }
    };
    if let Some(info) = manifest().iter().find(|d| d.name == name_or_path) {
        let bytes = bundled_file(&info.file).ok_or_else(|| {
            DataError::file(&info.file, "bundled file is missing from this build")
        })?;
        return match info.kind {
            DatasetKind::Tabular => {
                let mut o = opts.clone();
                if o.target.is_none() {
                    o.target = Some(info.target.clone());
                }
                load_csv_bytes(&info.name, &format!("datasets/{}", info.file), bytes, &o)
                    .map(Dataset::Table)
            }
            DatasetKind::Text => text::load_corpus_bytes(&info.name, &format!("datasets/{}", info.file), bytes, opts)
                .map(Dataset::Text),
            other => Err(DataError::file(
                &info.file,
                format!(
                    "dataset `{}` is {other} data; it is used by the sequence and graph tools, not by `run` with a classifier",
                    info.name
                ),
            )),
        };
    }
    let path = std::path::Path::new(name_or_path);
    if !path.exists() {
        let names: Vec<&str> = manifest().iter().map(|d| d.name.as_str()).collect();
        let hint = crate::text::closest(name_or_path, names.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(DataError::file(
            name_or_path,
            format!(
                "no such file, and not a bundled dataset (bundled: {}){hint}",
                names.join(", ")
            ),
        ));
    }
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name_or_path)
        .to_string();
    // A plain numeric table streams from disk into its matrix.
    if let Some(t) = fastcsv::try_load(path, &name, name_or_path, opts, progress)? {
        return Ok(Dataset::Table(t));
    }
    let bytes = bounded::read_bounded(path).map_err(|e| DataError::file(name_or_path, e))?;
    // Parsed once; a CSV with one non-numeric feature column of free text
    // is a corpus, anything else a table.
    let raw = csvload::read_raw_with(name_or_path, &bytes, opts.delimiter, progress)?;
    if text::is_corpus(&raw, opts) {
        return text::corpus_from_raw(&name, name_or_path, raw, opts).map(Dataset::Text);
    }
    csvload::table_from_raw(&name, name_or_path, raw, opts).map(Dataset::Table)
}
