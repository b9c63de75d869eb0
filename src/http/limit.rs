//! Per-client limits, on when `--rate-limit` is given: requests a second (with a burst of one
//! second's worth) through `governor`, requests at once, and cost points a second. A client is
//! its API key, else its address: an IPv4 address, or the /64 an IPv6 address belongs to (one
//! host holds a /64).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Who a request is counted against.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(crate) enum ClientId {
    /// An API key, by its name.
    Key(Box<str>),
    /// An IPv4 address.
    V4(u32),
    /// The /64 of an IPv6 address.
    V6(u64),
    /// A request that came by no connection (an in-process test).
    Unknown,
}

impl ClientId {
    /// The client of a request with this key name, from this address.
    pub(crate) fn of(key: Option<&str>, address: Option<IpAddr>) -> Self {
        match (key, address) {
            (Some(name), _) => ClientId::Key(name.into()),
            (None, Some(IpAddr::V4(v4))) => ClientId::V4(u32::from(v4)),
            (None, Some(IpAddr::V6(v6))) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientId::V4(u32::from(v4)),
                None => ClientId::V6((u128::from(v6) >> 64) as u64),
            },
            (None, None) => ClientId::Unknown,
        }
    }
}

/// Proxies whose `X-Forwarded-For` is believed (`--trust-proxy`): addresses or networks
/// (`10.0.0.0/8`). Three lines of prefix arithmetic need no crate.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Reads `ADDR` or `ADDR/PREFIX`, each comma-separated list item one of them.
    pub fn parse(items: &[String]) -> Result<Self, String> {
        let mut out = Vec::new();
        for item in items.iter().flat_map(|i| i.split(',')).map(str::trim) {
            let (addr, prefix) = match item.split_once('/') {
                Some((addr, prefix)) => (addr, Some(prefix)),
                None => (item, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("`{item}` is not an address or a network"))?;
            let most = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => most,
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|&p| p <= most)
                    .ok_or_else(|| format!("`{item}` has a bad prefix length"))?,
            };
            out.push((addr, prefix));
        }
        Ok(TrustedProxies(out))
    }

    /// Whether `addr` is one of the proxies.
    fn trusts(&self, addr: IpAddr) -> bool {
        self.0
            .iter()
            .any(|&(network, prefix)| match (network, addr) {
                (IpAddr::V4(n), IpAddr::V4(a)) => {
                    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                    u32::from(n) & mask == u32::from(a) & mask
                }
                (IpAddr::V6(n), IpAddr::V6(a)) => {
                    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                    u128::from(n) & mask == u128::from(a) & mask
                }
                _ => false,
            })
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the last
    /// address of `X-Forwarded-For` that is not itself one (the first is whatever the client
    /// chose to write).
    pub(crate) fn client(
        &self,
        peer: Option<IpAddr>,
        headers: &axum::http::HeaderMap,
    ) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let mut client = peer;
        for hop in forwarded.iter().rev() {
            let Ok(addr) = hop.parse::<IpAddr>() else {
                break;
            };
            client = addr;
            if !self.trusts(addr) {
                break;
            }
        }
        Some(client)
    }
}

/// How often the rate limiter forgets clients it has not seen for a while, in checks.
const PRUNE_EVERY: u64 = 4096;

/// The limits every client is held to.
pub(crate) struct ClientLimits {
    rate: DefaultKeyedRateLimiter<ClientId>,
    clock: DefaultClock,
    in_flight: Mutex<HashMap<ClientId, usize>>,
    max_in_flight: usize,
    checks: AtomicU64,
    costs: CostBuckets,
}

/// Each client's cost points: a bucket filled at a rate, from which a request takes its price
/// before it runs and into which the difference between its price and what it really returned
/// goes back after (as GitHub and Shopify do). `governor` takes cells but never gives any back,
/// so this bucket is ours.
struct CostBuckets {
    per_second: f64,
    /// What a bucket holds when full: a second's worth, and never less than the highest price.
    capacity: f64,
    buckets: Mutex<HashMap<ClientId, Bucket>>,
    checks: AtomicU64,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    points: f64,
    at: Instant,
}

impl CostBuckets {
    /// The client's bucket, filled for the time since it was last read.
    fn filled<'m>(
        &self,
        buckets: &'m mut HashMap<ClientId, Bucket>,
        client: &ClientId,
        now: Instant,
    ) -> &'m mut Bucket {
        let full = Bucket {
            points: self.capacity,
            at: now,
        };
        let bucket = buckets.entry(client.clone()).or_insert(full);
        let gained = now.saturating_duration_since(bucket.at).as_secs_f64() * self.per_second;
        bucket.points = (bucket.points + gained).min(self.capacity);
        bucket.at = now;
        bucket
    }

    /// Takes `cost` points, or says how long until the client has them.
    fn take(&self, client: &ClientId, cost: u64) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            // A full bucket is the same as none.
            let per_second = self.per_second;
            buckets.retain(|_, b| {
                b.points + now.saturating_duration_since(b.at).as_secs_f64() * per_second
                    < per_second
            });
        }
        let bucket = self.filled(&mut buckets, client, now);
        let cost = cost as f64;
        if bucket.points < cost {
            return Err(Duration::from_secs_f64(
                (cost - bucket.points) / self.per_second,
            ));
        }
        bucket.points -= cost;
        Ok(())
    }

    /// Gives back `points` a request was charged for and did not use.
    fn refund(&self, client: &ClientId, points: u64) {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = self.filled(&mut buckets, client, Instant::now());
        bucket.points = (bucket.points + points as f64).min(self.capacity);
    }
}

