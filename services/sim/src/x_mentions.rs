//! `GET /2/users/{id}/mentions` (and `GET /2/users/{id}/tweets`, an
//! account's own posts, with the same paging): newest first, `max_results` 5–100,
//! `since_id`/`until_id` exclusive, `start_time`/`end_time`, base32hex
//! `pagination_token`s, only the 800 most recent mentions reachable, and
//! late-indexed posts invisible until their time.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::state::{Post, Sim};
use crate::x_http::{Endpoint, RateInfo, guard, invalid_request, query_get, query_pairs, respond};
use crate::x_json::{Fields, includes, post_json};
use crate::x_params;

/// How far back a mentions timeline reaches.
pub const REACHABLE: usize = 800;

pub async fn mentions(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    timeline(&sim, id, query, &headers, false).await
}

pub async fn user_posts(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    timeline(&sim, id, query, &headers, true).await
}

/// `since_id`/`until_id` (exclusive) and `start_time`/`end_time`, as the
/// timelines and search read them.
pub(crate) struct Bounds {
    pub since: Option<u64>,
    pub until: Option<u64>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Bounds {
    #[allow(clippy::result_large_err)]
    pub fn parse(pairs: &[(String, String)], rate: &RateInfo) -> Result<Bounds, Response> {
        let q = |k: &str| query_get(pairs, k);
        let mut ids = [None, None];
        for (i, key) in ["since_id", "until_id"].into_iter().enumerate() {
            if let Some(v) = q(key) {
                match v.parse::<u64>() {
                    Ok(n) if is_snowflake(v) => ids[i] = Some(n),
                    _ => {
                        let msg = format!("The `{key}` query parameter value [{v}] does not match ^[0-9]{{1,19}}$");
                        return Err(invalid_request(key, v, &msg, rate));
                    }
                }
            }
        }
        if let [Some(s), Some(u)] = ids
            && s >= u
        {
            let msg = format!("The `until_id` query parameter value [{u}] must be greater than the `since_id` [{s}]");
            return Err(invalid_request("until_id", &u.to_string(), &msg, rate));
        }
        let mut times = [None, None];
        for (i, key) in ["start_time", "end_time"].into_iter().enumerate() {
            if let Some(v) = q(key) {
                match DateTime::parse_from_rfc3339(v) {
                    Ok(t) => times[i] = Some(t.with_timezone(&Utc)),
                    Err(_) => {
                        let msg = format!("Invalid '{key}':'{v}'. '{key}' must be a valid RFC3339 date-time");
                        return Err(invalid_request(key, v, &msg, rate));
                    }
                }
            }
        }
        Ok(Bounds { since: ids[0], until: ids[1], start: times[0], end: times[1] })
    }

    pub fn contains(&self, p: &Post) -> bool {
        self.since.is_none_or(|s| p.seq > s)
            && self.until.is_none_or(|u| p.seq < u)
            && self.start.is_none_or(|t| p.created_at >= t)
            && self.end.is_none_or(|t| p.created_at < t)
    }
}

/// How a timeline or search is paged: `max_results` (default 10), the
/// bounds, and the page token ("older than this").
pub(crate) struct Paging {
    pub max: usize,
    pub bounds: Bounds,
    pub below: Option<u64>,
}

impl Paging {
    /// Reads `max_results` within `range` and the page token from `token_key`.
    #[allow(clippy::result_large_err)]
    pub fn parse(
        pairs: &[(String, String)],
        range: std::ops::RangeInclusive<usize>,
        token_key: &str,
        rate: &RateInfo,
    ) -> Result<Paging, Response> {
        Ok(Paging {
            max: max_results(pairs, range, rate)?,
            bounds: Bounds::parse(pairs, rate)?,
            below: page_token(pairs, token_key, rate)?,
        })
    }
}

#[allow(clippy::result_large_err)]
fn max_results(
    pairs: &[(String, String)],
    range: std::ops::RangeInclusive<usize>,
    rate: &RateInfo,
) -> Result<usize, Response> {
    match query_get(pairs, "max_results") {
        None => Ok(10),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => {
                let (lo, hi) = range.into_inner();
                let msg = format!("The `max_results` query parameter value [{v}] is not between {lo} and {hi}");
                Err(invalid_request("max_results", v, &msg, rate))
            }
        },
    }
}

