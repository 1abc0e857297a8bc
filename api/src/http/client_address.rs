//! Which client a request comes from, for the per-client rate limits.
//!
//! The TCP peer, unless the peer is a reverse proxy named with
//! `--trusted-proxy`: then the address the proxy recorded in `Forwarded`
//! (RFC 7239) or, failing that, `X-Forwarded-For`. Both list every hop, the
//! client first; a client can write anything at the front, so the list is
//! read from the end, skipping the trusted proxies, and the first address
//! that is not one of them is the client. From any other peer the headers are
//! ignored, so nobody can pick their own rate-limit key.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client address of `request`; `0.0.0.0` without connection info
/// (a server not started by `app::start`), which shares one bucket.
pub fn client_address(request: &Request, trusted: &[IpNet]) -> IpAddr {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
    resolve(peer, request.headers(), trusted)
}

fn is_trusted(address: IpAddr, trusted: &[IpNet]) -> bool {
    let address = match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    };
    trusted.iter().any(|net| net.contains(&address))
}

fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let hops = forwarded_hops(headers).or_else(|| x_forwarded_for_hops(headers));
    let Some(hops) = hops else {
        return peer;
    };
    // From the nearest hop back: the first address no trusted proxy holds.
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(address) if is_trusted(*address, trusted) => client = *address,
            Some(address) => return *address,
            // An unreadable or obfuscated hop: the last trusted proxy is as
            // far as the chain can be believed.
            None => return client,
        }
    }
    client
}

/// The `for=` addresses of every `Forwarded` element, in order.
fn forwarded_hops(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    for value in headers.get_all("forwarded") {
        let text = value.to_str().ok()?;
        for element in text.split(',') {
            let for_value = element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| value.trim())
            });
            if let Some(value) = for_value {
                hops.push(parse_node(value));
            }
        }
    }
    (!hops.is_empty()).then_some(hops)
}

/// A `Forwarded` node: `192.0.2.1`, `"192.0.2.1:4711"`, `"[2001:db8::1]:4711"`.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    value
        .parse()
        .ok()
        .or_else(|| value.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
}

/// The addresses of every `X-Forwarded-For` header, in order.
fn x_forwarded_for_hops(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let text = value.to_str().ok()?;
        hops.extend(
            text.split(',')
                .map(str::trim)
                .filter(|hop| !hop.is_empty())
                .map(parse_node),
        );
    }
    (!hops.is_empty()).then_some(hops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn headers_count_only_from_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let forwarded = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            resolve(ip("10.0.0.5"), &forwarded, &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            resolve(ip("198.51.100.1"), &forwarded, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(resolve(ip("10.0.0.5"), &forwarded, &[]), ip("10.0.0.5"));
    }

    #[test]
    fn a_forged_front_of_the_chain_is_ignored() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        // The client wrote 1.2.3.4 itself; the proxy appended the real peer.
        let forwarded = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.7")]);
        assert_eq!(
            resolve(ip("10.0.0.5"), &forwarded, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn forwarded_wins_and_its_forms_are_read() {
        let trusted: Vec<IpNet> = vec!["127.0.0.1/32".parse().unwrap()];
        let both = headers(&[
            ("forwarded", "for=\"[2001:db8::7]:4711\";proto=https"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(resolve(ip("127.0.0.1"), &both, &trusted), ip("2001:db8::7"));
        let plain = headers(&[("forwarded", "for=192.0.2.60;by=203.0.113.43")]);
        assert_eq!(resolve(ip("127.0.0.1"), &plain, &trusted), ip("192.0.2.60"));
        let hidden = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(resolve(ip("127.0.0.1"), &hidden, &trusted), ip("127.0.0.1"));
    }
}
