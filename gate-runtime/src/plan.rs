//! Plans: a sequence of kernel steps over buffers the plan owns, executed as one unit. On the
//! GPU, consecutive GPU steps form a segment captured once as a CUDA graph and replayed
//! after; a step that must run on the CPU (its kernel rolled back, say) splits the plan, and
//! the split is a `graph_break` in the decision log.

use crate::kernel::{Call, KernelId};
use gate_kernels::ContractError;

/// A buffer owned by a plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Buffer {
    /// `f32` data.
    F32(Vec<f32>),
    /// `u32` data.
    U32(Vec<u32>),
}

/// A handle to a plan buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BufId(pub(crate) usize);

/// The plan's buffers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Buffers(pub(crate) Vec<Buffer>);

/// One step. Outputs are written in place; a step's output buffer must differ from its
/// inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// `y = a·x + y`.
    Saxpy {
        /// Scale.
        a: f32,
        /// Input (f32).
        x: BufId,
        /// Input and output (f32).
        y: BufId,
    },
    /// `out[0] = Σ x`.
    ReduceSum {
        /// Input (f32).
        x: BufId,
        /// Output (f32, length 1).
        out: BufId,
    },
    /// Row softmax.
    SoftmaxRows {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
        /// Input (f32).
        x: BufId,
        /// Output (f32).
        y: BufId,
    },
    /// `C = alpha·A·B + beta·C`.
    Sgemm {
        /// Rows of A and C.
        m: usize,
        /// Columns of B and C.
        n: usize,
        /// Inner dimension.
        k: usize,
        /// Scale of the product.
        alpha: f32,
        /// A (f32).
        a: BufId,
        /// B (f32).
        b: BufId,
        /// Scale of C.
        beta: f32,
        /// C (f32).
        c: BufId,
    },
    /// Histogram.
    Histogram {
        /// Values (u32).
        values: BufId,
        /// Bins (u32).
        bins: BufId,
    },
}

impl Step {
    /// The kernel.
    pub fn kernel(&self) -> KernelId {
        match self {
            Step::Saxpy { .. } => KernelId::Saxpy,
            Step::ReduceSum { .. } => KernelId::ReduceSum,
            Step::SoftmaxRows { .. } => KernelId::SoftmaxRows,
            Step::Sgemm { .. } => KernelId::Sgemm,
            Step::Histogram { .. } => KernelId::Histogram,
        }
    }

    /// The buffer the step writes.
    pub fn output(&self) -> BufId {
        match *self {
            Step::Saxpy { y, .. } | Step::SoftmaxRows { y, .. } => y,
            Step::ReduceSum { out, .. } => out,
            Step::Sgemm { c, .. } => c,
            Step::Histogram { bins, .. } => bins,
        }
    }

    /// The buffers the step reads (besides its output).
    pub fn inputs(&self) -> Vec<BufId> {
        match *self {
            Step::Saxpy { x, .. } | Step::ReduceSum { x, .. } | Step::SoftmaxRows { x, .. } => {
                vec![x]
            }
            Step::Sgemm { a, b, .. } => vec![a, b],
            Step::Histogram { values, .. } => vec![values],
        }
    }
}

impl Buffers {
    /// The buffer's data, when it holds `f32`s.
    pub fn f32(&self, id: BufId) -> Option<&[f32]> {
        match self.0.get(id.0)? {
            Buffer::F32(v) => Some(v),
            Buffer::U32(_) => None,
        }
    }

    /// The buffer's data, when it holds `u32`s.
    pub fn u32(&self, id: BufId) -> Option<&[u32]> {
        match self.0.get(id.0)? {
            Buffer::U32(v) => Some(v),
            Buffer::F32(_) => None,
        }
    }

    /// Mutable access to one buffer.
    pub fn get_mut(&mut self, id: BufId) -> Option<&mut Buffer> {
        self.0.get_mut(id.0)
    }

