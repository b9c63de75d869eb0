//! Chart-ready aggregates: entities counted by two keys at once (`crossCount`), entities and
//! relations counted by period with every period present (`timeSeries`, `relationSeries`),
//! and amounts summed by currency and period (`amountTotals`). Thin projections of
//! `graph::chart`.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};

use super::date::Date;
use super::engine::list::Objects;
use super::enums::{Direction, EntityKind, RelationKind};
use super::error::graph_error;
use super::relation::{RelationFilter, relation_filter};
use super::select::{Bucket, EntityWhere, GroupBy, bucket, group_key, select};
use super::{Store, budget};
use crate::graph;
use crate::model::{Day, PartialDate};

/// One of the two keys of a `crossCount`: what to group by, and for `RELATED` the relations
/// that lead to the group.
#[derive(InputObject)]
pub struct GroupKeyInput {
    /// What to group by.
    pub by: GroupBy,
    /// For RELATED: the relation kinds that lead to the group.
    pub relation_kinds: Option<Vec<RelationKind>>,
    /// For RELATED: which way to follow them (default: BOTH).
    pub relation_direction: Option<Direction>,
    /// For RELATED: time, evidence and scope filters.
    pub filter: Option<RelationFilter>,
}

/// How long each period of a time series is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    /// Calendar months (`2018-01`).
    Month,
    /// Calendar quarters (`2018-Q1`).
    Quarter,
    /// Calendar years (`2018`).
    Year,
}

impl From<Interval> for graph::Interval {
    fn from(i: Interval) -> Self {
        match i {
            Interval::Month => graph::Interval::Month,
            Interval::Quarter => graph::Interval::Quarter,
            Interval::Year => graph::Interval::Year,
        }
    }
}

/// Which date of a relation places it in a period.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SeriesDate {
    /// When it started, as its dates, status steps and sources place it.
    #[default]
    Started,
    /// When it ended (ended, cancelled, lifted), as they place it.
    Ended,
}

/// Entities counted by two keys: the rows and the columns, each with its total, and the cells
/// with a count, by position. An entity with several keys of one kind (several markets)
/// counts in each.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct CrossCount {
    /// The rows' keys, largest first (years in time order).
    pub rows: Objects<Bucket>,
    /// The columns' keys, largest first (years in time order).
    pub columns: Objects<Bucket>,
    /// Every cell with a count, row by row: a sparse matrix.
    pub cells: Objects<CrossCell>,
}

/// A cell of a `crossCount`.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct CrossCell {
    /// Its row: a position in `rows`.
    pub row: i32,
    /// Its column: a position in `columns`.
    pub column: i32,
    /// How many entities have both keys.
    pub count: u64,
}

/// Items counted by period: every period from the first to the last is present, at zero when
/// nothing fell in it.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct TimeSeries {
    /// The periods' length.
    pub interval: Interval,
    /// Each period in time order.
    pub points: Objects<TimePoint>,
    /// Items whose date is known less precisely than the interval (a year, in a series by
    /// month) or spans two periods: in no point.
    pub imprecise: u64,
    /// Items dated outside `from`–`to`.
    pub outside: u64,
    /// Items without a date.
    pub undated: u64,
}

/// One period of a time series.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct TimePoint {
    /// The period: `2018-01`, `2018-Q1` or `2018`.
    pub period: String,
    /// Its first day (ISO 8601).
    pub start: String,
    /// How many items fell in it.
    pub count: u64,
}

/// Amounts of money summed by currency (never converted), and by period when asked.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct AmountSums {
    /// The sums, by period (when asked) then currency code.
    pub sums: Objects<AmountSum>,
    /// Amounts left out of a sum by period: their date falls in no period (undated, or known
    /// less precisely than the interval).
    pub unplaced: u64,
}

/// A sum of amounts in one currency.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct AmountSum {
    /// The period, when summed by period.
    pub period: Option<String>,
    /// The currency's ISO 4217 code.
    pub currency: String,
    /// The exact sum, as a decimal string.
    pub value: String,
    /// How many amounts it adds.
    pub count: u64,
}

/// The root fields.
#[derive(Default)]
pub struct ChartQuery;

fn point((date, count): (PartialDate, u64)) -> TimePoint {
    TimePoint {
        period: date.to_string(),
        start: PartialDate::from_day(date.first_day()).to_string(),
        count,
    }
}

