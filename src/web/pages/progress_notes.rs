//! Pages of progress notes: a participant's notes at `/participants/{id}/notes` (newest contact
//! first, paged, only those the viewer may read) and the form that records one, for the
//! participant's mentors and the site's coordinators. Agency users and auditors never see the
//! participant, so the page answers them 404 as the API does.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::audit::Who;
use crate::i18n::DEFAULT_LANG;
use crate::kernel::paging::{Page, Paged};
use crate::kernel::{Actor, RequestMeta};
use crate::kernel::{FieldError, FieldErrors, Problem};
use crate::progress_notes::{self as area, NoteError, NoteInput, NoteView, Ratings, CONTACT_TYPES};
use crate::web::errors::PageError;
use crate::web::extract::PageActor;
use crate::web::form::{error_map, failed_save, opt_number, PageForm};
use crate::web::pages::auth::viewer;
use crate::web::render::{page_with_status, redirect, render_page};
use crate::web::AppState;

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(notes_page).service(add_note);
}

/// The rated domains, in the order forms and lists show them.
pub const DOMAINS: [&str; 5] = [
    "engagement",
    "attitudes",
    "social_ties",
    "identity",
    "readiness",
];

/// A rating's choices on the form: not rated, then 1 to 5.
const RATING_CHOICES: [&str; 6] = ["", "1", "2", "3", "4", "5"];

/// The ratings of `r` in [`DOMAINS`] order.
pub fn rating_values(r: &Ratings) -> [Option<i32>; 5] {
    [
        r.engagement,
        r.attitudes,
        r.social_ties,
        r.identity,
        r.readiness,
    ]
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub page: Option<String>,
    pub per_page: Option<String>,
    /// After a save: `saved`, `told` (probation was told) or `not-told` (it was asked for, but
    /// the officer may not learn about this person, or there is none).
    pub saved: Option<String>,
}

/// What the page answers besides the list: nothing, a save, or the form again with its errors.
enum Answer<'a> {
    Nothing,
    Saved(&'static str),
    Invalid(Value, &'a [FieldError]),
}

impl Answer<'_> {
    fn after_save(query: Option<&str>) -> Self {
        match query {
            Some("told") => Answer::Saved("notes-saved-told"),
            Some("not-told") => Answer::Saved("notes-saved-not-told"),
            Some(_) => Answer::Saved("notes-saved"),
            None => Answer::Nothing,
        }
    }
}

/// The note form as posted: every value as typed, so that it can be shown again.
#[derive(Debug, Default, Deserialize, Serialize)]
struct NoteForm {
    #[serde(default)]
    csrf_token: String,
    contact_date: Option<String>,
    contact_type: Option<String>,
    engagement: Option<String>,
    attitudes: Option<String>,
    social_ties: Option<String>,
    identity: Option<String>,
    readiness: Option<String>,
    narrative: Option<String>,
    next_contact_date: Option<String>,
    tell_probation: Option<String>,
}

impl NoteForm {
    /// The note as the area checks it. A rating that is not even a number is passed on as 0,
    /// so that the area names it with every other wrong field at once.
    fn input(&self) -> NoteInput {
        let rating = |raw: &Option<String>| opt_number::<i32>(raw).unwrap_or(Some(0));
        NoteInput {
            contact_date: self.contact_date.clone(),
            contact_type: self.contact_type.clone().filter(|t| !t.trim().is_empty()),
            ratings: Some(Ratings {
                engagement: rating(&self.engagement),
                attitudes: rating(&self.attitudes),
                social_ties: rating(&self.social_ties),
                identity: rating(&self.identity),
                readiness: rating(&self.readiness),
            }),
            narrative: self.narrative.clone(),
            next_contact_date: self.next_contact_date.clone(),
            tell_probation: Some(self.tell_probation.is_some()),
        }
    }
}

fn note_json(n: &NoteView) -> Value {
    json!({
        "n": n,
        "type_key": format!("contact-type-{}", n.contact_type),
        "ratings": DOMAINS.iter().zip(rating_values(&n.ratings)).map(|(d, v)| json!({
            "key": format!("domain-{d}"),
            "value": v,
        })).collect::<Vec<_>>(),
    })
}

