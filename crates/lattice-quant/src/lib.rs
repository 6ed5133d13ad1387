//! # infoflow-lattice-quant
//!
//! (Crate docs are completed with the matrix quantizer.)

#![warn(missing_docs)]

pub mod bounds;
pub mod error;
pub mod lattice;
pub mod lut;
pub mod matrix;
pub mod preprocess;
pub mod product;
pub mod scalar;
pub mod storage;
pub mod voronoi;
pub mod vq;

pub use error::{Error, Result};
