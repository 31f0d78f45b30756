//! Webhook delivery: one queue, delivered in order by one worker, with the
//! handshake (X CRC, Meta hub verification) done before the first delivery
//! and again after a failed one, a few retries, and the duplicate-delivery
//! fault. Plain HTTP/1.1 (no TLS): the receivers are local.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::Method;
use tokio::sync::mpsc;

use crate::state::{Platform, Post, Sim};
use crate::{meta, x_webhook};

const TIMEOUT: Duration = Duration::from_secs(10);
const RETRIES: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    X,
    Meta,
}

#[derive(Debug, Clone)]
pub struct Delivery {
    pub hook: Hook,
    pub body: Bytes,
    pub post_id: String,
}

pub(crate) fn enqueue(sim: &Sim, hook: Hook, body: Vec<u8>, post_id: &str) {
    if let Some(tx) = &sim.deliveries {
        let _ = tx.send(Delivery { hook, body: Bytes::from(body), post_id: post_id.to_owned() });
    }
}

fn parent_username(sim: &Sim, p: &Post) -> Option<String> {
    let parent = p.in_reply_to_id.as_ref()?;
    sim.lock().by_id.get(parent).map(|q| q.author.username.clone())
}

/// The public's post: to X for each of our accounts it mentions, or to Meta.
pub fn enqueue_for_post(sim: &Sim, p: &Post) {
    match p.platform {
        Platform::X if sim.cfg.x_webhook.is_some() => {
            let parent = parent_username(sim, p);
            for uid in &p.mentioned_ids {
                enqueue(sim, Hook::X, x_webhook::payload(&sim.cfg, uid, p, parent.as_deref()), &p.id);
            }
        }
        Platform::Facebook | Platform::Instagram => enqueue_meta(sim, p),
        // YouTube has no webhooks for comments: it is polled.
        Platform::X | Platform::YouTube => {}
    }
}

/// Our account's own post: X Activity delivers it to the account's webhook too.
pub fn enqueue_own_x_post(sim: &Sim, p: &Post) {
    if sim.cfg.x_webhook.is_some() {
        let parent = parent_username(sim, p);
        enqueue(sim, Hook::X, x_webhook::payload(&sim.cfg, &p.author.id, p, parent.as_deref()), &p.id);
    }
}

/// A comment on a Page (the public's, or the Page's own reply).
pub fn enqueue_meta(sim: &Sim, p: &Post) {
    if sim.cfg.meta_webhook.is_some() {
        let mention = sim.lock().instagram_mentions.contains(&p.id);
        let body = if mention { meta::mention_payload(p) } else { meta::payload(p, &p.author.name) };
        enqueue(sim, Hook::Meta, body, &p.id);
    }
}

pub async fn worker(sim: Arc<Sim>, mut rx: mpsc::UnboundedReceiver<Delivery>) {
    let (mut x_ok, mut meta_ok) = (false, false);
    loop {
        let d = tokio::select! {
            _ = sim.shutdown.cancelled() => return,
            d = rx.recv() => match d { Some(d) => d, None => return },
        };
        let ready = match d.hook {
            Hook::X => &mut x_ok,
            Hook::Meta => &mut meta_ok,
        };
        if !*ready {
            match handshake(&sim, d.hook).await {
                Ok(()) => *ready = true,
                Err(e) => {
                    tracing::warn!(hook = ?d.hook, error = %e, post_id = %d.post_id, "webhook handshake failed; not delivered");
                    count(&sim, d.hook, false);
                    continue;
                }
            }
        }
        let twice = {
            let rate = sim.faults().duplicate_webhooks;
            rate > 0.0 && sim.chance() < rate
        };
        let delivered = deliver(&sim, &d).await;
        if !delivered {
            *ready = false;
            let sim = sim.clone();
            tokio::spawn(async move { retry(sim, d).await });
        } else if twice {
            tracing::info!(post_id = %d.post_id, "delivering the webhook again (fault)");
            deliver(&sim, &d).await;
        }
    }
}

async fn handshake(sim: &Sim, hook: Hook) -> Result<(), String> {
    match (hook, &sim.cfg.x_webhook, &sim.cfg.meta_webhook) {
        (Hook::X, Some(x), _) => x_webhook::check_crc(&x.url, &x.consumer_secret).await,
        (Hook::Meta, _, Some(m)) => match meta::handshake(&m.url, &m.verify_token).await? {
            h if h.echoed => Ok(()),
            h => Err(format!("hub challenge not echoed (HTTP {})", h.status)),
        },
        _ => Err("no webhook configured".into()),
    }
}

async fn retry(sim: Arc<Sim>, d: Delivery) {
    for attempt in 1..=RETRIES {
        tokio::select! {
            _ = sim.shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1 << (attempt - 1))) => {}
        }
        if deliver(&sim, &d).await {
            return;
        }
    }
    tracing::warn!(hook = ?d.hook, post_id = %d.post_id, "webhook given up after retries");
}

fn count(sim: &Sim, hook: Hook, ok: bool) {
    let s = &sim.stats;
    Sim::count(match (hook, ok) {
        (Hook::X, true) => &s.x_webhooks_delivered,
        (Hook::X, false) => &s.x_webhooks_failed,
        (Hook::Meta, true) => &s.meta_webhooks_delivered,
        (Hook::Meta, false) => &s.meta_webhooks_failed,
    });
}

/// One POST; true on a 2xx.
async fn deliver(sim: &Sim, d: &Delivery) -> bool {
    let (url, headers) = match (d.hook, &sim.cfg.x_webhook, &sim.cfg.meta_webhook) {
        (Hook::X, Some(x), _) => {
            (x.url.clone(), vec![("x-twitter-webhooks-signature", x_webhook::signature(&x.consumer_secret, &d.body))])
        }
        (Hook::Meta, _, Some(m)) => {
            (m.url.clone(), vec![("x-hub-signature-256", meta::signature(&m.app_secret, &d.body))])
        }
        _ => return false,
    };
    let mut headers = headers;
    headers.push(("content-type", "application/json".to_owned()));
    let ok = match http_request(Method::POST, &url, &headers, d.body.clone()).await {
        Ok((status, _)) if (200..300).contains(&status) => true,
        Ok((status, body)) => {
            tracing::warn!(hook = ?d.hook, status, body = %String::from_utf8_lossy(&body), "webhook refused");
            false
        }
        Err(e) => {
            tracing::warn!(hook = ?d.hook, error = %e, "webhook not delivered");
            false
        }
    };
    count(sim, d.hook, ok);
    ok
}

/// A reqwest builder with ring installed: a workspace build gives reqwest
/// rustls without a crypto provider (see Cargo.toml), and a client built
/// before one is installed panics. The sim's tests build theirs here too.
pub fn client_builder() -> reqwest::ClientBuilder {
    // Installing twice is harmless; the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// One request to an `http://` URL: (status, body). Every request is
/// well-formed, so a kept client (reqwest) does the HTTP; redirects are not
/// followed, as a webhook sender would not.
pub async fn http_request(
    method: Method,
    url: &str,
    headers: &[(&str, String)],
    body: Bytes,
) -> Result<(u16, Bytes), String> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if !url.starts_with("http://") {
        return Err(format!("only http:// URLs are supported: {url}"));
    }
    let client = CLIENT.get_or_init(|| {
        client_builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a plain-HTTP client builds")
    });
    let mut req = client.request(method, url).body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(|e| format!("reading the answer from {url}: {e}"))?;
    Ok((status, body))
}
