//! Django REST framework's `PageNumberPagination`, opt-in: `?page=` or `?page_size=`
//! turns it on. Numbers are read as DRF reads them (Python's `int()`), bad ones get DRF's
//! answers, and `next`/`previous` are built as DRF builds them: the request's absolute
//! URL with `page` replaced and the parameters sorted.

use crate::error::{ApiError, ApiResult};
use crate::extract::forwarded_entries;
use app::api::query;
use axum::http::{HeaderMap, Uri, header};
use std::collections::BTreeMap;
use url::Url;

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

/// Builds `next` and `previous` from the request's own URL.
pub struct Links<'a> {
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub trusted_proxy_hops: usize,
}

impl Links<'_> {
    /// `(next, previous)` around page `number` of `pages`.
    pub fn around(&self, number: u64, pages: u64) -> ApiResult<(Option<String>, Option<String>)> {
        if pages == 1 {
            return Ok((None, None));
        }
        let base = self.base()?;
        let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Some(raw) = self.uri.query() {
            for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
                params
                    .entry(key.into_owned())
                    .or_default()
                    .push(value.into_owned());
            }
        }
        let next = (number < pages).then(|| with_page(&base, &params, Some(number + 1)));
        let previous = (number > 1).then(|| {
            // DRF drops `page` for the first page; here that would leave a plain list
            // unless `page_size` keeps paging on.
            let first_without_page = number == 2 && params.contains_key(query::PAGE_SIZE);
            with_page(&base, &params, (!first_without_page).then_some(number - 1))
        });
        Ok((next, previous))
    }

    /// `scheme://host/path`, as Django's `build_absolute_uri`: the `Host` header, and
    /// behind `TRUSTED_PROXY_HOPS` proxies the `X-Forwarded-Proto` and `X-Forwarded-Host`
    /// they set. A client's own forwarded headers are not believed without them.
    fn base(&self) -> ApiResult<Url> {
        let forwarded_proto = self
            .forwarded("x-forwarded-proto")
            .map(str::to_ascii_lowercase)
            .filter(|p| p == "http" || p == "https");
        let scheme = forwarded_proto.as_deref().unwrap_or("http");
        let host_header = self.headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let host = self
            .forwarded("x-forwarded-host")
            .filter(|h| valid_host(h))
            .or(host_header)
            .or_else(|| self.uri.authority().map(|a| a.as_str()))
            .filter(|h| valid_host(h))
            .ok_or_else(|| ApiError::BadRequest("Invalid Host header.".into()))?;
        Url::parse(&format!("{scheme}://{host}{}", self.uri.path()))
            .map_err(|_| ApiError::BadRequest("Invalid Host header.".into()))
    }

    /// The value the outermost trusted proxy set: with every proxy appending, the entry
    /// `hops` from the end, and with one that overwrites, the only one.
    fn forwarded(&self, name: &str) -> Option<&str> {
        if self.trusted_proxy_hops == 0 {
            return None;
        }
        let entries = forwarded_entries(self.headers, name);
        entries
            .get(entries.len().saturating_sub(self.trusted_proxy_hops))
            .copied()
            .filter(|e| !e.is_empty())
    }
}

/// The request's parameters with `page` set (or removed), sorted by name as DRF's
/// `replace_query_param` sorts them.
fn with_page(base: &Url, params: &BTreeMap<String, Vec<String>>, page: Option<u64>) -> String {
    let mut params = params.clone();
    match page {
        Some(n) => params.insert(query::PAGE.to_owned(), vec![n.to_string()]),
        None => params.remove(query::PAGE),
    };
    let mut url = base.clone();
    if params.is_empty() {
        url.set_query(None);
    } else {
        let mut pairs = url.query_pairs_mut();
        for (key, values) in &params {
            for value in values {
                pairs.append_pair(key, value);
            }
        }
    }
    url.into()
}

/// Django's `host_validation_re`: a name, an IPv4 address or a bracketed IPv6 one, and
/// an optional port. Anything else would let a header rewrite the links' meaning.
fn valid_host(host: &str) -> bool {
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let Some((address, port)) = rest.split_once(']') else {
            return false;
        };
        let address_ok = address.contains(':')
            && address
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        if !address_ok {
            return false;
        }
        ("ok", port)
    } else {
        match host.find(':') {
            Some(i) => (&host[..i], &host[i..]),
            None => (host, ""),
        }
    };
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    name_ok && port_ok
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

    #[test]
    fn hosts_are_checked_like_djangos() {
        for good in [
            "example.com",
            "127.0.0.1:8000",
            "[::1]:80",
            "[2001:db8::1]",
            "a-b.c",
        ] {
            assert!(valid_host(good), "{good}");
        }
        for bad in [
            "",
            "a b",
            "evil.com/x",
            "evil.com?x",
            "h:",
            "h:8a",
            "[::1",
            "[zz]",
            "u@h",
        ] {
            assert!(!valid_host(bad), "{bad}");
        }
    }
}
