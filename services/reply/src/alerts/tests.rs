use chrono::Utc;
use prost::Message;
use tvarit_proto::time::from_millis;
use tvarit_proto::v1::{CaseEventKind, Post, Relabel};
use tvarit_proto::{Category, Urgency};

use super::*;
use crate::store::CaseRow;

fn case(category: &str, state: &str) -> CaseRow {
    let post = Post {
        platform: "x".into(),
        post_id: "1900000000000000001".into(),
        text: "a man is being beaten with rods outside the bus stand right now".into(),
        created_at: Some(from_millis(1_764_000_000_000)),
        ..Default::default()
    };
    CaseRow {
        id: 7,
        docket: "BLT-2612-00001".into(),
        unit: "balotra".into(),
        category: category.into(),
        urgency: "critical".into(),
        state: state.into(),
        post: post.encode_to_vec(),
        classification: Vec::new(),
        opened_at: Utc::now(),
        claimed_by: None,
        first_reply_at: None,
        last_reply_text: None,
        closed_at: None,
        reply_status: String::new(),
        reply_error: None,
        follow_ups: 0,
        goal_at: None,
        breach_at: None,
        escalation_level: 0,
        escalated_to: String::new(),
        draft_text: String::new(),
        draft_source: String::new(),
        acknowledged_at: None,
        acknowledged_by: None,
    }
}

fn relabel(from: Category, to: Category) -> Relabel {
    Relabel {
        from_category: from as i32,
        to_category: to as i32,
        from_urgency: Urgency::High as i32,
        to_urgency: Urgency::Critical as i32,
    }
}

#[test]
fn an_emergency_opening_alerts_its_control_room_and_nothing_else_does() {
    let raised = rule(CaseEventKind::Opened, &case("emergency", "open"), None).unwrap();
    assert_eq!(
        raised,
        Raised { event: AlertEvent::Opened, target: "control room".into(), dest_unit: "balotra".into() }
    );
    assert_eq!(rule(CaseEventKind::Opened, &case("complaint", "open"), None), None);
    assert_eq!(rule(CaseEventKind::Claimed, &case("emergency", "in_process"), None), None);
    assert_eq!(rule(CaseEventKind::Closed, &case("emergency", "closed"), None), None);
}

#[test]
fn a_relabel_into_emergency_alerts_once_and_a_relabel_within_it_does_not() {
    let into = relabel(Category::Sensitive, Category::Emergency);
    let r = rule(CaseEventKind::Relabelled, &case("emergency", "open"), Some(&into)).unwrap();
    assert_eq!(r.event, AlertEvent::Opened);
    let urgency_only = relabel(Category::Emergency, Category::Emergency);
    assert_eq!(rule(CaseEventKind::Relabelled, &case("emergency", "open"), Some(&urgency_only)), None);
    let out = relabel(Category::Emergency, Category::Complaint);
    assert_eq!(rule(CaseEventKind::Relabelled, &case("complaint", "open"), Some(&out)), None);
}

#[test]
fn every_escalation_notifies_its_target_and_an_unclaimed_emergency_says_so() {
    let mut c = case("emergency", "open");
    c.escalation_level = 1;
    c.escalated_to = "shift supervisor".into();
    let r = rule(CaseEventKind::Escalated, &c, None).unwrap();
    assert_eq!(
        r,
        Raised { event: AlertEvent::Unacknowledged, target: "shift supervisor".into(), dest_unit: "balotra".into() }
    );
    c.acknowledged_at = Some(Utc::now());
    assert_eq!(rule(CaseEventKind::Escalated, &c, None).unwrap().event, AlertEvent::Escalated);
    let mut complaint = case("complaint", "in_process");
    complaint.claimed_by = Some("ramesh".into());
    complaint.escalated_to = "nodal officer".into();
    assert_eq!(rule(CaseEventKind::Escalated, &complaint, None).unwrap().event, AlertEvent::Escalated);
    // HQ's rungs and a handoff go to HQ's control room.
    for to in ["hq", "hq/nodal officer"] {
        complaint.escalated_to = to.into();
        assert_eq!(rule(CaseEventKind::Escalated, &complaint, None).unwrap().dest_unit, "hq");
    }
}

#[test]
fn the_body_carries_the_contract_fields_and_a_stable_id() {
    let c = case("emergency", "open");
    let raised = rule(CaseEventKind::Opened, &c, None).unwrap();
    let id = alert_id(&c.docket, raised.event, 42);
    assert_eq!(id, "BLT-2612-00001/opened/42");
    assert_eq!(alert_id(&c.docket, raised.event, 42), id);
    let v: serde_json::Value = serde_json::from_slice(&body(&id, &raised, &c)).unwrap();
    for key in ["alert_id", "event", "docket", "unit", "category", "urgency", "opened_at"] {
        assert!(v[key].is_string(), "{key} in {v}");
    }
    assert_eq!(v["event"], "opened");
    assert_eq!(v["post"]["platform"], "x");
    assert_eq!(v["post"]["id"], "1900000000000000001");
    assert_eq!(v["post"]["created_at"], "2025-11-24T16:00:00Z");
    assert_eq!(v["post"]["url"], "https://x.com/i/web/status/1900000000000000001");
    assert!(v["post"]["text"].as_str().unwrap().contains("beaten"));
}