/// Render the notes page, with the form's typed values and errors when it is shown again.
async fn render_notes(
    state: &web::Data<AppState>,
    actor: &Actor,
    meta: &RequestMeta,
    participant_id: i64,
    page_no: Page,
    answer: Answer<'_>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (a, who) = (actor.clone(), Who::actor(actor, meta));
    let keys = state.config.data_keys.clone();
    let (access, notes) = state
        .db(move |conn| -> Result<_, NoteError> {
            let access = area::access(conn, &a, participant_id)?;
            if access.readable.is_none() && !access.may_write {
                return Err(NoteError::Forbidden);
            }
            // Without a key there is nothing to open: the page says so instead of failing.
            let notes = match (&keys, access.readable) {
                (Some(keys), Some(_)) => Some(area::list_page(
                    conn,
                    Some(keys),
                    &a,
                    &who,
                    participant_id,
                    Some(page_no),
                )?),
                _ => None,
            };
            Ok((access, notes))
        })
        .await?;
    let no_key = state.config.data_keys.is_none();
    let (items, total) = notes.unwrap_or_default();
    let list = Paged::new(
        items.iter().map(note_json).collect::<Vec<_>>(),
        page_no,
        total,
    );
    let link = |p: i64| {
        format!(
            "/participants/{participant_id}/notes?per_page={}&page={p}",
            page_no.per_page
        )
    };
    let (values, errors, saved) = match &answer {
        Answer::Invalid(values, errors) => (values.clone(), *errors, None),
        Answer::Saved(key) => (json!({}), &[][..], Some(*key)),
        Answer::Nothing => (json!({}), &[][..], None),
    };
    let field_errors = error_map(errors);
    let chosen = |d: &str| values[d].as_str().unwrap_or_default().to_string();
    let html = render_page(
        "progress_notes/notes",
        &DEFAULT_LANG.to_string(),
        Some(&viewer(actor)),
        json!({
            "participant_id": participant_id,
            "case_reference": access.case_reference,
            "can_read": access.readable.is_some(),
            "can_write": access.may_write && !no_key,
            "no_key": no_key,
            "saved": saved,
            "list": list,
            "prev": (list.page > 1).then(|| link(list.page - 1)),
            "next": (list.page < list.pages).then(|| link(list.page + 1)),
            "form": values,
            "form_errors": field_errors,
            "errors": summary(errors, "note", "notes-field"),
            "contact_types": CONTACT_TYPES.iter().map(|k| json!({"value": k, "key": format!("contact-type-{k}")})).collect::<Vec<_>>(),
            "domains": DOMAINS.iter().map(|d| json!({
                "name": d,
                "key": format!("domain-{d}"),
                "error": field_errors.get(&format!("ratings_{d}")),
                "choices": RATING_CHOICES.iter().map(|v| json!({
                    "value": v,
                    "checked": chosen(d) == *v,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }),
    );
    Ok(page_with_status(status, html))
}

/// The errors above a form: each links to its field and names it as its label does.
pub fn summary(errors: &[FieldError], id_prefix: &str, label_prefix: &str) -> Vec<Value> {
    errors
        .iter()
        .map(|e| {
            let field = e.field.replace(['.', '[', ']'], "_");
            json!({
                "anchor": format!("{id_prefix}-{field}"),
                "label_key": format!("{label_prefix}-{field}"),
                "message": e.message,
            })
        })
        .collect()
}

/// The page number asked for, or the first page and a 422 naming the field.
pub fn parse_page(query: &ListQuery) -> (Page, Option<FieldErrors>) {
    let mut errors = FieldErrors::default();
    let p = Page::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut errors,
    );
    if errors.is_empty() {
        (p, None)
    } else {
        (Page::first(), Some(errors))
    }
}

#[get("/participants/{id}/notes")]
async fn notes_page(
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
    render_notes(
        &state,
        &actor.0,
        &meta,
        path.into_inner(),
        page_no,
        Answer::after_save(query.saved.as_deref()),
        status,
    )
    .await
}

#[post("/participants/{id}/notes")]
async fn add_note(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<NoteForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let input = form.input();
    let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
    let keys = state.config.data_keys.clone();
    let public_url = state.config.public_url.clone();
    let result = state
        .db(move |conn| area::create(conn, keys.as_ref(), &a, &who, id, &input, &public_url))
        .await;
    match result {
        Ok(note) => {
            let saved = match note.probation_told {
                Some(true) => "told",
                Some(false) => "not-told",
                None => "saved",
            };
            Ok(redirect(&format!(
                "/participants/{id}/notes?saved={saved}#notes"
            )))
        }
        Err(NoteError::NoKey) => {
            render_notes(
                &state,
                &actor.0,
                &meta,
                id,
                Page::first(),
                Answer::Nothing,
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .await
        }
        Err(e) => {
            let (status, errors) = failed_save(e)?;
            render_notes(
                &state,
                &actor.0,
                &meta,
                id,
                Page::first(),
                Answer::Invalid(json!(form), &errors),
                status,
            )
            .await
        }
    }
}
