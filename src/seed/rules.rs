//! The rules every seed file obeys, whatever its format: ids, names, vocabularies, fields per
//! kind, confidence, shares and ranks, quotes, time order, endpoint kinds, references and
//! duplicates. Each check takes values a format has read and says what is wrong and how to fix
//! it ([`Broken`]); the format puts that at its place in the file.
//!
//! Invariant: the TOML and the CSV loaders check a fact with the same function here, so they
//! refuse the same things with the same words.

use crate::graph::{EntityIx, GraphBuilder};
use crate::model::{
    Amount, DateBound, Duration, EntityKind, KindSet, QuantityError, RelationKind, Status, Tie,
    Validity, is_valid_id,
};

/// What is wrong with a value, and a hint on how to fix it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Broken {
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

fn broken(message: impl Into<String>, hint: impl Into<String>) -> Broken {
    Broken {
        message: message.into(),
        hint: Some(hint.into()),
    }
}

/// An id: lowercase letters, digits and `-`.
pub(crate) fn id(id: &str) -> Result<(), Broken> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(broken(
            format!("`{id}` is not a valid id"),
            "ids are lowercase letters, digits and `-`, like `mate-10-pro`",
        ))
    }
}

/// A display name, trimmed: it must not be empty.
pub(crate) fn name(name: &str) -> Result<&str, Broken> {
    match name.trim() {
        "" => Err(broken(
            "the name is empty",
            "give the entity the name people know it by",
        )),
        name => Ok(name),
    }
}

/// A word of a vocabulary (`what`: "status", "category"…), read by `parse`.
pub(crate) fn vocabulary<T>(
    text: &str,
    what: &str,
    parse: fn(&str) -> Option<T>,
    names: fn() -> String,
) -> Result<T, Broken> {
    parse(text).ok_or_else(|| unknown(text, what, &names()))
}

/// A word not in a vocabulary (`what`) whose words are `names`.
pub(crate) fn unknown(text: &str, what: &str, names: &str) -> Broken {
    broken(
        format!("unknown {what} `{text}`"),
        format!("use one of {names}"),
    )
}

/// The kind-specific fields each kind accepts.
pub(crate) fn kind_fields(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::Vendor | EntityKind::Carrier | EntityKind::Retailer => &["founded"],
        EntityKind::Product => &["category", "released"],
        EntityKind::Market => &["iso_code"],
        EntityKind::Event => &[
            "type",
            "date",
            "summary",
            "cause",
            "status",
            "confidence",
            "claimed_by",
            "amounts",
            "duration",
            "after",
            "before",
        ],
        EntityKind::Source => &["title", "publisher", "url", "date"],
        EntityKind::Person => &[],
        EntityKind::GovernmentBody => &["type", "founded"],
        EntityKind::MediaOutlet | EntityKind::Brand => &["founded"],
        EntityKind::Document => &["type", "date"],
    }
}

/// A kind-specific field given on an entity of `kind`.
pub(crate) fn applies(field: &str, kind: EntityKind) -> Result<(), Broken> {
    let allowed = kind_fields(kind);
    if allowed.contains(&field) {
        return Ok(());
    }
    let hint = if allowed.is_empty() {
        format!("a {kind} has only the common fields")
    } else {
        format!("a {kind}'s own fields are {}", allowed.join(", "))
    };
    Err(broken(
        format!("`{field}` does not apply to a {kind}"),
        hint,
    ))
}

/// A property cited on an entity of `kind`: a common one, or one of the kind's own.
pub(crate) fn citable(kind: EntityKind, property: &str) -> Result<(), Broken> {
    const COMMON: [&str; 4] = ["name", "aliases", "description", "wikidata"];
    if COMMON.contains(&property) || kind_fields(kind).contains(&property) {
        return Ok(());
    }
    let mut citable = COMMON.to_vec();
    citable.extend(kind_fields(kind));
    Err(broken(
        format!("`{property}` is not a property of a {kind} that can be cited"),
        format!("citable properties are {}", citable.join(", ")),
    ))
}

