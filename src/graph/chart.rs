//! Chart-ready aggregates: counts by two keys at once (a matrix), time series with every
//! period in range present (empty ones at zero), and sums of amounts by currency.

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::record::EntityIx;
use super::select::{Bucket, GroupKey, group_keys};
use super::store::Graph;
use super::{Budget, GraphError};
use crate::model::{DateBound, Day, EntityKind, PartialDate};

/// The most periods a time series may have: a century of months.
pub const MAX_PERIODS: usize = 1200;

/// How long each period of a time series is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    /// Calendar months: `2018-01`.
    Month,
    /// Calendar quarters: `2018-Q1`.
    Quarter,
    /// Calendar years: `2018`.
    Year,
}

impl Interval {
    /// The period a day falls in, as a number that grows by one a period.
    pub fn period(self, day: Day) -> i64 {
        let date = PartialDate::from_day(day);
        let (year, month) = match date {
            PartialDate::Day(y, m, _) => (i64::from(y), i64::from(m)),
            _ => unreachable!("from_day gives a day"),
        };
        match self {
            Interval::Month => year * 12 + month - 1,
            Interval::Quarter => year * 4 + (month - 1) / 3,
            Interval::Year => year,
        }
    }

    /// The period numbered `period`, as a partial date (`2018-01`, `2018-Q1`, `2018`).
    pub fn date(self, period: i64) -> PartialDate {
        match self {
            Interval::Month => PartialDate::Month(
                period.div_euclid(12) as i32,
                (period.rem_euclid(12) + 1) as u8,
            ),
            Interval::Quarter => PartialDate::Quarter(
                period.div_euclid(4) as i32,
                (period.rem_euclid(4) + 1) as u8,
            ),
            Interval::Year => PartialDate::Year(period as i32),
        }
    }

    /// The period a date falls in, when it falls in one: a date known less precisely than
    /// the interval (a year, in a series by month) or a range across periods has none.
    pub fn period_of(self, date: DateBound) -> Option<i64> {
        self.period_of_days(date.first_day(), date.last_day())
    }

    /// The period the days `first` to `last` fall in, when they fall in one.
    pub fn period_of_days(self, first: Day, last: Day) -> Option<i64> {
        let period = self.period(first);
        (period == self.period(last)).then_some(period)
    }
}

/// A time series: a count for every period from the first to the last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    /// Each period in order, with its count (zero included).
    pub points: Vec<(PartialDate, u64)>,
    /// Dates known less precisely than the interval, or spanning periods: not in any point.
    pub imprecise: u64,
    /// Dates outside `from`–`to`.
    pub outside: u64,
    /// Items without a date.
    pub undated: u64,
}

/// Counts dates by period, from `from` (default: the earliest period counted) to `to`
/// (default: the latest), every period present. Each date is the days it may be, first to
/// last; `None` stands for an undated item.
pub fn series(
    dates: impl Iterator<Item = Option<(Day, Day)>>,
    interval: Interval,
    from: Option<Day>,
    to: Option<Day>,
    budget: &Budget,
) -> Result<Series, GraphError> {
    let (low, high) = (
        from.map(|d| interval.period(d)),
        to.map(|d| interval.period(d)),
    );
    let mut counts: FxHashMap<i64, u64> = FxHashMap::default();
    let (mut imprecise, mut outside, mut undated) = (0, 0, 0);
    for date in dates {
        budget.step(1)?;
        let Some((first, last)) = date else {
            undated += 1;
            continue;
        };
        match interval.period_of_days(first, last) {
            None => imprecise += 1,
            Some(p) if low.is_some_and(|l| p < l) || high.is_some_and(|h| p > h) => outside += 1,
            Some(p) => *counts.entry(p).or_default() += 1,
        }
    }
    let first = low.or_else(|| counts.keys().min().copied());
    let last = high.or_else(|| counts.keys().max().copied());
    let points = match (first, last) {
        (Some(first), Some(last)) if first <= last => {
            let periods = (last - first + 1) as usize;
            if periods > MAX_PERIODS {
                return Err(GraphError::TooManyPeriods {
                    periods,
                    max: MAX_PERIODS,
                });
            }
            (first..=last)
                .map(|p| (interval.date(p), counts.get(&p).copied().unwrap_or(0)))
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(Series {
        points,
        imprecise,
        outside,
        undated,
    })
}

/// Entities counted by two keys: the rows and the columns (each with its total, in the order
/// `group` gives), and the cells that are not empty, as positions in them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cross {
    /// The rows' keys, with how many entities each holds.
    pub rows: Vec<Bucket>,
    /// The columns' keys, with how many entities each holds.
    pub columns: Vec<Bucket>,
    /// `(row, column, count)` for every cell with a count, row by row.
    pub cells: Vec<(usize, usize, usize)>,
}

/// Counts `list` by `rows` and `columns` at once: an entity with several keys (several
/// headquarters, several markets) counts in each of their cells.
pub fn cross(
    graph: &Graph,
    list: &[EntityIx],
    rows: &GroupKey,
    columns: &GroupKey,
    budget: &Budget,
) -> Result<Cross, GraphError> {
    type Key = (String, Option<EntityIx>);
    let mut cells: FxHashMap<(Key, Key), usize> = FxHashMap::default();
    let (mut row_totals, mut column_totals): (FxHashMap<Key, usize>, FxHashMap<Key, usize>) =
        Default::default();
    for &e in list {
        budget.step(1)?;
        let (r, c) = (group_keys(graph, e, rows), group_keys(graph, e, columns));
        budget.step((r.len() * c.len()) as u64)?;
        for rk in &r {
            *row_totals.entry(rk.clone()).or_default() += 1;
            for ck in &c {
                *cells.entry((rk.clone(), ck.clone())).or_default() += 1;
            }
        }
        for ck in c {
            *column_totals.entry(ck).or_default() += 1;
        }
    }
    let order = |totals: FxHashMap<Key, usize>, key: &GroupKey| {
        let mut buckets: Vec<Bucket> = totals
            .into_iter()
            .map(|((key, entity), count)| Bucket { key, entity, count })
            .collect();
        super::select::sort_buckets(&mut buckets, key);
        buckets
    };
    let (rows_out, columns_out) = (order(row_totals, rows), order(column_totals, columns));
    let at = |list: &[Bucket]| -> FxHashMap<Key, usize> {
        list.iter()
            .enumerate()
            .map(|(i, b)| ((b.key.clone(), b.entity), i))
            .collect()
    };
    let (row_at, column_at) = (at(&rows_out), at(&columns_out));
    let mut cells: Vec<(usize, usize, usize)> = cells
        .into_iter()
        .map(|((r, c), n)| (row_at[&r], column_at[&c], n))
        .collect();
    cells.sort_unstable();
    Ok(Cross {
        rows: rows_out,
        columns: columns_out,
        cells,
    })
}

/// A sum of amounts in one currency (and one period, when asked by period).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmountSum {
    /// The period, when summed by period.
    pub period: Option<PartialDate>,
    /// The currency's ISO 4217 code.
    pub currency: &'static str,
    /// The sum, exact.
    pub sum: Decimal,
    /// How many amounts it adds.
    pub count: u64,
}

