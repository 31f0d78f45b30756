//! The `Publishing` gRPC API: authentication, argument checks and the
//! mapping of refusals to status codes; the steps themselves are in
//! [`super::workflow`].

use std::collections::BTreeMap;
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::Notify;
use tonic::{Request, Response, Status};
use tvarit_proto::time::datetime;
use tvarit_proto::v1::publishing_server::Publishing;
use tvarit_proto::v1::{
    ApprovePublicationRequest, ComposeRequest, ListPublicationsRequest, ListPublicationsResponse, PlatformPreview,
    PostContent, PreviewRequest, PreviewResponse, Publication, PublicationRef, RejectPublicationRequest,
    RetryTargetRequest, SchedulePublicationRequest,
};
use tvarit_registry::Registry;

use super::accounts::PostingAccounts;
use super::rules::{self, Resolved, Target};
use super::workflow::{self, Failure};
use super::{content, engagement, store};
use crate::store::operators::Operator;

pub struct PublishingService {
    pub pool: PgPool,
    pub registry: Registry,
    pub accounts: Arc<PostingAccounts>,
    /// Wakes the fan-out loop after an approval or a retry.
    pub wake: Arc<Notify>,
}

fn db_error(e: sqlx::Error) -> Status {
    crate::status::unavailable("publication store", e)
}

fn id_of(id: u64) -> Result<i64, Status> {
    i64::try_from(id).ok().filter(|i| *i > 0).ok_or_else(|| Status::invalid_argument("give the publication's id"))
}

/// Per platform: the text as posted, its length against the limit.
fn previews(c: &PostContent, targets: &[Target]) -> Vec<PlatformPreview> {
    let text = content::body(c);
    let mut per: BTreeMap<&str, u32> = BTreeMap::new();
    for t in targets {
        *per.entry(t.platform.as_str()).or_default() += 1;
    }
    per.into_iter()
        .map(|(platform, accounts)| match content::measure(platform, &text) {
            Some((length, limit)) => PlatformPreview {
                platform: platform.into(),
                text: text.clone(),
                length: length as u32,
                limit: limit as u32,
                fits: length <= limit,
                accounts,
                note: String::new(),
            },
            None => PlatformPreview {
                platform: platform.into(),
                accounts,
                note: format!("Tvarit cannot post on {platform}; these targets are skipped (post them by hand)"),
                ..Default::default()
            },
        })
        .collect()
}

impl PublishingService {
    async fn operator<T>(&self, req: &Request<T>) -> Result<Operator, Status> {
        crate::auth::operator(&self.pool, req).await
    }

    async fn reply(&self, op: &Operator, id: i64) -> Result<Response<Publication>, Status> {
        let mut db = self.pool.acquire().await.map_err(db_error)?;
        match store::get(&mut db, id).await.map_err(db_error)? {
            Some(p) if workflow::visible(op, &p) => {
                let targets = store::targets(&mut db, &[id]).await.map_err(db_error)?;
                Ok(Response::new(p.to_proto(&targets)))
            }
            _ => Err(Status::from(Failure::NotFound(id))),
        }
    }

    /// Checks the content and audience and that the text fits every
    /// targeted platform.
    fn check(
        &self,
        op: &Operator,
        c: &Option<PostContent>,
        audience: &Option<tvarit_proto::v1::Audience>,
    ) -> Result<(PostContent, Resolved), Status> {
        let c = c.clone().ok_or_else(|| Status::invalid_argument("give the post's content"))?;
        content::validate(&c).map_err(Status::invalid_argument)?;
        let resolved =
            rules::resolve(&self.registry, op, &audience.clone().unwrap_or_default()).map_err(Status::from)?;
        if let Some(p) = previews(&c, &resolved.targets).into_iter().find(|p| p.limit > 0 && !p.fits) {
            return Err(Status::invalid_argument(format!(
                "too long for {}: {} of {} characters as the platform counts them",
                p.platform, p.length, p.limit
            )));
        }
        Ok((c, resolved))
    }
}

#[tonic::async_trait]
impl Publishing for PublishingService {
    async fn compose(&self, req: Request<ComposeRequest>) -> Result<Response<Publication>, Status> {
        let op = self.operator(&req).await?;
        let r = req.into_inner();
        let (c, resolved) = self.check(&op, &r.content, &r.audience)?;
        let id = i64::try_from(r.id).map_err(|_| Status::invalid_argument("bad id"))?;
        let id = workflow::compose(&self.pool, &op, id, &c, &resolved, datetime(r.scheduled_at.as_ref()), r.submit)
            .await
            .map_err(Status::from)?;
        self.reply(&op, id).await
    }

