//! Deterministic test data: gate-support's SplitMix64, so every test sees the same inputs on
//! every machine, plus the wide-range data the error-bound tests need.

pub(crate) use gate_support::rng::SplitMix64 as Rng;

/// `len` values of random sign and magnitude spread over `2^-spread .. 2^spread`: data whose
/// sums cancel and round, to exercise error bounds.
pub(crate) fn vec_f32_wide(rng: &mut Rng, len: usize, spread: i32) -> Vec<f32> {
    (0..len)
        .map(|_| {
            let exponent = (rng.next_u32() % (2 * spread as u32 + 1)) as i32 - spread;
            let sign = if rng.next_u32() & 1 == 0 { 1.0 } else { -1.0 };
            sign * (1.0 + rng.unit_f32()) * 2f32.powi(exponent)
        })
        .collect()
}
