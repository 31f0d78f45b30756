//! `GET` and `POST /2/tweets/search/stream/rules`: add (with tags), delete by
//! ids or values, `delete_all`, `dry_run`, `meta.summary`, per-rule errors.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Map, Value, json};

use crate::rule_expr::{self, Rule};
use crate::state::{Sim, x_time};
use crate::x_http::{
    Endpoint, RateInfo, admit, guard, invalid_request, invalid_request_body, query_get, query_pairs, respond,
};
use crate::x_params;

pub const MAX_RULES: usize = 1000;

pub async fn get_rules(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let (g, pairs) = match admit(&sim, &headers, Endpoint::Rules, query.as_deref(), &x_params::GET_RULES).await {
        Ok(admitted) => admitted,
        Err(resp) => return resp,
    };
    let ids: Vec<&str> = query_get(&pairs, "ids").map(|v| v.split(',').collect()).unwrap_or_default();
    let max = query_get(&pairs, "max_results").and_then(|v| v.parse::<usize>().ok()).unwrap_or(MAX_RULES);
    let data: Vec<Value> = sim
        .lock()
        .rules
        .iter()
        .filter(|r| ids.is_empty() || ids.contains(&r.id.as_str()))
        .take(max)
        .map(rule_json)
        .collect();
    let meta = json!({"sent": x_time(Utc::now()), "result_count": data.len()});
    let body = if data.is_empty() { json!({ "meta": meta }) } else { json!({ "data": data, "meta": meta }) };
    respond(StatusCode::OK, body, &g.rate)
}

fn rule_json(r: &Rule) -> Value {
    let mut v = json!({"id": r.id, "value": r.value});
    if let Some(t) = &r.tag {
        v["tag"] = json!(t);
    }
    v
}

pub async fn post_rules(
    State(sim): State<Arc<Sim>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let g = match guard(&sim, &headers, Endpoint::Rules).await {
        Ok(g) => g,
        Err(resp) => return resp,
    };
    let rate = &g.rate;
    let pairs = query_pairs(query.as_deref());
    if let Err(r) = x_params::POST_RULES.check(&pairs, rate) {
        return r;
    }
    for key in ["dry_run", "delete_all"] {
        if let Some(v) = query_get(&pairs, key).filter(|v| *v != "true" && *v != "false") {
            let msg = format!("The `{key}` query parameter value [{v}] is not one of [true,false]");
            return invalid_request(key, v, &msg, rate);
        }
    }
    let flag = |k: &str| query_get(&pairs, k) == Some("true");
    let (dry_run, delete_all) = (flag("dry_run"), flag("delete_all"));
    let req: Map<String, Value> = if body.is_empty() && delete_all {
        Map::new()
    } else {
        match serde_json::from_slice(&body) {
            Ok(Value::Object(m)) => m,
            _ => return invalid_request_body("$: the request body is not a JSON object", rate),
        }
    };
    if let Some(k) = req.keys().find(|k| *k != "add" && *k != "delete") {
        let message =
            format!("$.{k}: is not defined in the schema and the schema does not allow additional properties");
        return invalid_request_body(&message, rate);
    }
    let given =
        usize::from(req.contains_key("add")) + usize::from(req.contains_key("delete")) + usize::from(delete_all);
    if given != 1 {
        return invalid_request_body("Exactly one of `add`, `delete` or `?delete_all=true` must be specified", rate);
    }
    let sent = x_time(Utc::now());
    if let Some(add) = req.get("add") {
        let Some(items) = add.as_array() else { return invalid_request_body("$.add: array expected", rate) };
        return add_rules(&sim, items, dry_run, sent, rate);
    }
    let (ids, values): (Vec<String>, Vec<String>) = match req.get("delete") {
        None => (Vec::new(), Vec::new()),
        Some(Value::Object(d)) => {
            let strings = |k: &str| -> Vec<String> {
                d.get(k)
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default()
            };
            (strings("ids"), strings("values"))
        }
        Some(_) => return invalid_request_body("$.delete: object expected", rate),
    };
    let mut inner = sim.lock();
    let mut errors = Vec::new();
    let mut deleted = 0;
    let doomed: Vec<String> = if delete_all {
        inner.rules.iter().map(|r| r.id.clone()).collect()
    } else {
        let mut doomed = Vec::new();
        for (wanted, by_value) in ids.iter().map(|i| (i, false)).chain(values.iter().map(|v| (v, true))) {
            match inner.rules.iter().find(|r| if by_value { &r.value == wanted } else { &r.id == wanted }) {
                Some(r) => doomed.push(r.id.clone()),
                None => errors.push(json!({
                    "value": wanted, "title": "Not Found Error", "detail": "Rule does not exist",
                    "resource_type": "rule", "resource_id": wanted,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                })),
            }
        }
        doomed
    };
    let not_deleted = errors.len();
    if !dry_run {
        let before = inner.rules.len();
        inner.rules.retain(|r| !doomed.contains(&r.id));
        deleted = before - inner.rules.len();
    } else {
        deleted += doomed.len();
    }
    drop(inner);
    let mut body = json!({"meta": {"sent": sent, "summary": {"deleted": deleted, "not_deleted": not_deleted}}});
    if !errors.is_empty() {
        body["errors"] = json!(errors);
    }
    respond(StatusCode::OK, body, rate)
}

