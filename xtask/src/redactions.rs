//! `cargo xtask redactions LOG…`: every span the gate's secret redaction would replace in
//! the given logs, with its kind, line and the text it would hide, and the counts — so the
//! false-redaction rate on a real log can be measured by reading each one (docs/SECURITY.md).

use anyhow::{Context, Result, bail};

pub(crate) fn run(args: &[String]) -> Result<()> {
    if args.is_empty() {
        bail!("usage: cargo xtask redactions LOG…");
    }
    let mut out = String::new();
    let mut total = 0usize;
    let mut lines_total = 0usize;
    let mut examined = 0usize;
    for path in args {
        let bytes = std::fs::read(path).with_context(|| format!("reading {path}"))?;
        lines_total += bytes.split(|&b| b == b'\n').count();
        // Tokens the bare-secret rule weighs: runs of exactly 40 base64 characters.
        examined += bytes
            .split(|&b| !(b.is_ascii_alphanumeric() || b == b'+' || b == b'/'))
            .filter(|t| t.len() == 40)
            .count();
        for (range, kind) in cargo_gate::secrets::redactions(&bytes) {
            total += 1;
            let line = bytes[..range.start].iter().filter(|&&b| b == b'\n').count() + 1;
            let text = String::from_utf8_lossy(&bytes[range]);
            out.push_str(&format!("{path}:{line}: {kind}: {text}\n"));
        }
    }
    out.push_str(&format!(
        "{total} redaction(s) in {lines_total} line(s) of {} log(s); {examined} token(s) of 40 \
         base64 characters weighed by the bare-secret rule\n",
        args.len()
    ));
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;
    Ok(())
}
