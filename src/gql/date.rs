//! The `Date` input scalar: a date as curated, parsed once where it enters the API.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

use crate::model::{DateBound, Day};

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
