//! `publish`: the `Publishing` API of tvarit-reply — compose, preview,
//! approve, schedule, the calendar, per-account outcomes, retries and
//! engagement. Times are shown in the deployment's zone (the registry's
//! `time_zone`, IST for Rajasthan) and sent as UTC.

use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use clap::{Args, Subcommand};
use tonic::transport::Channel;
use tvarit_proto::time::from_datetime;
use tvarit_proto::v1::publishing_client::PublishingClient;
use tvarit_proto::v1::{
    ApprovePublicationRequest, Audience, ComposeRequest, FactCheck, ListPublicationsRequest, PostContent,
    PreviewRequest, PublicationRef, RejectPublicationRequest, RetryTargetRequest, SchedulePublicationRequest,
};

use crate::publish_render::{preview, publication, publication_line};
use crate::{authed, channel};

#[derive(Args)]
pub struct ContentArgs {
    /// awareness, achievement, fact_check or alert.
    #[arg(long, default_value = "")]
    kind: String,
    /// The Hindi text (Devanagari).
    #[arg(long, default_value = "")]
    hi: String,
    /// The English text.
    #[arg(long, default_value = "")]
    en: String,
    /// A link posted after the text (repeat).
    #[arg(long = "link")]
    links: Vec<String>,
    /// An image or video URL (repeat).
    #[arg(long = "media")]
    media: Vec<String>,
    /// Fact-checks: the claim as people spread it.
    #[arg(long, default_value = "")]
    claim: String,
    /// Fact-checks: false, misleading or unverified.
    #[arg(long, default_value = "")]
    verdict: String,
    /// Fact-checks: other wordings of the claim (repeat), for matching posts.
    #[arg(long = "variant")]
    variants: Vec<String>,
    /// A target account (repeat).
    #[arg(long = "account", conflicts_with_all = ["units", "all"])]
    accounts: Vec<String>,
    /// Every account of this unit (repeat).
    #[arg(long = "unit", conflicts_with = "all")]
    units: Vec<String>,
    /// Every account: state-wide (HQ approves).
    #[arg(long)]
    all: bool,
}

impl ContentArgs {
    fn split(self) -> (PostContent, Audience) {
        let fact_check = (self.kind == "fact_check").then_some(FactCheck {
            claim: self.claim,
            verdict: self.verdict,
            variants: self.variants,
            claim_id: String::new(),
        });
        let content = PostContent {
            kind: self.kind,
            text_hi: self.hi,
            text_en: self.en,
            links: self.links,
            media: self.media,
            fact_check,
        };
        (content, Audience { accounts: self.accounts, units: self.units, all: self.all })
    }
}

#[derive(Subcommand)]
pub enum PublishCmd {
    /// Write a post (a draft; --submit sends it for approval).
    Compose {
        #[command(flatten)]
        content: ContentArgs,
        /// When it goes out: "2026-11-30 18:00" (the deployment's zone) or RFC 3339; absent: when approved.
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        submit: bool,
    },
    /// How a post will look on each platform, and whether it fits.
    Preview {
        /// A saved post; else give the content flags.
        #[arg(long)]
        id: Option<u64>,
        #[command(flatten)]
        content: ContentArgs,
    },
    /// Send your draft for approval.
    Submit { id: u64 },
    /// Approve a post (supervisor of its units, or HQ; HQ for state-wide).
    Approve {
        id: u64,
        /// HQ: approve a fact-check or alert at once, own drafts too.
        #[arg(long)]
        fast_track: bool,
    },
    Reject {
        id: u64,
        #[arg(long)]
        reason: String,
    },
    /// Set when a post goes out (local time, or RFC 3339); without --at: now.
    Schedule {
        id: u64,
        #[arg(long)]
        at: Option<String>,
    },
    /// Stop a post that has not started going out.
    Cancel { id: u64 },
    /// The calendar: posts planned or published for a unit.
    List {
        #[arg(long, default_value = "")]
        unit: String,
        /// From this day or time (local), e.g. 2026-11-01.
        #[arg(long)]
        from: Option<String>,
        /// Up to (not including) this day or time (local).
        #[arg(long)]
        to: Option<String>,
    },
    /// One post with every account's outcome.
    Show { id: u64 },
    /// Queue a failed target again.
    Retry {
        id: u64,
        #[arg(long)]
        account: String,
    },
    /// Fetch engagement from the platforms and show it.
    Engagement { id: u64 },
}

