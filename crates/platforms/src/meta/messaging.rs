//! Messenger and Instagram messaging: the webhook's `messaging` events
//! (a person's message to the Page or the Instagram account) and the Send
//! API, `POST /{page-id or ig-account-id}/messages`, which answers within the
//! 24-hour window a person's message opens (`messaging_type: RESPONSE`).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::MetaClient;
use crate::PlatformError;

/// One `entry[].messaging[]` item.
#[derive(Debug, Deserialize)]
pub struct Messaging {
    pub sender: Party,
    pub recipient: Party,
    /// Epoch milliseconds.
    #[serde(default)]
    pub timestamp: Option<i64>,
    /// Absent for deliveries, reads, postbacks and reactions.
    #[serde(default)]
    pub message: Option<Message>,
}

#[derive(Debug, Deserialize)]
pub struct Party {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct Message {
    pub mid: String,
    #[serde(default)]
    pub text: Option<String>,
    /// Set on the Page's (or account's) own messages, echoed back.
    #[serde(default)]
    pub is_echo: bool,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Deserialize)]
pub struct Attachment {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub payload: Option<AttachmentPayload>,
}

#[derive(Debug, Deserialize)]
pub struct AttachmentPayload {
    #[serde(default)]
    pub url: Option<String>,
}

/// What the Send API answers.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct MessageSent {
    #[serde(default)]
    pub recipient_id: String,
    pub message_id: String,
}

impl MetaClient {
    /// Sends `text` from the Page or Instagram account `from_id` to the
    /// person `recipient_id` (their Page- or Instagram-scoped id).
    pub async fn send_message(
        &self,
        token: &str,
        from_id: &str,
        recipient_id: &str,
        text: &str,
    ) -> Result<MessageSent, PlatformError> {
        let url = format!("{}/{from_id}/messages", self.base);
        let body = json!({
            "recipient": { "id": recipient_id },
            "messaging_type": "RESPONSE",
            "message": { "text": text },
        });
        let body = self.call(self.http.post(url).query(&[("access_token", token)]).json(&body)).await?;
        Self::read(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Meta's documented text message and echo events.
    #[test]
    fn documented_messaging_events_read() {
        let m: Messaging = serde_json::from_str(
            r#"{"sender":{"id":"1254459154682919"},"recipient":{"id":"682498302938465"},"timestamp":1502905976377,"message":{"mid":"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P","text":"hello, world!"}}"#,
        )
        .unwrap();
        let msg = m.message.unwrap();
        assert_eq!(
            (m.sender.id.as_str(), msg.text.as_deref(), msg.is_echo),
            ("1254459154682919", Some("hello, world!"), false)
        );
        let echo: Messaging = serde_json::from_str(
            r#"{"sender":{"id":"682498302938465"},"recipient":{"id":"1254459154682919"},"timestamp":1457764197627,"message":{"is_echo":true,"app_id":1517776481860111,"metadata":"<DEVELOPER_DEFINED_METADATA_STRING>","mid":"mid.1457764197618:41d102a3e1ae206a38","text":"hello, world!"}}"#,
        )
        .unwrap();
        assert!(echo.message.unwrap().is_echo);
        let read: Messaging = serde_json::from_str(
            r#"{"sender":{"id":"1"},"recipient":{"id":"2"},"timestamp":1458668856463,"read":{"watermark":1458668856253}}"#,
        )
        .unwrap();
        assert!(read.message.is_none());
    }
}
