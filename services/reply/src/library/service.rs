//! The `Library` gRPC API: templates, rebuttals, drafts and the guard, with
//! the `Desk` API's bearer tokens and unit rules. Template edits need a
//! supervisor or HQ, publishing a rebuttal HQ; both are audited.

use prost::Message;
use sqlx::PgPool;
use tonic::{Request, Response, Status};
use tvarit_proto::v1::library_server::Library;
use tvarit_proto::v1::{
    CheckReplyRequest, Classification, DraftRequest, DraftResponse, GuardVerdict, ListRebuttalsRequest,
    ListRebuttalsResponse, ListTemplatesRequest, ListTemplatesResponse, Post, PublishRebuttalRequest,
    PublishRebuttalResponse, SearchRebuttalsRequest, Template, TemplateRef, UpsertTemplateRequest,
};
use tvarit_registry::Registry;

use super::rebuttals::{NewRebuttal, VERDICTS};
use super::{drafts, guard, reply_language, templates};
use crate::store::operators::Operator;
use crate::store::{CaseRow, audit, cases};

pub struct LibraryService {
    pub pool: PgPool,
    pub registry: Registry,
    /// X's reply limit (`TVARIT_REPLY_MAX_CHARS`); others per [`guard::reply_limit`].
    pub max_reply_chars: usize,
}

fn db_error(e: sqlx::Error) -> Status {
    crate::status::unavailable("library store", e)
}

impl LibraryService {
    pub fn new(pool: PgPool, registry: Registry, max_reply_chars: usize) -> Self {
        Self { pool, registry, max_reply_chars }
    }

    async fn authorize<T>(&self, req: &Request<T>, roles: &[&str]) -> Result<Operator, Status> {
        let op = crate::auth::operator(&self.pool, req).await?;
        if !roles.is_empty() && !roles.contains(&op.role.as_str()) {
            return Err(Status::permission_denied(format!(
                "{} is {}; this needs {}",
                op.name,
                op.role,
                roles.join(" or ")
            )));
        }
        Ok(op)
    }

    fn guard(&self, case: &CaseRow, text: &str) -> GuardVerdict {
        let post = Post::decode(case.post.as_slice()).unwrap_or_default();
        let c = Classification::decode(case.classification.as_slice()).unwrap_or_default();
        guard::verdict(&guard::check(text, &post, &c, guard::reply_limit(&post.platform, self.max_reply_chars)))
    }
}

fn lang_of(lang: &str) -> Result<&str, Status> {
    match lang {
        "hi" | "en" => Ok(lang),
        _ => Err(Status::invalid_argument(format!("language must be hi or en, not {lang:?}"))),
    }
}

#[tonic::async_trait]
impl Library for LibraryService {
    async fn list_templates(
        &self,
        req: Request<ListTemplatesRequest>,
    ) -> Result<Response<ListTemplatesResponse>, Status> {
        self.authorize(&req, &[]).await?;
        let r = req.into_inner();
        let mut db = self.pool.acquire().await.map_err(db_error)?;
        let (all, _) = drafts::load(&mut db).await.map_err(db_error)?;
        let mut rows: Vec<Template> = all
            .0
            .values()
            .filter(|t| t.key.starts_with(&r.key_prefix) && (r.lang.is_empty() || t.lang == r.lang))
            .map(|t| t.to_proto())
            .collect();
        rows.sort_by(|a, b| (&a.key, &a.lang).cmp(&(&b.key, &b.lang)));
        Ok(Response::new(ListTemplatesResponse { templates: rows }))
    }

    async fn upsert_template(&self, req: Request<UpsertTemplateRequest>) -> Result<Response<Template>, Status> {
        let op = self.authorize(&req, &["supervisor", "hq"]).await?;
        let r = req.into_inner();
        let lang = lang_of(&r.lang)?;
        let text = r.text.trim();
        templates::valid_key(&r.key).map_err(Status::invalid_argument)?;
        templates::valid_text(text).map_err(Status::invalid_argument)?;
        // The text filled for the longest case must still pass the guard.
        let vars = templates::Vars::widest(&self.registry);
        let filled = templates::render(text, &vars);
        guard::check(&filled, &Post::default(), &Classification::default(), self.max_reply_chars)
            .map_err(|e| Status::invalid_argument(format!("template refused: {e}")))?;
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        drafts::load(&mut tx).await.map_err(db_error)?;
        let row = templates::save(&mut tx, &r.key, lang, text, &op.name).await.map_err(db_error)?;
        let subject = format!("{}:{}", row.key, row.lang);
        let detail = format!("version={}", row.version);
        let entry = audit::Entry { actor: &op.name, action: "template.edit", subject: &subject, detail: &detail };
        audit::append(&mut tx, entry).await.map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(Response::new(row.to_proto()))
    }

    async fn template_history(&self, req: Request<TemplateRef>) -> Result<Response<ListTemplatesResponse>, Status> {
        self.authorize(&req, &[]).await?;
        let r = req.into_inner();
        let mut db = self.pool.acquire().await.map_err(db_error)?;
        drafts::load(&mut db).await.map_err(db_error)?;
        let rows = templates::history(&mut db, &r.key, lang_of(&r.lang)?).await.map_err(db_error)?;
        if rows.is_empty() {
            return Err(Status::not_found(format!("no template {} in {}", r.key, r.lang)));
        }
        Ok(Response::new(ListTemplatesResponse { templates: rows.iter().map(|t| t.to_proto()).collect() }))
    }