/// Counts `dates` (each the days it may be, first to last) by period of `interval`, from the
/// period `from` begins in to the one `to` ends in.
fn time_series(
    ctx: &Context<'_>,
    dates: impl Iterator<Item = Option<(Day, Day)>>,
    interval: Interval,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<TimeSeries> {
    let series = graph::series(
        dates,
        interval.into(),
        from.map(Date::first_day),
        to.map(Date::last_day),
        budget(ctx),
    )
    .map_err(graph_error)?;
    Ok(TimeSeries {
        interval,
        points: series.points.into_iter().map(point).collect(),
        imprecise: series.imprecise,
        outside: series.outside,
        undated: series.undated,
    })
}

#[Object]
impl ChartQuery {
    /// Entities counted by two keys at once, for a heat map or a stacked chart: carriers by
    /// headquarters market × year founded, products by category × maker (`RELATED` with
    /// `MAKES`). The rows and columns are buckets as `groupCount` gives them; the cells
    /// name them by position.
    async fn cross_count(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entities of this kind.")] kind: Option<EntityKind>,
        #[graphql(name = "where", desc = "A condition the entities meet.")] condition: Option<
            EntityWhere,
        >,
        #[graphql(desc = "The first key: the rows.")] rows: GroupKeyInput,
        #[graphql(desc = "The second key: the columns.")] columns: GroupKeyInput,
    ) -> Result<CrossCount> {
        let store = ctx.data_unchecked::<Store>();
        let list = select(store, budget(ctx), kind, condition.as_ref(), None)?;
        let key = |k: GroupKeyInput| {
            group_key(
                store,
                k.by,
                k.relation_kinds,
                k.relation_direction,
                k.filter.as_ref(),
            )
        };
        let (rows, columns) = (key(rows)?, key(columns)?);
        let cross =
            graph::cross(&store.graph, &list, &rows, &columns, budget(ctx)).map_err(graph_error)?;
        Ok(CrossCount {
            rows: cross.rows.into_iter().map(|b| bucket(store, b)).collect(),
            columns: cross
                .columns
                .into_iter()
                .map(|b| bucket(store, b))
                .collect(),
            cells: cross
                .cells
                .into_iter()
                .map(|(row, column, count)| CrossCell {
                    row: row as i32,
                    column: column as i32,
                    count: count as u64,
                })
                .collect(),
        })
    }

    /// Entities counted by the period their date falls in (an event's date, a product's
    /// release, an organisation's founding), every period from `from` to `to` present: events
    /// per quarter, launches per month.
    async fn time_series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entities of this kind.")] kind: Option<EntityKind>,
        #[graphql(name = "where", desc = "A condition the entities meet.")] condition: Option<
            EntityWhere,
        >,
        #[graphql(desc = "The periods' length.")] interval: Interval,
        #[graphql(
            desc = "The first period: the one this date begins in (default: the earliest with a count)."
        )]
        from: Option<Date>,
        #[graphql(
            desc = "The last period: the one this date ends in (default: the latest with a count)."
        )]
        to: Option<Date>,
    ) -> Result<TimeSeries> {
        let store = ctx.data_unchecked::<Store>();
        let list = select(store, budget(ctx), kind, condition.as_ref(), None)?;
        let dates = list
            .iter()
            .map(|&e| graph::entity_date(&store.graph, e).map(|d| (d.first_day(), d.last_day())));
        time_series(ctx, dates, interval, from, to)
    }

    /// Relations counted by the period they started in (or ended in), every period present:
    /// partnerships begun per year, restrictions lifted per quarter. A relation is placed
    /// where the time rule places its start or end (its dates, status steps and sources, as
    /// `asOf` reads them); one in force since ever, still in force, or never in force is
    /// `undated`.
    async fn relation_series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these kinds (default: all).")] kinds: Option<Vec<RelationKind>>,
        #[graphql(desc = "Time, evidence and scope filters.")] filter: Option<RelationFilter>,
        #[graphql(desc = "The periods' length.")] interval: Interval,
        #[graphql(desc = "Which date places a relation (default: STARTED).", default)]
        by: SeriesDate,
        #[graphql(
            desc = "The first period: the one this date begins in (default: the earliest with a count)."
        )]
        from: Option<Date>,
        #[graphql(
            desc = "The last period: the one this date ends in (default: the latest with a count)."
        )]
        to: Option<Date>,
    ) -> Result<TimeSeries> {
        let store = ctx.data_unchecked::<Store>();
        let g = &store.graph;
        let f = relation_filter(store, kinds, None, filter.as_ref())?;
        // Where the time rule places its start or end (its dates, status steps and sources):
        // the days it may be, first to last; none when open (in force since ever, or still).
        let dates = g
            .all_relations()
            .filter(|&r| f.admit(g, r).is_some())
            .map(|r| {
                let w = g.relation(r).window;
                let (first, last) = match by {
                    SeriesDate::Started => (w.started_possibly, w.started_surely),
                    SeriesDate::Ended => (w.ends_earliest, w.ends_latest),
                };
                (first != Day::MIN && last != Day::MAX).then_some((first, last))
            });
        time_series(ctx, dates, interval, from, to)
    }

    /// Every amount of money in the data (events' fines and escrows, relations' deal values)
    /// summed by currency, never converted; by period too when `interval` is given (an
    /// event's date, a relation's start).
    async fn amount_totals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only amounts that are this (`fine`, `escrow`), ignoring case.")]
        what: Option<String>,
        #[graphql(desc = "Sum by period of this length too.")] interval: Option<Interval>,
    ) -> Result<AmountSums> {
        let store = ctx.data_unchecked::<Store>();
        let (sums, unplaced) = graph::amount_sums(
            &store.graph,
            what.as_deref(),
            interval.map(Into::into),
            budget(ctx),
        )
        .map_err(graph_error)?;
        Ok(AmountSums {
            sums: sums
                .into_iter()
                .map(|s| AmountSum {
                    period: s.period.map(|p| p.to_string()),
                    currency: s.currency.to_owned(),
                    value: s.sum.normalize().to_string(),
                    count: s.count,
                })
                .collect(),
            unplaced,
        })
    }
}
