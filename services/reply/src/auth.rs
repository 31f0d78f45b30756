//! Who is calling: every gRPC call carries `authorization: Bearer <token>`,
//! checked against the operators' hashed tokens. Both the `Desk` and the
//! `Library` services authenticate here.

use sqlx::PgPool;
use tonic::{Request, Status};

use crate::store::operators::{self, Operator};

/// The active operator holding the request's bearer token.
pub async fn operator<T>(pool: &PgPool, req: &Request<T>) -> Result<Operator, Status> {
    let token = req
        .metadata()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| Status::unauthenticated("send `authorization: Bearer <token>`"))?;
    operators::by_token(pool, token.trim())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "database error checking a token");
            Status::unavailable("operator store unavailable; try again")
        })?
        .ok_or_else(|| Status::unauthenticated("unknown or revoked token"))
}
