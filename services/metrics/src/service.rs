//! The `Metrics` gRPC API.

use chrono_tz::Tz;
use sqlx::PgPool;
use tonic::{Request, Response, Status};
use tvarit_proto::v1::metrics_server::Metrics;
use tvarit_proto::v1::{LeaderboardRequest, LeaderboardResponse};

use crate::leaderboard::{LeaderboardError, leaderboard};

pub struct MetricsService {
    pub pool: PgPool,
    pub time_zone: Tz,
    pub goal_seconds: f64,
    pub breach_seconds: f64,
}

#[tonic::async_trait]
impl Metrics for MetricsService {
    async fn leaderboard(&self, req: Request<LeaderboardRequest>) -> Result<Response<LeaderboardResponse>, Status> {
        let month = req.into_inner().month;
        match leaderboard(&self.pool, &month, self.time_zone, self.goal_seconds, self.breach_seconds).await {
            Ok(board) => Ok(Response::new(board)),
            Err(e @ LeaderboardError::BadMonth(_)) => Err(Status::invalid_argument(e.to_string())),
            Err(LeaderboardError::Database(e)) => {
                tracing::error!(error = %e, "leaderboard query failed");
                Err(Status::unavailable("metrics store unavailable; try again"))
            }
        }
    }
}
