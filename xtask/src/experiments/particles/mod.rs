//! Experiments of `infoflow-particles` (arXiv 2312.10794, 2305.05465,
//! 2410.06833, 2411.04990).

pub mod causal;
pub mod energy;
pub mod equiangular;
pub mod hemisphere;
pub mod leaders_1d;
pub mod metastability;
pub mod phase_diagram;
pub mod renyi;
pub mod staircase;
pub mod value_spectrum;
pub mod wendel;

crate::names! {
    /// The two dynamics on the sphere: self-attention (softmax) and
    /// unnormalised self-attention.
    pub enum Model { Sa = "SA", Usa = "USA" }
}

impl Model {
    /// The library's normalisation of this model.
    pub fn normalization(self) -> infoflow_particles::Normalization {
        match self {
            Model::Sa => infoflow_particles::Normalization::Softmax,
            Model::Usa => infoflow_particles::Normalization::Unnormalized,
        }
    }
}
