//! Per-client limits, on when `--rate-limit` is given: requests a second (with a burst of one
//! second's worth) through `governor`, and requests at once. A client is its API key, else its
//! address: an IPv4 address, or the /64 an IPv6 address belongs to (one host holds a /64).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

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

/// How often the rate limiter forgets clients it has not seen for a while, in checks.
const PRUNE_EVERY: u64 = 4096;

/// The limits every client is held to.
pub(crate) struct ClientLimits {
    rate: DefaultKeyedRateLimiter<ClientId>,
    clock: DefaultClock,
    in_flight: Mutex<HashMap<ClientId, usize>>,
    max_in_flight: usize,
    checks: AtomicU64,
}

/// A request's place among its client's requests at once, given back when dropped.
pub(crate) struct ClientPermit<'a> {
    limits: &'a ClientLimits,
    client: ClientId,
}

impl ClientLimits {
    /// `per_second` requests a second for each client (a second's worth at once), and at most
    /// `max_in_flight` at once.
    pub(crate) fn new(per_second: NonZeroU32, max_in_flight: usize) -> Self {
        let clock = DefaultClock::default();
        ClientLimits {
            rate: RateLimiter::keyed(Quota::per_second(per_second)),
            clock,
            in_flight: Mutex::new(HashMap::new()),
            max_in_flight: max_in_flight.max(1),
            checks: AtomicU64::new(0),
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
        let limits = ClientLimits::new(NonZeroU32::new(3).unwrap(), 2);
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
