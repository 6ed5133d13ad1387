//! Experiments of `infoflow-numerics`: checks of the shared numerics that
//! every other experiment stands on.

pub mod sphere_inner_products;
