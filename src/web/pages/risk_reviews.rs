//! Pages of risk reviews: a participant's reviews at `/participants/{id}/risk-reviews` (newest
//! first, paged) with the form that records one, for the site's coordinators and the case's
//! probation officer (the area's [`crate::risk_reviews::may_handle`]). Everyone else who can see the
//! participant gets 403; those who cannot, 404.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::audit::Who;
use crate::i18n::DEFAULT_LANG;
use crate::kernel::paging::{Page, Paged};
use crate::kernel::{Actor, RequestMeta};
use crate::kernel::{FieldError, Problem};
use crate::progress_notes::NoteError;
use crate::risk_reviews::{self as area, ReviewInput};
use crate::web::errors::PageError;
use crate::web::extract::PageActor;
use crate::web::form::{error_map, failed_save, PageForm};
use crate::web::pages::auth::viewer;
use crate::web::pages::progress_notes::{parse_page, summary, ListQuery};
use crate::web::render::{page_with_status, redirect, render_page};
use crate::web::AppState;

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(reviews_page).service(add_review);
}

/// The review form as posted, every value as typed.
#[derive(Debug, Default, Deserialize, Serialize)]
struct ReviewForm {
    #[serde(default)]
    csrf_token: String,
    instrument: Option<String>,
    level: Option<String>,
    assessor: Option<String>,
    assessed_on: Option<String>,
    review_by: Option<String>,
    notes: Option<String>,
}

impl ReviewForm {
    fn input(&self) -> ReviewInput {
        ReviewInput {
            instrument: self.instrument.clone(),
            level: self.level.clone(),
            assessor: self.assessor.clone(),
            assessed_on: self.assessed_on.clone(),
            review_by: self.review_by.clone(),
            notes: self.notes.clone(),
        }
    }
}

async fn render_reviews(
    state: &web::Data<AppState>,
    actor: &Actor,
    meta: &RequestMeta,
    participant_id: i64,
    page_no: Page,
    form: Option<(Value, &[FieldError])>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (a, who) = (actor.clone(), Who::actor(actor, meta));
    let keys = state.config.data_keys.clone();
    let (case_reference, reviews) = state
        .db(move |conn| -> Result<_, NoteError> {
            let (case_reference, may_handle) = area::access(conn, &a, participant_id)?;
            if !may_handle {
                return Err(NoteError::Forbidden);
            }
            // Without a key the sealed notes cannot be opened: the page says so instead.
            let reviews = match &keys {
                Some(keys) => Some(area::list_page(
                    conn,
                    Some(keys),
                    &a,
                    &who,
                    participant_id,
                    Some(page_no),
                )?),
                None => None,
            };
            Ok((case_reference, reviews))
        })
        .await?;
    let no_key = state.config.data_keys.is_none();
    let (items, total) = reviews.unwrap_or_default();
    let list = Paged::new(items, page_no, total);
    let link = |p: i64| {
        format!(
            "/participants/{participant_id}/risk-reviews?per_page={}&page={p}",
            page_no.per_page
        )
    };
    let (values, errors) = match &form {
        Some((values, errors)) => (values.clone(), *errors),
        None => (json!({}), &[][..]),
    };
    let html = render_page(
        "risk_reviews/list",
        &DEFAULT_LANG.to_string(),
        Some(&viewer(actor)),
        json!({
            "participant_id": participant_id,
            "case_reference": case_reference,
            "no_key": no_key,
            "list": list,
            "prev": (list.page > 1).then(|| link(list.page - 1)),
            "next": (list.page < list.pages).then(|| link(list.page + 1)),
            "form": values,
            "form_errors": error_map(errors),
            "errors": summary(errors, "review", "reviews-field"),
        }),
    );
    Ok(page_with_status(status, html))
}

#[get("/participants/{id}/risk-reviews")]
async fn reviews_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let (page_no, bad) = parse_page(&query);
    if let Some(errors) = bad {
        return Err(Problem::invalid(errors).into());
    }
    let status = if state.config.data_keys.is_none() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    render_reviews(
        &state,
        &actor.0,
        &meta,
        path.into_inner(),
        page_no,
        None,
        status,
    )
    .await
}

#[post("/participants/{id}/risk-reviews")]
async fn add_review(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<ReviewForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let input = form.input();
    let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
    let keys = state.config.data_keys.clone();
    let result = state
        .db(move |conn| area::create(conn, keys.as_ref(), &a, &who, id, &input))
        .await;
    match result {
        Ok(_) => Ok(redirect(&format!(
            "/participants/{id}/risk-reviews#reviews"
        ))),
        Err(NoteError::NoKey) => {
            render_reviews(
                &state,
                &actor.0,
                &meta,
                id,
                Page::first(),
                None,
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .await
        }
        Err(e) => {
            let (status, errors) = failed_save(e)?;
            render_reviews(
                &state,
                &actor.0,
                &meta,
                id,
                Page::first(),
                Some((json!(form), &errors)),
                status,
            )
            .await
        }
    }
}
