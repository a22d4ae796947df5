//! HTTP for risk reviews (`/api/v1/participants/{id}/risk-reviews`).

use actix_web::{get, post, web, HttpResponse};

use crate::audit::Who;
use crate::kernel::RequestMeta;
use crate::risk_reviews::{self as area, ReviewInput, ReviewView};
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::json::ApiJson;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_reviews).service(create_review);
}

#[utoipa::path(tag = "risk reviews", params(("id" = i64, Path, description = "Participant")), responses(
    (status = 200, description = "The participant's risk reviews (the site's coordinators and the probation officer)", body = [ReviewView]),
    (status = 404, description = "No such participant, or not yours to see"),
))]
#[get("/participants/{id}/risk-reviews")]
async fn list_reviews(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let keys = state.config.data_keys.clone();
    let list = state
        .db(move |conn| area::list(conn, keys.as_ref(), &actor, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(tag = "risk reviews", params(("id" = i64, Path, description = "Participant")), request_body = ReviewInput, responses(
    (status = 201, description = "Recorded; a review-by date becomes a milestone of the exit plan", body = ReviewView),
    (status = 403, description = "Only the site's coordinators and the probation officer record reviews"),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/participants/{id}/risk-reviews")]
async fn create_review(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    body: ApiJson<ReviewInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let keys = state.config.data_keys.clone();
    let review = state
        .db(move |conn| area::create(conn, keys.as_ref(), &actor, &who, id, &body.0))
        .await?;
    Ok(HttpResponse::Created().json(review))
}
