//! Fetching only from the public internet. A partner's feed names the URLs
//! the artwork job fetches; without a guard, a feed could point it at the
//! server's own neighbours (a cloud metadata address, a database's HTTP
//! port, an admin page on localhost) and have the answer kept and served
//! as a picture. Every address a host name resolves to, every redirect's
//! host and a URL's own IP literal must be public: loopback, private,
//! link-local, shared (carrier-grade NAT), multicast, documentation and
//! reserved ranges are refused, in IPv4 and IPv6 (an IPv4 address inside
//! IPv6 as well). Tests and private deployments whose partners serve
//! pictures on an internal network turn it off
//! (`CADENZA_ARTWORK_PRIVATE_HOSTS`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether `ip` is an address of the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
        // Reserved, 240.0.0.0/4.
        || a >= 240)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local, fc00::/7.
        || (first & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (first & 0xffc0) == 0xfe80
        // Documentation, 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // Site-local, fec0::/10 (deprecated).
        || (first & 0xffc0) == 0xfec0
        // IPv4-compatible and other addresses under ::/96 (deprecated).
        || ip.segments()[..6].iter().all(|segment| *segment == 0)
        // SIIT, ::ffff:0:0:0/96.
        || ip.segments()[..6] == [0, 0, 0, 0, 0xffff, 0])
        // NAT64 (64:ff9b::/96, which DNS64 gives IPv4-only hosts) and 6to4
        // (2002::/16) carry an IPv4 address: public when it is.
        && embedded_v4(ip).is_none_or(public_v4)
}

/// The IPv4 address inside a NAT64 or 6to4 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    match s {
        [0x0064, 0xff9b, 0, 0, 0, 0, high, low] => Some(v4(high, low)),
        [0x2002, high, low, ..] => Some(v4(high, low)),
        _ => None,
    }
}

/// Whether a URL's host may be fetched: a name (checked when resolved) or
/// a public IP literal.
pub fn host_allowed(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // An IPv6 literal comes in brackets.
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(ip) => is_public(ip),
        Err(_) => true,
    }
}

/// Resolves as the system does, keeping only public addresses; a name with
/// none is an error, so nothing connects to it.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found
                .into_iter()
                .filter(|address| is_public(address.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// A client builder that connects to public addresses only, following at
/// most `redirects` redirects, each to a host allowed as the first was.
pub fn public_only(builder: reqwest::ClientBuilder, redirects: usize) -> reqwest::ClientBuilder {
    builder
        // Through a proxy the proxy would resolve the host, out of the
        // resolver's sight: no proxy, even one the environment names.
        .no_proxy()
        .dns_resolver(Arc::new(PublicOnly))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > redirects {
                attempt.error("too many redirects")
            } else if !host_allowed(attempt.url()) {
                attempt.error("a redirect to an address that is not public")
            } else {
                attempt.follow()
            }
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_are_not_public() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::1",
            "fec0::1",
        ] {
            assert!(!is_public(refused.parse().unwrap()), "{refused}");
        }
        for allowed in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
        ] {
            assert!(is_public(allowed.parse().unwrap()), "{allowed}");
        }
    }

    #[test]
    fn urls_with_private_literals_are_refused_and_names_wait_for_resolving() {
        let allowed = |url: &str| host_allowed(&reqwest::Url::parse(url).unwrap());
        assert!(!allowed("http://127.0.0.1:8080/cover.jpg"));
        assert!(!allowed("http://[::1]/cover.jpg"));
        assert!(!allowed("http://169.254.169.254/latest/meta-data"));
        assert!(allowed("https://images.example.com/cover.jpg"));
        assert!(allowed("http://93.184.216.34/cover.jpg"));
    }
}
