//! `spawn_app`: the real Onward on port 0 against a fresh database — a SQLite file by default,
//! or a new PostgreSQL database when `ONWARD_TEST_POSTGRES_URL` is set (dropped afterwards).

use std::collections::HashMap;
use std::path::PathBuf;

use diesel::prelude::*;
use onward::auth::users::{self, EmailAddress, NewUser};
use onward::auth::{tokens, Role, UserId};
use onward::config::Config;
use onward::db::{self, DbPool};
use reqwest::{Client, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub struct TestApp {
    pub address: String,
    pub config: Config,
    pub pool: DbPool,
    pub database_url: String,
    pub sqlite_path: Option<PathBuf>,
    _dir: tempdir::TempDir,
    pg: Option<(String, String)>,
    counter: std::cell::Cell<u32>,
}

/// A tiny temporary directory (removed on drop) without another dependency.
pub mod tempdir {
    pub struct TempDir(pub std::path::PathBuf);
    impl TempDir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!("onward-test-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&p).expect("temp dir");
            TempDir(p)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn postgres_base() -> Option<String> {
    std::env::var("ONWARD_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .map(|url| without_tls(&url))
}

/// Tests talk to a local server: without TLS unless the URL asks for it. (With TLS, OpenSSL's
/// clean-up at process exit can run while a pool thread still holds a TLS connection, which
/// aborted the test binary once after every test had passed.)
fn without_tls(url: &str) -> String {
    if url.contains("sslmode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&sslmode=disable")
    } else {
        format!("{url}?sslmode=disable")
    }
}

fn with_database(base: &str, name: &str) -> String {
    let mut url = url::Url::parse(base).expect("ONWARD_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.pg {
            if let Ok(mut c) = PgConnection::establish(base) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c);
            }
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Spawn with extra configuration variables (e.g. `ONWARD_PUBLIC_URL`).
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let dir = tempdir::TempDir::new();
    let (database_url, pg, sqlite_path) = match postgres_base() {
        Some(base) => {
            let name = format!("onward_test_{}", uuid::Uuid::new_v4().simple());
            let mut c =
                PgConnection::establish(&base).expect("connect to ONWARD_TEST_POSTGRES_URL");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .expect("create test database");
            (with_database(&base, &name), Some((base, name)), None)
        }
        None => {
            let path = dir.0.join("onward.db");
            (format!("sqlite://{}", path.display()), None, Some(path))
        }
    };
    let mut vars: HashMap<String, String> = HashMap::new();
    vars.insert("DATABASE_URL".into(), database_url.clone());
    vars.insert("ONWARD_BIND".into(), "127.0.0.1:0".into());
    vars.insert("ONWARD_DB_POOL_SIZE".into(), "4".into());
    // Sensitive text needs a data key; tests that need none remove it.
    vars.insert("ONWARD_DATA_KEY".into(), TEST_DATA_KEY.into());
    for (k, v) in extra {
        if v.is_empty() {
            vars.remove(*k);
        } else {
            vars.insert((*k).into(), (*v).into());
        }
    }
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test config");
    let pool = db::connect(&config.database_url, config.pool_size).expect("open test database");
    db::run_migrations(&mut pool.get().expect("connection")).expect("migrate");
    let state = onward::web::AppState {
        pool: pool.clone(),
        config: config.clone(),
    };
    let (server, addr) = onward::web::start(state).expect("start server");
    actix_web::rt::spawn(server);
    TestApp {
        address: format!("http://{addr}"),
        config,
        pool,
        database_url,
        sqlite_path,
        _dir: dir,
        pg,
        counter: std::cell::Cell::new(0),
    }
}

/// A client that keeps cookies and does not follow redirects (tests look at them).
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub const PASSWORD: &str = "a-long-test-password";

/// The data key of test apps (64 hex characters).
pub const TEST_DATA_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// A user of the app, with an API token.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn conn(&self) -> db::PooledConnection {
        self.pool.get().expect("connection")
    }

    /// A site (sites have no API yet: they are added like `onward site add` does).
    pub fn site(&self, code: &str, zone: &str) -> i64 {
        onward::sites::add(&mut self.conn(), code, &format!("Site {code}"), zone)
            .expect("add site")
            .0
    }

    /// The id of the site with `code`.
    pub fn site_id(&self, code: &str) -> i64 {
        use onward::db::schema::sites;
        sites::table
            .filter(sites::code.eq(code))
            .select(sites::id)
            .first(&mut *self.conn())
            .expect("site")
    }

    /// A user with `role` (at `site`, if given) and an API token.
    pub fn user(&self, role: Role, site: Option<&str>) -> TestUser {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        let email = format!("{}{}@onward.test", role.as_str().replace('_', "."), n);
        let mut c = self.conn();
        let agency_id = (role == Role::AgencyUser).then(|| test_agency(&mut c));
        let id = users::add(
            &mut c,
            &NewUser {
                email: EmailAddress::parse(&email).expect("email"),
                display_name: format!("{} {n}", role.as_str()),
                role,
                site_code: site.map(str::to_string),
                agency_id,
                password: PASSWORD.into(),
            },
        )
        .expect("add user");
        let token = tokens::create(&mut c, UserId(id.0)).expect("token");
        TestUser {
            id: id.0,
            email,
            token,
        }
    }

    /// The OpenAPI document the server publishes (`/api/openapi.json`).
    pub async fn openapi(&self) -> serde_json::Value {
        reqwest::Client::new()
            .get(self.url("/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn get(&self, user: &TestUser, path: &str) -> Response {
        Client::new()
            .get(self.url(path))
            .bearer_auth(&user.token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, user: &TestUser, path: &str, body: &Value) -> Response {
        Client::new()
            .post(self.url(path))
            .bearer_auth(&user.token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put_json(
        &self,
        user: &TestUser,
        path: &str,
        version: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut req = Client::new()
            .put(self.url(path))
            .bearer_auth(&user.token)
            .json(body);
        if let Some(v) = version {
            req = req.header("If-Match", v);
        }
        req.send().await.expect("request")
    }

    /// Create a participant as `user` and return its JSON (panics unless 201).
    pub async fn participant(&self, user: &TestUser, body: Value) -> Value {
        let resp = self.post_json(user, "/api/v1/participants", &body).await;
        let status = resp.status();
        let json: Value = resp.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "{json}");
        json
    }

    /// GET `path` as `user`, assert 200 OK and decode the JSON answer.
    pub async fn get_json<T: DeserializeOwned>(&self, user: &TestUser, path: &str) -> T {
        self.get_json_as(user, path, StatusCode::OK).await
    }

    /// GET `path` as `user`, assert the answer's `status` and decode its JSON.
    pub async fn get_json_as<T: DeserializeOwned>(
        &self,
        user: &TestUser,
        path: &str,
        status: StatusCode,
    ) -> T {
        let resp = self.get(user, path).await;
        let got = resp.status();
        let text = resp.text().await.expect("body");
        assert_eq!(got, status, "GET {path}: {text:.500}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text:.500}"))
    }

    /// A browser (cookies kept, redirects not followed) that is not signed in.
    pub fn browser(&self) -> PageClient {
        PageClient::new(browser(), &self.address)
    }

    /// Log in through the login page with a fresh cookie-keeping client.
    pub async fn login(&self, email: &str, password: &str) -> (PageClient, Response) {
        let client = self.browser();
        let resp = client.log_in(email, password).await;
        (client, resp)
    }

    pub fn audit_actions(&self) -> Vec<String> {
        use onward::db::schema::audit_events;
        audit_events::table
            .order(audit_events::id.asc())
            .select(audit_events::action)
            .load(&mut *self.conn())
            .expect("audit")
    }
}

/// A browser on one server: a cookie-keeping [`Client`] (it derefs to it, for requests made by
/// hand) and the server's address. [`PageClient::post_form`] sends a form with the CSRF token the
/// server expects, fetched first, as a browser that opened the form would.
pub struct PageClient {
    client: Client,
    base: String,
}

impl std::ops::Deref for PageClient {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl PageClient {
    /// `client` on the server at `base` (`http://127.0.0.1:port`).
    pub fn new(client: Client, base: &str) -> Self {
        PageClient {
            client,
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// The address of `path` on the server (a whole address is kept as it is).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    /// The HTML of the page at `path`.
    pub async fn page(&self, path: &str) -> String {
        page(&self.client, self.url(path)).await
    }

    /// The CSRF token a form posted now must carry: the session's (read from the email
    /// preferences page, which every signed-in user has and which reads nothing about anyone, so
    /// the audit trail is untouched), or, signed out, the login form's.
    pub async fn csrf(&self) -> String {
        let resp = self
            .client
            .get(self.url("/account/emails"))
            .send()
            .await
            .expect("request");
        if resp.status() == StatusCode::OK {
            token_in(&resp.text().await.expect("html"))
        } else {
            self.login_csrf().await
        }
    }

    /// The token of the login form (kept in a cookie until the form is posted).
    pub async fn login_csrf(&self) -> String {
        token_in(&self.page("/login").await)
    }

    /// POST `fields` as a form to `path`, with the CSRF token added (fetched first).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post_fields(path, fields).await
    }

    /// [`PageClient::post_form`] for fields built as a list (owned or borrowed text).
    pub async fn post_fields<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: &str,
        fields: &[(K, V)],
    ) -> Response {
        let token = self.csrf().await;
        self.post_with_token(path, &token, fields).await
    }

    async fn post_with_token<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: &str,
        token: &str,
        fields: &[(K, V)],
    ) -> Response {
        let mut form = vec![("csrf_token".to_string(), token.to_string())];
        for (k, v) in fields {
            assert_ne!(k.as_ref(), "csrf_token", "post_form adds the token itself");
            form.push((k.as_ref().to_string(), v.as_ref().to_string()));
        }
        self.client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .expect("post")
    }

    /// Sign in through the login form, as a browser does: open it, then post it (to `next`
    /// `/`). The answer to the form.
    pub async fn log_in(&self, email: &str, password: &str) -> Response {
        let token = self.login_csrf().await;
        self.post_with_token(
            "/login",
            &token,
            &[("email", email), ("password", password), ("next", "/")],
        )
        .await
    }
}

/// The CSRF token of a page's forms (panics without one).
fn token_in(html: &str) -> String {
    let token = hidden_value(html, "csrf_token");
    assert!(!token.is_empty(), "no CSRF token on the page: {html:.300}");
    token
}

/// The `value` of a hidden input named `name` in a page.
pub fn hidden_value(html: &str, name: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).expect("selector");
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_default()
        .to_string()
}

/// The visible text of the first element matching `css`.
pub fn text_of(html: &str, css: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(css).expect("selector");
    doc.select(&sel).next().map(|e| {
        e.text()
            .collect::<Vec<_>>()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// The release date every [`participant_body`] carries: two years from today, so it is never
/// "within 12 weeks" whatever day the suite runs.
pub fn far_release() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive() + chrono::Duration::days(730)
}

/// A valid participant body at `site_id` (custody dates derived from today).
pub fn participant_body(case_reference: &str, site_id: i64) -> Value {
    let release = far_release();
    json!({
        "case_reference": case_reference,
        "given_name": "Azamat",
        "family_name": "Sultanov",
        "date_of_birth": "1990-04-12",
        "site_id": site_id,
        "status": "in_custody",
        "sentence_start": "2022-01-10",
        "earliest_release_date": release.to_string(),
        "parole_eligibility_date": (release - chrono::Duration::days(181)).to_string(),
        "licence_end_date": (release + chrono::Duration::days(730)).to_string(),
    })
}

/// The fields named in a problem+json body.
pub fn problem_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The HTML of a page fetched by a (signed-in) browser client.
pub async fn page(client: &Client, url: String) -> String {
    client
        .get(url)
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("html")
}

/// The partner agency agency users of a test belong to (added on first use).
pub fn test_agency(conn: &mut db::DbConnection) -> i64 {
    use onward::db::schema::agencies;
    if let Some(a) = onward::agencies::find_by_name(conn, "Test agency").expect("agency") {
        return a.id;
    }
    let now = onward::db::now();
    diesel::insert_into(agencies::table)
        .values((
            agencies::name.eq("Test agency"),
            agencies::kind.eq("ngo"),
            agencies::mailbox.eq("team@agency.test"),
            agencies::language.eq("en"),
            agencies::vetting_status.eq("vetted"),
            agencies::created_at.eq(now),
            agencies::updated_at.eq(now),
        ))
        .execute(conn)
        .expect("add agency");
    onward::agencies::find_by_name(conn, "Test agency")
        .expect("agency")
        .expect("agency exists")
        .id
}

/// How many writes the audit trail holds (reads, searches, exports and sign-ins left out): a
/// refused request must leave it as it was.
pub fn audited_writes(app: &TestApp) -> i64 {
    use onward::db::schema::audit_events;
    let mut q = audit_events::table.into_boxed::<onward::db::MultiBackend>();
    for pattern in [
        "%.read",
        "%.search",
        "%.list",
        "%.export",
        "%.preview",
        "%release_list",
        "login%",
        "logout",
    ] {
        q = q.filter(audit_events::action.not_like(pattern));
    }
    q.count().get_result(&mut *app.conn()).unwrap()
}

/// Who (user ids) has `action` on participant `id`'s audit trail, as an auditor finds it.
pub async fn reads(app: &TestApp, id: i64, action: &str) -> Vec<i64> {
    let auditor = app.user(Role::Auditor, None);
    let found: Value = app
        .get_json(
            &auditor,
            &format!("/api/v1/audit-events?participant_id={id}&action={action}&per_page=100"),
        )
        .await;
    found["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{found}"))
        .iter()
        .filter_map(|e| e["actor_user_id"].as_i64())
        .collect()
}

/// The day `offset` days from today (UTC), as `YYYY-MM-DD`: tests derive their dates from the
/// clock, so they pass whatever day they run.
pub fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}
