//! `draft`, `templates` and `rebuttals`: the `Library` API of tvarit-reply.

use std::io::Write;

use clap::Subcommand;
use serde_json::{Value, json};
use tonic::transport::Channel;
use tvarit_proto::v1::library_client::LibraryClient;
use tvarit_proto::v1::{
    DraftRequest, GuardVerdict, ListRebuttalsRequest, ListTemplatesRequest, PublishRebuttalRequest, Rebuttal,
    SearchRebuttalsRequest, Template, TemplateRef, UpsertTemplateRequest,
};

use crate::{authed, channel};

#[derive(Subcommand)]
pub enum TemplatesCmd {
    /// The current version of every template.
    List {
        /// Only keys starting with this, e.g. `complaint/`.
        #[arg(long, default_value = "")]
        key: String,
        /// hi or en; both when absent.
        #[arg(long, default_value = "")]
        lang: String,
    },
    /// Every version of one template, newest first.
    Show {
        #[arg(long)]
        key: String,
        #[arg(long)]
        lang: String,
    },
    /// Save a new version (supervisor or HQ). Variables: {docket} {unit_name}
    /// {unit_name_hi} {police_station} {helpline} {cyber_helpline} {women_helpline}.
    Edit {
        #[arg(long)]
        key: String,
        #[arg(long)]
        lang: String,
        #[arg(long)]
        text: String,
    },
}

#[derive(Subcommand)]
pub enum RebuttalsCmd {
    /// Every claim in the library and its rebuttal.
    List,
    /// Claims sharing words with QUERY, best first.
    Search { query: String },
    /// Publish a rebuttal (HQ); drafts it for every matching open case.
    Publish {
        /// The claim's id, to publish a new version; a new id when absent.
        #[arg(long)]
        id: Option<String>,
        /// The claim as people spread it.
        #[arg(long)]
        claim: String,
        /// false, misleading or unverified.
        #[arg(long)]
        verdict: String,
        #[arg(long, default_value = "")]
        text_hi: String,
        #[arg(long, default_value = "")]
        text_en: String,
        #[arg(long, default_value = "")]
        evidence: String,
        /// Other wordings of the claim (repeat the flag), for matching posts.
        #[arg(long = "variant")]
        variants: Vec<String>,
    },
}

async fn client(server: &str) -> anyhow::Result<LibraryClient<Channel>> {
    Ok(LibraryClient::new(channel(server).await?))
}

fn guard_json(g: &Option<GuardVerdict>) -> Value {
    g.as_ref().map_or(Value::Null, |g| json!({ "allowed": g.allowed, "code": g.code, "reason": g.reason }))
}

pub async fn draft(
    server: &str,
    token: &Option<String>,
    json: bool,
    out: &mut impl Write,
    docket: String,
) -> anyhow::Result<()> {
    let d = client(server).await?.draft(authed(token, DraftRequest { docket })?).await?.into_inner();
    if json {
        let v = json!({ "docket": d.docket, "text": d.text, "source": d.source, "language": d.language,
                        "guard": guard_json(&d.guard) });
        writeln!(out, "{v}")?;
        return Ok(());
    }
    if d.text.is_empty() {
        writeln!(out, "{}: no draft (the case needs no answer, or the library has none)", d.docket)?;
        return Ok(());
    }
    writeln!(out, "{}  [{}, {}]", d.docket, d.source, d.language)?;
    writeln!(out, "{}", d.text)?;
    if let Some(g) = d.guard.filter(|g| !g.allowed) {
        writeln!(out, "guard: {} ({})", g.reason, g.code)?;
    }
    Ok(())
}

fn template_json(t: &Template) -> Value {
    json!({ "key": t.key, "lang": t.lang, "version": t.version, "text": t.text, "edited_by": t.edited_by,
            "edited_at": t.edited_at.map(|ts| tvarit_proto::time::to_millis(&ts)) })
}

fn template_line(out: &mut impl Write, t: &Template) -> std::io::Result<()> {
    writeln!(out, "{}  {}  v{}  by {}\n    {}", t.key, t.lang, t.version, t.edited_by, t.text)
}

pub async fn templates(
    server: &str,
    token: &Option<String>,
    json: bool,
    out: &mut impl Write,
    cmd: TemplatesCmd,
) -> anyhow::Result<()> {
    let mut lib = client(server).await?;
    let rows = match cmd {
        TemplatesCmd::List { key, lang } => {
            let req = authed(token, ListTemplatesRequest { key_prefix: key, lang })?;
            lib.list_templates(req).await?.into_inner().templates
        }
        TemplatesCmd::Show { key, lang } => {
            lib.template_history(authed(token, TemplateRef { key, lang })?).await?.into_inner().templates
        }
        TemplatesCmd::Edit { key, lang, text } => {
            vec![lib.upsert_template(authed(token, UpsertTemplateRequest { key, lang, text })?).await?.into_inner()]
        }
    };
    for t in &rows {
        if json { writeln!(out, "{}", template_json(t))? } else { template_line(out, t)? }
    }
    Ok(())
}

fn rebuttal_json(r: &Rebuttal) -> Value {
    json!({ "claim_id": r.claim_id, "claim": r.claim, "verdict": r.verdict, "text_hi": r.text_hi,
            "text_en": r.text_en, "evidence_url": r.evidence_url, "variants": r.variants, "version": r.version,
            "published_by": r.published_by })
}

fn rebuttal_line(out: &mut impl Write, r: &Rebuttal) -> std::io::Result<()> {
    writeln!(out, "{}  {}  v{}  {}", r.claim_id, r.verdict, r.version, r.claim)?;
    for text in [&r.text_hi, &r.text_en].into_iter().filter(|t| !t.is_empty()) {
        writeln!(out, "    {text}")?;
    }
    if !r.evidence_url.is_empty() {
        writeln!(out, "    {}", r.evidence_url)?;
    }
    Ok(())
}

pub async fn rebuttals(
    server: &str,
    token: &Option<String>,
    json: bool,
    out: &mut impl Write,
    cmd: RebuttalsCmd,
) -> anyhow::Result<()> {
    let mut lib = client(server).await?;
    let rows = match cmd {
        RebuttalsCmd::List => lib.list_rebuttals(authed(token, ListRebuttalsRequest {})?).await?.into_inner().rebuttals,
        RebuttalsCmd::Search { query } => {
            let req = authed(token, SearchRebuttalsRequest { query, limit: 0 })?;
            lib.search_rebuttals(req).await?.into_inner().rebuttals
        }
        RebuttalsCmd::Publish { id, claim, verdict, text_hi, text_en, evidence, variants } => {
            let msg = PublishRebuttalRequest {
                claim_id: id.unwrap_or_default(),
                claim,
                verdict,
                text_hi,
                text_en,
                evidence_url: evidence,
                variants,
            };
            let done = lib.publish_rebuttal(authed(token, msg)?).await?.into_inner();
            let r = done.rebuttal.unwrap_or_default();
            if json {
                let v = json!({ "rebuttal": rebuttal_json(&r), "cases_drafted": done.cases_drafted,
                                "dockets": done.dockets });
                writeln!(out, "{v}")?;
            } else {
                rebuttal_line(out, &r)?;
                writeln!(out, "drafted for {} open case(s): {}", done.cases_drafted, done.dockets.join(", "))?;
            }
            return Ok(());
        }
    };
    for r in &rows {
        if json { writeln!(out, "{}", rebuttal_json(r))? } else { rebuttal_line(out, r)? }
    }
    Ok(())
}