/// `2026-11-30 18:00` or `2026-11-30` in the deployment's zone (IST for Rajasthan), or RFC 3339.
pub fn parse_time(s: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        })
        .with_context(|| {
            format!("not a time: {s:?} (use \"2026-11-30 18:00\" in the deployment's zone, or RFC 3339)")
        })?;
    crate::zone::zone()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .context("an ambiguous local time")
}

fn timestamp(s: &Option<String>) -> anyhow::Result<Option<prost_types::Timestamp>> {
    s.as_deref().map(|s| parse_time(s).map(from_datetime)).transpose()
}

pub async fn run(
    server: &str,
    token: &Option<String>,
    json: bool,
    out: &mut impl Write,
    cmd: PublishCmd,
) -> anyhow::Result<()> {
    let mut api: PublishingClient<Channel> = PublishingClient::new(channel(server).await?);
    let p = match cmd {
        PublishCmd::Compose { content, at, submit } => {
            let (content, audience) = content.split();
            let msg = ComposeRequest {
                id: 0,
                content: Some(content),
                audience: Some(audience),
                scheduled_at: timestamp(&at)?,
                submit,
            };
            api.compose(authed(token, msg)?).await?.into_inner()
        }
        PublishCmd::Preview { id, content } => {
            let msg = match id {
                Some(id) => PreviewRequest { id, ..Default::default() },
                None => {
                    let (content, audience) = content.split();
                    PreviewRequest { id: 0, content: Some(content), audience: Some(audience) }
                }
            };
            let r = api.preview(authed(token, msg)?).await?.into_inner();
            return preview(out, &r, json);
        }
        PublishCmd::Submit { id } => api.submit(authed(token, PublicationRef { id })?).await?.into_inner(),
        PublishCmd::Approve { id, fast_track } => {
            api.approve(authed(token, ApprovePublicationRequest { id, fast_track })?).await?.into_inner()
        }
        PublishCmd::Reject { id, reason } => {
            api.reject(authed(token, RejectPublicationRequest { id, reason })?).await?.into_inner()
        }
        PublishCmd::Schedule { id, at } => {
            let msg = SchedulePublicationRequest { id, scheduled_at: timestamp(&at)? };
            api.schedule(authed(token, msg)?).await?.into_inner()
        }
        PublishCmd::Cancel { id } => api.cancel(authed(token, PublicationRef { id })?).await?.into_inner(),
        PublishCmd::List { unit, from, to } => {
            let msg = ListPublicationsRequest { unit, from: timestamp(&from)?, to: timestamp(&to)?, limit: 0 };
            for p in api.list_publications(authed(token, msg)?).await?.into_inner().publications {
                if json {
                    writeln!(out, "{}", crate::publish_render::publication_json(&p))?;
                } else {
                    publication_line(out, &p)?;
                }
            }
            return Ok(());
        }
        PublishCmd::Show { id } => api.get_publication(authed(token, PublicationRef { id })?).await?.into_inner(),
        PublishCmd::Retry { id, account } => {
            api.retry_target(authed(token, RetryTargetRequest { id, account })?).await?.into_inner()
        }
        PublishCmd::Engagement { id } => {
            api.refresh_engagement(authed(token, PublicationRef { id })?).await?.into_inner()
        }
    };
    publication(out, &p, json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_ist_and_sent_as_utc() {
        assert_eq!(parse_time("2026-11-30 18:00").unwrap().to_rfc3339(), "2026-11-30T12:30:00+00:00");
        assert_eq!(parse_time("2026-11-30").unwrap().to_rfc3339(), "2026-11-29T18:30:00+00:00");
        assert_eq!(parse_time("2026-11-30T12:30:00Z").unwrap().to_rfc3339(), "2026-11-30T12:30:00+00:00");
        assert!(parse_time("tomorrow").is_err());
    }
}
