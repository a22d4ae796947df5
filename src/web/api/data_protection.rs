//! HTTP for subject access exports (`/api/v1/participants/{id}/export`, auditors and admins).

use actix_web::{get, web, HttpResponse};

use crate::audit::Who;
use crate::data_protection as area;
use crate::kernel::RequestMeta;
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(export);
}

#[utoipa::path(tag = "data protection", params(("id" = i64, Path, description = "Participant")), responses(
    (status = 200, description = "Everything held about the participant, one key per table; taking it is audited"),
    (status = 403, description = "Only auditors and admins"),
    (status = 404, description = "No such participant"),
))]
#[get("/participants/{id}/export")]
async fn export(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let keys = state.config.data_keys.clone();
    let doc = state
        .db(move |conn| area::take(conn, keys.as_ref(), &actor, &who, &id.to_string()))
        .await?;
    Ok(HttpResponse::Ok().json(doc))
}