    async fn list_rebuttals(
        &self,
        req: Request<ListRebuttalsRequest>,
    ) -> Result<Response<ListRebuttalsResponse>, Status> {
        self.authorize(&req, &[]).await?;
        let mut db = self.pool.acquire().await.map_err(db_error)?;
        let (_, all) = drafts::load(&mut db).await.map_err(db_error)?;
        Ok(Response::new(ListRebuttalsResponse { rebuttals: all.iter().map(|r| r.to_proto()).collect() }))
    }

    async fn publish_rebuttal(
        &self,
        req: Request<PublishRebuttalRequest>,
    ) -> Result<Response<PublishRebuttalResponse>, Status> {
        let op = self.authorize(&req, &["hq"]).await?;
        let r = req.into_inner();
        if !VERDICTS.contains(&r.verdict.as_str()) {
            return Err(Status::invalid_argument(format!("verdict must be one of {}", VERDICTS.join(", "))));
        }
        if r.claim.trim().is_empty() || (r.text_hi.trim().is_empty() && r.text_en.trim().is_empty()) {
            return Err(Status::invalid_argument("give the claim and a rebuttal text (Hindi, English or both)"));
        }
        if !r.claim_id.is_empty() && !r.claim_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Status::invalid_argument("a claim id is letters, digits and `-`, e.g. claim-0013"));
        }
        let vars = templates::Vars::widest(&self.registry);
        for text in [&r.text_hi, &r.text_en] {
            templates::valid_text(text).map_err(Status::invalid_argument)?;
            let filled = templates::render(text, &vars);
            if let Err(e) = guard::check(&filled, &Post::default(), &Classification::default(), usize::MAX)
                && !matches!(e, guard::GuardError::Empty)
            {
                return Err(Status::invalid_argument(format!("rebuttal refused: {e}")));
            }
        }
        let new = NewRebuttal {
            claim_id: r.claim_id.trim(),
            claim: r.claim.trim(),
            verdict: &r.verdict,
            text_hi: r.text_hi.trim(),
            text_en: r.text_en.trim(),
            evidence_url: r.evidence_url.trim(),
            variants: &r.variants,
        };
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let (row, dockets) =
            drafts::publish_rebuttal(&mut tx, &self.registry, &new, &op.name).await.map_err(db_error)?;
        let detail = format!("version={} verdict={} drafted={}", row.version, row.verdict, dockets.len());
        let entry =
            audit::Entry { actor: &op.name, action: "rebuttal.publish", subject: &row.claim_id, detail: &detail };
        audit::append(&mut tx, entry).await.map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        tracing::info!(claim = %row.claim_id, drafted = dockets.len(), "rebuttal published");
        Ok(Response::new(PublishRebuttalResponse {
            rebuttal: Some(row.to_proto()),
            cases_drafted: dockets.len() as u32,
            dockets,
        }))
    }

    async fn search_rebuttals(
        &self,
        req: Request<SearchRebuttalsRequest>,
    ) -> Result<Response<ListRebuttalsResponse>, Status> {
        self.authorize(&req, &[]).await?;
        let r = req.into_inner();
        let mut db = self.pool.acquire().await.map_err(db_error)?;
        let (_, all) = drafts::load(&mut db).await.map_err(db_error)?;
        let query = super::words(&r.query).collect();
        let mut scored: Vec<_> = all.iter().map(|rb| (rb.score(&query), rb)).filter(|(s, _)| *s > 0.0).collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.claim_id.cmp(&b.1.claim_id)));
        let limit = if r.limit == 0 { 10 } else { r.limit as usize };
        let rebuttals = scored.into_iter().take(limit).map(|(_, rb)| rb.to_proto()).collect();
        Ok(Response::new(ListRebuttalsResponse { rebuttals }))
    }

    async fn draft(&self, req: Request<DraftRequest>) -> Result<Response<DraftResponse>, Status> {
        let op = self.authorize(&req, &[]).await?;
        let mut case = cases::visible(&self.pool, &op, &req.get_ref().docket).await?;
        let mut db = self.pool.acquire().await.map_err(db_error)?;
        let (templates, rebuttals) = drafts::load(&mut db).await.map_err(db_error)?;
        // Computed now from the current library; kept on the case when it changed.
        let (text, source) = drafts::draft_for(&case, &templates, &rebuttals, &self.registry).unwrap_or_default();
        if (case.draft_text != text || case.draft_source != source) && !text.is_empty() {
            (case.draft_text, case.draft_source) = (text.clone(), source.clone());
            drafts::store(&mut db, std::slice::from_ref(&case)).await.map_err(db_error)?;
        }
        let c = Classification::decode(case.classification.as_slice()).unwrap_or_default();
        let guard = if text.is_empty() { None } else { Some(self.guard(&case, &text)) };
        Ok(Response::new(DraftResponse {
            docket: case.docket,
            text,
            source,
            language: reply_language(&c.language).into(),
            guard,
        }))
    }

    async fn check_reply(&self, req: Request<CheckReplyRequest>) -> Result<Response<GuardVerdict>, Status> {
        let op = self.authorize(&req, &[]).await?;
        let case = cases::visible(&self.pool, &op, &req.get_ref().docket).await?;
        Ok(Response::new(self.guard(&case, &req.get_ref().text)))
    }
}
