//! The bare server of the HTTP benchmark (issue 7, `bench/http.sh`): for each page measured, only
//! that page's main query, on the same database through the same pool (`onward::db::connect`,
//! queries on actix's blocking threads as Onward runs them), answered as unrendered JSON. No
//! session lookup, CSRF check, audit row, template or translation. Onward's throughput divided by
//! this server's is the share of a request's cost that is not its main query.
//!
//! | path | main query |
//! |---|---|
//! | `GET /participants?q=` | `participants::store::search` (count + page + site codes) |
//! | `GET /participants/{id}` | `participants::store::visible_row` |
//! | `POST /sessions/{id}/register` | `attendance::save` with the same marks (an idempotent re-submission) |
//! | `GET /` | the coordinator home's overdue milestones at their site (count + first 10) |
//!
//! ```text
//! DATABASE_URL=sqlite://... cargo run --release --example bench_bare -- \
//!     --bind 127.0.0.1:8091 --email coordinator1@staff.example.org
//! ```

use std::collections::HashMap;

use actix_web::{get, post, web, App, HttpResponse, HttpServer};
use chrono::Utc;
use clap::Parser;
use diesel::prelude::*;

use onward::attendance::{RegisterEntry, RegisterInput};
use onward::audit::Who;
use onward::auth::{Actor, Credential};
use onward::db::schema::{milestones, participants};
use onward::db::{DatabaseUrl, DbPool};
use onward::exit_plans::model::OPEN_STATUSES;
use onward::kernel::Page;
use onward::participants::model::ParticipantId;

#[derive(Parser, Debug)]
#[command(about = "Bare main queries of the benchmarked pages, for bench/http.sh")]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value = "127.0.0.1:8091")]
    bind: String,
    /// The user the queries run for (as Onward's pages do for the signed-in user).
    #[arg(long, default_value = "coordinator1@staff.example.org")]
    email: String,
    /// Connections in the pool: Onward's default.
    #[arg(long, env = "ONWARD_DB_POOL_SIZE", default_value_t = 10)]
    pool_size: u32,
}

struct Bare {
    pool: DbPool,
    actor: Actor,
}

type Reply = Result<HttpResponse, actix_web::Error>;

fn fail(e: impl std::fmt::Debug) -> actix_web::Error {
    actix_web::error::ErrorInternalServerError(format!("{e:?}"))
}

async fn run<T: serde::Serialize + Send + 'static>(
    state: &web::Data<Bare>,
    work: impl FnOnce(&mut onward::db::DbConnection, &Actor) -> Result<T, String> + Send + 'static,
) -> Reply {
    let pool = state.pool.clone();
    let actor = state.actor.clone();
    let out = web::block(move || {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        work(&mut conn, &actor)
    })
    .await
    .map_err(fail)?
    .map_err(fail)?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(serde::Deserialize)]
struct ListQuery {
    q: Option<String>,
}

#[get("/participants")]
async fn list(state: web::Data<Bare>, query: web::Query<ListQuery>) -> Reply {
    let q = query.q.clone().unwrap_or_default();
    run(&state, move |conn, actor| {
        let (items, total) = onward::participants::store::search(conn, actor, &q, Page::first())
            .map_err(|e| e.to_string())?;
        Ok((items, total))
    })
    .await
}

#[get("/participants/{id}")]
async fn detail(state: web::Data<Bare>, path: web::Path<i64>) -> Reply {
    let id = ParticipantId(path.into_inner());
    run(&state, move |conn, actor| {
        let row = onward::participants::store::visible_row(conn, actor, id)
            .map_err(|e| format!("{e:?}"))?;
        Ok((row.id, row.case_reference, row.given_name, row.family_name))
    })
    .await
}

#[post("/sessions/{id}/register")]
async fn register(
    state: web::Data<Bare>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Reply {
    let id = path.into_inner();
    let typed: HashMap<String, String> = form.into_inner().into_iter().collect();
    let entries: Vec<RegisterEntry> = typed
        .iter()
        .filter_map(|(k, v)| {
            let p: i64 = k.strip_prefix("mark_")?.parse().ok()?;
            Some(RegisterEntry {
                participant_id: Some(p),
                mark: Some(v.clone()),
                late_minutes: typed.get(&format!("late_{p}")).and_then(|l| l.parse().ok()),
                reason: None,
            })
        })
        .collect();
    run(&state, move |conn, actor| {
        let who = Who::system("bench");
        let input = RegisterInput {
            entries: Some(entries),
        };
        let saved = onward::attendance::save(conn, actor, &who, id, &input)
            .map_err(|e| format!("{e:?}"))?;
        Ok(saved.lines.len())
    })
    .await
}

#[get("/")]
async fn home(state: web::Data<Bare>) -> Reply {
    run(&state, move |conn, actor| {
        let site = actor.site_id.map(|s| s.0).unwrap_or(-1);
        let today = Utc::now().date_naive();
        let overdue = || {
            milestones::table
                .inner_join(participants::table)
                .filter(participants::site_id.eq(site))
                .filter(milestones::status.eq_any(OPEN_STATUSES))
                .filter(milestones::due_on.lt(today))
        };
        let total: i64 = overdue()
            .count()
            .get_result(conn)
            .map_err(|e| e.to_string())?;
        let top: Vec<(i64, String, String, chrono::NaiveDate)> = overdue()
            .order((milestones::due_on.asc(), milestones::id.asc()))
            .limit(10)
            .select((
                milestones::id,
                participants::case_reference,
                milestones::title,
                milestones::due_on,
            ))
            .load(conn)
            .map_err(|e| e.to_string())?;
        Ok((total, top))
    })
    .await
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let url = DatabaseUrl::parse(&args.database_url).expect("DATABASE_URL parses");
    let pool = onward::db::connect(&url, args.pool_size).expect("the database opens");
    let actor = {
        let mut conn = pool.get().expect("a connection");
        onward::auth::users::find_by_email(&mut conn, &args.email)
            .expect("the users can be read")
            .and_then(|u| u.into_actor(Credential::Token))
            .expect("the --email user exists")
    };
    let state = web::Data::new(Bare { pool, actor });
    println!("bare server on {}", args.bind);
    HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .service(list)
            .service(detail)
            .service(register)
            .service(home)
    })
    .bind(&args.bind)?
    .run()
    .await
}