/// A Wikidata item id: `Q` and digits.
pub(crate) fn wikidata(text: &str) -> Result<(), Broken> {
    let ok = text
        .strip_prefix('Q')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(broken(
            format!("`{text}` is not a Wikidata id"),
            "Wikidata ids are Q followed by digits, like `Q1636958`",
        ))
    }
}

/// How far a fact is believed: 0 to 1.
pub(crate) fn confidence(value: f64) -> Result<f32, Broken> {
    fraction(
        value,
        "confidence",
        "write a number from 0 (doubtful) to 1 (certain)",
    )
}

/// A market share: 0 to 1.
pub(crate) fn share(value: f64) -> Result<f32, Broken> {
    fraction(value, "share", "write a share of 12% as 0.12")
}

/// A number from 0 to 1 (`what`: its name), kept as the graph keeps it.
fn fraction(value: f64, what: &str, hint: &str) -> Result<f32, Broken> {
    if (0.0..=1.0).contains(&value) {
        Ok(value as f32)
    } else {
        Err(broken(format!("{what} {value} is outside 0–1"), hint))
    }
}

/// A rank in a market: 1 for the largest.
pub(crate) fn rank(value: i64) -> Result<u32, Broken> {
    u32::try_from(value)
        .ok()
        .filter(|&r| r >= 1)
        .ok_or_else(|| {
            broken(
                format!("rank {value} is not a position"),
                "ranks start at 1",
            )
        })
}

/// A quote: at most two sentences.
pub(crate) fn quote(text: &str) -> Result<(), Broken> {
    match count_sentences(text) {
        n if n > 2 => Err(broken(
            format!("a quote is at most two sentences; this one has {n}"),
            "keep only the words that support the fact",
        )),
        _ => Ok(()),
    }
}

/// When a relation holds: it must end after it starts. `until` names the format's field for
/// the end and `from` for the start.
pub(crate) fn time_order(validity: &Validity, from: &str, until: &str) -> Result<(), Broken> {
    match (validity.from, validity.until) {
        (Some(start), Some(end)) if validity.is_empty() => Err(broken(
            format!("the relation ends ({end}) before it starts ({start})"),
            format!("`{until}` is the first day it no longer held: it must come after `{from}`"),
        )),
        _ => Ok(()),
    }
}

/// A status step of a relation of `kind`: one of the statuses that fit the kind.
pub(crate) fn status_fits(kind: RelationKind, status: Status) -> Result<(), Broken> {
    let fits = kind.statuses();
    if fits.contains(&status) {
        return Ok(());
    }
    let names: Vec<&str> = fits.iter().map(|s| s.as_str()).collect();
    Err(broken(
        format!("a `{kind}` relation cannot be `{status}`"),
        format!("`{kind}` takes {}", names.join(", ")),
    ))
}

/// A date as written: a partial date or a range of them.
pub(crate) fn date(text: &str) -> Result<DateBound, Broken> {
    DateBound::parse(text).map_err(|e| {
        broken(
            e.to_string(),
            "dates look like 2018, 2018-Q4, 2018-01 or 2018-01-09",
        )
    })
}

/// How a relative date is tied to its anchor: a weekday's name, or an offset of days or weeks
/// (`P3D`, `-P1W`).
pub(crate) fn tie(weekday: Option<&str>, offset: Option<&str>) -> Result<Tie, Broken> {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let weekday = match weekday {
        None => None,
        Some(w) => Some(
            DAYS.iter()
                .position(|d| d.eq_ignore_ascii_case(w))
                .ok_or_else(|| unknown(w, "weekday", &DAYS.join(", ")))? as u8,
        ),
    };
    let offset_days = match offset {
        None => None,
        Some(o) => {
            let (sign, text) = match o.strip_prefix('-') {
                Some(rest) => (-1, rest),
                None => (1, o),
            };
            let d = Duration::parse(text).map_err(|e| {
                broken(
                    e.to_string(),
                    "an offset is days or weeks: \"P3D\", \"-P1W\"",
                )
            })?;
            if d.years != 0 || d.months != 0 {
                return Err(broken(
                    format!("the offset `{o}` is not in days or weeks"),
                    "an offset is days or weeks: \"P3D\", \"-P1W\"",
                ));
            }
            Some(sign * i32::try_from(d.days).unwrap_or(i32::MAX))
        }
    };
    Ok(Tie {
        weekday,
        offset_days,
    })
}

