//! What proxies in front of the server say about a request (`X-Forwarded-*`), believed
//! only from the `TRUSTED_PROXY_HOPS` proxies configured: who the client is, and (for
//! paging links) which scheme and host it asked for.

use std::net::IpAddr;

/// Every entry of a comma-separated `X-Forwarded-*` header, over all its lines, in order.
pub fn forwarded_entries<'h>(headers: &'h axum::http::HeaderMap, name: &str) -> Vec<&'h str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect()
}

/// The client's address as one client (an IPv6 client is its /64): who throttling counts.
pub fn client_ip(peer: IpAddr, headers: &axum::http::HeaderMap, hops: usize) -> IpAddr {
    one_client(client_address(peer, headers, hops))
}

/// The client's address: the peer's, or the one the outermost of `hops` trusted proxies
/// appended to `X-Forwarded-For`.
pub fn client_address(peer: IpAddr, headers: &axum::http::HeaderMap, hops: usize) -> IpAddr {
    let forwarded = forwarded_entries(headers, "x-forwarded-for");
    let ip = match hops {
        0 => peer,
        n => forwarded
            .len()
            .checked_sub(n)
            .and_then(|i| forwarded[i].parse().ok())
            .unwrap_or(peer),
    };
    ip.to_canonical()
}

/// The address as one client: an IPv4-mapped IPv6 address is its IPv4 one, and any other
/// IPv6 address is its /64, the block one subscriber gets.
pub fn one_client(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    const PROXY: &str = "10.0.0.9";

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let forged = headers(&["1.2.3.4"]);
        assert_eq!(
            client_ip(PROXY.parse().unwrap(), &forged, 0),
            PROXY.parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn behind_proxies_the_entry_they_appended_is_the_client() {
        let peer = PROXY.parse().unwrap();
        // The client forged "6.6.6.6"; the one proxy appended the real address.
        let h = headers(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(
            client_ip(peer, &h, 1),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        let two = headers(&["6.6.6.6", "203.0.113.7, 10.0.0.2"]);
        assert_eq!(
            client_ip(peer, &two, 2),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        // Fewer entries than proxies: fall back to the peer rather than trust a forgery.
        assert_eq!(client_ip(peer, &headers(&[]), 1), peer);
    }

    #[test]
    fn ipv6_clients_are_their_slash_64() {
        let a = client_ip(
            "2001:db8:1:2:aaaa::1".parse().unwrap(),
            &HeaderMap::new(),
            0,
        );
        let b = client_ip(
            "2001:db8:1:2:bbbb::2".parse().unwrap(),
            &HeaderMap::new(),
            0,
        );
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::".parse::<IpAddr>().unwrap());
        let mapped = client_ip("::ffff:192.0.2.1".parse().unwrap(), &HeaderMap::new(), 0);
        assert_eq!(mapped, "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
