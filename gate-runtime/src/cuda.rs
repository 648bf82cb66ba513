//! The CUDA driver side — the only module of this workspace with `unsafe` code (the driver is
//! a C library). Two parts:
//!
//! - [`probe`]: what the machine has, and it cannot panic. It checks that the driver library
//!   can be loaded *before* calling into it (cudarc panics inside any driver call when the
//!   library is absent, which under `panic = "abort"` would kill the process), then asks only
//!   for functions every driver has (`cuInit`, `cuDriverGetVersion`, `cuDeviceGet*`).
//! - [`CudaBackend`]: loads the modules (after the checks of [`crate::preflight`]), runs
//!   calls with host↔device copies, and captures plan segments as CUDA graphs.
//!
//! No GPU was available where this was written: the code compiles and the CPU-side tests run
//! everywhere, but the device paths run only where a GPU is present (see docs).
#![allow(unsafe_code)]

use crate::backend::{Backend, BackendError, SegmentRun};
use crate::kernel::{Call, KernelId};
use crate::plan::{BufId, Buffer, Buffers, Step};
use crate::preflight::{self, CodePath, Manifest};
use crate::status::StatusCode;
use cudarc::driver::sys;
use cudarc::driver::{
    CudaContext, CudaFunction, CudaGraph, CudaSlice, CudaStream, DeviceRepr, DriverError,
    LaunchConfig, PushKernelArg, ValidAsZeroBits,
};
use pool::{Kind, Pool};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

mod pool;

/// One GPU.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Device {
    /// Ordinal.
    pub ordinal: u32,
    /// Marketing name.
    pub name: String,
    /// Compute capability.
    pub compute_capability: (u32, u32),
}

/// What the probe found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Probe {
    /// The driver library cannot be loaded.
    Absent {
        /// Which library names were tried.
        reason: String,
    },
    /// The driver loaded but reports no device.
    NoDevice {
        /// Driver version (CUDA major, minor).
        driver: (u32, u32),
    },
    /// A driver call failed.
    Failed {
        /// What failed.
        reason: String,
    },
    /// A usable driver and at least one device.
    Present {
        /// Driver version (CUDA major, minor).
        driver: (u32, u32),
        /// Devices.
        devices: Vec<Device>,
    },
}

