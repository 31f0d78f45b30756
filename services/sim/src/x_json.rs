//! Posts and users as X API v2 renders them: default fields, the requested
//! `tweet.fields` (or the Aug-2026 `post.fields`), and `includes.users`.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::config::{PostNaming, SimConfig};
use crate::public::mentions_in;
use crate::state::{Post, numeric_id, x_time};

#[derive(Debug, Clone, Default)]
pub struct Fields {
    post: HashSet<String>,
    user: HashSet<String>,
    media: HashSet<String>,
    expansions: HashSet<String>,
    naming: PostNaming,
}

fn list(v: Option<&str>) -> HashSet<String> {
    v.unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

impl Fields {
    pub fn parse(pairs: &[(String, String)], naming: PostNaming) -> Self {
        let get = |k: &str| crate::x_http::query_get(pairs, k);
        let mut post = list(get("tweet.fields"));
        post.extend(list(get("post.fields")));
        let (user, media) = (list(get("user.fields")), list(get("media.fields")));
        Fields { post, user, media, expansions: list(get("expansions")), naming }
    }

    fn wants(&self, f: &str) -> bool {
        self.post.contains(f)
    }

    pub fn expands_author(&self) -> bool {
        self.expansions.contains("author_id")
    }
}

/// One post in v2 form.
pub fn post_json(cfg: &SimConfig, p: &Post, f: &Fields) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(p.id));
    m.insert("text".into(), json!(p.text));
    let history = match f.naming {
        PostNaming::Tweet => "edit_history_tweet_ids",
        PostNaming::Post => "edit_history_post_ids",
    };
    m.insert(history.into(), json!([p.id]));
    if f.wants("author_id") {
        m.insert("author_id".into(), json!(p.author.id));
    }
    if f.wants("created_at") {
        m.insert("created_at".into(), json!(x_time(p.created_at)));
    }
    if f.wants("conversation_id") {
        m.insert("conversation_id".into(), json!(p.conversation_id));
    }
    if f.wants("in_reply_to_user_id")
        && let Some(u) = &p.in_reply_to_user_id
    {
        m.insert("in_reply_to_user_id".into(), json!(u));
    }
    if (f.wants("referenced_tweets") || f.wants("referenced_posts"))
        && let Some(parent) = &p.in_reply_to_id
    {
        let key = if f.wants("referenced_posts") { "referenced_posts" } else { "referenced_tweets" };
        m.insert(key.into(), json!([{"type": "replied_to", "id": parent}]));
    }
    if f.wants("attachments") && !p.media.is_empty() {
        let keys: Vec<&str> = p.media.iter().map(|m| m.key.as_str()).collect();
        m.insert("attachments".into(), json!({ "media_keys": keys }));
    }
    if f.wants("lang") {
        m.insert("lang".into(), json!(guess_lang(&p.text)));
    }
    if f.wants("entities") {
        let mentions: Vec<Value> = mentions_in(&p.text)
            .into_iter()
            .map(|(start, end, username)| {
                let id = cfg
                    .account_by_username(&username)
                    .map(|a| a.user_id.clone())
                    .unwrap_or_else(|| numeric_id(&username));
                json!({"start": start, "end": end, "username": username, "id": id})
            })
            .collect();
        if !mentions.is_empty() {
            m.insert("entities".into(), json!({ "mentions": mentions }));
        }
    }
    Value::Object(m)
}

/// A user in v2 form: `id`, `name`, `username`, and `created_at` if asked.
pub fn user_json(id: &str, username: &str, name: &str, f: &Fields) -> Value {
    let mut u = json!({"id": id, "name": name, "username": username});
    if f.user.contains("created_at") {
        u["created_at"] = json!("2015-01-01T00:00:00.000Z");
    }
    if f.user.contains("protected") {
        u["protected"] = json!(false);
    }
    u
}

/// `includes` for the `author_id`, `entities.mentions.username` and
/// `attachments.media_keys` expansions.
pub fn includes(cfg: &SimConfig, posts: &[&Post], f: &Fields) -> Option<Value> {
    let mut seen = HashSet::new();
    let mut users = Vec::new();
    let mut media = Vec::new();
    for p in posts {
        if f.expansions.contains("attachments.media_keys") {
            media.extend(p.media.iter().map(|m| crate::media::x_include(m, &f.media)));
        }
        if f.expands_author() && seen.insert(p.author.id.clone()) {
            users.push(user_json(&p.author.id, &p.author.username, &p.author.name, f));
        }
        if f.expansions.contains("entities.mentions.username") {
            for m in &p.mentions {
                let (id, name) = match cfg.account_by_username(m) {
                    Some(a) => (a.user_id.clone(), a.name.clone()),
                    None => (numeric_id(m), m.clone()),
                };
                if seen.insert(id.clone()) {
                    users.push(user_json(&id, m, &name, f));
                }
            }
        }
    }
    let mut out = serde_json::Map::new();
    if !users.is_empty() {
        out.insert("users".into(), json!(users));
    }
    if !media.is_empty() {
        out.insert("media".into(), json!(media));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// `hi` if the text has Devanagari, else `en` (X's `lang` is a guess too).
fn guess_lang(text: &str) -> &'static str {
    if text.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c)) { "hi" } else { "en" }
}
