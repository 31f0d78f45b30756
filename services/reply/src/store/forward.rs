//! Forwarding a case to its police station: the thana the post names
//! (`store::police_station`) hears of it through the unit's control-room
//! webhook, as an alert of event `forwarded` raised by the FORWARDED case
//! event in the same transaction, and so delivered at least once, signed,
//! across restarts (`alerts::deliver`). Audited with the station's name.

use prost::Message;
use sqlx::PgPool;
use tvarit_proto::v1::{CaseEventKind, Classification};

use super::operators::Operator;
use super::{CaseRow, StoreError, audit, outbox, police_station};

/// Forwards `docket` as `op`; returns the case and the event ids to publish.
/// A case that names no station is refused: there is nobody to send it to.
pub async fn forward(pool: &PgPool, op: &Operator, docket: &str) -> Result<(CaseRow, Vec<i64>), StoreError> {
    let mut tx = pool.begin().await?;
    let case = super::lock_visible(&mut tx, op, docket).await?;
    let classification = Classification::decode(case.classification.as_slice()).unwrap_or_default();
    let station = police_station(&classification).to_owned();
    if station.is_empty() {
        return Err(StoreError::Conflict(format!(
            "case {docket} names no police station; tell the thana by phone or wireless"
        )));
    }
    let events = outbox::record(&mut tx, CaseEventKind::Forwarded, &op.name, std::slice::from_ref(&case), None).await?;
    let detail = format!("station={station}");
    audit::append(&mut tx, audit::Entry { actor: &op.name, action: "case.forward", subject: docket, detail: &detail })
        .await?;
    tx.commit().await?;
    Ok((case, events))
}
