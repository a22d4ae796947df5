//! What every area shares and nothing else: ids and the actor, vocabularies, field validation,
//! the shared error variants, paging and time. The kernel imports nothing from the areas, the
//! services or the web layer.

pub mod actor;
pub mod calendar;
pub mod fields;
pub mod message;
pub mod paging;
pub mod problem;
pub mod time;
pub mod validate;
pub mod vocab;

pub use actor::{Actor, Credential, RequestMeta, Role, SiteId, UnknownRole, UserId};
pub use fields::{FieldError, FieldErrors};
pub use message::Message;
pub use paging::{Page, PageQuery, Paged};
pub use problem::{Problem, ProblemBody};
