//! Complex baseband signals as two real channels.
//!
//! A batch of `b` signals of `n` complex samples becomes an `f32` tensor of
//! shape `[b, 2, n]`: channel 0 the in-phase (real) parts, channel 1 the
//! quadrature (imaginary) parts — the layout of the RF Challenge's models.
//! The way back widens to `f64`. Signals of a batch have equal lengths.

use crate::error::{Error, Result};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use num_complex::Complex64 as C64;

/// `[b, 2, n]` from `b` signals of `n ≥ 1` samples each; an error for an
/// empty batch, unequal lengths, an empty signal, or a non-finite sample
/// (or one beyond `f32`'s range).
pub fn to_tensor<B: Backend>(signals: &[Vec<C64>], device: &B::Device) -> Result<Tensor<B, 3>> {
    let first = signals.first().ok_or(Error::invalid("batch", 0, "at least one signal"))?;
    let n = first.len();
    if n == 0 {
        return Err(Error::invalid("signal length", 0, "at least one sample"));
    }
    if let Some(bad) = signals.iter().find(|s| s.len() != n) {
        return Err(Error::Shape {
            context: "iq::to_tensor",
            expected: format!("every signal of {n} samples"),
            found: format!("one of {}", bad.len()),
        });
    }
    let mut data = Vec::with_capacity(signals.len() * 2 * n);
    for s in signals {
        data.extend(s.iter().map(|z| z.re as f32));
        data.extend(s.iter().map(|z| z.im as f32));
    }
    if !data.iter().all(|v| v.is_finite()) {
        return Err(Error::NonFinite { context: "iq::to_tensor (samples must be finite and within f32's range)" });
    }
    Ok(Tensor::from_data(TensorData::new(data, [signals.len(), 2, n]), device))
}

/// One signal's I/Q as channel-major `f32` values (`[re…, im…]`), the
/// layout of a training example ([`crate::train::Example`]).
pub fn channels(x: &[C64]) -> Vec<f32> {
    x.iter().map(|z| z.re as f32).chain(x.iter().map(|z| z.im as f32)).collect()
}

/// The signals of a `[b, 2, n]` tensor; an error for another channel count
/// or a non-finite value.
pub fn from_tensor<B: Backend>(t: Tensor<B, 3>) -> Result<Vec<Vec<C64>>> {
    let [b, c, n] = t.dims();
    if c != 2 {
        return Err(Error::Shape {
            context: "iq::from_tensor",
            expected: "2 channels (I, Q)".into(),
            found: format!("{c} channels"),
        });
    }
    let values: Vec<f32> = t.into_data().convert::<f32>().into_vec().map_err(|_| Error::Shape {
        context: "iq::from_tensor",
        expected: "f32 data".into(),
        found: "other".into(),
    })?;
    if !values.iter().all(|v| v.is_finite()) {
        return Err(Error::NonFinite { context: "iq::from_tensor" });
    }
    Ok((0..b)
        .map(|i| {
            let base = i * 2 * n;
            (0..n).map(|k| C64::new(values[base + k] as f64, values[base + n + k] as f64)).collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cpu;

    #[test]
    fn round_trip_and_layout() {
        let device = Default::default();
        let signals = vec![
            vec![C64::new(1.0, -1.0), C64::new(0.5, 2.0), C64::new(-3.0, 0.25)],
            vec![C64::new(0.0, 1.0), C64::new(-0.5, 0.0), C64::new(2.0, -2.0)],
        ];
        let t = to_tensor::<Cpu>(&signals, &device).unwrap();
        assert_eq!(t.dims(), [2, 2, 3]);
        // Channel 0 of signal 1 is its real parts.
        let re: Vec<f32> = t.clone().slice([1..2, 0..1, 0..3]).into_data().into_vec().unwrap();
        assert_eq!(re, vec![0.0, -0.5, 2.0]);
        assert_eq!(from_tensor(t).unwrap(), signals);
    }

    #[test]
    fn bad_input_is_an_error() {
        let device = Default::default();
        let ok = vec![C64::new(1.0, 0.0); 4];
        assert!(to_tensor::<Cpu>(&[], &device).is_err());
        assert!(to_tensor::<Cpu>(&[vec![]], &device).is_err());
        assert!(to_tensor::<Cpu>(&[ok.clone(), vec![C64::new(1.0, 0.0); 3]], &device).is_err());
        assert!(to_tensor::<Cpu>(&[vec![C64::new(f64::NAN, 0.0); 4]], &device).is_err());
        assert!(to_tensor::<Cpu>(&[vec![C64::new(1e300, 0.0); 4]], &device).is_err());
        let three = Tensor::<Cpu, 3>::zeros([1, 3, 4], &device);
        assert!(from_tensor(three).is_err());
    }
}
