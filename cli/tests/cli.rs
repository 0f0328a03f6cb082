//! The `gradual` binary: the demo end to end on the test bank, and its main errors.
use std::process::{Command, Output};

fn gradual(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradual"))
        .args(args)
        .env("HOME", std::env::temp_dir()) // no Solana CLI config from the machine
        .output()
        .expect("run gradual")
}

fn program_dir() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../target/deploy").to_string()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn demo_runs_a_whole_lifecycle_and_catches_the_cheater() {
    let o = gradual(&[
        "demo",
        "--nodes",
        "4",
        "--rounds",
        "2",
        "--program-dir",
        &program_dir(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "demo failed:\n{out}\n{err}");
    assert!(out.contains("2/2 rounds paid out"), "{out}");
    assert!(
        out.contains("node 3 slashed"),
        "the cheater is slashed:\n{out}"
    );
    assert!(out.contains("list accepted"), "{out}");
    // The cheater's row: nothing earned.
    let row = out
        .lines()
        .find(|l| l.starts_with("3 "))
        .expect("summary row of node 3");
    assert!(row.trim_end().ends_with("0.000000"), "{row}");
    println!("{out}");
}

#[test]
fn demo_refuses_bad_options_with_one_line() {
    let o = gradual(&["demo", "--nodes", "2", "--program-dir", &program_dir()]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("--nodes must be at least 3"), "{err}");
    let o = gradual(&["demo", "--program-dir", "/nonexistent"]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("make build"), "{err}");
}

#[test]
fn malformed_task_toml_is_one_clear_line_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("task.toml");
    std::fs::write(&path, "task_id = 1\nreward_mint = \n").unwrap();
    // The URL is unreachable: the file is rejected before any network call.
    let o = gradual(&[
        "task",
        "create",
        "--config",
        path.to_str().unwrap(),
        "-u",
        "http://127.0.0.1:9",
    ]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.starts_with("error: in ") && err.contains("line 2"),
        "{err}"
    );
    std::fs::write(&path, "task_id = 1\nreward_mint = \"x\"\nstake_mint = \"x\"\n[rounds]\nround_slots = 10\nsubmission_slots = 8\naudit_slots = 8\ndistribution_slots = 2\ndistribution_audit_slots = 2\nbounty_per_round = 1\nminimum_stake = 1\n").unwrap();
    let (_, err) = text(&gradual(&[
        "task",
        "create",
        "--config",
        path.to_str().unwrap(),
        "-u",
        "http://127.0.0.1:9",
    ]));
    assert!(err.contains("not a valid schedule"), "{err}");
}

#[test]
fn wrong_cluster_and_missing_keypair_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let kp = dir.path().join("id.json");
    let o = gradual(&[
        "task",
        "show",
        "11111111111111111111111111111111",
        "-u",
        "http://127.0.0.1:9",
        "-k",
        kp.to_str().unwrap(),
    ]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("solana-keygen new"), "{err}");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../keys/gradual-keypair.json"),
        &kp,
    )
    .unwrap();
    // A key file others can read is refused before anything is sent, as ssh does.
    use std::os::unix::fs::PermissionsExt;
    let node_status = || {
        gradual(&[
            "node",
            "status",
            "11111111111111111111111111111111",
            "-u",
            "http://127.0.0.1:9",
            "-k",
            kp.to_str().unwrap(),
        ])
    };
    std::fs::set_permissions(&kp, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = node_status();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("accessible by other users (permissions 0644)") && err.contains("chmod 600"),
        "{err}"
    );
    std::fs::set_permissions(&kp, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = node_status();
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("cannot reach http://127.0.0.1:9"), "{err}");
    let o = gradual(&[
        "round",
        "show",
        "not-an-address",
        "0",
        "-u",
        "http://127.0.0.1:9",
    ]);
    assert!(text(&o).1.contains("not a base-58 address"));
}
