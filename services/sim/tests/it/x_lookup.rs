//! X's query parameter checks, post and user lookup, recent search, and
//! the answers for paths the sim does not serve.

use serde_json::{Value, json};
use tvarit_sim::SimConfig;

use crate::support::*;

const BALOTRA: &str = "900000000000000003";
const INVALID: &str = "https://api.twitter.com/2/problems/invalid-request";

#[tokio::test]
async fn unknown_misspelled_and_repeated_parameters_get_xs_400() {
    let sim = spawn_sim(SimConfig::default()).await;
    let mentions = format!("/2/users/{BALOTRA}/mentions");
    // `next_token` instead of `pagination_token` used to give page 1 forever.
    let r = get(sim.addr, &format!("{mentions}?next_token=abc")).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.headers.contains_key("x-rate-limit-remaining"));
    let v = r.json();
    assert_eq!(v["title"], "Invalid Request");
    assert_eq!(v["detail"], "One or more parameters to your request was invalid.");
    assert_eq!(v["type"], INVALID);
    assert_eq!(v["errors"][0]["parameters"], json!({"next_token": ["abc"]}));
    let message = v["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("The query parameter [next_token] is not one of [id,max_results,pagination_token,"));

    // Every bad parameter is named, each in its own entry.
    let r = get(sim.addr, &format!("{mentions}?sinceId=1&tweet.fields=created_at,createdat&max_results=5")).await;
    let errors = r.json()["errors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["parameters"], json!({"sinceId": ["1"]}));
    assert_eq!(errors[1]["parameters"], json!({"tweet.fields": ["created_at,createdat"]}));
    assert!(errors[1]["message"].as_str().unwrap().contains("value [createdat] is not one of"));
    let r = get(sim.addr, &format!("{mentions}?max_results=5&max_results=10")).await;
    assert!(r.json()["errors"][0]["message"].as_str().unwrap().starts_with("Duplicate parameters"));

    // Both field spellings are accepted, and every endpoint checks.
    assert_eq!(get(sim.addr, &format!("{mentions}?post.fields=created_at&tweet.fields=lang")).await.status, 200);
    for path in [
        "/2/users/me?user.field=id",
        "/2/users/by/username/SP_Balotra?expansions=author_id",
        "/2/tweets?ids=1&pagination_token=x",
        "/2/tweets/search/stream/rules?dry_run=true",
        "/2/tweets/search/recent?query=a&until=1",
    ] {
        let r = get(sim.addr, path).await;
        assert_eq!((r.status, r.json()["type"].as_str()), (400, Some(INVALID)), "{path}: {}", r.body);
    }
    let r = post_json(sim.addr, "/2/tweets?dry_run=true", &json!({"text": "x"})).await;
    assert_eq!(r.status, 400, "{}", r.body);
}

#[tokio::test]
async fn x_paths_get_xs_json_and_only_versioned_paths_reach_the_graph_api() {
    let sim = spawn_sim(SimConfig::default()).await;
    let not_found = json!({"title": "Not Found", "type": "about:blank", "status": 404, "detail": "Not Found"});
    for (method, path) in [
        ("GET", "/2/webhooks"),
        ("GET", "/2/lists/123/tweets"),
        ("POST", "/2/users/123/comments"),
        ("DELETE", "/2/tweets"),
        ("GET", "/2/tweets/search/all?query=a"),
    ] {
        let r = http(sim.addr, method, path, &[("Authorization", "Bearer t")], "").await;
        assert_eq!(r.status, 404, "{method} {path}");
        assert!(r.header("content-type").starts_with("application/json"), "{method} {path}");
        assert_eq!(r.json(), not_found, "{method} {path}");
    }
    // `GET /2/users` is X's (ids required), not Meta's object lookup.
    let r = get(sim.addr, "/2/users").await;
    assert_eq!((r.status, r.json()["type"].as_str()), (400, Some(INVALID)), "{}", r.body);
    // The Graph API still answers on /vNN.N/, in Meta's words.
    let r = http(sim.addr, "POST", "/v19.0/123_456/comments?access_token=t&message=hi", &[], "").await;
    assert_eq!((r.status, r.json()["error"]["code"].as_u64()), (400, Some(100)), "{}", r.body);
}

fn ids(v: &Value) -> Vec<String> {
    v["data"].as_array().map(|a| a.iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn posts_and_users_are_looked_up_by_id_and_by_name() {
    let sim = spawn_sim(SimConfig::default()).await;
    let p = inject(sim.addr, json!({"text": "@SP_Balotra हेल्प", "author": {"id": "u7", "handle": "@asha"}})).await;
    let id = p["id"].as_str().unwrap();

    let v = get(sim.addr, &format!("/2/tweets/{id}?tweet.fields=author_id,public_metrics&expansions=author_id"))
        .await
        .json();
    assert_eq!(v["data"]["id"], id);
    assert_eq!(v["data"]["edit_history_tweet_ids"], json!([id]));
    assert_eq!(v["data"]["public_metrics"]["reply_count"], 0);
    assert_eq!(v["includes"]["users"][0]["username"], "asha");
    let v = get(sim.addr, "/2/tweets/1").await.json();
    assert_eq!(v["errors"][0]["detail"], "Could not find tweet with id: [1].");
    assert_eq!(v["errors"][0]["parameter"], "id");
    let r = get(sim.addr, "/2/tweets/abc").await;
    assert_eq!(r.status, 400);
    let v = get(sim.addr, &format!("/2/tweets?ids={id},2&expansions=author_id")).await.json();
    assert_eq!(ids(&v), vec![id.to_owned()]);
    assert_eq!(v["errors"][0]["resource_id"], "2");
    assert_eq!(v["includes"]["users"][0]["username"], "asha");

    let author = p["author"]["id"].as_str().unwrap();
    let v = get(sim.addr, &format!("/2/users/{author}")).await.json();
    assert_eq!(v["data"]["username"], "asha");
    let v = get(sim.addr, &format!("/2/users/{BALOTRA}?user.fields=created_at")).await.json();
    assert_eq!(v["data"]["username"], "SP_Balotra");
    assert!(v["data"]["created_at"].is_string());
    let v = get(sim.addr, "/2/users/by?usernames=SP_Balotra,asha,nobody").await.json();
    let names: Vec<&str> = v["data"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["SP_Balotra", "asha"]);
    assert_eq!(v["errors"][0]["detail"], "Could not find user with usernames: [nobody].");
    let v = get(sim.addr, &format!("/2/users?ids={BALOTRA},5")).await.json();
    assert_eq!(ids(&v), vec![BALOTRA.to_owned()]);
    assert_eq!(v["errors"][0]["parameter"], "ids");
    let r = get(sim.addr, "/2/users/by?usernames=not-a-handle!").await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn recent_search_matches_the_rule_grammar_and_pages_with_next_token() {
    let sim = spawn_sim(SimConfig::default()).await;
    let mut posted = Vec::new();
    for i in 0..15 {
        let p = inject(sim.addr, json!({"text": format!("@SP_Balotra बाइक चोरी {i}")})).await;
        posted.push(p["id"].as_str().unwrap().to_owned());
    }
    inject(sim.addr, json!({"text": "@SP_Balotra बाइक चोरी fake"})).await;
    inject(sim.addr, json!({"text": "@jaipur_police बाइक चोरी"})).await;
    let q = "/2/tweets/search/recent?query=%40SP_Balotra%20%E0%A4%9A%E0%A5%8B%E0%A4%B0%E0%A5%80%20-fake";

    let first = get(sim.addr, q).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.headers.contains_key("x-rate-limit-limit"));
    let first = first.json();
    assert_eq!(first["meta"]["result_count"], 10);
    let token = first["meta"]["next_token"].as_str().unwrap();
    let second = get(sim.addr, &format!("{q}&next_token={token}")).await.json();
    assert!(second["meta"].get("next_token").is_none());
    let mut seen = ids(&first);
    seen.extend(ids(&second));
    posted.reverse();
    assert_eq!(seen, posted, "newest first, every match once");
    // pagination_token works here too, and since_id bounds the search.
    assert_eq!(ids(&get(sim.addr, &format!("{q}&pagination_token={token}")).await.json()), ids(&second));
    let newer = get(sim.addr, &format!("{q}&since_id={}&max_results=10", posted[2])).await.json();
    assert_eq!(ids(&newer), posted[..2].to_vec());

    for bad in ["", "?query=", "?query=(a%20OR", "?query=a&max_results=5", "?query=a&sort_order=newest"] {
        let r = get(sim.addr, &format!("/2/tweets/search/recent{bad}")).await;
        assert_eq!((r.status, r.json()["type"].as_str()), (400, Some(INVALID)), "{bad}: {}", r.body);
    }
    let none = get(sim.addr, "/2/tweets/search/recent?query=nothing_matches_this").await.json();
    assert_eq!(none, json!({"meta": {"result_count": 0}}));
}
