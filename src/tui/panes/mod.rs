//! One widget file per panel (trippy style): the reader's tree, note,
//! status line, help and problems overlays, the experiment pane's panels
//! and the quiz. A new lab is one file here.

pub mod cards;
pub mod experiment;
pub mod lab;
pub mod quiz;
pub mod reader;