/// A request's place among its client's requests at once, given back when dropped.
pub(crate) struct ClientPermit<'a> {
    limits: &'a ClientLimits,
    client: ClientId,
}

impl ClientLimits {
    /// `per_second` requests a second for each client (a second's worth at once), at most
    /// `max_in_flight` at once, and `cost_per_second` cost points a second, a second's worth
    /// or `highest_price` at once, whichever is more.
    pub(crate) fn new(
        per_second: NonZeroU32,
        max_in_flight: usize,
        cost_per_second: u64,
        highest_price: u64,
    ) -> Self {
        let clock = DefaultClock::default();
        ClientLimits {
            rate: RateLimiter::keyed(Quota::per_second(per_second)),
            clock,
            in_flight: Mutex::new(HashMap::new()),
            max_in_flight: max_in_flight.max(1),
            checks: AtomicU64::new(0),
            costs: CostBuckets {
                per_second: cost_per_second.max(1) as f64,
                capacity: cost_per_second.max(highest_price).max(1) as f64,
                buckets: Mutex::new(HashMap::new()),
                checks: AtomicU64::new(0),
            },
        }
    }

    /// Charges a request of `client` its price before it runs, or says how long the client
    /// should wait.
    pub(crate) fn charge(&self, client: &ClientId, price: u64) -> Result<(), Duration> {
        self.costs.take(client, price)
    }

    /// Gives back what a request was charged beyond what it cost.
    pub(crate) fn refund(&self, client: &ClientId, points: u64) {
        if points > 0 {
            self.costs.refund(client, points);
        }
    }

    /// Lets a request of `client` in, or says how long it should wait before trying again.
    pub(crate) fn admit(&self, client: ClientId) -> Result<ClientPermit<'_>, Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.rate.retain_recent();
        }
        // Requests at once first: a request turned away for them uses none of the rate.
        let mut open = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if open
            .get(&client)
            .is_some_and(|&running| running >= self.max_in_flight)
        {
            return Err(Duration::from_secs(1));
        }
        if let Err(not_until) = self.rate.check_key(&client) {
            return Err(not_until.wait_time_from(self.clock.now()));
        }
        *open.entry(client.clone()).or_insert(0) += 1;
        Ok(ClientPermit {
            limits: self,
            client,
        })
    }
}

impl Drop for ClientPermit<'_> {
    fn drop(&mut self) {
        let mut open = self
            .limits
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(running) = open.get_mut(&self.client) {
            *running -= 1;
            if *running == 0 {
                open.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_rate_and_its_requests_at_once() {
        let limits = ClientLimits::new(NonZeroU32::new(3).unwrap(), 2, 1_000, 1_000);
        let dash = || ClientId::Key("dashboard".into());
        let first = limits.admit(dash()).unwrap();
        let second = limits.admit(dash()).unwrap();
        assert_eq!(limits.admit(dash()).err(), Some(Duration::from_secs(1)));
        drop(first);
        let third = limits.admit(dash()).unwrap();
        drop((second, third));
        // Three a second: the fourth within the second waits.
        let wait = limits.admit(dash()).err().expect("over the rate");
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(334),
            "{wait:?}"
        );
        // Another client has its own allowance.
        assert!(limits.admit(ClientId::Key("ops".into())).is_ok());
        assert!(limits.in_flight.lock().unwrap().is_empty());
    }

    #[test]
    fn a_client_spends_cost_points_and_gets_back_what_it_did_not_use() {
        let limits = ClientLimits::new(NonZeroU32::new(100).unwrap(), 10, 1_000, 500);
        let dash = ClientId::Key("dashboard".into());
        assert!(limits.charge(&dash, 800).is_ok());
        let wait = limits.charge(&dash, 800).expect_err("600 points short");
        assert!(
            wait > Duration::from_millis(500) && wait <= Duration::from_millis(600),
            "{wait:?}"
        );
        // The first request returned 50 items: 750 points come back.
        limits.refund(&dash, 750);
        assert!(limits.charge(&dash, 800).is_ok());
        // Another client has its own points.
        assert!(limits.charge(&ClientId::Key("ops".into()), 1_000).is_ok());
    }

    #[test]
    fn a_forwarded_address_counts_only_from_a_trusted_proxy() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8, 192.0.2.1".into()]).unwrap();
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7, 10.1.2.3".parse().unwrap(),
        );
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        // From the proxy: the last address before the trusted ones.
        assert_eq!(proxies.client(ip("10.9.9.9"), &headers), ip("198.51.100.7"));
        assert_eq!(
            proxies.client(ip("192.0.2.1"), &headers),
            ip("198.51.100.7")
        );
        // From anyone else, the header is the client's own words.
        assert_eq!(proxies.client(ip("192.0.2.2"), &headers), ip("192.0.2.2"));
        // Without the header, the proxy itself.
        let none = axum::http::HeaderMap::new();
        assert_eq!(proxies.client(ip("10.0.0.1"), &none), ip("10.0.0.1"));
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy".into()]).is_err());
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ClientId::of(None, Some(a)), ClientId::of(None, Some(b)));
        assert_ne!(ClientId::of(None, Some(a)), ClientId::of(None, Some(c)));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(
            ClientId::of(None, Some(mapped)),
            ClientId::of(None, Some(v4))
        );
        assert_eq!(
            ClientId::of(Some("ops"), Some(v4)),
            ClientId::Key("ops".into())
        );
    }
}