/// An amount, as written: a decimal string and an ISO 4217 code. A problem says whether it
/// is the currency's (`true`) or the value's.
pub(crate) fn amount(
    value: &str,
    currency: &str,
    what: Option<String>,
) -> Result<Amount, (Broken, bool)> {
    Amount::parse(value, currency, what).map_err(|e| match e {
        QuantityError::Currency(_) => (
            broken(e.to_string(), "use an ISO 4217 code: USD, EUR, CNY"),
            true,
        ),
        _ => (
            broken(
                e.to_string(),
                "write the value as a decimal string: \"1000000000\", \"1.4\" (no exponent, no separators)",
            ),
            false,
        ),
    })
}

/// A duration, as written in ISO 8601.
pub(crate) fn duration(text: &str) -> Result<Duration, Broken> {
    Duration::parse(text)
        .map_err(|e| broken(e.to_string(), "seven years is \"P7Y\", 18 months \"P18M\""))
}

/// A field of a relation that only some kinds take (`measure`, `terms`).
pub(crate) fn relation_field(kind: RelationKind, field: &str) -> Result<(), Broken> {
    let takes: &[RelationKind] = match field {
        "measure" | "terms" => &[RelationKind::Restricts],
        _ => return Ok(()),
    };
    if takes.contains(&kind) {
        return Ok(());
    }
    let names: Vec<&str> = takes.iter().map(|k| k.as_str()).collect();
    Err(broken(
        format!("`{field}` does not apply to a `{kind}` relation"),
        format!("`{field}` is for {}", names.join(", ")),
    ))
}

/// A relation's ends, given as the ids written and the kinds they name: two different
/// entities, of kinds its kind allows (either way round for a symmetric kind).
pub(crate) fn endpoints(
    kind: RelationKind,
    (from_id, from): (&str, EntityKind),
    (to_id, to): (&str, EntityKind),
) -> Result<(), Broken> {
    if from_id == to_id {
        return Err(broken(
            format!("a relation cannot go from `{from_id}` to itself"),
            "a relation joins two different entities",
        ));
    }
    if ends_fit(kind, from, to) {
        return Ok(());
    }
    let spec = kind.spec();
    Err(broken(
        format!("a `{kind}` relation cannot go from a {from} (`{from_id}`) to a {to} (`{to_id}`)"),
        format!(
            "`{kind}` goes from a {} to a {}",
            spec.from.describe(),
            spec.to.describe()
        ),
    ))
}

/// Whether a `kind` relation may go from a `from` to a `to` (either way round when it is
/// symmetric): [`endpoints`] without the words, for rows known to join two entities.
pub(crate) fn ends_fit(kind: RelationKind, from: EntityKind, to: EntityKind) -> bool {
    let spec = kind.spec();
    let fits = |a, b| spec.from.contains(a) && spec.to.contains(b);
    fits(from, to) || spec.symmetric && fits(to, from)
}

/// An id that must name an entity of one of `kinds`. With `suggest`, an unknown id is
/// compared with every id of those kinds for a near miss (a scan: for curated files, not bulk
/// rows).
pub(crate) fn reference(
    builder: &GraphBuilder,
    id: &str,
    kinds: KindSet,
    suggest: bool,
) -> Result<EntityIx, Broken> {
    let what = if kinds == KindSet::ALL {
        "entity".to_owned()
    } else {
        kinds.describe()
    };
    match builder.lookup(id) {
        Some(ix) if kinds.contains(builder.kind(ix)) => Ok(ix),
        Some(ix) => Err(broken(
            format!("`{id}` is a {}, not a {what}", builder.kind(ix)),
            format!("name a {what} here"),
        )),
        None => {
            let near = suggest
                .then(|| {
                    let candidates = builder.ids().filter(|c| {
                        builder
                            .lookup(c)
                            .is_some_and(|i| kinds.contains(builder.kind(i)))
                    });
                    self::suggest(id, candidates)
                })
                .flatten();
            let hint = match near {
                Some(s) => format!("did you mean `{s}`?"),
                None => {
                    let a = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    };
                    format!("define {a} {what} with this id, or fix the reference")
                }
            };
            Err(broken(format!("unknown {what} `{id}`"), hint))
        }
    }
}

