//! The kernels the runtime knows, one typed call per kernel, their argument contracts, and
//! their CPU references (from gate-kernels).
//!
//! A contract is checked before anything runs, on either backend: a violation is
//! `InvalidArgument`, never a launch. `validate` must agree with the CPU reference's own
//! checks; a test keeps the two in step.

use gate_kernels::{ContractError, Tolerance};

/// A kernel of gate-kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KernelId {
    /// `y = a·x + y`.
    Saxpy,
    /// Deterministic sum.
    ReduceSum,
    /// Row-wise softmax.
    SoftmaxRows,
    /// Tiled SGEMM.
    Sgemm,
    /// Integer histogram.
    Histogram,
}

impl KernelId {
    /// Every kernel.
    pub const ALL: [KernelId; 5] = [
        KernelId::Saxpy,
        KernelId::ReduceSum,
        KernelId::SoftmaxRows,
        KernelId::Sgemm,
        KernelId::Histogram,
    ];

    /// The name used in stats, logs and metrics (the module name).
    pub fn name(self) -> &'static str {
        self.info().module
    }

    /// gate-kernels' description of the kernel.
    pub fn info(self) -> &'static gate_kernels::KernelInfo {
        match self {
            KernelId::Saxpy => &gate_kernels::saxpy::INFO,
            KernelId::ReduceSum => &gate_kernels::reduce_sum_f32::INFO,
            KernelId::SoftmaxRows => &gate_kernels::softmax_rows_f32::INFO,
            KernelId::Sgemm => &gate_kernels::sgemm_tiled::INFO,
            KernelId::Histogram => &gate_kernels::histogram_u32::INFO,
        }
    }

    /// How closely GPU output must match the CPU reference.
    pub fn tolerance(self) -> Tolerance {
        self.info().tolerance
    }

    /// The compiled module (empty PTX and fatbin in fallback builds).
    pub fn module(self) -> &'static gate_kernels::modules::Module {
        let name = self.name();
        gate_kernels::modules::MODULES
            .iter()
            .find(|m| m.name == name)
            .expect("every kernel has a module (gate-kernels tests this)")
    }
}

/// One call, with its arguments borrowed from the caller.
#[derive(Debug)]
pub enum Call<'a> {
    /// `y[i] = a * x[i] + y[i]`.
    Saxpy {
        /// Scale.
        a: f32,
        /// Input.
        x: &'a [f32],
        /// Input and output.
        y: &'a mut [f32],
    },
    /// `*out = Σ x`.
    ReduceSum {
        /// Input.
        x: &'a [f32],
        /// The sum.
        out: &'a mut f32,
    },
    /// Row-wise softmax of a `rows × cols` row-major matrix.
    SoftmaxRows {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
        /// Input.
        x: &'a [f32],
        /// Output.
        y: &'a mut [f32],
    },
    /// `C = alpha·A·B + beta·C`, row-major, A `m×k`, B `k×n`, C `m×n`.
    Sgemm {
        /// Rows of A and C.
        m: usize,
        /// Columns of B and C.
        n: usize,
        /// Columns of A, rows of B.
        k: usize,
        /// Scale of the product.
        alpha: f32,
        /// A.
        a: &'a [f32],
        /// B.
        b: &'a [f32],
        /// Scale of C.
        beta: f32,
        /// C, input and output.
        c: &'a mut [f32],
    },
    /// `bins[v % bins.len()] += 1` for every value (bins are added to, not cleared).
    Histogram {
        /// Values.
        values: &'a [u32],
        /// Bins.
        bins: &'a mut [u32],
    },
}

fn fits_u32(n: usize, what: &'static str) -> Result<u32, ContractError> {
    u32::try_from(n).map_err(|_| ContractError::Overflow { what })
}

fn product(a: usize, b: usize, what: &'static str) -> Result<usize, ContractError> {
    a.checked_mul(b).ok_or(ContractError::Overflow { what })
}

fn same_len(what: &'static str, expected: usize, got: usize) -> Result<(), ContractError> {
    if expected == got {
        Ok(())
    } else {
        Err(ContractError::LengthMismatch {
            what,
            expected,
            got,
        })
    }
}

