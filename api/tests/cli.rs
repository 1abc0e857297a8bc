//! The `markaz` binary end to end: officers added on the command line are
//! accepted by a server already running on the same data directory, and
//! SIGTERM stops the server cleanly.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

fn markaz(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_markaz"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("MARKAZ_CONFIG")
        .output()
        .expect("markaz runs")
}

fn token_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .last()
        .expect("a last line")
        .trim()
        .to_owned()
}

/// Starts `markaz serve` on a free port and returns it with its base URL.
fn serve(data_dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_markaz"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("markaz serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the listening line");
    let url = line
        .trim()
        .strip_prefix("markaz listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_owned();
    (child, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officers_added_on_the_command_line_reach_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let admin = token_of(&markaz(
        dir.path(),
        &[
            "officers",
            "add",
            "--name",
            "First Admin",
            "--role",
            "admin",
        ],
    ));
    assert!(admin.starts_with("mkz_"), "{admin}");

    let (mut server, url) = serve(dir.path());
    let client = reqwest::Client::new();
    let officers = client
        .get(format!("{url}/api/v1/officers"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(officers.status(), 200);

    // Added while the server runs: accepted at once.
    let desk = token_of(&markaz(
        dir.path(),
        &[
            "officers",
            "add",
            "--name",
            "Desk Officer",
            "--role",
            "desk",
            "--markaz",
            "KCH",
        ],
    ));
    let list = client
        .get(format!("{url}/api/v1/complaints"))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);

    let listed = markaz(dir.path(), &["officers", "list"]);
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(listed.contains("First Admin") && listed.contains("Desk Officer"));
    assert!(!listed.contains(&desk), "tokens are never listed");
    let desk_id = listed
        .lines()
        .find(|line| line.contains("Desk Officer"))
        .and_then(|line| line.split_whitespace().next())
        .unwrap()
        .to_owned();
    let revoked = markaz(
        dir.path(),
        &["officers", "revoke", &desk_id, "--reason", "moved"],
    );
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    let listed = markaz(dir.path(), &["officers", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("revoked"));

    let terminated = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "markaz serve exits 0 on SIGTERM: {status}"
    );
}

#[test]
fn bad_officer_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = markaz(
        dir.path(),
        &["officers", "add", "--name", "X", "--role", "chief"],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown role `chief`"), "{stderr}");
    let output = markaz(
        dir.path(),
        &["officers", "add", "--name", "Y", "--role", "desk"],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("markaz"), "{stderr}");
    let output = markaz(dir.path(), &["officers", "revoke", "nobody"]);
    assert!(!output.status.success());
}

fn markaz_raw(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_markaz"));
    command
        .args(args)
        .env_remove("MARKAZ_CONFIG")
        .env_remove("MARKAZ_DATA_DIR");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("markaz runs")
}

fn listed(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn flags_beat_the_environment_which_beats_the_configuration_file() {
    let root = tempfile::tempdir().unwrap();
    let from_file = root.path().join("from-file");
    let from_env = root.path().join("from-env");
    let config = root.path().join("markaz.toml");
    std::fs::write(
        &config,
        format!("data_dir = {:?}\n", from_file.to_str().unwrap()),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let add = |name: &'static str| {
        [
            "--config", config, "officers", "add", "--name", name, "--role", "auditor",
        ]
    };
    let file_only = markaz_raw(&add("Officer File"), &[]);
    assert!(file_only.status.success());
    let env_over_file = markaz_raw(&add("Officer Env"), &[("MARKAZ_DATA_DIR", &from_env)]);
    assert!(env_over_file.status.success());

    let in_file_dir = listed(&markaz_raw(&["--config", config, "officers", "list"], &[]));
    assert!(in_file_dir.contains("Officer File") && !in_file_dir.contains("Officer Env"));
    let in_env_dir = listed(&markaz_raw(
        &["--config", config, "officers", "list"],
        &[("MARKAZ_DATA_DIR", &from_env)],
    ));
    assert!(in_env_dir.contains("Officer Env") && !in_env_dir.contains("Officer File"));
    let flag_over_env = listed(&markaz_raw(
        &[
            "--config",
            config,
            "officers",
            "list",
            "--data-dir",
            from_file.to_str().unwrap(),
        ],
        &[("MARKAZ_DATA_DIR", &from_env)],
    ));
    assert!(flag_over_env.contains("Officer File") && !flag_over_env.contains("Officer Env"));

    let bad_config = root.path().join("bad.toml");
    std::fs::write(&bad_config, "data_directory = \"x\"\n").unwrap();
    let refused = markaz_raw(
        &["--config", bad_config.to_str().unwrap(), "officers", "list"],
        &[],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("data_directory"));
}

#[test]
fn projections_rebuild_replays_the_log() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["Auditor One", "Auditor Two"] {
        token_of(&markaz(
            dir.path(),
            &["officers", "add", "--name", name, "--role", "auditor"],
        ));
    }
    let rebuilt = markaz(dir.path(), &["projections", "rebuild"]);
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    let stdout = String::from_utf8_lossy(&rebuilt.stdout);
    assert!(
        stdout.contains("read models rebuilt from 2 events"),
        "{stdout}"
    );
    assert!(dir.path().join("readmodels.sqlite").exists());
}
