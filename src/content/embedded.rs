//! The topics bundled at build time (see `build.rs`).

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded_topics.rs"));
}

/// Every bundled topic file, sorted by name.
pub fn files() -> Vec<super::load::Input> {
    generated::FILES
        .iter()
        .map(|(n, t)| super::load::Input::Text {
            name: (*n).to_string(),
            text: (*t).to_string(),
        })
        .collect()
}
