//! 1-D signals as tensors: complex baseband signals as two real channels,
//! real signals as one.
//!
//! A batch of `b` signals of `n` complex samples becomes an `f32` tensor of
//! shape `[b, 2, n]`: channel 0 the in-phase (real) parts, channel 1 the
//! quadrature (imaginary) parts — the layout of the RF Challenge's models.
//! Real signals ([`real_to_tensor`]) become `[b, 1, n]`. The way back widens
//! to `f64`. Signals of a batch have equal lengths.

use crate::error::{Error, Result};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use num_complex::Complex64 as C64;

/// `[b, 2, n]` from `b` signals of `n ≥ 1` samples each; an error for an
/// empty batch, unequal lengths, an empty signal, or a non-finite sample
/// (or one beyond `f32`'s range).
pub fn to_tensor<B: Backend>(signals: &[Vec<C64>], device: &B::Device) -> Result<Tensor<B, 3>> {
    let n = batch_length(signals.iter().map(|s| s.len()), "iq::to_tensor")?;
    let mut data = Vec::with_capacity(signals.len() * 2 * n);
    for s in signals {
        data.extend(s.iter().map(|z| z.re as f32));
        data.extend(s.iter().map(|z| z.im as f32));
    }
    batch_tensor(data, [signals.len(), 2, n], "iq::to_tensor", device)
}

/// `[b, 1, n]` from `b` real signals of `n ≥ 1` samples each; the errors of
/// [`to_tensor`].
pub fn real_to_tensor<B: Backend>(signals: &[&[f64]], device: &B::Device) -> Result<Tensor<B, 3>> {
    let n = batch_length(signals.iter().map(|s| s.len()), "iq::real_to_tensor")?;
    let data = signals.iter().flat_map(|s| s.iter().map(|&v| v as f32)).collect();
    batch_tensor(data, [signals.len(), 1, n], "iq::real_to_tensor", device)
}

/// The common length of a batch's signals: an error for an empty batch,
/// an empty signal or unequal lengths.
fn batch_length(mut lengths: impl Iterator<Item = usize>, context: &'static str) -> Result<usize> {
    let n = lengths.next().ok_or(Error::invalid("batch", 0, "at least one signal"))?;
    if n == 0 {
        return Err(Error::invalid("signal length", 0, "at least one sample"));
    }
    match lengths.find(|&l| l != n) {
        Some(bad) => Err(Error::Shape {
            context,
            expected: format!("every signal of {n} samples"),
            found: format!("one of {bad}"),
        }),
        None => Ok(n),
    }
}

/// The tensor of `data` (checked finite after the narrowing to `f32`).
fn batch_tensor<B: Backend>(
    data: Vec<f32>,
    shape: [usize; 3],
    context: &'static str,
    device: &B::Device,
) -> Result<Tensor<B, 3>> {
    if !data.iter().all(|v| v.is_finite()) {
        // A sample beyond f32's range is infinite here.
        return Err(Error::NonFinite { context });
    }
    Ok(Tensor::from_data(TensorData::new(data, shape), device))
}

/// One signal's I/Q as channel-major `f32` values (`[re…, im…]`), the
/// layout of a training example ([`crate::train::Example`]).
pub fn channels(x: &[C64]) -> Vec<f32> {
    x.iter().map(|z| z.re as f32).chain(x.iter().map(|z| z.im as f32)).collect()
}

/// The signals of a `[b, 2, n]` tensor; an error for another channel count
/// or a non-finite value.
pub fn from_tensor<B: Backend>(t: Tensor<B, 3>) -> Result<Vec<Vec<C64>>> {
    let [b, _, n] = t.dims();
    let values = tensor_values(t, 2, "iq::from_tensor")?;
    Ok((0..b)
        .map(|i| {
            let base = i * 2 * n;
            (0..n).map(|k| C64::new(values[base + k] as f64, values[base + n + k] as f64)).collect()
        })
        .collect())
}

/// The real signals of a `[b, 1, n]` tensor; an error for another channel
/// count or a non-finite value.
pub fn real_from_tensor<B: Backend>(t: Tensor<B, 3>) -> Result<Vec<Vec<f64>>> {
    let n = t.dims()[2];
    let values = tensor_values(t, 1, "iq::real_from_tensor")?;
    Ok(values.chunks_exact(n.max(1)).map(|c| c.iter().map(|&v| v as f64).collect()).collect())
}

/// A tensor's `f32` values, checked: `channels` channels, all finite.
fn tensor_values<B: Backend>(t: Tensor<B, 3>, channels: usize, context: &'static str) -> Result<Vec<f32>> {
    let c = t.dims()[1];
    if c != channels {
        return Err(Error::Shape {
            context,
            expected: format!("{channels} channel(s)"),
            found: format!("{c} channels"),
        });
    }
    let values: Vec<f32> = t.into_data().convert::<f32>().into_vec().map_err(|_| Error::Shape {
        context,
        expected: "f32 data".into(),
        found: "other".into(),
    })?;
    if !values.iter().all(|v| v.is_finite()) {
        return Err(Error::NonFinite { context });
    }
    Ok(values)
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
        assert!(from_tensor(three.clone()).is_err());
        assert!(real_from_tensor(three).is_err());
        assert!(real_to_tensor::<Cpu>(&[&[1.0, 2.0], &[1.0]], &device).is_err());
        assert!(real_to_tensor::<Cpu>(&[&[f64::INFINITY]], &device).is_err());
    }

    #[test]
    fn real_signals_round_trip() {
        let device = Default::default();
        let (a, b) = ([1.0, -2.5, 0.25], [0.0, 3.0, -1.0]);
        let t = real_to_tensor::<Cpu>(&[&a, &b], &device).unwrap();
        assert_eq!(t.dims(), [2, 1, 3]);
        assert_eq!(real_from_tensor(t).unwrap(), vec![a.to_vec(), b.to_vec()]);
    }
}