    /// Runs `f` on the step as a [`Call`] borrowing these buffers (the output is taken out
    /// for the duration, so inputs and output never alias). Fails with a contract error when
    /// a handle is unknown, a buffer has the wrong type, or the output is also an input.
    pub fn with_call<T>(
        &mut self,
        step: &Step,
        f: impl FnOnce(&mut Call<'_>) -> T,
    ) -> Result<T, ContractError> {
        let out_id = step.output();
        if step.inputs().contains(&out_id) {
            return Err(ContractError::InvalidShape {
                what: "plan step",
                reason: "a step's output buffer must not also be one of its inputs",
            });
        }
        let mut output = std::mem::replace(
            self.0.get_mut(out_id.0).ok_or(ContractError::Empty {
                what: "buffer handle",
            })?,
            Buffer::F32(Vec::new()),
        );
        let result = self.call_with_output(step, &mut output, f);
        self.0[out_id.0] = output;
        result
    }

    fn call_with_output<T>(
        &self,
        step: &Step,
        output: &mut Buffer,
        f: impl FnOnce(&mut Call<'_>) -> T,
    ) -> Result<T, ContractError> {
        let wrong = |what| ContractError::InvalidShape {
            what,
            reason: "buffer has the wrong element type or does not exist",
        };
        let f32_in = |id: BufId, what| self.f32(id).ok_or(wrong(what));
        let mut scalar = 0.0f32;
        match (*step, output) {
            (Step::Saxpy { a, x, .. }, Buffer::F32(y)) => Ok(f(&mut Call::Saxpy {
                a,
                x: f32_in(x, "x")?,
                y,
            })),
            (Step::ReduceSum { x, .. }, Buffer::F32(out)) => {
                if out.len() != 1 {
                    return Err(ContractError::LengthMismatch {
                        what: "out",
                        expected: 1,
                        got: out.len(),
                    });
                }
                scalar = out[0];
                let result = f(&mut Call::ReduceSum {
                    x: f32_in(x, "x")?,
                    out: &mut scalar,
                });
                out[0] = scalar;
                Ok(result)
            }
            (Step::SoftmaxRows { rows, cols, x, .. }, Buffer::F32(y)) => {
                Ok(f(&mut Call::SoftmaxRows {
                    rows,
                    cols,
                    x: f32_in(x, "x")?,
                    y,
                }))
            }
            (
                Step::Sgemm {
                    m,
                    n,
                    k,
                    alpha,
                    a,
                    b,
                    beta,
                    ..
                },
                Buffer::F32(c),
            ) => Ok(f(&mut Call::Sgemm {
                m,
                n,
                k,
                alpha,
                a: f32_in(a, "a")?,
                b: f32_in(b, "b")?,
                beta,
                c,
            })),
            (Step::Histogram { values, .. }, Buffer::U32(bins)) => Ok(f(&mut Call::Histogram {
                values: self.u32(values).ok_or(wrong("values"))?,
                bins,
            })),
            _ => {
                let _ = scalar;
                Err(wrong("output"))
            }
        }
    }
}

/// A plan: buffers and the steps over them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub(crate) id: String,
    pub(crate) buffers: Buffers,
    pub(crate) steps: Vec<Step>,
    /// What executing the plan worked out once and need not again (per execution it cost
    /// as much as a graph replay's own copies); forgotten when a buffer or step is added.
    pub(crate) memo: Memo,
}

/// Facts about a plan that hold until it changes. A cache, so it takes no part in equality.
#[derive(Clone, Default)]
pub(crate) struct Memo {
    /// `(start, end)` → the first 16 hex digits of the SHA-256 of `steps[start..end]`'s
    /// `Debug` text.
    digests: std::collections::HashMap<(usize, usize), String>,
    /// Every step's contract held. Contracts are about lengths and shapes, which executing
    /// never changes (results are copied into the buffers as they are), so they hold until a
    /// buffer or step is added.
    pub(crate) validated: bool,
}

impl Memo {
    /// The digest of `steps[start..end]`.
    pub(crate) fn digest(&mut self, steps: &[Step], start: usize, end: usize) -> &str {
        self.digests.entry((start, end)).or_insert_with(|| {
            let text = format!("{:?}", &steps[start..end]);
            crate::preflight::sha256_hex(text.as_bytes())[..16].to_owned()
        })
    }
}

impl PartialEq for Memo {
    fn eq(&self, _: &Memo) -> bool {
        true
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Memo({} digests, validated: {})",
            self.digests.len(),
            self.validated
        )
    }
}

impl Plan {
    /// An empty plan; `id` names it in logs and keys its captured graphs.
    pub fn new(id: impl Into<String>) -> Plan {
        Plan {
            id: id.into(),
            ..Plan::default()
        }
    }

    /// Adds an `f32` buffer.
    pub fn f32(&mut self, data: Vec<f32>) -> BufId {
        self.memo = Memo::default();
        self.buffers.0.push(Buffer::F32(data));
        BufId(self.buffers.0.len() - 1)
    }

