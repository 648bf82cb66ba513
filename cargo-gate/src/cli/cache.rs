//! `cargo gate cache stats|prune`: what the evidence cache holds, and bringing it within its
//! size bound.

use super::args::{CacheAction, OutArgs};
use super::error::CliError;
use super::output::print_stdout;
use crate::cache::Store;
use crate::config::DEFAULT_CACHE_SIZE;
use crate::redact::Redactor;

pub(crate) fn cache(action: &CacheAction, redactor: &mut Redactor) -> Result<i32, CliError> {
    let out = match action {
        CacheAction::Stats { out } | CacheAction::Prune { out, .. } => out,
    };
    let dir = out.resolve()?;
    let store = Store::new(&dir);
    let shown = redactor.text(&store.dir().to_string_lossy());
    match action {
        CacheAction::Stats { .. } => {
            let stats = store.stats();
            let mut text = format!("evidence cache {shown}\n");
            if stats.entries == 0 && stats.blobs == 0 && stats.corrupt == 0 {
                text.push_str("  empty\n");
            }
            for (fact, count) in &stats.facts {
                text.push_str(&format!("  {fact:<8} {count} entr{}\n", plural(*count)));
            }
            if stats.corrupt > 0 {
                text.push_str(&format!(
                    "  {} corrupt entr{} (never used; `cargo gate cache prune` removes them)\n",
                    stats.corrupt,
                    plural(stats.corrupt)
                ));
            }
            text.push_str(&format!(
                "  {} blob(s), {} on disk\n",
                stats.blobs,
                size(stats.bytes)
            ));
            print_stdout(&text);
        }
        CacheAction::Prune { all, max_size, .. } => {
            let bound = max_size.unwrap_or_else(|| configured_bound(out));
            let pruned = store.prune(bound, *all);
            print_stdout(&format!(
                "evidence cache {shown}: removed {} entr{} and {} blob(s) ({}); {} left\n",
                pruned.entries,
                plural(pruned.entries),
                pruned.blobs,
                size(pruned.bytes),
                size(pruned.left)
            ));
        }
    }
    Ok(crate::verdict::exit::READY)
}

/// `[cache] max-size` of the workspace's configuration; the default where there is none or
/// it cannot be read.
fn configured_bound(out: &OutArgs) -> u64 {
    crate::workspace::Workspace::discover(out.manifest_path.as_deref(), true)
        .ok()
        .and_then(|ws| {
            crate::config::load(&ws.config_layout(), None, &crate::registry::known()).ok()
        })
        .map_or(DEFAULT_CACHE_SIZE, |config| config.cache.max_size)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "y" } else { "ies" }
}

/// Bytes as a person reads them: `812 B`, `3.4 MiB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
