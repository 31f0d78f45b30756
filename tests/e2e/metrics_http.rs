//! A plain GET for the metrics tests (`/metrics`, Prometheus' API).

use std::net::SocketAddr;

/// Status and body of `GET path`.
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let client = tvarit_e2e::http_client().build().unwrap();
    let resp = client.get(format!("http://{addr}{path}")).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Percent-encodes a query parameter value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
