//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{get, web, HttpResponse};
use diesel::r2d2::R2D2Connection;

use crate::db::{DatabaseUrl, DbError};
use crate::web::errors::ApiError;
use crate::web::AppState;

/// The process is up and serving.
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "live" }))
}

/// The database answers: this instance can do useful work. 503 otherwise.
///
/// For SQLite the file must also still be at its path: an open connection keeps working on a
/// deleted or unmounted file, and everything written there would be lost.
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let DatabaseUrl::Sqlite { path, .. } = &state.config.database_url {
        if !path.exists() {
            tracing::warn!(path = %path.display(), "the SQLite database file is gone");
            return Err(DbError::Unavailable("database file missing".into()).into());
        }
    }
    state
        .db(|conn| {
            conn.ping().map_err(DbError::from).map_err(|e| match e {
                // Any failure to answer a ping means "not ready", whatever diesel calls it.
                DbError::Query(m) | DbError::Constraint(m) => DbError::Unavailable(m),
                other => other,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}
