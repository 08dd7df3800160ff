//! The vulnerabilities in a scanner's JSON report: trivy's `--format json` and grype's
//! `-o json`, reduced to what a reason shows (package, installed and fixed version, ids).

use serde::Deserialize;

/// One vulnerable package of an image, at HIGH or CRITICAL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Vulnerability {
    pub id: String,
    /// `HIGH` or `CRITICAL`.
    pub severity: String,
    pub package: String,
    pub installed: String,
    /// The first version that fixes it, if there is one.
    pub fixed: Option<String>,
}

/// The severities that fail the check.
const FAILING: &[&str] = &["HIGH", "CRITICAL"];

impl Vulnerability {
    /// `openssl 3.0.1 → 3.0.7 (CVE-2022-3602, CRITICAL)`, or `… (no fixed version)`.
    pub fn describe(&self) -> String {
        let fix = match &self.fixed {
            Some(fixed) => format!("→ {fixed}"),
            None => "(no fixed version yet)".to_string(),
        };
        format!(
            "{} {} {fix} ({}, {})",
            self.package, self.installed, self.id, self.severity
        )
    }
}

#[derive(Deserialize)]
struct TrivyReport {
    #[serde(rename = "Results", default)]
    results: Option<Vec<TrivyResult>>,
}

#[derive(Deserialize)]
struct TrivyResult {
    #[serde(rename = "Vulnerabilities", default)]
    vulnerabilities: Option<Vec<TrivyVulnerability>>,
}

#[derive(Deserialize)]
struct TrivyVulnerability {
    #[serde(rename = "VulnerabilityID")]
    id: String,
    #[serde(rename = "PkgName")]
    package: String,
    #[serde(rename = "InstalledVersion", default)]
    installed: String,
    #[serde(rename = "FixedVersion", default)]
    fixed: Option<String>,
    #[serde(rename = "Severity")]
    severity: String,
}

/// The HIGH and CRITICAL vulnerabilities of `trivy image --format json` output.
pub(super) fn from_trivy(json: &str) -> Result<Vec<Vulnerability>, String> {
    let report: TrivyReport =
        serde_json::from_str(json).map_err(|err| format!("reading trivy's JSON report: {err}"))?;
    let found = report
        .results
        .unwrap_or_default()
        .into_iter()
        .flat_map(|result| result.vulnerabilities.unwrap_or_default())
        .map(|v| Vulnerability {
            id: v.id,
            severity: v.severity.to_ascii_uppercase(),
            package: v.package,
            installed: v.installed,
            // trivy lists several fixed versions with ", " (one per release line).
            fixed: v.fixed.filter(|fixed| !fixed.is_empty()),
        });
    Ok(failing(found))
}

#[derive(Deserialize)]
struct GrypeReport {
    matches: Vec<GrypeMatch>,
}

#[derive(Deserialize)]
struct GrypeMatch {
    vulnerability: GrypeVulnerability,
    artifact: GrypeArtifact,
}

#[derive(Deserialize)]
struct GrypeVulnerability {
    id: String,
    severity: String,
    #[serde(default)]
    fix: Option<GrypeFix>,
}

#[derive(Deserialize)]
struct GrypeFix {
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Deserialize)]
struct GrypeArtifact {
    name: String,
    #[serde(default)]
    version: String,
}

/// The High and Critical matches of `grype -o json` output.
pub(super) fn from_grype(json: &str) -> Result<Vec<Vulnerability>, String> {
    let report: GrypeReport =
        serde_json::from_str(json).map_err(|err| format!("reading grype's JSON report: {err}"))?;
    let found = report.matches.into_iter().map(|m| Vulnerability {
        id: m.vulnerability.id,
        severity: m.vulnerability.severity.to_ascii_uppercase(),
        package: m.artifact.name,
        installed: m.artifact.version,
        fixed: m
            .vulnerability
            .fix
            .map(|fix| fix.versions.join(", "))
            .filter(|fixed| !fixed.is_empty()),
    });
    Ok(failing(found))
}

/// Those at a failing severity, one per (id, package), sorted by package.
fn failing(found: impl Iterator<Item = Vulnerability>) -> Vec<Vulnerability> {
    let mut failing: Vec<Vulnerability> = found
        .filter(|v| FAILING.contains(&v.severity.as_str()))
        .collect();
    failing.sort_by(|a, b| (&a.package, &a.id).cmp(&(&b.package, &b.id)));
    failing.dedup_by(|a, b| (&a.package, &a.id) == (&b.package, &b.id));
    failing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(found: Result<Vec<Vulnerability>, String>) -> Vec<String> {
        found.unwrap().iter().map(Vulnerability::describe).collect()
    }

    #[test]
    fn trivy_reports_give_package_installed_and_fixed_versions() {
        let json = r#"{"SchemaVersion":2,"ArtifactName":"app:1","Results":[
            {"Target":"app:1 (debian 12.1)","Class":"os-pkgs","Vulnerabilities":[
              {"VulnerabilityID":"CVE-2026-0001","PkgName":"openssl","InstalledVersion":"3.0.1","FixedVersion":"3.0.7","Severity":"CRITICAL"},
              {"VulnerabilityID":"CVE-2026-0002","PkgName":"zlib","InstalledVersion":"1.2.13","FixedVersion":"","Severity":"HIGH"},
              {"VulnerabilityID":"CVE-2026-0003","PkgName":"curl","InstalledVersion":"7.88","FixedVersion":"8.0","Severity":"MEDIUM"}]},
            {"Target":"Python","Class":"lang-pkgs"}]}"#;
        assert_eq!(
            described(from_trivy(json)),
            [
                "openssl 3.0.1 → 3.0.7 (CVE-2026-0001, CRITICAL)",
                "zlib 1.2.13 (no fixed version yet) (CVE-2026-0002, HIGH)"
            ]
        );
        assert_eq!(from_trivy(r#"{"Results":null}"#).unwrap(), []);
        assert!(from_trivy("FATAL")
            .unwrap_err()
            .starts_with("reading trivy's JSON report"));
    }

    #[test]
    fn grype_reports_keep_high_and_critical_matches_only() {
        let json = r#"{"matches":[
            {"vulnerability":{"id":"GHSA-aaaa","severity":"High","fix":{"versions":["2.31.0"],"state":"fixed"}},"artifact":{"name":"requests","version":"2.25.0","type":"python"}},
            {"vulnerability":{"id":"CVE-2026-0009","severity":"Low","fix":{"versions":[],"state":"not-fixed"}},"artifact":{"name":"bash","version":"5.1"}},
            {"vulnerability":{"id":"CVE-2026-0010","severity":"Critical","fix":{"versions":[],"state":"not-fixed"}},"artifact":{"name":"glibc","version":"2.36"}}]}"#;
        assert_eq!(
            described(from_grype(json)),
            [
                "glibc 2.36 (no fixed version yet) (CVE-2026-0010, CRITICAL)",
                "requests 2.25.0 → 2.31.0 (GHSA-aaaa, HIGH)"
            ]
        );
        assert_eq!(from_grype(r#"{"matches":[]}"#).unwrap(), []);
        assert!(from_grype("").is_err());
    }
}
