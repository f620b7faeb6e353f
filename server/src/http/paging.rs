//! The `next` and `previous` links of a page, built as Django REST framework builds them:
//! the request's absolute URL with `page` replaced and the parameters sorted.

use crate::error::{ApiError, ApiResult};
use crate::http::forwarded::forwarded_entries;
use crate::storage::paging::Numbered;
use app::api::{Page, query};
use axum::http::{HeaderMap, Uri, header};
use std::collections::BTreeMap;
use url::Url;

/// Builds `next` and `previous` from the request's own URL.
pub struct Links<'a> {
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub trusted_proxy_hops: usize,
}

impl Links<'_> {
    /// A page of a list as the API answers it, its links built from the request.
    pub fn page<T>(&self, numbered: Numbered<T>) -> ApiResult<Page<T>> {
        let (next, previous) = self.around(numbered.number, numbered.pages)?;
        Ok(Page {
            count: numbered.count,
            next,
            previous,
            results: numbered.results,
        })
    }

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

    /// `path` (with its query) on this server, as the request reached it: for links the API
    /// hands out, such as an invitation's.
    pub fn absolute(&self, path: &str) -> ApiResult<String> {
        let base = self.base()?;
        base.join(path)
            .map(String::from)
            .map_err(|_| ApiError::Internal(format!("not a path: {path}")))
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
