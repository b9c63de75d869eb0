//! Dates: the `Date` input scalar, parsed once where a date enters the API, and the dates an
//! answer gives (`FuzzyDate`, a relation's `Validity`).

use async_graphql::{
    InputValueError, InputValueResult, Object, Scalar, ScalarType, SimpleObject, Value,
};

use super::engine::list::One;
use super::enums::Precision;
use crate::model::{DateBound, Day, PartialDate};

/// A date as the API takes it, already parsed (see the scalar's description).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date(pub DateBound);

impl Date {
    /// The first day the date covers.
    pub fn first_day(self) -> Day {
        self.0.first_day()
    }

    /// The last day the date covers.
    pub fn last_day(self) -> Day {
        self.0.last_day()
    }
}

/// A day (`2018-01-09`), a month (`2018-01`), a quarter (`2018-Q1`), a year (`2018`), or a range
/// of them (`2018-Q4..2019-Q1`). Where one day is needed, an argument says whether it takes the
/// first or the last day the date covers ("as of 2018" is as of 2018-12-31). A date that does
/// not exist fails validation.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => DateBound::parse(text)
                .map(Date)
                .map_err(|e| InputValueError::custom(e.to_string())),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if DateBound::parse(text).is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// A date known to some precision, or a range of such dates ("end 2018 or early 2019").
#[derive(Clone, Debug)]
pub struct FuzzyDate(
    pub(crate) DateBound,
    pub(crate) Option<crate::model::Wording>,
);

/// A date known to some precision, or a range of such dates ("end 2018 or early 2019").
#[Object(serial)]
impl FuzzyDate {
    /// The date as curated: `2018`, `2018-Q4`, `2018-01`, `2018-01-09`, or a range `A..B`.
    async fn text(&self) -> String {
        self.0.to_string()
    }
    /// The first day it may be (ISO 8601).
    async fn earliest(&self) -> String {
        PartialDate::from_day(self.0.first_day()).to_string()
    }
    /// The last day it may be (ISO 8601).
    async fn latest(&self) -> String {
        PartialDate::from_day(self.0.last_day()).to_string()
    }
    /// How precisely it is known (of the earliest reading, for a range).
    async fn precision(&self) -> Precision {
        self.0.earliest.precision().into()
    }
    /// Whether it is a range of readings rather than one partial date.
    async fn is_range(&self) -> bool {
        !self.0.is_single()
    }
    /// The source's words, when it gives the date relative to another ("on Friday", "in the
    /// coming weeks"); the date itself is the day the words mean.
    async fn wording(&self) -> Option<&str> {
        self.1.as_ref().map(|w| w.text.as_str())
    }
    /// What the words are relative to: `source` (the reporting source's date) or the id of an
    /// event or document.
    async fn anchor(&self) -> Option<&str> {
        self.1.as_ref().map(|w| w.anchor.as_str())
    }
}

pub(crate) fn fuzzy(d: Option<DateBound>) -> Option<One<FuzzyDate>> {
    d.map(|d| One(FuzzyDate(d, None)))
}

/// A date with the source's words for it, when it gives it relative to another.
pub(crate) fn worded(
    d: Option<DateBound>,
    wording: Option<&crate::model::Wording>,
) -> Option<One<FuzzyDate>> {
    d.map(|d| One(FuzzyDate(d, wording.cloned())))
}

/// When a relation holds: half-open `[from, until)`; an absent bound is open.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct Validity {
    /// When it started, as curated; null when no start is curated.
    pub from: Option<One<FuzzyDate>>,
    /// The first day it no longer held, as curated; null when no end is curated.
    pub until: Option<One<FuzzyDate>>,
}
