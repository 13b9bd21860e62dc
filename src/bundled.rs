//! The bundled dataset: the founding article (Khusham, 7 February 2018) encoded as claims.
//!
//! The data file is compiled into the binary so `claimgraph` works from any folder; its
//! document's text is verified when the source tree (and `../shared/seeds`) is present, and
//! its quotes load unverified (and are reported so) where it is not.

use std::path::PathBuf;

use crate::load::DataFile;

pub const BUNDLED_NAME: &str = "data/khusham_2018.kg";
const BUNDLED_TEXT: &str = include_str!("../data/khusham_2018.kg");

pub fn bundled_dataset() -> DataFile {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    DataFile::new(BUNDLED_NAME, BUNDLED_TEXT, Some(base)).with_optional_texts()
}
