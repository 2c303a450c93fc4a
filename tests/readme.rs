//! The README is the site owner's manual: every configuration key the binary reads
//! is in its table, with the environment variable that overrides it, and the table
//! names no key the binary does not know.

use std::collections::BTreeSet;

use causerie::config::Settings;

/// Keys only the configuration file holds.
const FILE_ONLY: [&str; 1] = ["sites"];

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

/// The rows of the table under "## Configuration": (key, environment column).
fn documented_keys(readme: &str) -> Vec<(String, String)> {
    let section = readme
        .split("\n## Configuration")
        .nth(1)
        .expect("a Configuration section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let key = cells.get(1)?.trim_matches('`').to_owned();
            let env = cells.get(2)?.to_string();
            Some((key, env))
        })
        .collect()
}

/// Every key of the settings file, from the settings themselves (`Option`s included:
/// serde writes them as `null`).
fn known_keys() -> BTreeSet<String> {
    let value = serde_json::to_value(Settings::default()).expect("settings serialize");
    let mut keys: BTreeSet<String> = value
        .as_object()
        .expect("settings are a map")
        .keys()
        .cloned()
        .collect();
    // Left out when empty, as they are by default.
    keys.extend(FILE_ONLY.iter().map(|k| k.to_string()));
    keys
}

#[test]
fn readme_documents_every_configuration_key_and_its_variable() {
    let documented = documented_keys(&readme());
    assert!(!documented.is_empty(), "no configuration table found");
    let names: BTreeSet<String> = documented.iter().map(|(k, _)| k.clone()).collect();
    let known = known_keys();
    let missing: Vec<&String> = known.difference(&names).collect();
    assert!(
        missing.is_empty(),
        "keys missing from the README: {missing:?}"
    );
    let unknown: Vec<&String> = names.difference(&known).collect();
    assert!(
        unknown.is_empty(),
        "README documents unknown keys: {unknown:?}"
    );
    for (key, env) in &documented {
        // Tables (`[[sites]]`) have no form as one environment variable.
        if FILE_ONLY.contains(&key.as_str()) {
            assert!(
                env.contains("file only"),
                "the README row of `{key}`: {env}"
            );
            continue;
        }
        let var = format!("`CAUSERIE_{}`", key.to_uppercase());
        assert!(
            env.contains(&var),
            "the README row of `{key}` names {env}, not {var}"
        );
    }
}