impl Probe {
    /// A reason code for the decision log, or `None` when a GPU is present.
    pub fn fallback_code(&self) -> Option<&'static str> {
        match self {
            Probe::Absent { .. } => Some("no_driver"),
            Probe::NoDevice { .. } => Some("no_device"),
            Probe::Failed { .. } => Some("driver_error"),
            Probe::Present { .. } => None,
        }
    }

    /// A sentence.
    pub fn describe(&self) -> String {
        match self {
            Probe::Absent { reason } => format!("no CUDA driver: {reason}"),
            Probe::NoDevice { driver } => {
                format!("CUDA driver {}.{} reports no device", driver.0, driver.1)
            }
            Probe::Failed { reason } => format!("CUDA driver error: {reason}"),
            Probe::Present { driver, devices } => format!(
                "CUDA driver {}.{}, {} device(s): {}",
                driver.0,
                driver.1,
                devices.len(),
                devices
                    .iter()
                    .map(|d| format!(
                        "{} (sm_{}{})",
                        d.name, d.compute_capability.0, d.compute_capability.1
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Probes once per process and caches the answer. Never panics.
pub fn probe() -> &'static Probe {
    static PROBE: OnceLock<Probe> = OnceLock::new();
    PROBE.get_or_init(|| {
        std::panic::catch_unwind(probe_uncached).unwrap_or_else(|_| Probe::Failed {
            reason: "the driver binding panicked while probing".into(),
        })
    })
}

fn check(rc: sys::CUresult, what: &str) -> Result<(), String> {
    if rc == sys::CUresult::CUDA_SUCCESS {
        Ok(())
    } else {
        Err(format!("{what} returned {rc:?}"))
    }
}

fn probe_uncached() -> Probe {
    // SAFETY: `is_culib_present` only tries to open the driver library by its known names; it
    // calls no driver function. Every call below happens only after it returned true.
    if !unsafe { sys::is_culib_present() } {
        return Probe::Absent {
            reason: "the CUDA driver library (libcuda / nvcuda) could not be loaded".into(),
        };
    }
    let mut version = 0i32;
    // SAFETY: the library is loaded; cuDriverGetVersion writes one int and needs no cuInit.
    if let Err(reason) = check(
        unsafe { sys::cuDriverGetVersion(&mut version) },
        "cuDriverGetVersion",
    ) {
        return Probe::Failed { reason };
    }
    let driver = ((version / 1000) as u32, ((version % 1000) / 10) as u32);
    // SAFETY: cuInit with flags 0 is the documented first call.
    let rc = unsafe { sys::cuInit(0) };
    if rc == sys::CUresult::CUDA_ERROR_NO_DEVICE {
        return Probe::NoDevice { driver };
    }
    if let Err(reason) = check(rc, "cuInit") {
        return Probe::Failed { reason };
    }
    let mut count = 0i32;
    // SAFETY: after a successful cuInit; writes one int.
    if let Err(reason) = check(
        unsafe { sys::cuDeviceGetCount(&mut count) },
        "cuDeviceGetCount",
    ) {
        return Probe::Failed { reason };
    }
    if count <= 0 {
        return Probe::NoDevice { driver };
    }
    let mut devices = Vec::new();
    for ordinal in 0..count {
        let mut device: sys::CUdevice = 0;
        let mut major = 0i32;
        let mut minor = 0i32;
        let mut name = [0 as std::ffi::c_char; 256];
        // SAFETY: ordinals below the count are valid; each call writes into the local given,
        // and the name buffer's length is passed.
        let result = unsafe {
            check(sys::cuDeviceGet(&mut device, ordinal), "cuDeviceGet").and_then(|()| {
                check(
                    sys::cuDeviceGetAttribute(
                        &mut major,
                        sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                        device,
                    ),
                    "cuDeviceGetAttribute",
                )?;
                check(
                    sys::cuDeviceGetAttribute(
                        &mut minor,
                        sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                        device,
                    ),
                    "cuDeviceGetAttribute",
                )?;
                check(
                    sys::cuDeviceGetName(name.as_mut_ptr(), name.len() as i32, device),
                    "cuDeviceGetName",
                )
            })
        };
        if let Err(reason) = result {
            return Probe::Failed { reason };
        }
        let bytes: Vec<u8> = name
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        devices.push(Device {
            ordinal: ordinal as u32,
            name: String::from_utf8_lossy(&bytes).into_owned(),
            compute_capability: (major as u32, minor as u32),
        });
    }
    Probe::Present { driver, devices }
}

/// Maps a driver error to a stable code: sticky errors poison the context; missing code
/// for the device is `Unsupported`; everything else is `DriverError`.
pub fn classify(err: &DriverError) -> StatusCode {
    use sys::CUresult::*;
    match err.0 {
        CUDA_ERROR_ILLEGAL_ADDRESS
        | CUDA_ERROR_LAUNCH_FAILED
        | CUDA_ERROR_HARDWARE_STACK_ERROR
        | CUDA_ERROR_ILLEGAL_INSTRUCTION
        | CUDA_ERROR_MISALIGNED_ADDRESS
        | CUDA_ERROR_INVALID_ADDRESS_SPACE
        | CUDA_ERROR_INVALID_PC
        | CUDA_ERROR_ASSERT
        | CUDA_ERROR_ECC_UNCORRECTABLE => StatusCode::ContextPoisoned,
        CUDA_ERROR_UNSUPPORTED_PTX_VERSION
        | CUDA_ERROR_NO_BINARY_FOR_GPU
        | CUDA_ERROR_INVALID_PTX
        | CUDA_ERROR_JIT_COMPILER_NOT_FOUND => StatusCode::Unsupported,
        _ => StatusCode::DriverError,
    }
}

fn driver_error(err: DriverError, what: &str) -> BackendError {
    BackendError::new(classify(&err), format!("{what}: {err:?}"))
}

/// A captured graph with the device buffers it was captured over (the graph's kernels
/// point at these allocations, so they live as long as the graph).
struct Segment {
    shapes: Vec<(usize, bool, usize)>,
    device: BTreeMap<usize, DeviceBuffer>,
    graph: CudaGraph,
}

// SAFETY: the graph and buffers are only used with the backend's context bound to the
// calling thread (every use goes through `bind_to_thread`), and the segment map's mutex
// serialises all access.
unsafe impl Send for Segment {}

enum DeviceBuffer {
    F32(CudaSlice<f32>),
    U32(CudaSlice<u32>),
}

impl DeviceBuffer {
    fn into_f32(self) -> Option<CudaSlice<f32>> {
        match self {
            DeviceBuffer::F32(s) => Some(s),
            DeviceBuffer::U32(_) => None,
        }
    }

    fn into_u32(self) -> Option<CudaSlice<u32>> {
        match self {
            DeviceBuffer::U32(s) => Some(s),
            DeviceBuffer::F32(_) => None,
        }
    }
}

/// The CUDA backend.
pub struct CudaBackend {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    functions: BTreeMap<KernelId, CudaFunction>,
    fingerprints: BTreeMap<KernelId, String>,
    segments: Mutex<HashMap<String, Segment>>,
    /// Device buffers of finished calls, for the next call of the same shape.
    pool: Mutex<Pool>,
}

impl std::fmt::Debug for CudaBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CudaBackend")
            .field("fingerprints", &self.fingerprints)
            .finish_non_exhaustive()
    }
}

impl CudaBackend {
    /// Opens device `ordinal` and loads every gate-kernels module after the preflight checks
    /// (driver vs PTX, arch vs device, digests). Call only after [`probe`] found the device.
    pub fn open(
        ordinal: u32,
        driver: (u32, u32),
        cc: (u32, u32),
    ) -> Result<CudaBackend, BackendError> {
        let manifest = Manifest::parse(gate_kernels::modules::MANIFEST_JSON)
            .map_err(|m| BackendError::new(StatusCode::VerifyFailed, m))?;
        if !manifest.is_native() {
            return Err(BackendError::new(
                StatusCode::Unsupported,
                format!(
                    "gate-kernels was built without CUDA kernels: {}",
                    manifest.fallback_reason.clone().unwrap_or_default()
                ),
            ));
        }
        let refuse = |r: preflight::Refusal| {
            BackendError::new(r.code, format!("{}: {}", r.reason, r.message))
        };
        preflight::check_driver(driver, &manifest).map_err(refuse)?;
        let code = preflight::select_code(cc, &manifest.archs).map_err(refuse)?;
        let ctx = context(ordinal)?;
        // The runtime synchronises after every call and captures graphs; cudarc's per-slice
        // event tracking would add event nodes to captures, so it is off.
        // SAFETY: no slice or stream of this context exists yet.
        unsafe { ctx.disable_event_tracking() };
        // An owned stream, not the default one: the legacy NULL stream cannot be captured
        // into a graph (cuStreamBeginCapture refuses it).
        let stream = ctx
            .new_stream()
            .map_err(|e| driver_error(e, "creating a stream"))?;
        let mut functions = BTreeMap::new();
        let mut fingerprints = BTreeMap::new();
        for kernel in KernelId::ALL {
            let module = kernel.module();
            preflight::verify_digest(module.name, module.fatbin, module.digest, &manifest)
                .map_err(refuse)?;
            let loaded = load(&ctx, module.name, module.fatbin)?;
            let function = loaded
                .load_function(kernel.info().entry)
                .map_err(|e| driver_error(e, &format!("finding {}", kernel.info().entry)))?;
            functions.insert(kernel, function);
            fingerprints.insert(
                kernel,
                format!(
                    "sha256:{}@{}/cuda{}.{}",
                    &module.digest[..16.min(module.digest.len())],
                    match &code {
                        CodePath::Sass(a) | CodePath::PtxJit(a) => a.clone(),
                    },
                    driver.0,
                    driver.1
                ),
            );
        }
        Ok(CudaBackend {
            ctx,
            stream,
            functions,
            fingerprints,
            segments: Mutex::new(HashMap::new()),
            pool: Mutex::new(Pool::default()),
        })
    }

    /// Fills a device buffer of `max(len, 1)` elements, `kept` from the pool or allocated.
    /// Zero-length inputs get a one-element buffer: the kernels bound-check on n.
    fn upload_slice<T: DeviceRepr + ValidAsZeroBits>(
        &self,
        host: &[T],
        kept: Option<CudaSlice<T>>,
    ) -> Result<CudaSlice<T>, BackendError> {
        let mut dev = match kept {
            Some(dev) => dev,
            None => self
                .stream
                .alloc_zeros::<T>(host.len().max(1))
                .map_err(|e| driver_error(e, "allocating"))?,
        };
        if !host.is_empty() {
            self.stream
                .memcpy_htod(host, &mut dev.slice_mut(0..host.len()))
                .map_err(|e| driver_error(e, "copying to the device"))?;
        }
        Ok(dev)
    }

    /// Device buffers calls took from the pool of finished calls' buffers, and buffers they
    /// had to allocate, since the backend opened: (reused, allocated).
    pub fn buffer_reuse(&self) -> (u64, u64) {
        let pool = self.pool();
        (pool.hits, pool.misses)
    }

    fn pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Copies the first `host.len()` elements of a device buffer back.
    fn download_into<T: DeviceRepr>(
        &self,
        dev: &CudaSlice<T>,
        host: &mut [T],
    ) -> Result<(), BackendError> {
        if !host.is_empty() {
            self.stream
                .memcpy_dtoh(&dev.slice(0..host.len()), host)
                .map_err(|e| driver_error(e, "copying from the device"))?;
        }
        Ok(())
    }

    fn sync(&self) -> Result<(), BackendError> {
        self.stream
            .synchronize()
            .map_err(|e| driver_error(e, "synchronising"))
    }

    /// Device scratch each step needs (the reduction's partials and counter), allocated before
    /// any capture: an allocation inside a capture would become a graph memory node whose
    /// lifetime cudarc's slices do not model.
    fn scratch(&self, steps: &[Step], buffers: &Buffers) -> Result<Scratch, BackendError> {
        steps
            .iter()
            .map(|step| match *step {
                Step::ReduceSum { x, .. } => {
                    // Zeroed once here; the kernel leaves its counter at zero for replays.
                    let words = gate_kernels::reduce_sum_f32::scratch_len(buffer_len(buffers, x));
                    self.stream
                        .alloc_zeros::<f32>(words)
                        .map(Some)
                        .map_err(|e| driver_error(e, "allocating"))
                }
                _ => Ok(None),
            })
            .collect()
    }

    /// Enqueues the launches of one step over device buffers and its pre-allocated scratch
    /// (no allocation, no copy, no sync), so the same code serves direct calls and graph
    /// capture.
    fn enqueue(
        &self,
        step: &Step,
        device: &mut BTreeMap<usize, DeviceBuffer>,
        scratch: Option<&mut CudaSlice<f32>>,
        buffers: &Buffers,
    ) -> Result<(), BackendError> {
        let f = |kernel: KernelId| &self.functions[&kernel];
        let len = |id: BufId| buffer_len(buffers, id);
        let launch_err = |e| driver_error(e, "launching");
        let cfg = launch_config;
        macro_rules! f32buf {
            ($id:expr) => {
                match device.get(&$id.0) {
                    Some(DeviceBuffer::F32(s)) => s,
                    _ => {
                        return Err(BackendError::new(
                            StatusCode::InvalidArgument,
                            "buffer type",
                        ))
                    }
                }
            };
        }
        // Output buffers are taken out of the map for the launch so they can be borrowed
        // mutably next to the inputs, and put back afterwards.
        let take_f32 =
            |id: BufId, device: &mut BTreeMap<usize, DeviceBuffer>| match device.remove(&id.0) {
                Some(DeviceBuffer::F32(s)) => Ok(s),
                _ => Err(BackendError::new(
                    StatusCode::InvalidArgument,
                    "buffer type",
                )),
            };
        match *step {
            Step::Saxpy { a, x, y } => {
                let n = len(x);
                let mut y_dev = take_f32(y, device)?;
                let x_dev = f32buf!(x);
                // SAFETY: saxpy(float, const float*, float*, unsigned) — the arguments below
                // match that signature; x and y hold at least n elements (contract checked).
                let r = unsafe {
                    self.stream
                        .launch_builder(f(KernelId::Saxpy))
                        .arg(&a)
                        .arg(x_dev)
                        .arg(&mut y_dev)
                        .arg(&n)
                        .launch(cfg(gate_kernels::saxpy::launch_config(n)))
                };
                device.insert(y.0, DeviceBuffer::F32(y_dev));
                r.map(drop).map_err(launch_err)
            }
            Step::ReduceSum { x, out } => {
                let n = len(x);
                let [plan] = gate_kernels::reduce_sum_f32::launch_plan(n);
                let words = gate_kernels::reduce_sum_f32::scratch_len(n);
                let Some(scratch) = scratch.filter(|p| p.len() >= words) else {
                    return Err(BackendError::new(
                        StatusCode::DriverError,
                        "reduce_sum_f32: no scratch buffer for the partials",
                    ));
                };
                let mut out_dev = take_f32(out, device)?;
                let x_dev = f32buf!(x);
                // SAFETY: reduce_sum_f32_partial(const float*, float*, float*, unsigned) in
                // one launch (its launch_plan): n inputs, scratch_len(n) zeroed words of
                // scratch (partials and the arrival counter the last block resets to zero),
                // the sum in out[0].
                let r = unsafe {
                    self.stream
                        .launch_builder(f(KernelId::ReduceSum))
                        .arg(x_dev)
                        .arg(&mut *scratch)
                        .arg(&mut out_dev)
                        .arg(&n)
                        .launch(cfg(plan.config))
                };
                device.insert(out.0, DeviceBuffer::F32(out_dev));
                r.map(drop).map_err(launch_err)
            }
            Step::SoftmaxRows { rows, cols, x, y } => {
                let (rows, cols) = (rows as u32, cols as u32);
                let mut y_dev = take_f32(y, device)?;
                let x_dev = f32buf!(x);
                // SAFETY: softmax_rows_f32(const float*, float*, unsigned, unsigned); both
                // buffers hold rows*cols elements (contract checked).
                let r = unsafe {
                    self.stream
                        .launch_builder(f(KernelId::SoftmaxRows))
                        .arg(x_dev)
                        .arg(&mut y_dev)
                        .arg(&rows)
                        .arg(&cols)
                        .launch(cfg(gate_kernels::softmax_rows_f32::launch_config(rows)))
                };
                device.insert(y.0, DeviceBuffer::F32(y_dev));
                r.map(drop).map_err(launch_err)
            }
            Step::Sgemm {
                m,
                n,
                k,
                alpha,
                a,
                b,
                beta,
                c,
            } => {
                let (m, n, k) = (m as u32, n as u32, k as u32);
                let mut c_dev = take_f32(c, device)?;
                let a_dev = f32buf!(a);
                let b_dev = f32buf!(b);
                // SAFETY: sgemm_tiled(unsigned m, n, k, float alpha, const float* a,
                // const float* b, float beta, float* c); sizes checked by the contract.
                let r = unsafe {
                    self.stream
                        .launch_builder(f(KernelId::Sgemm))
                        .arg(&m)
                        .arg(&n)
                        .arg(&k)
                        .arg(&alpha)
                        .arg(a_dev)
                        .arg(b_dev)
                        .arg(&beta)
                        .arg(&mut c_dev)
                        .launch(cfg(gate_kernels::sgemm_tiled::launch_config(m, n)))
                };
                device.insert(c.0, DeviceBuffer::F32(c_dev));
                r.map(drop).map_err(launch_err)
            }
            Step::Histogram { values, bins } => {
                let n = len(values);
                let num_bins = len(bins);
                let mut bins_dev = match device.remove(&bins.0) {
                    Some(DeviceBuffer::U32(s)) => s,
                    _ => {
                        return Err(BackendError::new(
                            StatusCode::InvalidArgument,
                            "buffer type",
                        ));
                    }
                };
                let values_dev = match device.get(&values.0) {
                    Some(DeviceBuffer::U32(s)) => s,
                    _ => {
                        return Err(BackendError::new(
                            StatusCode::InvalidArgument,
                            "buffer type",
                        ));
                    }
                };
                // SAFETY: histogram_u32(const unsigned*, unsigned n, unsigned* bins,
                // unsigned num_bins); sizes checked by the contract.
                let r = unsafe {
                    self.stream
                        .launch_builder(f(KernelId::Histogram))
                        .arg(values_dev)
                        .arg(&n)
                        .arg(&mut bins_dev)
                        .arg(&num_bins)
                        .launch(cfg(gate_kernels::histogram_u32::launch_config(n)))
                };
                device.insert(bins.0, DeviceBuffer::U32(bins_dev));
                r.map(drop).map_err(launch_err)
            }
        }
    }

    fn upload(
        &self,
        buffers: &Buffers,
        ids: impl IntoIterator<Item = BufId>,
        device: &mut BTreeMap<usize, DeviceBuffer>,
    ) -> Result<(), BackendError> {
        for id in ids {
            if device.contains_key(&id.0) {
                continue;
            }
            // A kept buffer holds max(len, 1) elements: the upload_slice allocation.
            let kept = |kind, len: usize| self.pool().take(kind, len.max(1));
            let dev = match &buffers.0[id.0] {
                Buffer::F32(v) => {
                    let kept = kept(Kind::F32, v.len()).and_then(DeviceBuffer::into_f32);
                    DeviceBuffer::F32(self.upload_slice(v, kept)?)
                }
                Buffer::U32(v) => {
                    let kept = kept(Kind::U32, v.len()).and_then(DeviceBuffer::into_u32);
                    DeviceBuffer::U32(self.upload_slice(v, kept)?)
                }
            };
            device.insert(id.0, dev);
        }
        Ok(())
    }

    fn refresh(
        &self,
        buffers: &Buffers,
        device: &mut BTreeMap<usize, DeviceBuffer>,
    ) -> Result<(), BackendError> {
        for (&i, dev) in device.iter_mut().filter(|(i, _)| **i < buffers.0.len()) {
            match (&buffers.0[i], dev) {
                (Buffer::F32(v), DeviceBuffer::F32(d)) if !v.is_empty() => self
                    .stream
                    .memcpy_htod(v, &mut d.slice_mut(0..v.len()))
                    .map_err(|e| driver_error(e, "copying to the device"))?,
                (Buffer::U32(v), DeviceBuffer::U32(d)) if !v.is_empty() => self
                    .stream
                    .memcpy_htod(v, &mut d.slice_mut(0..v.len()))
                    .map_err(|e| driver_error(e, "copying to the device"))?,
                _ => {}
            }
        }
        Ok(())
    }

    fn download(
        &self,
        buffers: &mut Buffers,
        device: &BTreeMap<usize, DeviceBuffer>,
        ids: &[BufId],
    ) -> Result<(), BackendError> {
        for id in ids {
            match (&mut buffers.0[id.0], device.get(&id.0)) {
                (Buffer::F32(v), Some(DeviceBuffer::F32(d))) => self.download_into(d, v)?,
                (Buffer::U32(v), Some(DeviceBuffer::U32(d))) => self.download_into(d, v)?,
                _ => {}
            }
        }
        Ok(())
    }
}

/// Per step, its scratch buffer (or none).
type Scratch = Vec<Option<CudaSlice<f32>>>;

/// A buffer's length as the kernels' `unsigned` (contracts keep lengths within `u32`).
fn buffer_len(buffers: &Buffers, id: BufId) -> u32 {
    let len = match buffers.0.get(id.0) {
        Some(Buffer::F32(v)) => v.len(),
        Some(Buffer::U32(v)) => v.len(),
        None => 0,
    };
    u32::try_from(len).unwrap_or(u32::MAX)
}

fn shapes(buffers: &Buffers) -> Vec<(usize, bool, usize)> {
    buffers
        .0
        .iter()
        .enumerate()
        .map(|(i, b)| match b {
            Buffer::F32(v) => (i, true, v.len()),
            Buffer::U32(v) => (i, false, v.len()),
        })
        .collect()
}

/// Loads a module image (fatbin, cubin or PTX text) into `ctx`. On failure the error keeps
/// the driver's JIT log (e.g. "Unsupported .version" for PTX newer than the driver).
fn load(
    ctx: &Arc<CudaContext>,
    name: &str,
    image: &[u8],
) -> Result<Arc<cudarc::driver::CudaModule>, BackendError> {
    ctx.load_module(cudarc::nvrtc::Ptx::from_binary(image.to_vec()))
        .map_err(|e| {
            let mut err = driver_error(e, &format!("loading module {name}"));
            err.jit_log = jit_log(image);
            err
        })
}

/// Loads a module image on device `ordinal` exactly as the backend loads gate-kernels'
/// modules, then drops it: for drills and GPU tests of the load path (a PTX image too new for
/// the driver must come back `Unsupported` with the JIT log). PTX text gets the terminating
/// NUL the driver reads up to. Call only after [`probe`] found the device.
pub fn load_image(ordinal: u32, name: &str, image: &[u8]) -> Result<(), BackendError> {
    let mut image = image.to_vec();
    if image.last() != Some(&0) {
        image.push(0);
    }
    load(&context(ordinal)?, name, &image).map(drop)
}

/// The primary context of device `ordinal`; a panic inside cudarc becomes a `DriverError`.
fn context(ordinal: u32) -> Result<Arc<CudaContext>, BackendError> {
    std::panic::catch_unwind(|| CudaContext::new(ordinal as usize))
        .map_err(|_| BackendError::new(StatusCode::DriverError, "creating the context panicked"))?
        .map_err(|e| driver_error(e, "creating the context"))
}

/// gate-kernels' launch geometry as cudarc's (the kernels' own `launch_config`s decide it).
pub fn launch_config(c: gate_kernels::LaunchConfig) -> LaunchConfig {
    LaunchConfig {
        grid_dim: c.grid,
        block_dim: c.block,
        shared_mem_bytes: c.shared_mem_bytes,
    }
}

/// The JIT error log for a module that failed to load: loads it once more through
/// `cuModuleLoadDataEx` with log buffers, then unloads it.
fn jit_log(image: &[u8]) -> Option<String> {
    let mut log = vec![0u8; 16 * 1024];
    let mut options = [
        sys::CUjit_option::CU_JIT_ERROR_LOG_BUFFER,
        sys::CUjit_option::CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
    ];
    let mut values: [*mut std::ffi::c_void; 2] =
        [log.as_mut_ptr().cast(), log.len() as *mut std::ffi::c_void];
    let mut module: sys::CUmodule = std::ptr::null_mut();
    // SAFETY: the image is a fatbin from gate-build; the option arrays have the length
    // passed; the log buffer outlives the call and its size is given.
    let rc = unsafe {
        sys::cuModuleLoadDataEx(
            &mut module,
            image.as_ptr().cast(),
            options.len() as u32,
            options.as_mut_ptr(),
            values.as_mut_ptr(),
        )
    };
    if rc == sys::CUresult::CUDA_SUCCESS && !module.is_null() {
        // SAFETY: the module was loaded just above and nothing else holds it.
        unsafe { sys::cuModuleUnload(module) };
    }
    let text: Vec<u8> = log.into_iter().take_while(|&b| b != 0).collect();
    (!text.is_empty()).then(|| String::from_utf8_lossy(&text).into_owned())
}

impl Backend for CudaBackend {
    fn name(&self) -> &'static str {
        "cuda"
    }

    fn fingerprint(&self, kernel: KernelId) -> String {
        self.fingerprints.get(&kernel).cloned().unwrap_or_default()
    }

    fn run(&self, call: &mut Call<'_>) -> Result<(), BackendError> {
        // One call is a one-step plan over copies of its buffers, without graph capture.
        let (mut buffers, step) = crate::plan::single_step(call);
        let mut device = BTreeMap::new();
        let ids: Vec<BufId> = step.inputs().into_iter().chain([step.output()]).collect();
        self.ctx
            .bind_to_thread()
            .map_err(|e| driver_error(e, "binding the context"))?;
        self.upload(&buffers, ids, &mut device)?;
        let mut scratch = self.scratch(std::slice::from_ref(&step), &buffers)?;
        self.enqueue(&step, &mut device, scratch[0].as_mut(), &buffers)?;
        self.download(&mut buffers, &device, &[step.output()])?;
        self.sync()?;
        crate::plan::write_back(call, &buffers, &step);
        // Only after the call succeeded: a failed call's buffers are freed, not reused.
        let mut pool = self.pool();
        device.into_values().for_each(|b| pool.put(b));
        Ok(())
    }

    fn run_segment(
        &self,
        key: &str,
        buffers: &mut Buffers,
        steps: &[Step],
    ) -> Result<SegmentRun, BackendError> {
        self.ctx
            .bind_to_thread()
            .map_err(|e| driver_error(e, "binding the context"))?;
        let mut segments = self.segments.lock().unwrap_or_else(|p| p.into_inner());
        // Each buffer comes back once, however many steps write it.
        let mut outputs: Vec<BufId> = steps.iter().map(Step::output).collect();
        outputs.sort_unstable();
        outputs.dedup();
        let shape = shapes(buffers);
        if let Some(segment) = segments.get_mut(key).filter(|s| s.shapes == shape) {
            self.refresh(buffers, &mut segment.device)?;
            segment
                .graph
                .launch()
                .map_err(|e| driver_error(e, "launching the graph"))?;
            self.download(buffers, &segment.device, &outputs)?;
            self.sync()?;
            return Ok(SegmentRun::Replayed);
        }
        let mut device = BTreeMap::new();
        let ids: Vec<BufId> = steps
            .iter()
            .flat_map(|s| s.inputs().into_iter().chain([s.output()]))
            .collect();
        self.upload(buffers, ids, &mut device)?;
        let mut scratch = self.scratch(steps, buffers)?;
        self.sync()?;
        self.stream
            .begin_capture(sys::CUstreamCaptureMode::CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)
            .map_err(|e| driver_error(e, "beginning capture"))?;
        let enqueued: Result<(), BackendError> = steps
            .iter()
            .zip(scratch.iter_mut())
            .try_for_each(|(step, s)| self.enqueue(step, &mut device, s.as_mut(), buffers));
        // Capture always ends, also after a failed enqueue, so the stream is usable again.
        let graph = self
            .stream
            .end_capture(sys::CUgraphInstantiate_flags(0))
            .map_err(|e| driver_error(e, "ending capture"));
        enqueued?;
        let graph = graph?.ok_or_else(|| {
            BackendError::new(StatusCode::DriverError, "capture produced no graph")
        })?;
        graph
            .launch()
            .map_err(|e| driver_error(e, "launching the graph"))?;
        self.download(buffers, &device, &outputs)?;
        self.sync()?;
        // Scratch buffers (reduction partials) are part of the graph's device memory.
        for (i, partials) in scratch.into_iter().flatten().enumerate() {
            device.insert(usize::MAX - i, DeviceBuffer::F32(partials));
        }
        segments.insert(
            key.to_owned(),
            Segment {
                shapes: shape,
                device,
                graph,
            },
        );
        Ok(SegmentRun::Captured)
    }
}