impl Call<'_> {
    /// Which kernel.
    pub fn kernel(&self) -> KernelId {
        match self {
            Call::Saxpy { .. } => KernelId::Saxpy,
            Call::ReduceSum { .. } => KernelId::ReduceSum,
            Call::SoftmaxRows { .. } => KernelId::SoftmaxRows,
            Call::Sgemm { .. } => KernelId::Sgemm,
            Call::Histogram { .. } => KernelId::Histogram,
        }
    }

    /// Checks the argument contract: lengths against shapes, sizes that overflow, counts the
    /// kernel's `u32` parameters cannot hold, empty inputs where they are meaningless.
    pub fn validate(&self) -> Result<(), ContractError> {
        match self {
            Call::Saxpy { x, y, .. } => {
                same_len("y", x.len(), y.len())?;
                fits_u32(x.len(), "n").map(drop)
            }
            Call::ReduceSum { x, .. } => fits_u32(x.len(), "n").map(drop),
            Call::SoftmaxRows { rows, cols, x, y } => {
                let len = product(*rows, *cols, "rows * cols")?;
                fits_u32(*rows, "rows")?;
                fits_u32(*cols, "cols")?;
                same_len("x", len, x.len())?;
                same_len("y", len, y.len())
            }
            Call::Sgemm {
                m, n, k, a, b, c, ..
            } => {
                for (dim, what) in [(*m, "m"), (*n, "n"), (*k, "k")] {
                    fits_u32(dim, what)?;
                }
                same_len("a", product(*m, *k, "m * k")?, a.len())?;
                same_len("b", product(*k, *n, "k * n")?, b.len())?;
                same_len("c", product(*m, *n, "m * n")?, c.len())
            }
            Call::Histogram { values, bins } => {
                if bins.is_empty() {
                    return Err(ContractError::Empty { what: "bins" });
                }
                fits_u32(values.len(), "n")?;
                fits_u32(bins.len(), "num_bins").map(drop)
            }
        }
    }

    /// Runs the CPU reference in place.
    pub fn run_cpu(&mut self) -> Result<(), ContractError> {
        match self {
            Call::Saxpy { a, x, y } => gate_kernels::saxpy::cpu(*a, x, y),
            Call::ReduceSum { x, out } => {
                **out = gate_kernels::reduce_sum_f32::cpu(x)?;
                Ok(())
            }
            Call::SoftmaxRows { rows, cols, x, y } => {
                gate_kernels::softmax_rows_f32::cpu(*rows, *cols, x, y)
            }
            Call::Sgemm {
                m,
                n,
                k,
                alpha,
                a,
                b,
                beta,
                c,
            } => gate_kernels::sgemm_tiled::cpu(*m, *n, *k, *alpha, a, b, *beta, c),
            Call::Histogram { values, bins } => gate_kernels::histogram_u32::cpu(values, bins),
        }
    }

    /// Bytes the call reads and writes, for throughput.
    pub fn bytes(&self) -> u64 {
        let f = std::mem::size_of::<f32>();
        let n = match self {
            Call::Saxpy { x, y, .. } => (x.len() + 2 * y.len()) * f,
            Call::ReduceSum { x, .. } => (x.len() + 1) * f,
            Call::SoftmaxRows { x, y, .. } => (x.len() + y.len()) * f,
            Call::Sgemm { a, b, c, .. } => (a.len() + b.len() + 2 * c.len()) * f,
            Call::Histogram { values, bins } => (values.len() + 2 * bins.len()) * 4,
        };
        n as u64
    }

    /// A copy of the call's output buffer (for shadow verification and retries).
    pub(crate) fn output(&self) -> Output {
        match self {
            Call::Saxpy { y, .. } => Output::F32(y.to_vec()),
            Call::ReduceSum { out, .. } => Output::F32(vec![**out]),
            Call::SoftmaxRows { y, .. } => Output::F32(y.to_vec()),
            Call::Sgemm { c, .. } => Output::F32(c.to_vec()),
            Call::Histogram { bins, .. } => Output::U32(bins.to_vec()),
        }
    }

    /// Overwrites the call's output buffer.
    pub(crate) fn set_output(&mut self, output: &Output) {
        match (self, output) {
            (Call::Saxpy { y, .. }, Output::F32(v))
            | (Call::SoftmaxRows { y, .. }, Output::F32(v))
            | (Call::Sgemm { c: y, .. }, Output::F32(v)) => y.copy_from_slice(v),
            (Call::ReduceSum { out, .. }, Output::F32(v)) => **out = v[0],
            (Call::Histogram { bins, .. }, Output::U32(v)) => bins.copy_from_slice(v),
            _ => unreachable!("an output is always restored into the call it was taken from"),
        }
    }

    /// Runs the CPU reference on a copy, starting from `before` (the output as it was before
    /// the call), and returns the expected output.
    pub(crate) fn expected(&mut self, before: &Output) -> Result<Output, ContractError> {
        let after = self.output();
        self.set_output(before);
        let result = self.run_cpu().map(|()| self.output());
        self.set_output(&after);
        result
    }
}

/// A copy of an output buffer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Output {
    F32(Vec<f32>),
    U32(Vec<u32>),
}

