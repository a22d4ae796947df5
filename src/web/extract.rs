//! Extractors that turn a request into an [`Actor`]: a bearer token for the API, the session
//! cookie for pages. API requests without a valid token get 401; pages redirect to the login page.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use crate::auth::{sessions, tokens, users};

use crate::db::DbError;
use crate::kernel::Problem;
use crate::kernel::{Actor, Credential, RequestMeta, UserId};
use crate::web::errors::{ApiError, PageError};
use crate::web::render::redirect;
use crate::web::request_id::RequestId;
use crate::web::AppState;

/// The request's id and client address, for the audit trail.
pub fn request_meta(req: &HttpRequest) -> RequestMeta {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.trusted_proxies.clone())
        .unwrap_or_default();
    let forwarded: Vec<String> = req
        .headers()
        .get_all("X-Forwarded-For")
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect();
    RequestMeta {
        request_id,
        ip: req
            .peer_addr()
            .map(|a| client_address(a.ip(), &forwarded, &trusted).to_string()),
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy; then the right-most
/// address in `X-Forwarded-For` that is not itself a trusted proxy (anything left of it could
/// have been written by the client). A header that cannot be read leaves the peer.
pub fn client_address(
    peer: std::net::IpAddr,
    forwarded: &[String],
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

impl FromRequest for RequestMeta {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(request_meta(req)))
    }
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, Problem> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(Problem::internal)
}

/// Load the active user `id` as an actor.
async fn load_actor(
    state: &AppState,
    id: UserId,
    credential: Credential,
) -> Result<Option<Actor>, DbError> {
    let user = state.db(move |conn| users::find_active(conn, id)).await?;
    Ok(user.and_then(|u| u.into_actor(credential)))
}

/// The signed-in user of an API request (bearer token).
pub struct ApiActor(pub Actor);

impl FromRequest for ApiActor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req
            .headers()
            .get("Authorization")
            .and_then(|h| h.to_str().ok())
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        let state = state(req);
        Box::pin(async move {
            let state = state?;
            let token = token.ok_or_else(Problem::unauthorized)?;
            let user = state.db(move |conn| tokens::user_for(conn, &token)).await?;
            let user = user.ok_or_else(Problem::unauthorized)?;
            let actor = load_actor(&state, user, Credential::Token)
                .await?
                .ok_or_else(Problem::unauthorized)?;
            tracing::Span::current().record("user_id", actor.id.0);
            Ok(ApiActor(actor))
        })
    }
}

/// The signed-in user of a page request (session cookie). Without one, the browser is sent to
/// the login page and back here afterwards.
pub struct PageActor(pub Actor);

impl PageActor {
    /// Refuse a form post whose CSRF token is not this session's (403).
    pub fn check_csrf(&self, submitted: &str) -> Result<(), PageError> {
        match &self.0.credential {
            Credential::Session { csrf_token } if constant_time_eq(csrf_token, submitted) => Ok(()),
            _ => Err(PageError(Problem::new(
                actix_web::http::StatusCode::FORBIDDEN,
                "problem-csrf",
                "problem-csrf-detail",
            ))),
        }
    }
}

/// Compare secrets without leaking where they first differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl FromRequest for PageActor {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let cookie = req.cookie(sessions::COOKIE).map(|c| c.value().to_string());
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let state = state(req);
        let req = req.clone();
        Box::pin(async move {
            let to_login = || {
                let location = format!("/login?next={}", crate::web::urlencode(&target));
                InternalError::from_response("login required", redirect(&location)).into()
            };
            let state = state.map_err(PageError)?;
            let Some(cookie) = cookie else {
                return Err(to_login());
            };
            let found = state
                .db(move |conn| sessions::find(conn, &cookie))
                .await
                .map_err(PageError::from)?;
            let Some((user, csrf_token)) = found else {
                return Err(to_login());
            };
            match load_actor(&state, user, Credential::Session { csrf_token })
                .await
                .map_err(PageError::from)?
            {
                Some(actor) => {
                    tracing::Span::current().record("user_id", actor.id.0);
                    // An error page for this request is worded in the user's language.
                    req.extensions_mut()
                        .insert(crate::web::errors::ReaderLanguage(actor.language.clone()));
                    Ok(PageActor(actor))
                }
                None => Err(to_login()),
            }
        })
    }
}
