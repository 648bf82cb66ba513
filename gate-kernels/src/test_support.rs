//! Deterministic test data: a SplitMix64 generator (no `rand` dependency), so every test sees
//! the same inputs on every machine.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for test data.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// Uniform in `[0, 1)`, with all 24 mantissa bits random.
    pub(crate) fn unit_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[lo, hi)` (up to rounding).
    pub(crate) fn f32_in(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit_f32()
    }

    /// `len` values uniform in `[lo, hi)`.
    pub(crate) fn vec_f32(&mut self, len: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..len).map(|_| self.f32_in(lo, hi)).collect()
    }

    /// `len` values of random sign and magnitude spread over `2^-spread .. 2^spread`: data
    /// whose sums cancel and round, to exercise error bounds.
    pub(crate) fn vec_f32_wide(&mut self, len: usize, spread: i32) -> Vec<f32> {
        (0..len)
            .map(|_| {
                let exponent = (self.next_u32() % (2 * spread as u32 + 1)) as i32 - spread;
                let sign = if self.next_u32() & 1 == 0 { 1.0 } else { -1.0 };
                sign * (1.0 + self.unit_f32()) * 2f32.powi(exponent)
            })
            .collect()
    }
}
