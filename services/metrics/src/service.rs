//! The `Metrics` gRPC API.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tonic::{Request, Response, Status};
use tvarit_proto::v1::metrics_server::Metrics;
use tvarit_proto::v1::{
    CaseTimelineRequest, CaseTimelineResponse, CoverageRequest, CoverageResponse, LeaderboardRequest,
    LeaderboardResponse, StatsRequest, StatsResponse,
};

use crate::leaderboard::{EXCLUSIONS, LeaderboardError, Settings, leaderboard};
use crate::{access, queries};

pub struct MetricsService {
    pub pool: PgPool,
    pub board: Settings,
    /// Registry unit slugs, for coverage.
    pub units: Vec<String>,
    pub on_shift_minutes: u32,
    /// reply's operators table: the callers' tokens and units (`access`).
    pub operators: tvarit_auth::OperatorsTable,
}

impl MetricsService {
    async fn caller<T>(&self, req: &Request<T>) -> Result<tvarit_auth::Operator, Status> {
        tvarit_auth::operator(&self.pool, &self.operators, req).await
    }
}

fn unavailable(e: sqlx::Error) -> Status {
    tracing::error!(error = %e, "metrics query failed");
    Status::unavailable("metrics store unavailable; try again")
}

fn time(t: &Option<prost_types::Timestamp>, what: &str) -> Result<DateTime<Utc>, Status> {
    tvarit_proto::time::datetime(t.as_ref()).ok_or_else(|| Status::invalid_argument(format!("`{what}` is required")))
}

#[tonic::async_trait]
impl Metrics for MetricsService {
    async fn leaderboard(&self, req: Request<LeaderboardRequest>) -> Result<Response<LeaderboardResponse>, Status> {
        // Every unit's row, to anyone signed in: HQ publishes the ranking.
        self.caller(&req).await?;
        let month = req.into_inner().month;
        match leaderboard(&self.pool, &month, &self.board).await {
            Ok(board) => Ok(Response::new(board)),
            Err(e @ LeaderboardError::BadMonth(_)) => Err(Status::invalid_argument(e.to_string())),
            Err(LeaderboardError::Database(e)) => Err(unavailable(e)),
        }
    }

    async fn stats(&self, req: Request<StatsRequest>) -> Result<Response<StatsResponse>, Status> {
        let op = self.caller(&req).await?;
        let r = req.into_inner();
        let (from, to) = (time(&r.from, "from")?, time(&r.to, "to")?);
        if from >= to {
            return Err(Status::invalid_argument("`from` must be before `to`"));
        }
        if !r.unit.is_empty() && !self.units.contains(&r.unit) {
            return Err(Status::invalid_argument(format!("unknown unit {:?}", r.unit)));
        }
        let group = r.group_by();
        let scope = access::stats(&op, &r.unit, group)?;
        let mut rows = queries::stats(
            &self.pool,
            &r.unit,
            from,
            to,
            group,
            self.board.time_zone,
            self.board.goal_s,
            self.board.breach_s,
        )
        .await
        .map_err(unavailable)?;
        if scope == access::StatsScope::TheirUnits {
            rows.retain(|row| op.may_see(&row.key));
        }
        Ok(Response::new(StatsResponse {
            group_by: queries::group_name(group).into(),
            exclusions: EXCLUSIONS.iter().map(|s| (*s).into()).collect(),
            rows,
        }))
    }

    async fn case_timeline(&self, req: Request<CaseTimelineRequest>) -> Result<Response<CaseTimelineResponse>, Status> {
        let op = self.caller(&req).await?;
        let docket = req.into_inner().docket;
        match queries::timeline(&self.pool, &docket).await.map_err(unavailable)? {
            Some(t) => access::timeline(&op, &t.unit).map(|()| Response::new(t)),
            None => Err(Status::not_found(format!("no case {docket:?}"))),
        }
    }

    async fn coverage(&self, req: Request<CoverageRequest>) -> Result<Response<CoverageResponse>, Status> {
        let op = self.caller(&req).await?;
        let window = match req.into_inner().window_minutes {
            0 => self.on_shift_minutes,
            n => n,
        };
        let units: Vec<String> = self.units.iter().filter(|u| op.may_see(u)).cloned().collect();
        let c = queries::coverage(&self.pool, &units, window).await.map_err(unavailable)?;
        Ok(Response::new(c))
    }
}
