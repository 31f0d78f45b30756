//! Who is calling: the `Desk`, `Library` and `Publishing` services verify
//! the bearer token with the one check tvarit-metrics uses too
//! (`tvarit-auth`), against the operators table in reply's own schema.

use sqlx::PgPool;
use tonic::{Request, Status};
use tvarit_auth::{Operator, OperatorsTable};

/// The active operator holding the request's bearer token.
pub async fn operator<T>(pool: &PgPool, req: &Request<T>) -> Result<Operator, Status> {
    tvarit_auth::operator(pool, &OperatorsTable::Own, req).await
}