    /// Adds a `u32` buffer.
    pub fn u32(&mut self, data: Vec<u32>) -> BufId {
        self.memo = Memo::default();
        self.buffers.0.push(Buffer::U32(data));
        BufId(self.buffers.0.len() - 1)
    }

    /// Appends a step.
    pub fn push(&mut self, step: Step) -> &mut Plan {
        self.steps.push(step);
        self.memo = Memo::default();
        self
    }

    /// The buffers (read results here after execution).
    pub fn buffers(&self) -> &Buffers {
        &self.buffers
    }

    /// The steps.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The plan's id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A call as a one-step plan over copies of its buffers (so backends have one code path).
pub(crate) fn single_step(call: &Call<'_>) -> (Buffers, Step) {
    let mut b = Vec::new();
    let mut push = |buf: Buffer| {
        b.push(buf);
        BufId(b.len() - 1)
    };
    let step = match call {
        Call::Saxpy { a, x, y } => Step::Saxpy {
            a: *a,
            x: push(Buffer::F32(x.to_vec())),
            y: push(Buffer::F32(y.to_vec())),
        },
        Call::ReduceSum { x, out } => Step::ReduceSum {
            x: push(Buffer::F32(x.to_vec())),
            out: push(Buffer::F32(vec![**out])),
        },
        Call::SoftmaxRows { rows, cols, x, y } => Step::SoftmaxRows {
            rows: *rows,
            cols: *cols,
            x: push(Buffer::F32(x.to_vec())),
            y: push(Buffer::F32(y.to_vec())),
        },
        Call::Sgemm {
            m,
            n,
            k,
            alpha,
            a,
            b: bm,
            beta,
            c,
        } => Step::Sgemm {
            m: *m,
            n: *n,
            k: *k,
            alpha: *alpha,
            a: push(Buffer::F32(a.to_vec())),
            b: push(Buffer::F32(bm.to_vec())),
            beta: *beta,
            c: push(Buffer::F32(c.to_vec())),
        },
        Call::Histogram { values, bins } => Step::Histogram {
            values: push(Buffer::U32(values.to_vec())),
            bins: push(Buffer::U32(bins.to_vec())),
        },
    };
    (Buffers(b), step)
}

/// Copies a one-step plan's output back into the call.
pub(crate) fn write_back(call: &mut Call<'_>, buffers: &Buffers, step: &Step) {
    let out = step.output();
    match call {
        Call::Saxpy { y, .. } | Call::SoftmaxRows { y, .. } | Call::Sgemm { c: y, .. } => {
            if let Some(v) = buffers.f32(out) {
                y.copy_from_slice(v);
            }
        }
        Call::ReduceSum { out: o, .. } => {
            if let Some(v) = buffers.f32(out) {
                **o = v[0];
            }
        }
        Call::Histogram { bins, .. } => {
            if let Some(v) = buffers.u32(out) {
                bins.copy_from_slice(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_borrow_plan_buffers_without_aliasing() {
        let mut plan = Plan::new("p");
        let x = plan.f32(vec![1.0, 2.0]);
        let y = plan.f32(vec![1.0, 1.0]);
        let out = plan.f32(vec![0.0]);
        let step = Step::Saxpy { a: 2.0, x, y };
        plan.buffers
            .with_call(&step, |c| c.run_cpu())
            .unwrap()
            .unwrap();
        assert_eq!(plan.buffers.f32(y), Some(&[3.0, 5.0][..]));
        let sum = Step::ReduceSum { x: y, out };
        plan.buffers
            .with_call(&sum, |c| c.run_cpu())
            .unwrap()
            .unwrap();
        assert_eq!(plan.buffers.f32(out), Some(&[8.0][..]));
    }

    #[test]
    fn aliasing_wrong_types_and_unknown_handles_are_contract_errors() {
        let mut plan = Plan::new("p");
        let x = plan.f32(vec![1.0]);
        let v = plan.u32(vec![1]);
        let aliased = Step::Saxpy { a: 1.0, x, y: x };
        assert!(plan.buffers.with_call(&aliased, |_| ()).is_err());
        let wrong_type = Step::Saxpy { a: 1.0, x: v, y: x };
        assert!(plan.buffers.with_call(&wrong_type, |_| ()).is_err());
        let unknown = Step::Saxpy {
            a: 1.0,
            x,
            y: BufId(9),
        };
        assert!(plan.buffers.with_call(&unknown, |_| ()).is_err());
        // Nothing was lost on the error paths.
        assert_eq!(plan.buffers.f32(x), Some(&[1.0][..]));
    }
}
