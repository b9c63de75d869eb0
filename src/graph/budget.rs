//! What one request may spend, shared by every walk it makes: a deadline, the items its answer
//! may hold, the analytics work it may do, and whether its client still waits. Walks call
//! [`Budget::step`] as they go; the clock is read every thousand steps or so.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use super::GraphError;

/// Steps between two readings of the clock.
const STEPS_PER_CHECK: u64 = 1024;

/// Why a request was stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Its client went away.
    Cancelled,
    /// It passed its deadline.
    Timeout,
    /// Its answer passed the items it may hold.
    Items,
}

/// One request's allowance, shared by its resolvers and the walks they make (atomics: the
/// resolvers of one request may run on any thread).
#[derive(Debug)]
pub struct Budget {
    deadline: Option<Instant>,
    items: u64,
    items_left: AtomicU64,
    work: u64,
    work_left: AtomicU64,
    ticks: AtomicU64,
    /// 0 while it runs, else a [`Stop`] plus one.
    stop: AtomicU8,
}

impl Budget {
    /// A budget of `items` answer items and `work` analytics steps, until `deadline`.
    pub fn new(deadline: Option<Instant>, items: u64, work: u64) -> Self {
        Budget {
            deadline,
            items,
            items_left: AtomicU64::new(items),
            work,
            work_left: AtomicU64::new(work),
            ticks: AtomicU64::new(0),
            stop: AtomicU8::new(0),
        }
    }

    /// No deadline, no bound on items, and `work` analytics steps.
    pub fn unlimited(work: u64) -> Self {
        Budget::new(None, u64::MAX, work)
    }

    /// Why the request was stopped, if it was.
    pub fn stopped(&self) -> Option<Stop> {
        match self.stop.load(Relaxed) {
            0 => None,
            1 => Some(Stop::Cancelled),
            2 => Some(Stop::Timeout),
            _ => Some(Stop::Items),
        }
    }

    /// Stops the request: its walks fail at their next step. The first reason stands.
    pub fn stop(&self, why: Stop) {
        let code = match why {
            Stop::Cancelled => 1,
            Stop::Timeout => 2,
            Stop::Items => 3,
        };
        let _ = self.stop.compare_exchange(0, code, Relaxed, Relaxed);
    }

    /// The error a stopped request's walks give.
    fn error(&self, why: Stop) -> GraphError {
        match why {
            Stop::Cancelled => GraphError::Cancelled,
            Stop::Timeout => GraphError::Timeout,
            Stop::Items => GraphError::TooManyItems(self.items),
        }
    }

    /// Counts `steps` steps of a walk, and fails once the request is stopped or past its
    /// deadline (read every [`STEPS_PER_CHECK`] steps).
    pub fn step(&self, steps: u64) -> Result<(), GraphError> {
        if let Some(why) = self.stopped() {
            return Err(self.error(why));
        }
        let Some(deadline) = self.deadline else {
            return Ok(());
        };
        if self.ticks.fetch_add(steps, Relaxed) + steps < STEPS_PER_CHECK {
            return Ok(());
        }
        self.ticks.store(0, Relaxed);
        if Instant::now() >= deadline {
            self.stop(Stop::Timeout);
            return Err(self.error(Stop::Timeout));
        }
        Ok(())
    }

    /// Counts `n` items of the answer, and fails past the allowance.
    pub fn items(&self, n: u64) -> Result<(), GraphError> {
        if !take(&self.items_left, n) {
            self.stop(Stop::Items);
            return Err(self.error(Stop::Items));
        }
        self.step(n)
    }

    /// How many items the answer has used.
    pub fn items_used(&self) -> u64 {
        self.items - self.items_left.load(Relaxed)
    }

    /// How much analytics work the request has done.
    pub fn work_used(&self) -> u64 {
        self.work - self.work_left.load(Relaxed)
    }

    /// Counts `n` steps of analytics work, and fails past the request's allowance: every
    /// computation of one request draws on the same.
    pub fn work(&self, n: u64) -> Result<(), GraphError> {
        if !take(&self.work_left, n) {
            return Err(GraphError::LimitExceeded(self.work));
        }
        self.step(n)
    }
}

/// Takes `n` from what is `left`, in one atomic step (computations of one request may run on
/// several threads at once); when there is less, empties it and says no.
fn take(left: &AtomicU64, n: u64) -> bool {
    let taken = left.fetch_update(Relaxed, Relaxed, |have| Some(have.saturating_sub(n)));
    taken.is_ok_and(|had| had >= n)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn items_and_work_are_shared_and_bounded() {
        let budget = Budget::new(None, 10, 100);
        assert!(budget.items(6).is_ok());
        assert_eq!(budget.items(5), Err(GraphError::TooManyItems(10)));
        assert_eq!(budget.stopped(), Some(Stop::Items));
        // Once stopped, every walk stops.
        assert_eq!(budget.step(1), Err(GraphError::TooManyItems(10)));
        let budget = Budget::unlimited(100);
        assert!(budget.work(60).is_ok());
        assert_eq!(budget.work(60), Err(GraphError::LimitExceeded(100)));
    }

    #[test]
    fn threads_sharing_a_budget_never_take_more_than_it_holds() {
        let budget = Budget::unlimited(4_000);
        let taken: usize = std::thread::scope(|s| {
            let threads: Vec<_> = (0..8)
                .map(|_| s.spawn(|| (0..1_000).filter(|_| budget.work(1).is_ok()).count()))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).sum()
        });
        assert_eq!(taken, 4_000);
        assert_eq!(budget.work_used(), 4_000);
    }

    #[test]
    fn a_deadline_is_read_every_thousand_steps_or_so() {
        let budget = Budget::new(Some(Instant::now() - Duration::from_millis(1)), 10, 10);
        let steps = (0..2 * STEPS_PER_CHECK).take_while(|_| budget.step(1).is_ok());
        assert!(steps.count() < STEPS_PER_CHECK as usize);
        assert_eq!(budget.stopped(), Some(Stop::Timeout));
        assert_eq!(budget.step(1), Err(GraphError::Timeout));
    }

    #[test]
    fn a_cancelled_request_stops_at_its_next_step() {
        let budget = Budget::unlimited(10);
        budget.stop(Stop::Cancelled);
        budget.stop(Stop::Timeout);
        assert_eq!(budget.step(1), Err(GraphError::Cancelled));
    }
}