/// Every amount of the data (events' and relations'), those that are `what` (ignoring case)
/// when given, summed by currency, and by period when `interval` is given (by the event's
/// date, or the relation's start; amounts whose date falls in no period are left out and
/// counted). Never converted between currencies. Currencies in code order; periods in time
/// order.
pub fn amount_sums(
    graph: &Graph,
    what: Option<&str>,
    interval: Option<Interval>,
    budget: &Budget,
) -> Result<(Vec<AmountSum>, u64), GraphError> {
    let mut sums: FxHashMap<(Option<i64>, &'static str), (Decimal, u64)> = FxHashMap::default();
    let mut unplaced = 0;
    let mut add = |amounts: &[crate::model::Amount], date: Option<DateBound>| {
        for a in amounts {
            if what.is_some_and(|w| !a.what.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(w))) {
                continue;
            }
            let period = match interval {
                None => None,
                Some(i) => match date.and_then(|d| i.period_of(d)) {
                    Some(p) => Some(p),
                    None => {
                        unplaced += 1;
                        continue;
                    }
                },
            };
            let entry = sums.entry((period, a.currency.code())).or_default();
            entry.0 += a.value;
            entry.1 += 1;
        }
    };
    for &e in graph.entities_of(Some(EntityKind::Event)) {
        budget.step(1)?;
        let d = graph.entity_detail(e);
        if !d.amounts.is_empty() {
            add(&d.amounts, d.date);
        }
    }
    for r in graph.all_relations() {
        budget.step(1)?;
        let d = graph.relation_detail(r);
        if !d.amounts.is_empty() {
            add(&d.amounts, d.validity.from);
        }
    }
    let mut out: Vec<AmountSum> = sums
        .into_iter()
        .map(|((period, currency), (sum, count))| AmountSum {
            period: period.map(|p| interval.map_or(PartialDate::Year(0), |i| i.date(p))),
            currency,
            sum,
            count,
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |s: &AmountSum| s.period.map(|p| p.first_day());
        key(a).cmp(&key(b)).then(a.currency.cmp(b.currency))
    });
    Ok((out, unplaced))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> DateBound {
        DateBound::parse(text).unwrap()
    }

    #[test]
    fn periods_number_months_quarters_and_years() {
        let d = day("2018-02-14").first_day();
        assert_eq!(
            Interval::Month.date(Interval::Month.period(d)).to_string(),
            "2018-02"
        );
        assert_eq!(
            Interval::Quarter
                .date(Interval::Quarter.period(d))
                .to_string(),
            "2018-Q1"
        );
        assert_eq!(
            Interval::Year.date(Interval::Year.period(d)).to_string(),
            "2018"
        );
        // A month falls in its quarter; a year does not fall in one month.
        assert!(Interval::Quarter.period_of(day("2018-02")).is_some());
        assert_eq!(Interval::Month.period_of(day("2018")), None);
        assert_eq!(Interval::Year.period_of(day("2017-12..2018-01")), None);
    }

    #[test]
    fn a_series_fills_empty_periods() {
        let dates = ["2018-01-05", "2018-03", "2018-03-31", "2018", "2019-01"]
            .map(|d| Some((day(d).first_day(), day(d).last_day())))
            .into_iter()
            .chain([None]);
        let s = series(
            dates,
            Interval::Month,
            None,
            Some(day("2018-04").first_day()),
            &Budget::unlimited(0),
        )
        .unwrap();
        let points: Vec<(String, u64)> =
            s.points.iter().map(|(p, n)| (p.to_string(), *n)).collect();
        assert_eq!(
            points,
            [
                ("2018-01", 1),
                ("2018-02", 0),
                ("2018-03", 2),
                ("2018-04", 0)
            ]
            .map(|(p, n)| (p.to_owned(), n))
        );
        assert_eq!((s.imprecise, s.outside, s.undated), (1, 1, 1));
    }

    #[test]
    fn a_series_too_long_is_refused() {
        let s = series(
            ["1900-01", "2020-01"]
                .map(|d| Some((day(d).first_day(), day(d).first_day())))
                .into_iter(),
            Interval::Month,
            None,
            None,
            &Budget::unlimited(0),
        );
        assert!(matches!(s, Err(GraphError::TooManyPeriods { .. })));
    }
}
