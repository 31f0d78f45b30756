//! Finding cases and reading their conversation (issue 16): `Desk.SearchCases`
//! over the real pipeline, scoped to the caller's units, with each filter and
//! paging; `Desk.GetThread` with posts, follow-ups, replies and events in
//! time order.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;
use tonic::transport::Channel;
use tvarit_e2e::{TestEnv, authed, desk_client, eventually};
use tvarit_proto::time::from_datetime;
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::thread_entry::Entry;
use tvarit_proto::v1::{Case, CaseRef, ReplyRequest, SearchCasesRequest, SearchCasesResponse};
use tvarit_proto::{CaseState, Category};

pub fn authored(id: &str, author: &str, conversation: &str, mention: &str, text: &str) -> String {
    json!({
        "id": id, "text": format!("{mention} {text}"), "mentions": [mention], "platform": "x",
        "author": { "id": format!("id-{author}"), "handle": format!("@{author}"), "name": author },
        "conversation_id": conversation,
    })
    .to_string()
}

async fn search(desk: &DeskClient<Channel>, token: &str, req: SearchCasesRequest) -> SearchCasesResponse {
    desk.clone().search_cases(authed(token, req)).await.unwrap().into_inner()
}

async fn dockets(desk: &DeskClient<Channel>, token: &str, req: SearchCasesRequest) -> HashSet<String> {
    search(desk, token, req).await.cases.into_iter().map(|c| c.docket).collect()
}

fn words(text: &str) -> SearchCasesRequest {
    SearchCasesRequest { text: text.into(), ..Default::default() }
}

fn set(cases: &[&Case]) -> HashSet<String> {
    cases.iter().map(|c| c.docket.clone()).collect()
}

