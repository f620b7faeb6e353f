//! Django REST framework's `PageNumberPagination`, opt-in: `?page=` or `?page_size=`
//! turns it on. Numbers are read as DRF reads them (Python's `int()`), and bad ones get
//! DRF's answers. The `next` and `previous` links are the HTTP layer's (`http::paging`).

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// A larger `page_size` is cut to this, as DRF's `max_page_size`.
pub const MAX_PAGE_SIZE: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageNumber {
    Number(i128),
    Last,
    /// Not a number: `404 Invalid page.` once the list is counted, as in DRF.
    NotANumber,
}

/// One page of a list and where it stands: page `number` of `pages`, of `count` results.
#[derive(Debug)]
pub struct Numbered<T> {
    pub count: u64,
    pub number: u64,
    pub pages: u64,
    pub results: Vec<T>,
}

/// Which page of how many notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    number: PageNumber,
    pub size: u64,
}

impl PageRequest {
    /// From the `page` and `page_size` values; `None` when neither was sent.
    pub fn parse(page: Option<&str>, page_size: Option<&str>) -> Option<Self> {
        if page.is_none() && page_size.is_none() {
            return None;
        }
        let number = match page.unwrap_or("") {
            "" => PageNumber::Number(1),
            "last" => PageNumber::Last,
            other => python_int(other).map_or(PageNumber::NotANumber, PageNumber::Number),
        };
        // DRF ignores a page size that is not a positive number and cuts a large one.
        let size = page_size
            .and_then(python_int)
            .filter(|n| *n > 0)
            .map_or(DEFAULT_PAGE_SIZE, |n| {
                u64::try_from(n).map_or(MAX_PAGE_SIZE, |n| n.min(MAX_PAGE_SIZE))
            });
        Some(Self { number, size })
    }

    /// The page number to show of `count` results, from 1; an empty list has one, empty,
    /// page.
    pub fn resolve(&self, count: u64) -> ApiResult<u64> {
        let pages = last_page(count, self.size);
        match self.number {
            PageNumber::Last => Ok(pages),
            PageNumber::Number(n) if n >= 1 && n <= i128::from(pages) => {
                u64::try_from(n).map_err(|_| ApiError::InvalidPage)
            }
            _ => Err(ApiError::InvalidPage),
        }
    }
}

impl PageRequest {
    /// The rows to skip to read page `number`.
    pub fn offset(&self, number: u64) -> u64 {
        (number - 1) * self.size
    }

    /// Page `number` of a list of `count`, holding `rows` as the API shows them.
    pub fn numbered<R, T: From<R>>(&self, count: u64, number: u64, rows: Vec<R>) -> Numbered<T> {
        Numbered {
            count,
            number,
            pages: last_page(count, self.size),
            results: rows.into_iter().map(T::from).collect(),
        }
    }
}

pub fn last_page(count: u64, size: u64) -> u64 {
    count.div_ceil(size).max(1)
}

/// Python's `int()` of a string: white space around, a sign, ASCII digits with single
/// underscores between them. Too large a number saturates; DRF compares or cuts it.
fn python_int(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
        return None;
    }
    let mut value: i128 = 0;
    let mut previous_underscore = false;
    for c in digits.chars() {
        match c {
            '_' if !previous_underscore => previous_underscore = true,
            '0'..='9' => {
                previous_underscore = false;
                value = value
                    .saturating_mul(10)
                    .saturating_add(i128::from(c as u8 - b'0'));
            }
            _ => return None,
        }
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(page: Option<&str>, size: Option<&str>) -> PageRequest {
        PageRequest::parse(page, size).expect("paging on")
    }

    #[test]
    fn numbers_read_as_pythons_int() {
        assert_eq!(python_int(" 12 "), Some(12));
        assert_eq!(python_int("+3"), Some(3));
        assert_eq!(python_int("-0"), Some(0));
        assert_eq!(python_int("1_000"), Some(1000));
        for bad in ["", "abc", "1.0", "1e3", "_1", "1__0", "1_", "0x10", "--1"] {
            assert_eq!(python_int(bad), None, "{bad:?}");
        }
        assert_eq!(python_int(&"9".repeat(60)), Some(i128::MAX));
    }

    #[test]
    fn page_size_defaults_when_bad_and_is_cut_at_the_maximum() {
        assert_eq!(PageRequest::parse(None, None), None);
        assert_eq!(request(Some("2"), None).size, DEFAULT_PAGE_SIZE);
        for ignored in ["0", "-5", "abc", ""] {
            assert_eq!(
                request(None, Some(ignored)).size,
                DEFAULT_PAGE_SIZE,
                "{ignored}"
            );
        }
        assert_eq!(request(None, Some("7")).size, 7);
        assert_eq!(request(None, Some("1000")).size, MAX_PAGE_SIZE);
        assert_eq!(request(None, Some(&"9".repeat(40))).size, MAX_PAGE_SIZE);
    }

    #[test]
    fn pages_resolve_as_djangos_paginator() {
        // 45 notes, 20 a page: pages 1 to 3.
        assert_eq!(request(None, Some("20")).resolve(45).unwrap(), 1);
        assert_eq!(request(Some(""), None).resolve(45).unwrap(), 1);
        assert_eq!(request(Some("3"), None).resolve(45).unwrap(), 3);
        assert_eq!(request(Some("last"), None).resolve(45).unwrap(), 3);
        for bad in ["4", "0", "-1", "abc", "LAST", "1.0"] {
            assert!(
                matches!(
                    request(Some(bad), None).resolve(45),
                    Err(ApiError::InvalidPage)
                ),
                "{bad}"
            );
        }
        // An empty list still has its first, empty page.
        assert_eq!(request(Some("1"), None).resolve(0).unwrap(), 1);
        assert_eq!(request(Some("last"), None).resolve(0).unwrap(), 1);
        assert!(request(Some("2"), None).resolve(0).is_err());
    }
}