#[allow(clippy::result_large_err)]
fn page_token(pairs: &[(String, String)], key: &str, rate: &RateInfo) -> Result<Option<u64>, Response> {
    match query_get(pairs, key) {
        None => Ok(None),
        Some(t) => match decode_token(t) {
            Some(n) => Ok(Some(n)),
            None => {
                let msg = format!("The `{key}` query parameter value [{t}] is not valid");
                Err(invalid_request(key, t, &msg, rate))
            }
        },
    }
}

async fn timeline(sim: &Sim, id: String, query: Option<String>, headers: &HeaderMap, authored: bool) -> Response {
    let g = match guard(sim, headers, Endpoint::Mentions).await {
        Ok(g) => g,
        Err(resp) => return resp,
    };
    let rate = &g.rate;
    let pairs = query_pairs(query.as_deref());
    let spec = if authored { &x_params::USER_TWEETS } else { &x_params::MENTIONS };
    if let Err(r) = spec.check(&pairs, rate) {
        return r;
    }
    if !is_snowflake(&id) {
        let msg = format!("The `id` query parameter value [{id}] does not match ^[0-9]{{1,19}}$");
        return invalid_request("id", &id, &msg, rate);
    }
    let Paging { max, bounds, below } = match Paging::parse(&pairs, 5..=100, "pagination_token", rate) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let exclude_replies = query_get(&pairs, "exclude").is_some_and(|v| v.split(',').any(|e| e == "replies"));
    let Some(account) = sim.cfg.account_by_id(&id).cloned() else {
        let body = json!({"errors": [{
            "value": id, "detail": format!("Could not find user with id: [{id}]."), "title": "Not Found Error",
            "resource_type": "user", "parameter": "id", "resource_id": id,
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }]});
        return respond(StatusCode::OK, body, rate);
    };
    let now = Utc::now();
    let selected: Vec<Arc<Post>> = {
        let inner = sim.lock();
        let source = if authored { &inner.authored } else { &inner.timelines };
        let timeline = source.get(&account.user_id).map(Vec::as_slice).unwrap_or(&[]);
        timeline
            .iter()
            .rev()
            .filter(|p| p.indexed_at <= now)
            .take(REACHABLE)
            .filter(|p| bounds.contains(p))
            .filter(|p| !(exclude_replies && p.in_reply_to_id.is_some()))
            .filter(|p| below.is_none_or(|b| p.seq < b))
            .take(max + 1)
            .cloned()
            .collect()
    };
    respond(StatusCode::OK, page_body(sim, &selected, max, &pairs), rate)
}

pub(crate) fn page_body(sim: &Sim, selected: &[Arc<Post>], max_results: usize, pairs: &[(String, String)]) -> Value {
    if selected.is_empty() {
        return json!({"meta": {"result_count": 0}});
    }
    let fields = Fields::parse(pairs, sim.cfg.post_naming);
    let page: Vec<&Post> = selected.iter().take(max_results).map(|p| p.as_ref()).collect();
    let data: Vec<Value> = page.iter().map(|p| post_json(&sim.cfg, p, &fields)).collect();
    let mut meta = json!({
        "result_count": page.len(),
        "newest_id": page[0].id,
        "oldest_id": page[page.len() - 1].id,
    });
    if selected.len() > max_results {
        meta["next_token"] = json!(encode_token(page[page.len() - 1].seq));
    }
    let mut body = json!({ "data": data, "meta": meta });
    if let Some(inc) = includes(&sim.cfg, &page, &fields) {
        body["includes"] = inc;
    }
    body
}

pub fn is_snowflake(s: &str) -> bool {
    !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
}

const BASE32HEX: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// A base32hex (RFC 4648, lower case, unpadded) token for "older than `seq`".
pub fn encode_token(seq: u64) -> String {
    let bytes = format!("m1:{seq}").into_bytes();
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0);
    for b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32HEX[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32HEX[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn decode_token(token: &str) -> Option<u64> {
    let mut bytes = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in token.bytes() {
        let v = BASE32HEX.iter().position(|&b| b == c.to_ascii_lowercase())? as u32;
        acc = ((acc << 5) | v) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
        }
    }
    String::from_utf8(bytes).ok()?.strip_prefix("m1:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_junk_is_refused() {
        let seq = 1_987_654_321_098_765_432;
        let t = encode_token(seq);
        assert!(t.bytes().all(|b| BASE32HEX.contains(&b)));
        assert_eq!(decode_token(&t), Some(seq));
        assert_eq!(decode_token(&t.to_uppercase()), Some(seq));
        assert_eq!(decode_token("7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i"), None);
        assert_eq!(decode_token(""), None);
    }
}