/// A second entity with an id already defined at `first` (`file:line[:column]`).
pub(crate) fn duplicate(id: &str, first: &str) -> Broken {
    broken(
        format!("the id `{id}` is used twice; it was first defined at {first}"),
        "ids are unique across all kinds and files: rename one of them",
    )
}

/// Counts sentences: a `.`, `!` or `?` that ends the text or is followed by a space and a
/// capital letter ("the U.S. market" is one sentence).
pub(crate) fn count_sentences(text: &str) -> usize {
    let chars: Vec<char> = text.trim().chars().collect();
    let mut n = 0;
    for (i, c) in chars.iter().enumerate() {
        if matches!(c, '.' | '!' | '?') {
            let rest = &chars[i + 1..];
            let ends = rest
                .iter()
                .all(|c| matches!(c, '"' | '\'' | '”' | ')' | '.'));
            let next_sentence = rest.first() == Some(&' ')
                && rest
                    .get(1)
                    .is_some_and(|c| c.is_uppercase() || *c == '"' || *c == '“');
            if ends || next_sentence {
                n += 1;
            }
        }
    }
    n.max(usize::from(!chars.is_empty()))
}

/// The closest candidate to a misspelt word, if one is close enough to be a likely typo.
pub(crate) fn suggest<'c>(
    word: &str,
    candidates: impl Iterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_counted_like_a_reader_would() {
        assert_eq!(
            count_sentences("to enter the U.S. market before the end of the year."),
            1
        );
        assert_eq!(count_sentences("One. Two! Three?"), 3);
        assert_eq!(count_sentences("no full stop"), 1);
    }

    #[test]
    fn suggestions_are_close_ids_only() {
        let ids = ["xiaomi", "huawei", "att"];
        assert_eq!(suggest("xiaomii", ids.iter().copied()), Some("xiaomi"));
        assert_eq!(suggest("samsung", ids.iter().copied()), None);
    }

    #[test]
    fn numbers_are_held_to_their_ranges() {
        assert_eq!(confidence(0.6), Ok(0.6));
        assert_eq!(
            confidence(1.5).unwrap_err().message,
            "confidence 1.5 is outside 0–1"
        );
        assert_eq!(share(0.12), Ok(0.12));
        assert!(share(-0.1).is_err());
        assert_eq!(rank(1), Ok(1));
        assert_eq!(rank(0).unwrap_err().message, "rank 0 is not a position");
        assert!(rank(i64::from(u32::MAX) + 1).is_err());
    }

    #[test]
    fn a_relation_must_end_after_it_starts() {
        let day = |s: &str| Some(crate::model::DateBound::parse(s).unwrap());
        let ends_first = Validity {
            from: day("2018-02"),
            until: day("2018-01"),
        };
        assert_eq!(
            time_order(&ends_first, "since", "until"),
            Err(Broken {
                message: "the relation ends (2018-01) before it starts (2018-02)".into(),
                hint: Some(
                    "`until` is the first day it no longer held: it must come after `since`".into()
                ),
            })
        );
        let open = Validity {
            from: day("2018-02"),
            until: None,
        };
        assert_eq!(time_order(&open, "since", "until"), Ok(()));
    }

    #[test]
    fn a_relation_kind_allows_only_its_ends() {
        assert_eq!(
            endpoints(
                RelationKind::Carries,
                ("xiaomi", EntityKind::Vendor),
                ("mate-10-pro", EntityKind::Product)
            )
            .unwrap_err()
            .message,
            "a `carries` relation cannot go from a vendor (`xiaomi`) to a product (`mate-10-pro`)"
        );
        assert!(
            endpoints(
                RelationKind::Carries,
                ("att", EntityKind::Carrier),
                ("mate-10-pro", EntityKind::Product)
            )
            .is_ok()
        );
        assert_eq!(
            endpoints(
                RelationKind::PartnersWith,
                ("att", EntityKind::Carrier),
                ("att", EntityKind::Carrier)
            )
            .unwrap_err()
            .message,
            "a relation cannot go from `att` to itself"
        );
    }
}
