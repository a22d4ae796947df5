//! HTTP for progress notes (`/api/v1/participants/{id}/progress-notes`).

use actix_web::{get, post, web, HttpResponse};

use crate::audit::Who;
use crate::kernel::RequestMeta;
use crate::progress_notes::{self as area, NoteInput, NoteView};
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::json::ApiJson;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_notes).service(create_note);
}

#[utoipa::path(tag = "progress notes", params(("id" = i64, Path, description = "Participant")), responses(
    (status = 200, description = "The notes you may read: your own (mentors), all at your site (coordinators), shared ones (the probation officer)", body = [NoteView]),
    (status = 404, description = "No such participant, or not yours to see"),
))]
#[get("/participants/{id}/progress-notes")]
async fn list_notes(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let keys = state.config.data_keys.clone();
    let notes = state
        .db(move |conn| area::list(conn, keys.as_ref(), &actor, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(notes))
}

#[utoipa::path(tag = "progress notes", params(("id" = i64, Path, description = "Participant")), request_body = NoteInput, responses(
    (status = 201, description = "Recorded; the narrative is stored encrypted", body = NoteView),
    (status = 403, description = "Only the participant's mentors and the site's coordinators record notes"),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/participants/{id}/progress-notes")]
async fn create_note(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    body: ApiJson<NoteInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let keys = state.config.data_keys.clone();
    let public_url = state.config.public_url.clone();
    let note = state
        .db(move |conn| area::create(conn, keys.as_ref(), &actor, &who, id, &body.0, &public_url))
        .await?;
    Ok(HttpResponse::Created().json(note))
}