    async fn preview(&self, req: Request<PreviewRequest>) -> Result<Response<PreviewResponse>, Status> {
        let op = self.operator(&req).await?;
        let r = req.into_inner();
        let (c, targets) = if r.id > 0 {
            let p = self.reply(&op, id_of(r.id)?).await?.into_inner();
            let targets = p
                .targets
                .iter()
                .map(|t| Target { account: t.account.clone(), platform: t.platform.clone(), unit: t.unit.clone() })
                .collect::<Vec<_>>();
            (p.content.unwrap_or_default(), targets)
        } else {
            let c = r.content.ok_or_else(|| Status::invalid_argument("give a publication id or content"))?;
            content::validate(&c).map_err(Status::invalid_argument)?;
            let resolved =
                rules::resolve(&self.registry, &op, &r.audience.unwrap_or_default()).map_err(Status::from)?;
            (c, resolved.targets)
        };
        Ok(Response::new(PreviewResponse {
            platforms: previews(&c, &targets),
            accounts: targets.into_iter().map(|t| t.account).collect(),
        }))
    }

    async fn submit(&self, req: Request<PublicationRef>) -> Result<Response<Publication>, Status> {
        let op = self.operator(&req).await?;
        let id = id_of(req.get_ref().id)?;
        workflow::submit(&self.pool, &op, id).await.map_err(Status::from)?;
        self.reply(&op, id).await
    }

    async fn approve(&self, req: Request<ApprovePublicationRequest>) -> Result<Response<Publication>, Status> {
        let op = self.operator(&req).await?;
        let id = id_of(req.get_ref().id)?;
        workflow::approve(&self.pool, &self.registry, &self.accounts, &op, id, req.get_ref().fast_track)
            .await
            .map_err(Status::from)?;
        tracing::info!(publication = id, by = %op.name, fast_track = req.get_ref().fast_track, "publication approved");
        self.wake.notify_one();
        self.reply(&op, id).await
    }

    async fn reject(&self, req: Request<RejectPublicationRequest>) -> Result<Response<Publication>, Status> {
        let op = self.operator(&req).await?;
        let id = id_of(req.get_ref().id)?;
        workflow::reject(&self.pool, &op, id, &req.get_ref().reason).await.map_err(Status::from)?;
        self.reply(&op, id).await
    }

    async fn schedule(&self, req: Request<SchedulePublicationRequest>) -> Result<Response<Publication>, Status> {
        let op = self.operator(&req).await?;
        let r = req.into_inner();
        let id = id_of(r.id)?;
        workflow::schedule(&self.pool, &op, id, datetime(r.scheduled_at.as_ref())).await.map_err(Status::from)?;
        self.wake.notify_one();
        self.reply(&op, id).await
    }

    async fn cancel(&self, req: Request<PublicationRef>) -> Result<Response<Publication>, Status> {
        let op = self.operator(&req).await?;
        let id = id_of(req.get_ref().id)?;
        workflow::cancel(&self.pool, &op, id).await.map_err(Status::from)?;
        self.reply(&op, id).await
    }

    async fn list_publications(
        &self,
        req: Request<ListPublicationsRequest>,
    ) -> Result<Response<ListPublicationsResponse>, Status> {
        let op = self.operator(&req).await?;
        let r = req.into_inner();
        let units = if r.unit.is_empty() {
            op.units.clone()
        } else if self.registry.unit(&r.unit).is_none() {
            return Err(Status::invalid_argument(format!("unknown unit {:?}", r.unit)));
        } else if !op.may_see(&r.unit) {
            return Err(Status::permission_denied(format!("{} is not one of your units", r.unit)));
        } else {
            vec![r.unit]
        };
        let limit = if r.limit == 0 { 100 } else { i64::from(r.limit.min(1000)) };
        let mut db = self.pool.acquire().await.map_err(db_error)?;
        let publications = store::calendar(&mut db, &units, datetime(r.from.as_ref()), datetime(r.to.as_ref()), limit)
            .await
            .map_err(db_error)?;
        Ok(Response::new(ListPublicationsResponse { publications }))
    }

    async fn get_publication(&self, req: Request<PublicationRef>) -> Result<Response<Publication>, Status> {
        let op = self.operator(&req).await?;
        self.reply(&op, id_of(req.get_ref().id)?).await
    }

    async fn retry_target(&self, req: Request<RetryTargetRequest>) -> Result<Response<Publication>, Status> {
        let op = self.operator(&req).await?;
        let id = id_of(req.get_ref().id)?;
        workflow::retry(&self.pool, &op, id, &req.get_ref().account).await.map_err(Status::from)?;
        self.wake.notify_one();
        self.reply(&op, id).await
    }

    async fn refresh_engagement(&self, req: Request<PublicationRef>) -> Result<Response<Publication>, Status> {
        let op = self.operator(&req).await?;
        let id = id_of(req.get_ref().id)?;
        let targets = {
            // Visible first: the reply below checks again.
            self.reply(&op, id).await?;
            let mut db = self.pool.acquire().await.map_err(db_error)?;
            store::targets(&mut db, &[id]).await.map_err(db_error)?
        };
        let updated = engagement::refresh(&self.pool, &self.accounts, &targets).await.map_err(db_error)?;
        tracing::info!(publication = id, updated, "engagement refreshed");
        self.reply(&op, id).await
    }
}
