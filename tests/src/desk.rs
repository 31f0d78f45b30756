//! `tvarit-desk`, the operators' command line, run against a test's reply
//! service as an operator runs it.

use std::process::Command;

use serde_json::Value;

use crate::{Running, TestEnv};

impl TestEnv {
    /// `tvarit-desk --server <reply> --token <token>`: add the subcommand
    /// and run it.
    pub fn desk_cli(&self, reply: &Running, token: &str) -> Command {
        let mut cmd = self.command("tvarit-desk");
        cmd.args(["--server", &format!("http://{}", reply.grpc_addr), "--token", token]);
        cmd
    }

    /// Every JSON line `tvarit-desk --json ARGS` printed; the run must succeed.
    pub fn desk_json_lines(&self, reply: &Running, token: &str, args: &[&str]) -> Vec<Value> {
        let out = self.desk_cli(reply, token).arg("--json").args(args).output().unwrap();
        assert!(out.status.success(), "tvarit-desk {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    /// The first JSON line `tvarit-desk --json ARGS` printed (`null` if none).
    pub fn desk_json(&self, reply: &Running, token: &str, args: &[&str]) -> Value {
        self.desk_json_lines(reply, token, args).into_iter().next().unwrap_or(Value::Null)
    }
}