/// Waits until `token`'s newest-first search (no filter) holds `want` cases.
async fn all_cases(desk: &DeskClient<Channel>, token: &str, want: usize) -> Vec<Case> {
    eventually(Duration::from_secs(40), "the cases opened", || async move {
        let found = search(desk, token, SearchCasesRequest { limit: 200, ..Default::default() }).await.cases;
        (found.len() == want).then_some(found)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_keeps_to_the_callers_units_and_every_filter_narrows_it() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let meena = env.operator("meena", "operator", "balotra");
    let hq = env.operator("hq-desk", "hq", "*");
    let desk = desk_client(&running[2]).await;
    let b = "@SP_Balotra";
    let lines = vec![
        authored("s1", "Ravi_K", "c1", b, "mobile snatched near the zebracrossing, please help"),
        authored("s2", "asha", "c2", b, "मेरी बाइक चोरी हो गई है, कृपया मदद करें"),
        authored("s3", "asha", "c3", b, "loud music every night, nobody listens"),
        authored("s4", "deepak", "c4", b, "thank you for the quick action yesterday"),
        authored("s5", "mohan", "c5", b, "water tanker mafia is charging double"),
        authored("j1", "ravi_k", "c6", "@jaipur_police", "chain snatched at the zebracrossing, send someone"),
    ];
    assert!(env.replay(&env.write_file("posts.jsonl", &lines)).status.success());
    let everything = all_cases(&desk, &hq, 6).await;
    let mine = all_cases(&desk, &meena, 5).await;
    assert!(mine.iter().all(|c| c.unit == "balotra"), "an operator sees only their unit");
    let jaipur = everything.iter().find(|c| c.unit == "jaipur").expect("the Jaipur case").clone();
    let by_post = |id: &str| everything.iter().find(|c| c.post.as_ref().unwrap().post_id == id).unwrap().clone();

    // Another unit's case is never returned, by words, author or docket.
    assert_eq!(dockets(&desk, &meena, words("zebracrossing")).await, set(&[&by_post("s1")]));
    assert_eq!(dockets(&desk, &hq, words("zebracrossing")).await, set(&[&by_post("s1"), &jaipur]));
    let docket_of_jaipur = SearchCasesRequest { docket: jaipur.docket.to_lowercase(), ..Default::default() };
    assert!(dockets(&desk, &meena, docket_of_jaipur.clone()).await.is_empty());
    assert_eq!(dockets(&desk, &hq, docket_of_jaipur).await, set(&[&jaipur]), "a docket is found in any case");
    let other_unit = SearchCasesRequest { unit: "jaipur".into(), ..Default::default() };
    let refused = desk.clone().search_cases(authed(&meena, other_unit)).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
    let thread = desk.clone().get_thread(authed(&meena, CaseRef { docket: jaipur.docket.clone() })).await;
    assert_eq!(thread.unwrap_err().code(), tonic::Code::NotFound, "nor its conversation");

    // Words: Devanagari whole, every word must appear, phrases, exclusion.
    assert_eq!(dockets(&desk, &meena, words("चोरी")).await, set(&[&by_post("s2")]));
    assert_eq!(dockets(&desk, &meena, words("snatched help")).await, set(&[&by_post("s1")]));
    assert!(dockets(&desk, &meena, words("snatched tanker")).await.is_empty());
    assert_eq!(dockets(&desk, &meena, words("\"water tanker\"")).await, set(&[&by_post("s5")]));
    assert!(dockets(&desk, &meena, words("\"tanker water\"")).await.is_empty());
    let refused = desk.clone().search_cases(authed(&meena, words("!!! ..."))).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);

    // Author: any case, with or without @; with words; scoped.
    let author = |a: &str| SearchCasesRequest { author: a.into(), ..Default::default() };
    assert_eq!(dockets(&desk, &meena, author("ASHA")).await, set(&[&by_post("s2"), &by_post("s3")]));
    assert_eq!(dockets(&desk, &hq, author("@ravi_k")).await, set(&[&by_post("s1"), &jaipur]));
    assert_eq!(dockets(&desk, &meena, author("@ravi_k")).await, set(&[&by_post("s1")]));
    let both = SearchCasesRequest { author: "asha".into(), text: "music".into(), ..Default::default() };
    assert_eq!(dockets(&desk, &meena, both).await, set(&[&by_post("s3")]));

    // Unit, platform, category (as the classifier gave them).
    let unit = SearchCasesRequest { unit: "balotra".into(), ..Default::default() };
    assert_eq!(dockets(&desk, &hq, unit).await, set(&mine.iter().collect::<Vec<_>>()));
    let platform = |p: &str| SearchCasesRequest { platform: p.into(), ..Default::default() };
    assert_eq!(dockets(&desk, &meena, platform("x")).await.len(), 5);
    assert!(dockets(&desk, &meena, platform("facebook")).await.is_empty());
    for category in [Category::Emergency, Category::Complaint, Category::Appreciation, Category::Other] {
        let want: Vec<&Case> = mine.iter().filter(|c| c.category() == category).collect();
        let req = SearchCasesRequest { category: category as i32, ..Default::default() };
        assert_eq!(dockets(&desk, &meena, req).await, set(&want), "category {category:?}");
    }

    // State and operator: claim one and close another.
    let claimed = by_post("s1");
    let closed = mine.iter().find(|c| c.state() == CaseState::Open && c.docket != claimed.docket).unwrap().clone();
    let mut d = desk.clone();
    d.claim(authed(&meena, CaseRef { docket: claimed.docket.clone() })).await.unwrap();
    d.close(authed(&meena, CaseRef { docket: closed.docket.clone() })).await.unwrap();
    let state = |s: CaseState| SearchCasesRequest { state: s as i32, ..Default::default() };
    assert_eq!(dockets(&desk, &meena, state(CaseState::InProcess)).await, set(&[&claimed]));
    let closed_now = dockets(&desk, &meena, state(CaseState::Closed)).await;
    assert!(closed_now.contains(&closed.docket) && !closed_now.contains(&claimed.docket), "{closed_now:?}");
    let by_meena = SearchCasesRequest { operator: "meena".into(), ..Default::default() };
    assert_eq!(dockets(&desk, &meena, by_meena).await, set(&[&claimed]));

    // Dates: opened within [since, until).
    let now = chrono::Utc::now();
    let at = |t: chrono::DateTime<chrono::Utc>| Some(from_datetime(t));
    let since = |t| SearchCasesRequest { since: at(t), ..Default::default() };
    let until = |t| SearchCasesRequest { until: at(t), ..Default::default() };
    assert_eq!(dockets(&desk, &meena, since(now - chrono::Duration::hours(1))).await.len(), 5);
    assert!(dockets(&desk, &meena, since(now + chrono::Duration::minutes(5))).await.is_empty());
    assert!(dockets(&desk, &meena, until(now - chrono::Duration::hours(1))).await.is_empty());
    assert_eq!(dockets(&desk, &meena, until(now + chrono::Duration::minutes(5))).await.len(), 5);

    // A follow-up's words find its case.
    let follow = authored("s6", "Ravi_K", "c1", b, "the thief had a blue helmet");
    assert!(env.replay(&env.write_file("follow.jsonl", &[follow])).status.success());
    let found = eventually(Duration::from_secs(30), "the follow-up searchable", || async {
        Some(dockets(&desk, &meena, words("helmet")).await).filter(|d| !d.is_empty())
    })
    .await;
    assert_eq!(found, set(&[&claimed]));
    env.cleanup(running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_pages_newest_first_without_losing_or_repeating_a_case() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let meena = env.operator("meena", "operator", "balotra");
    let desk = desk_client(&running[2]).await;
    // Two batches, so opening times differ between them.
    let batch = |from: usize| -> Vec<String> {
        (from..from + 4)
            .map(|i| {
                authored(&format!("p{i}"), &format!("user{i}"), &format!("t{i}"), "@SP_Balotra", "streetlight broken")
            })
            .collect()
    };
    assert!(env.replay(&env.write_file("a.jsonl", &batch(0))).status.success());
    all_cases(&desk, &meena, 4).await;
    assert!(env.replay(&env.write_file("b.jsonl", &batch(4))).status.success());
    let all = all_cases(&desk, &meena, 8).await;

    let mut seen = Vec::new();
    let mut req = SearchCasesRequest { text: "streetlight".into(), limit: 3, ..Default::default() };
    let mut pages = 0;
    loop {
        let page = search(&desk, &meena, req.clone()).await;
        pages += 1;
        assert!(page.cases.len() <= 3);
        seen.extend(page.cases);
        if page.next_cursor.is_empty() {
            break;
        }
        req.cursor = page.next_cursor;
    }
    assert_eq!(pages, 3, "8 cases in pages of 3");
    let order: Vec<(i64, String)> =
        seen.iter().map(|c| (tvarit_proto::time::to_millis(c.opened_at.as_ref().unwrap()), c.docket.clone())).collect();
    assert!(order.windows(2).all(|w| w[0].0 >= w[1].0), "newest first: {order:?}");
    let unique: HashSet<_> = seen.iter().map(|c| c.docket.clone()).collect();
    assert_eq!((unique.len(), unique), (8, all.iter().map(|c| c.docket.clone()).collect()));
    let newest_batch: HashSet<String> = seen[..4].iter().map(|c| c.post.as_ref().unwrap().post_id.clone()).collect();
    assert_eq!(newest_batch, (4..8).map(|i| format!("p{i}")).collect(), "the later batch comes first");
    let bad = SearchCasesRequest { cursor: "x".into(), ..Default::default() };
    let refused = desk.clone().search_cases(authed(&meena, bad)).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    env.cleanup(running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_holds_posts_replies_and_events_in_time_order() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let meena = env.operator("meena", "operator", "balotra");
    let desk = desk_client(&running[2]).await;
    let first = authored("h1", "asha", "conv", "@SP_Balotra", "my purse was stolen in the market");
    assert!(env.replay(&env.write_file("a.jsonl", &[first])).status.success());
    let case = all_cases(&desk, &meena, 1).await.remove(0);
    let docket = case.docket.clone();
    let mut d = desk.clone();
    d.claim(authed(&meena, CaseRef { docket: docket.clone() })).await.unwrap();
    let text = format!("{docket}: please share the time and place, we are on it");
    d.reply(authed(&meena, ReplyRequest { docket: docket.clone(), text: text.clone(), private: false })).await.unwrap();
    let follow = authored("h2", "asha", "conv", "@SP_Balotra", "it was a brown leather purse with my id card");
    assert!(env.replay(&env.write_file("b.jsonl", &[follow])).status.success());
    let thread = eventually(Duration::from_secs(30), "the follow-up in the thread", || {
        let (mut d, token, docket) = (desk.clone(), meena.clone(), docket.clone());
        async move {
            let t = d.get_thread(authed(&token, CaseRef { docket })).await.ok()?.into_inner();
            t.entries.iter().any(|e| e.follow_up).then_some(t)
        }
    })
    .await;
    d.close(authed(&meena, CaseRef { docket: docket.clone() })).await.unwrap();
    let thread = {
        let closed = d.get_thread(authed(&meena, CaseRef { docket: docket.clone() })).await.unwrap().into_inner();
        assert_eq!(closed.entries.len(), thread.entries.len() + 1, "the close joins the thread");
        closed
    };
    assert_eq!(thread.case.as_ref().unwrap().state(), CaseState::Closed);

    let times: Vec<i64> =
        thread.entries.iter().map(|e| tvarit_proto::time::to_millis(e.at.as_ref().unwrap())).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order: {times:?}");
    let shape: Vec<String> = thread
        .entries
        .iter()
        .map(|e| match e.entry.as_ref().unwrap() {
            Entry::Post(p) if e.follow_up => format!("follow_up:{}", p.text),
            Entry::Post(p) => format!("post:{}", p.text),
            Entry::Reply(r) => format!("reply:{}:{}:{}", r.operator, r.status, r.text),
            Entry::Event(ev) => format!("event:{}:{}", ev.kind().as_str_name(), ev.actor),
        })
        .collect();
    let want = [
        "post:@SP_Balotra my purse was stolen in the market".to_owned(),
        "event:CASE_EVENT_KIND_OPENED:system".into(),
        "event:CASE_EVENT_KIND_CLAIMED:meena".into(),
        "event:CASE_EVENT_KIND_REPLIED:meena".into(),
        format!("reply:meena:manual:{text}"),
        "follow_up:@SP_Balotra it was a brown leather purse with my id card".into(),
        "event:CASE_EVENT_KIND_FOLLOWED_UP:system".into(),
        "event:CASE_EVENT_KIND_CLOSED:meena".into(),
    ];
    assert_eq!(shape, want);
    let Some(Entry::Post(p)) = &thread.entries[0].entry else { unreachable!() };
    assert_eq!(p.author.as_ref().unwrap().handle, "@asha");
    env.cleanup(running).await;
}
