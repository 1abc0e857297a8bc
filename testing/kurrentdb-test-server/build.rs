//! Generates the server side of the KurrentDB gRPC protocol from the `.proto`
//! files shipped inside the `kurrentdb` client crate, so the test server speaks
//! exactly the protocol the client was built from. The crate's folder is found
//! with `cargo metadata` (or `KURRENTDB_PROTOS` names the folder directly);
//! `protoc` comes from `PROTOC` or the PATH (Debian: protobuf-compiler).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Google well-known types the protocol imports. Debian's protoc package
/// does not ship them (libprotobuf-dev does); prost maps them to
/// `prost_types` anyway, so protoc only needs their shape to parse the imports.
const WELL_KNOWN_TYPES: [(&str, &str); 4] = [
    ("empty.proto", "message Empty {}"),
    (
        "duration.proto",
        "message Duration { int64 seconds = 1; int32 nanos = 2; }",
    ),
    (
        "timestamp.proto",
        "message Timestamp { int64 seconds = 1; int32 nanos = 2; }",
    ),
    (
        "any.proto",
        "message Any { string type_url = 1; bytes value = 2; }",
    ),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=KURRENTDB_PROTOS");
    println!("cargo:rerun-if-env-changed=PROTOC");
    let protos = kurrentdb_protos();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let includes = out_dir.join("well-known");
    write_well_known_types(&includes);
    check_protoc();
    tonic_build::configure()
        .build_client(false)
        .build_server(true)
        .bytes(["."])
        .extern_path(".event_store.client.Empty", "()")
        .compile_protos(
            &[
                protos.join("streams.proto"),
                protos.join("serverfeatures.proto"),
            ],
            &[protos.clone(), includes],
        )
        .unwrap_or_else(|e| {
            panic!(
                "cannot compile the protocol files in {}: {e}",
                protos.display()
            )
        });
}

/// The `protos` folder of the `kurrentdb` crate this workspace locks.
fn kurrentdb_protos() -> PathBuf {
    if let Ok(folder) = std::env::var("KURRENTDB_PROTOS") {
        return PathBuf::from(folder);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(manifest.join("Cargo.toml"))
        .output()
        .expect("run cargo metadata to find the kurrentdb crate");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let manifest_path = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|package| package["name"] == "kurrentdb")
        .and_then(|package| package["manifest_path"].as_str())
        .expect("the kurrentdb crate is a dependency of this crate");
    let protos = Path::new(manifest_path)
        .parent()
        .expect("a manifest lives in a folder")
        .join("protos");
    println!("cargo:rerun-if-changed={}", protos.display());
    protos
}

fn write_well_known_types(includes: &Path) {
    let folder = includes.join("google").join("protobuf");
    std::fs::create_dir_all(&folder).expect("create the well-known types folder");
    for (file, message) in WELL_KNOWN_TYPES {
        let text = format!("syntax = \"proto3\";\npackage google.protobuf;\n{message}\n");
        std::fs::write(folder.join(file), text).expect("write a well-known type");
    }
}

fn check_protoc() {
    let protoc = std::env::var("PROTOC").unwrap_or_else(|_| "protoc".into());
    let found = Command::new(&protoc)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "protoc was not found ({protoc}): install Debian's protobuf-compiler or set PROTOC to a protoc binary"
    );
}
