//! Who is calling. Every gRPC call but health and reflection carries
//! `authorization: Bearer <token>`; the token's SHA-256 is looked up among
//! the operators tvarit-reply keeps (`tvarit-reply operators add` issues
//! them; only the hash is stored). tvarit-reply (`Desk`, `Library`,
//! `Publishing`) and tvarit-metrics (`Metrics`) both verify here, so a token
//! revoked or a unit taken away counts at once on every API.

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tonic::{Request, Status};

/// A person at a desk: their role and the units they may see.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Operator {
    pub name: String,
    pub role: String,
    pub units: Vec<String>,
}

impl Operator {
    pub fn may_see(&self, unit: &str) -> bool {
        self.units.iter().any(|u| u == "*" || u == unit)
    }

    /// Every unit (`*`): HQ's view.
    pub fn sees_all(&self) -> bool {
        self.units.iter().any(|u| u == "*")
    }

    /// Supervisors and HQ oversee: reassign, approve, act on any claim,
    /// see figures by operator.
    pub fn supervises(&self) -> bool {
        matches!(self.role.as_str(), "supervisor" | "hq")
    }
}

pub const ROLES: [&str; 3] = ["operator", "supervisor", "hq"];

/// What is stored of a token: its SHA-256.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Where the operators table is, seen from a service's pool.
#[derive(Debug, Clone)]
pub enum OperatorsTable {
    /// On the pool's search path: tvarit-reply, which owns the table.
    Own,
    /// In tvarit-reply's schema (`<namespace>_reply`), from another service.
    InSchema(String),
}

impl OperatorsTable {
    fn sql(&self) -> String {
        let table = match self {
            OperatorsTable::Own => "operators".to_owned(),
            // The schema is built from a validated namespace token.
            OperatorsTable::InSchema(schema) => format!("\"{schema}\".operators"),
        };
        format!("SELECT name, role, units FROM {table} WHERE token_sha256 = $1 AND revoked_at IS NULL")
    }
}

/// The active operator holding `token`, if any.
pub async fn by_token(pool: &PgPool, table: &OperatorsTable, token: &str) -> Result<Option<Operator>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(table.sql())).bind(token_hash(token)).fetch_optional(pool).await
}

/// The active operator holding the request's bearer token: UNAUTHENTICATED
/// without one or with an unknown or revoked one.
pub async fn operator<T>(pool: &PgPool, table: &OperatorsTable, req: &Request<T>) -> Result<Operator, Status> {
    let token = req
        .metadata()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| Status::unauthenticated("send `authorization: Bearer <token>`"))?;
    by_token(pool, table, token.trim())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "database error checking a token");
            Status::unavailable("operator store unavailable; try again")
        })?
        .ok_or_else(|| Status::unauthenticated("unknown or revoked token"))
}
