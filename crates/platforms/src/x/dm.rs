//! X direct messages: sending one to a person
//! (`POST /2/dm_conversations/with/{participant_id}/messages`), the events
//! of the one-to-one conversation with them
//! (`GET /2/dm_conversations/with/{participant_id}/dm_events`), which tell a
//! sender whether a message whose outcome it lost was sent, the account's
//! recent DM events (`GET /2/dm_events`, polled where the tier has no
//! webhooks), and the Account Activity webhook's `direct_message_events`
//! (v1.1 shape).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::UserAuth;
use super::client::XClient;
use super::types::{Includes, Meta, Single, User};
use crate::PlatformError;

#[derive(Serialize)]
struct MessageBody<'a> {
    text: &'a str,
}

/// What X answers a sent message with.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct DmCreated {
    pub dm_conversation_id: String,
    pub dm_event_id: String,
}

/// One event of a conversation, as `dm_event.fields=id,text,event_type,
/// sender_id,created_at,dm_conversation_id` lists it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct DmEvent {
    pub id: String,
    #[serde(default)]
    pub event_type: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub sender_id: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub dm_conversation_id: Option<String>,
}

/// One page of DM events, newest first, with the senders in `includes.users`.
#[derive(Debug, Default, Deserialize)]
pub struct DmEvents {
    #[serde(default)]
    pub data: Vec<DmEvent>,
    #[serde(default)]
    pub includes: Includes,
    #[serde(default)]
    pub meta: Meta,
}

impl DmEvents {
    pub fn sender(&self, e: &DmEvent) -> Option<&User> {
        self.includes.users.iter().find(|u| u.id == e.sender_id)
    }
}

pub const DM_EVENT_FIELDS: &str = "id,text,event_type,sender_id,created_at,dm_conversation_id";

impl XClient {
    /// Sends `text` as a direct message to the person `participant_id`, as
    /// the token's account (scope `dm.write`).
    pub async fn send_dm(&self, auth: &UserAuth, participant_id: &str, text: &str) -> Result<DmCreated, PlatformError> {
        let url = format!("{}/2/dm_conversations/with/{participant_id}/messages", self.base);
        let req = auth.apply(self.http.post(&url), "POST", &url, &[]).json(&MessageBody { text });
        let (body, _) = self.send(req).await?;
        Ok(Self::parse::<Single<DmCreated>>(&body)?.data)
    }

    /// One page of the account's DM events, newest first (scope `dm.read`),
    /// with the senders' usernames.
    pub async fn dm_events(&self, auth: &UserAuth, pagination_token: Option<&str>) -> Result<DmEvents, PlatformError> {
        let url = format!("{}/2/dm_events", self.base);
        let mut query = vec![
            ("max_results", "100"),
            ("dm_event.fields", DM_EVENT_FIELDS),
            ("event_types", "MessageCreate"),
            ("expansions", "sender_id"),
            ("user.fields", "username,name"),
        ];
        if let Some(t) = pagination_token {
            query.push(("pagination_token", t));
        }
        let (body, _) = self.send(auth.apply(self.http.get(&url), "GET", &url, &query).query(&query)).await?;
        Self::parse(&body)
    }

    /// The latest events of the conversation with `participant_id`, newest
    /// first (scope `dm.read`).
    pub async fn dm_events_with(&self, auth: &UserAuth, participant_id: &str) -> Result<Vec<DmEvent>, PlatformError> {
        let url = format!("{}/2/dm_conversations/with/{participant_id}/dm_events", self.base);
        let query = [("max_results", "100"), ("dm_event.fields", DM_EVENT_FIELDS), ("event_types", "MessageCreate")];
        let (body, _) = self.send(auth.apply(self.http.get(&url), "GET", &url, &query).query(&query)).await?;
        Ok(Self::parse::<DmEvents>(&body)?.data)
    }
}

/// The message among `events` that `sender_id` (our account) sent with `text`.
pub fn find_sent<'a>(events: &'a [DmEvent], sender_id: &str, text: &str) -> Option<&'a DmEvent> {
    events.iter().find(|e| e.event_type == "MessageCreate" && e.sender_id == sender_id && e.text.trim() == text.trim())
}

/// An Account Activity `direct_message_events` item (v1.1 shape).
#[derive(Debug, Deserialize)]
pub struct ActivityDm {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    /// Epoch milliseconds, as a string.
    #[serde(default)]
    pub created_timestamp: String,
    pub message_create: MessageCreate,
}

#[derive(Debug, Deserialize)]
pub struct MessageCreate {
    pub sender_id: String,
    #[serde(default)]
    pub target: Option<Target>,
    pub message_data: MessageData,
}

#[derive(Debug, Deserialize)]
pub struct Target {
    pub recipient_id: String,
}

#[derive(Debug, Deserialize)]
pub struct MessageData {
    #[serde(default)]
    pub text: String,
}

/// The people an Activity delivery names, by id.
#[derive(Debug, Default, Deserialize)]
pub struct ActivityUser {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub screen_name: String,
}

pub type ActivityUsers = HashMap<String, ActivityUser>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented Account Activity DM payload.
    #[test]
    fn a_documented_activity_dm_reads() {
        let d: ActivityDm = serde_json::from_str(
            r#"{"type":"message_create","id":"954491830116155396","created_timestamp":"1516403560557","message_create":{"target":{"recipient_id":"322793061"},"sender_id":"3001969357","source_app_id":"13090192","message_data":{"text":"Hello World!","entities":{"hashtags":[],"symbols":[],"user_mentions":[],"urls":[]}}}}"#,
        )
        .unwrap();
        assert_eq!((d.kind.as_str(), d.message_create.sender_id.as_str()), ("message_create", "3001969357"));
        assert_eq!(d.message_create.target.unwrap().recipient_id, "322793061");
        assert_eq!(d.message_create.message_data.text, "Hello World!");
    }

    #[test]
    fn a_sent_message_is_found_by_sender_and_text() {
        let events: Vec<DmEvent> = serde_json::from_str::<DmEvents>(
            r#"{"data":[{"id":"2","event_type":"MessageCreate","text":"Please share the place ","sender_id":"9"},{"id":"1","event_type":"MessageCreate","text":"Please share the place","sender_id":"5"}]}"#,
        )
        .unwrap()
        .data;
        assert_eq!(find_sent(&events, "9", "Please share the place").map(|e| e.id.as_str()), Some("2"));
        assert!(find_sent(&events, "9", "something else").is_none());
    }
}
