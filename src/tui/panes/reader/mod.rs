//! The reader's panels: the topic tree, the note, the status line, and the
//! help and problems overlays.

mod help;
mod note;
mod problems;
mod search;
mod status;
mod tree;

pub use help::HelpOverlay;
pub use note::NotePanel;
pub use problems::ProblemsOverlay;
pub use search::SearchList;
pub use status::StatusLine;
pub use tree::TreePanel;
