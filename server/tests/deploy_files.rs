//! The files a container platform reads agree with the server: the `.choreo` endpoint
//! names the port the server listens on, and the image runs as the numeric non-root user
//! Choreo requires.

use serde_yaml::Value;
use server::ops::settings::Config;

fn repo_file(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn default_port() -> u16 {
    let config = Config::from_lookup(|k| (k == "JWT_SECRET").then(|| "x".repeat(32))).unwrap();
    config.port
}

#[test]
fn component_yaml_exposes_one_public_rest_endpoint_on_the_servers_port() {
    let doc: Value = serde_yaml::from_str(&repo_file(".choreo/component.yaml")).unwrap();
    assert_eq!(doc["schemaVersion"].as_f64(), Some(1.2));
    let endpoints = doc["endpoints"].as_sequence().unwrap();
    assert_eq!(endpoints.len(), 1);
    let endpoint = &endpoints[0];
    assert_eq!(
        endpoint["service"]["port"].as_u64(),
        Some(default_port().into())
    );
    assert_eq!(endpoint["service"]["basePath"].as_str(), Some("/"));
    assert_eq!(endpoint["type"].as_str(), Some("REST"));
    let visibility: Vec<&str> = endpoint["networkVisibilities"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(visibility, ["Public"]);
}

#[test]
fn the_originals_endpoints_yaml_says_the_same() {
    let doc: Value = serde_yaml::from_str(&repo_file(".choreo/endpoints.yaml")).unwrap();
    let endpoint = &doc["endpoints"][0];
    assert_eq!(endpoint["port"].as_u64(), Some(default_port().into()));
    assert_eq!(endpoint["type"].as_str(), Some("REST"));
    assert_eq!(endpoint["networkVisibility"].as_str(), Some("Public"));
    assert_eq!(endpoint["context"].as_str(), Some("/"));
}

#[test]
fn the_image_runs_as_a_numeric_user_between_10000_and_20000_on_the_same_port() {
    let dockerfile = repo_file("Dockerfile");
    let runtime = dockerfile
        .rsplit_once("\nFROM ")
        .map(|(_, last_stage)| last_stage)
        .expect("a multi-stage build");
    let users: Vec<&str> = runtime
        .lines()
        .filter_map(|l| l.trim().strip_prefix("USER "))
        .collect();
    let user = *users.last().expect("the runtime stage sets USER");
    let uid: u32 = user
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("USER {user} is not numeric"));
    assert!((10000..=20000).contains(&uid), "UID {uid}");
    let port = default_port().to_string();
    assert!(runtime.contains(&format!("EXPOSE {port}")));
    assert!(runtime.contains(&format!("PORT={port}")));
    assert!(
        runtime.contains("HOST=0.0.0.0"),
        "a container listens on all interfaces"
    );
}

#[test]
fn the_build_context_leaves_out_builds_databases_and_secrets() {
    let ignored = repo_file(".dockerignore");
    for entry in ["target/", "dist/", "*.sqlite3", ".env"] {
        assert!(ignored.lines().any(|l| l.trim() == entry), "{entry}");
    }
}
