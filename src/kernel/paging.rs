//! Paging for every list: `?page=1&per_page=25`.

use serde::{Deserialize, Serialize};

use crate::kernel::FieldErrors;

pub const DEFAULT_PER_PAGE: i64 = 25;
pub const MAX_PER_PAGE: i64 = 100;

/// A checked page request: `page` ≥ 1, `per_page` within 1..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    pub fn first() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
    /// Parse the raw query values, naming the field that is wrong.
    pub fn parse(page: Option<&str>, per_page: Option<&str>, errors: &mut FieldErrors) -> Self {
        let mut parsed = Self::first();
        if let Some(p) = page.filter(|s| !s.trim().is_empty()) {
            match p.trim().parse::<i64>() {
                Ok(n) if (1..=1_000_000).contains(&n) => parsed.page = n,
                _ => errors.add("page", "error-page"),
            }
        }
        if let Some(p) = per_page.filter(|s| !s.trim().is_empty()) {
            match p.trim().parse::<i64>() {
                Ok(n) if (1..=MAX_PER_PAGE).contains(&n) => parsed.per_page = n,
                _ => errors.add("per_page", "error-per-page"),
            }
        }
        parsed
    }
}

/// The raw paging parameters of a query string.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Page number, from 1.
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 25).
    pub per_page: Option<String>,
}

/// A page of results with what a pager needs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
    pub pages: i64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, page: Page, total: i64) -> Self {
        let pages = if total == 0 {
            1
        } else {
            (total + page.per_page - 1) / page.per_page
        };
        Self {
            items,
            page: page.page,
            per_page: page.per_page,
            total,
            pages,
        }
    }
}