impl Output {
    /// Compares a GPU output against the CPU's with the kernel's tolerance.
    pub(crate) fn matches(&self, want: &Output, tolerance: Tolerance) -> Result<(), String> {
        match (self, want) {
            (Output::F32(got), Output::F32(want)) => {
                tolerance.check(got, want).map_err(|m| m.to_string())
            }
            (Output::U32(got), Output::U32(want)) => {
                gate_kernels::check_exact_u32(got, want).map_err(|m| m.to_string())
            }
            _ => Err("output kinds differ".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every contract violation `validate` reports is one the CPU reference reports too, and
    /// valid calls pass both.
    #[test]
    fn validate_agrees_with_the_cpu_references() {
        let x3 = [1.0f32, 2.0, 3.0];
        type Case<'a> =
            Box<dyn Fn() -> (Result<(), ContractError>, Result<(), ContractError>) + 'a>;
        let cases: Vec<(&str, Case<'_>)> = vec![
            (
                "saxpy ok",
                Box::new(|| {
                    let mut y = [0.0; 3];
                    let mut c = Call::Saxpy {
                        a: 2.0,
                        x: &x3,
                        y: &mut y,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
            (
                "saxpy short y",
                Box::new(|| {
                    let mut y = [0.0; 2];
                    let mut c = Call::Saxpy {
                        a: 2.0,
                        x: &x3,
                        y: &mut y,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
            (
                "saxpy empty",
                Box::new(|| {
                    let mut y: [f32; 0] = [];
                    let mut c = Call::Saxpy {
                        a: 2.0,
                        x: &[],
                        y: &mut y,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
            (
                "reduce empty",
                Box::new(|| {
                    let mut out = 1.0;
                    let mut c = Call::ReduceSum {
                        x: &[],
                        out: &mut out,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
            (
                "softmax ok",
                Box::new(|| {
                    let mut y = [0.0; 3];
                    let mut c = Call::SoftmaxRows {
                        rows: 1,
                        cols: 3,
                        x: &x3,
                        y: &mut y,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
            (
                "softmax bad shape",
                Box::new(|| {
                    let mut y = [0.0; 3];
                    let mut c = Call::SoftmaxRows {
                        rows: 2,
                        cols: 3,
                        x: &x3,
                        y: &mut y,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
            (
                "softmax overflow",
                Box::new(|| {
                    let mut y = [0.0; 3];
                    let mut c = Call::SoftmaxRows {
                        rows: usize::MAX,
                        cols: 3,
                        x: &x3,
                        y: &mut y,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
            (
                "sgemm ok",
                Box::new(|| {
                    let a = [1.0; 6];
                    let b = [1.0; 6];
                    let mut cc = [0.0; 4];
                    let mut c = Call::Sgemm {
                        m: 2,
                        n: 2,
                        k: 3,
                        alpha: 1.0,
                        a: &a,
                        b: &b,
                        beta: 0.0,
                        c: &mut cc,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
            (
                "sgemm bad b",
                Box::new(|| {
                    let a = [1.0; 6];
                    let b = [1.0; 5];
                    let mut cc = [0.0; 4];
                    let mut c = Call::Sgemm {
                        m: 2,
                        n: 2,
                        k: 3,
                        alpha: 1.0,
                        a: &a,
                        b: &b,
                        beta: 0.0,
                        c: &mut cc,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
            (
                "sgemm overflow",
                Box::new(|| {
                    let mut cc = [0.0; 4];
                    let mut c = Call::Sgemm {
                        m: usize::MAX,
                        n: 2,
                        k: 3,
                        alpha: 1.0,
                        a: &[],
                        b: &[],
                        beta: 0.0,
                        c: &mut cc,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
            (
                "histogram ok",
                Box::new(|| {
                    let mut bins = [0; 4];
                    let mut c = Call::Histogram {
                        values: &[1, 2, 9],
                        bins: &mut bins,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
            (
                "histogram no bins",
                Box::new(|| {
                    let mut bins: [u32; 0] = [];
                    let mut c = Call::Histogram {
                        values: &[1],
                        bins: &mut bins,
                    };
                    (c.validate(), c.run_cpu())
                }),
            ),
        ];
        for (name, case) in cases {
            let (validated, ran) = case();
            assert_eq!(
                validated.is_ok(),
                ran.is_ok(),
                "{name}: validate {validated:?}, cpu {ran:?}"
            );
            if let (Err(v), Err(r)) = (&validated, &ran) {
                assert_eq!(
                    std::mem::discriminant(v),
                    std::mem::discriminant(r),
                    "{name}: {v:?} vs {r:?}"
                );
            }
        }
    }

    #[test]
    fn expected_output_starts_from_the_output_before_the_call() {
        let x = [1.0f32, 2.0];
        let mut y = [10.0f32, 20.0];
        let mut call = Call::Saxpy {
            a: 2.0,
            x: &x,
            y: &mut y,
        };
        let before = call.output();
        // Pretend a backend wrote garbage.
        call.set_output(&Output::F32(vec![0.0, 0.0]));
        let want = call.expected(&before).unwrap();
        assert_eq!(want, Output::F32(vec![12.0, 24.0]));
        assert_eq!(
            call.output(),
            Output::F32(vec![0.0, 0.0]),
            "the call's buffer is untouched"
        );
    }

    #[test]
    fn every_kernel_has_a_module() {
        for kernel in KernelId::ALL {
            assert_eq!(kernel.module().name, kernel.name());
        }
    }
}
