//! The nvcc witness in front of the gate's builds (gate-witness): installed under the target
//! directory at a path that depends only on the real compiler, on the routes to nvcc the
//! build already has, so repeated gate runs hand the build the same environment and rebuild
//! nothing.

use gate_witness::observe::Installed;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Set by the cargo-gate binary: this process's executable acts as nvcc when called so.
static ACTS_AS_NVCC: AtomicBool = AtomicBool::new(false);

/// Says that this process's executable is the witness when called as `nvcc` ([`crate::cli::main`],
/// which every binary of the gate runs, does, before anything else).
pub fn this_binary_acts_as_nvcc() {
    ACTS_AS_NVCC.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// The environment a build gets so every CUDA compile it runs is witnessed, and how the
/// witness stands. No route to an nvcc, or a witness that cannot be installed: no variables,
/// and `Installed::not_installed` says why.
pub fn setup(target_dir: &Path) -> (Vec<(String, String)>, Installed) {
    let since = Some(std::time::SystemTime::now());
    let not = |why: String| none(&why);
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return not(format!("the gate's own executable could not be found: {e}")),
    };
    // Only the gate's own binary acts as nvcc when called so (a test harness running the
    // engine in-process would be handed nvcc's arguments).
    if !ACTS_AS_NVCC.load(std::sync::atomic::Ordering::SeqCst) {
        return not(format!(
            "{} does not act as nvcc (not the cargo-gate binary)",
            exe.display()
        ));
    }
    let base = target_dir.join("gate").join("witness");
    let env = match gate_witness::install::environment(&base, &exe, &|k| std::env::var_os(k)) {
        Ok(env) => env,
        Err(e) => {
            return not(format!(
                "the witness could not be installed in {}: {e}",
                base.display()
            ));
        }
    };
    if env.is_empty() {
        let routes: Vec<&str> = gate_witness::install::ROUTES
            .iter()
            .map(|r| r.name())
            .collect();
        return not(format!(
            "no nvcc on any route a build takes ({})",
            routes.join(", ")
        ));
    }
    let mut vars = Vec::new();
    let mut routes = Vec::new();
    for (key, value) in env {
        match value.into_string() {
            Ok(value) => {
                routes.push(key.clone());
                vars.push((key, value));
            }
            Err(_) => return not(format!("{key} is not UTF-8 once the witness is in it")),
        }
    }
    (
        vars,
        Installed {
            routes,
            not_installed: None,
            since,
        },
    )
}

/// No witness, for the reason `why`: no variables for the build.
pub fn none(why: &str) -> (Vec<(String, String)>, Installed) {
    let installed = Installed {
        not_installed: Some(why.to_owned()),
        since: Some(std::time::SystemTime::now()),
        ..Installed::default()
    };
    (Vec::new(), installed)
}