fn add_rules(sim: &Sim, items: &[Value], dry_run: bool, sent: String, rate: &RateInfo) -> Response {
    let mut inner = sim.lock();
    let (mut data, mut errors, mut fresh) = (Vec::new(), Vec::new(), Vec::<Rule>::new());
    let (mut valid, mut invalid_n, mut not_created) = (0, 0, 0);
    for item in items {
        let Some(obj) = item.as_object() else {
            drop(inner);
            return invalid_request_body("$.add[*]: object expected", rate);
        };
        if let Some(k) = obj.keys().find(|k| *k != "value" && *k != "tag") {
            drop(inner);
            let message = format!(
                "$.add[*].{k}: is not defined in the schema and the schema does not allow additional properties"
            );
            return invalid_request_body(&message, rate);
        }
        let value = obj.get("value").and_then(Value::as_str).unwrap_or_default().to_owned();
        let tag = obj.get("tag").and_then(Value::as_str).map(str::to_owned);
        let expr = match rule_expr::parse(&value) {
            Ok(e) => e,
            Err(why) => {
                invalid_n += 1;
                not_created += 1;
                errors.push(json!({
                    "value": value, "details": [why], "title": "Invalid Rule",
                    "type": "https://api.twitter.com/2/problems/invalid-rules",
                }));
                continue;
            }
        };
        valid += 1;
        if let Some(existing) = inner.rules.iter().chain(fresh.iter()).find(|r| r.value == value) {
            not_created += 1;
            errors.push(json!({
                "value": value, "id": existing.id, "title": "DuplicateRule",
                "type": "https://api.twitter.com/2/problems/duplicate-rules",
            }));
            continue;
        }
        if inner.rules.len() + fresh.len() >= MAX_RULES {
            not_created += 1;
            errors.push(json!({
                "value": value, "title": "RulesCapExceeded",
                "detail": format!("Rule creation failed: the number of rules would exceed the limit of {MAX_RULES}."),
                "type": "https://api.twitter.com/2/problems/rule-cap",
            }));
            continue;
        }
        let id = sim.next_id().0.to_string();
        let rule = Rule { id, value, tag, expr };
        data.push(rule_json(&rule));
        fresh.push(rule);
    }
    let created = fresh.len();
    if !dry_run {
        inner.rules.extend(fresh);
    }
    drop(inner);
    let summary = json!({"created": created, "not_created": not_created, "valid": valid, "invalid": invalid_n});
    let mut body = json!({"meta": {"sent": sent, "summary": summary}});
    if !data.is_empty() {
        body["data"] = json!(data);
    }
    if !errors.is_empty() {
        body["errors"] = json!(errors);
    }
    let status = if created > 0 {
        StatusCode::CREATED
    } else if invalid_n > 0 {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    respond(status, body, rate)
}
