//! Signed-in people: an in-memory map from a random 256-bit session id (the
//! `tvarit_session` cookie) to the person's bearer token, who they are and
//! their CSRF token. The token never reaches the browser after sign-in.
//! A restart signs everyone out, which is acceptable for one office's
//! console and keeps tokens out of any store on disk.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use rand::RngCore;
use tvarit_proto::v1::Operator;

pub const COOKIE: &str = "tvarit_session";

/// A one-shot message shown on the next page (after a form's redirect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub ok: bool,
    pub text: String,
    /// The reply text the person had typed when a send was refused, so it
    /// is not lost.
    pub kept_text: Option<String>,
}

pub struct Session {
    pub token: String,
    pub operator: Operator,
    pub csrf: String,
    last_seen: Mutex<Instant>,
    flash: Mutex<Option<Flash>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("operator", &self.operator.name).finish_non_exhaustive()
    }
}

impl Session {
    /// Whether this person may see `unit` (the same rule tvarit-reply applies).
    pub fn may_see(&self, unit: &str) -> bool {
        self.operator.units.iter().any(|u| u == "*" || u == unit)
    }

    pub fn role(&self) -> &str {
        &self.operator.role
    }

    pub fn supervises(&self) -> bool {
        matches!(self.role(), "supervisor" | "hq")
    }

    pub fn is_hq(&self) -> bool {
        self.role() == "hq"
    }

    pub fn set_flash(&self, flash: Flash) {
        *self.flash.lock().expect("flash lock") = Some(flash);
    }

    pub fn take_flash(&self) -> Option<Flash> {
        self.flash.lock().expect("flash lock").take()
    }
}

#[derive(Clone)]
pub struct Sessions {
    inner: Arc<RwLock<HashMap<String, Arc<Session>>>>,
    idle: Duration,
}

/// 32 random bytes, hex: a session id or a CSRF token.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl Sessions {
    pub fn new(idle: Duration) -> Self {
        Self { inner: Arc::default(), idle }
    }

    /// Starts a session; returns its id for the cookie.
    pub fn create(&self, token: String, operator: Operator) -> String {
        let id = random_token();
        let session = Session {
            token,
            operator,
            csrf: random_token(),
            last_seen: Mutex::new(Instant::now()),
            flash: Mutex::new(None),
        };
        let mut map = self.inner.write().expect("sessions lock");
        let idle = self.idle;
        map.retain(|_, s| s.last_seen.lock().expect("last_seen lock").elapsed() < idle);
        map.insert(id.clone(), Arc::new(session));
        id
    }

    /// The live session for `id`, touched; `None` when unknown or idle too long.
    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        let session = self.inner.read().expect("sessions lock").get(id).cloned()?;
        let mut seen = session.last_seen.lock().expect("last_seen lock");
        if seen.elapsed() >= self.idle {
            drop(seen);
            self.remove(id);
            return None;
        }
        *seen = Instant::now();
        drop(seen);
        Some(session)
    }

    pub fn remove(&self, id: &str) {
        self.inner.write().expect("sessions lock").remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operator(units: &[&str]) -> Operator {
        Operator { name: "asha".into(), role: "operator".into(), units: units.iter().map(|u| u.to_string()).collect() }
    }

    #[test]
    fn ids_are_long_random_and_sessions_end() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let (a, b) =
            (sessions.create("t1".into(), operator(&["balotra"])), sessions.create("t2".into(), operator(&["*"])));
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(sessions.get(&a).unwrap().token, "t1");
        sessions.remove(&a);
        assert!(sessions.get(&a).is_none());
        assert!(sessions.get("guess").is_none());
    }

    #[test]
    fn idle_sessions_expire() {
        let sessions = Sessions::new(Duration::from_millis(0));
        let id = sessions.create("t".into(), operator(&["balotra"]));
        assert!(sessions.get(&id).is_none());
    }

    #[test]
    fn unit_rule_matches_reply() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let one = sessions.get(&sessions.create("t".into(), operator(&["balotra"]))).unwrap();
        assert!(one.may_see("balotra"));
        assert!(!one.may_see("jaipur"));
        let all = sessions.get(&sessions.create("t".into(), operator(&["*"]))).unwrap();
        assert!(all.may_see("jaipur"));
    }
}
