//! `cargo gate fetch-advisories` and `--fetch`: bring the RustSec database that
//! `deps.advisories` reads up to date, where the configuration says it lives, and never
//! anywhere in the workspace (`advisories::fetch` refuses it).

use crate::deps::advisories::Protected;
use crate::error::GateError;
use crate::workspace::Workspace;
use std::path::Path;

/// Fetches the database for the workspace at `manifest_path` (its `[advisories] db-path` and
/// `db-url`, from `config` when given); returns what was done, in one line.
pub(crate) fn fetch_advisories(
    manifest_path: Option<&Path>,
    config: Option<&Path>,
) -> Result<String, GateError> {
    let ws = Workspace::discover(manifest_path, true)?;
    let config = crate::config::load(&ws.config_layout(), config, &crate::registry::known())?;
    let settings = config.section(&crate::shared::sections::ADVISORIES);
    let target = crate::deps::advisories::target(settings.db_path.as_deref(), &ws.root)
        .ok_or_else(|| GateError::Fetch {
            detail: "neither CARGO_HOME nor HOME is set, so there is no default place for it"
                .to_owned(),
        })?;
    let protected = Protected {
        root: ws.root.clone(),
        repository: ws.git.as_ref().map(|git| git.toplevel.clone()),
    };
    crate::deps::advisories::fetch(&target, &settings.db_url, &protected)
        .map_err(|detail| GateError::Fetch { detail })
}
