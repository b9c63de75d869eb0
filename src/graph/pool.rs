//! Many statements, one fact. Curated statements of one relation pool into one when they say
//! the same thing; those that differ stay side by side as claims of the fact, each named by its
//! first source; additions from other files join the claim they name.
//!
//! A relation's id is `from:kind:to`, `@market` when it is scoped to one, and `#claim` for a
//! claim other than its fact's first. Claims are ordered by what their sources say, never by
//! the order files are read in, so adding a file renames nothing another file defines: the
//! first claim is the curated one first reported (its first source's date, then that source's
//! id), and the others take their first source's id as their name (`.2`, `.3` after it for
//! claims that share a first source).

use rustc_hash::{FxHashMap, FxHashSet};

use super::record::{Citation, EntityIx, RelationDetail, RelationIx, RelationRecord, StatusChange};
use super::table::EntityTable;
use crate::model::{DateBound, Day, RelationKind};

/// What orders one claim among the claims of its fact.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ClaimKey<'a> {
    /// Bulk rows come after curated claims.
    bulk: bool,
    /// The first day of the first source's date (`Day::MAX` when it has none).
    reported: Day,
    /// The first source's id (empty when unsourced).
    source: &'a str,
    /// The validity's window, start then end.
    start: Day,
    end: Day,
    /// Where it was curated: the last tie-break.
    origin: &'a str,
}

impl ClaimKey<'_> {
    /// The name a claim other than the first takes.
    fn name(&self) -> &str {
        if self.source.is_empty() {
            "unsourced"
        } else {
            self.source
        }
    }
}

/// The key of `record` (with its `detail`, if curated), from the entity table and the shared
/// sources.
pub(crate) fn claim_key<'a>(
    entities: &'a EntityTable,
    shared_sources: &[EntityIx],
    record: &RelationRecord,
    detail: Option<&'a RelationDetail>,
) -> ClaimKey<'a> {
    let source = match detail {
        Some(d) => d.sources.first().map(|c| c.source),
        None => (record.source != 0).then(|| shared_sources[usize::from(record.source) - 1]),
    };
    let reported = source
        .and_then(|s| {
            let dated = entities.detail(s).and_then(|d| d.date);
            dated
                .map(DateBound::first_day)
                .or_else(|| entities.view(s).date)
        })
        .unwrap_or(Day::MAX);
    ClaimKey {
        bulk: detail.is_none(),
        reported,
        source: source.map_or("", |s| entities.view(s).id),
        start: record.window.started_possibly,
        end: record.window.ends_latest,
        origin: detail.map_or("", |d| d.origin.as_str()),
    }
}

/// The names of one fact's claims, in the order given: `None` for the first claim, its first
/// source's id for each other (with `.2`, `.3`… for claims that share one).
pub(crate) fn claim_names(keys: &[ClaimKey<'_>]) -> Vec<Option<String>> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut names = vec![None; keys.len()];
    let mut taken: FxHashMap<&str, usize> = FxHashMap::default();
    for &i in order.iter().skip(1) {
        let base = keys[i].name();
        let seen = taken.entry(base).or_insert(0);
        *seen += 1;
        names[i] = Some(if *seen == 1 {
            base.to_owned()
        } else {
            format!("{base}.{seen}")
        });
    }
    names
}

/// Whether two curated statements of the same kind between the same ends say the same fact
/// and so pool into one: the same scope and validity, and no single-valued field differs.
/// Sources and status steps add up; they never keep statements apart.
pub(crate) fn same_fact(
    a: (&RelationRecord, &RelationDetail),
    b: (&RelationRecord, &RelationDetail),
) -> bool {
    let ((ra, da), (rb, db)) = (a, b);
    ra.confidence == rb.confidence
        && da.validity == db.validity
        && da.market == db.market
        && da.role == db.role
        && da.rank == db.rank
        && da.share == db.share
        && da.period == db.period
        && da.target == db.target
        && da.note == db.note
        && da.measure == db.measure
        && da.terms == db.terms
        && da.claimed_by == db.claimed_by
        && da.since_ever == db.since_ever
        && da.amounts == db.amounts
        && da.duration == db.duration
}

/// Adds what `theirs` says to `mine`: sources not cited yet, status steps (a step of the same
/// status, date and event pools its sources), and where it was curated.
pub(crate) fn pool_into(mine: &mut RelationDetail, theirs: RelationDetail) {
    add_citations(&mut mine.sources, theirs.sources);
    if mine.planned_end.is_none() {
        mine.planned_end = theirs.planned_end;
    }
    for step in theirs.status_history {
        add_step(&mut mine.status_history, step);
    }
    mine.origin = format!("{}; {}", mine.origin, theirs.origin);
}

/// Adds `citations` not already in `list`.
pub fn add_citations(list: &mut Vec<Citation>, citations: Vec<Citation>) {
    for c in citations {
        if !list.contains(&c) {
            list.push(c);
        }
    }
}

/// Adds a status step to a history kept in date order. A step of the same status on the same
/// date is the same step (one may name the event that made it, the other not): its sources
/// pool.
pub(crate) fn add_step(history: &mut Vec<StatusChange>, step: StatusChange) {
    if let Some(same) = history.iter_mut().find(|s| {
        (s.status, s.date) == (step.status, step.date)
            && (s.event.is_none() || step.event.is_none() || s.event == step.event)
    }) {
        same.event = same.event.or(step.event);
        add_citations(&mut same.sources, step.sources);
        return;
    }
    history.push(step);
    history.sort_by_key(StatusChange::order_key);
}

/// A curated relation's fact: its ends (symmetric kinds turned to one direction) and kind.
pub(crate) type FactKey = (EntityIx, EntityIx, RelationKind);

/// Orders the curated relations' details by fact, then claim order (see [`ClaimKey`]), so
/// that the statements of a fact, and its claims, come in an order no file order changes.
pub(crate) fn order_claims(
    relations: &mut [RelationRecord],
    details: &mut Vec<RelationDetail>,
    entities: &EntityTable,
    shared_sources: &[EntityIx],
) {
    let mut curated: Vec<usize> = (0..relations.len())
        .filter(|&i| relations[i].detail != u32::MAX)
        .collect();
    let key = |i: usize| {
        let r = &relations[i];
        let detail = &details[r.detail as usize];
        let market = detail.market;
        (
            r.from,
            r.to,
            r.kind,
            market,
            claim_key(entities, shared_sources, r, Some(detail)),
        )
    };
    curated.sort_by(|&a, &b| key(a).cmp(&key(b)));
    let mut taken: Vec<Option<RelationDetail>> =
        std::mem::take(details).into_iter().map(Some).collect();
    for i in curated {
        let d = taken[relations[i].detail as usize]
            .take()
            .unwrap_or_default();
        details.push(d);
        relations[i].detail = (details.len() - 1) as u32;
    }
}

/// The curated relations of each fact, by their positions in `relations`, in order.
pub(crate) fn facts(relations: &[RelationRecord]) -> FxHashMap<FactKey, Vec<usize>> {
    let mut facts: FxHashMap<FactKey, Vec<usize>> = FxHashMap::default();
    for (i, r) in relations.iter().enumerate() {
        if r.detail != u32::MAX {
            facts.entry((r.from, r.to, r.kind)).or_default().push(i);
        }
    }
    facts
}

/// Pools the curated statements of `relations` that say the same fact, keeping the first
/// statement of each (in the order given) with everything the others add. Returns how many
/// pooled away.
pub(crate) fn pool(relations: &mut Vec<RelationRecord>, details: &mut [RelationDetail]) -> usize {
    let mut facts = facts(relations);
    // Statements come in detail order, which `order_claims` made the claim order.
    for group in facts.values_mut() {
        group.sort_by_key(|&i| relations[i].detail);
    }
    let mut gone: FxHashSet<usize> = FxHashSet::default();
    let mut groups: Vec<Vec<usize>> = facts.into_values().filter(|g| g.len() > 1).collect();
    groups.sort_unstable();
    for group in groups {
        for (n, &i) in group.iter().enumerate() {
            let into = group[..n].iter().copied().find(|&j| {
                !gone.contains(&j)
                    && same_fact(
                        (&relations[j], &details[relations[j].detail as usize]),
                        (&relations[i], &details[relations[i].detail as usize]),
                    )
            });
            if let Some(j) = into {
                let theirs = std::mem::take(&mut details[relations[i].detail as usize]);
                pool_into(&mut details[relations[j].detail as usize], theirs);
                relations[j].unsourced &= relations[i].unsourced;
                gone.insert(i);
            }
        }
    }
    if !gone.is_empty() {
        let mut i = 0;
        relations.retain(|_| {
            i += 1;
            !gone.contains(&(i - 1))
        });
    }
    gone.len()
}

/// The claims of the fact `key` scoped to `market`, among `relations` (any order), with their
/// names.
pub(crate) fn claims_of<'a>(
    relations: impl Iterator<Item = (usize, &'a RelationRecord)>,
    key: FactKey,
    market: Option<EntityIx>,
    detail: impl Fn(&RelationRecord) -> Option<&'a RelationDetail>,
    entities: &'a EntityTable,
    shared_sources: &[EntityIx],
) -> Vec<(usize, Option<String>)> {
    let claims: Vec<(usize, &RelationRecord)> = relations
        .filter(|(_, r)| {
            (r.from, r.to, r.kind) == key && detail(r).and_then(|d| d.market) == market
        })
        .collect();
    let keys: Vec<ClaimKey<'_>> = claims
        .iter()
        .map(|(_, r)| claim_key(entities, shared_sources, r, detail(r)))
        .collect();
    claims
        .iter()
        .map(|(i, _)| *i)
        .zip(claim_names(&keys))
        .collect()
}

/// A relation's claim name among the relations of the store between the same ends.
pub(crate) fn relation_claim(
    relations: &[RelationRecord],
    details: &[RelationDetail],
    entities: &EntityTable,
    shared_sources: &[EntityIx],
    ix: RelationIx,
) -> Option<String> {
    let rec = &relations[ix.0 as usize];
    let pair = |r: &RelationRecord| (r.from, r.to) == (rec.from, rec.to);
    let start = ix.0 as usize
        - relations[..ix.0 as usize]
            .iter()
            .rev()
            .take_while(|r| pair(r))
            .count();
    let end = ix.0 as usize
        + relations[ix.0 as usize..]
            .iter()
            .take_while(|r| pair(r))
            .count();
    let detail = |r: &RelationRecord| (r.detail != u32::MAX).then(|| &details[r.detail as usize]);
    let market = detail(rec).and_then(|d| d.market);
    // Most facts have one claim: it is the first, and nothing need be ordered.
    let same_fact = relations[start..end]
        .iter()
        .filter(|r| r.kind == rec.kind && detail(r).and_then(|d| d.market) == market)
        .count();
    if same_fact == 1 {
        return None;
    }
    claims_of(
        relations[start..end]
            .iter()
            .enumerate()
            .map(|(i, r)| (start + i, r)),
        (rec.from, rec.to, rec.kind),
        market,
        detail,
        entities,
        shared_sources,
    )
    .into_iter()
    .find(|(i, _)| *i == ix.0 as usize)
    .and_then(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::entity;
    use crate::graph::{
        EntityDetail, GraphBuilder, GraphError, NewRelation, RelationAddition, RelationTarget,
    };
    use crate::model::{EntityKind as E, RelationKind as K, Status};

    /// A source dated `date`.
    fn source(b: &mut GraphBuilder, id: &str, date: &str) -> EntityIx {
        let ix = entity(b, id, E::Source);
        let detail = EntityDetail {
            date: Some(DateBound::parse(date).unwrap()),
            ..EntityDetail::default()
        };
        b.set_detail(ix, detail);
        ix
    }

    /// A curated statement citing `cites`, with `role`.
    fn statement(
        from: EntityIx,
        kind: K,
        to: EntityIx,
        cites: EntityIx,
        role: Option<&str>,
    ) -> NewRelation {
        let mut r = NewRelation::bare(from, kind, to);
        r.unsourced = false;
        r.detail = Some(Box::new(RelationDetail {
            sources: vec![Citation::of(cites, None)],
            role: role.map(str::to_owned),
            origin: format!("{}", cites.0),
            ..RelationDetail::default()
        }));
        r
    }

    #[test]
    fn statements_of_one_fact_pool_and_claims_that_differ_stay_apart() {
        let mut b = GraphBuilder::new();
        let later = source(&mut b, "ap-2018-04", "2018-04-17");
        let first = source(&mut b, "techtimes", "2018-01-09..2018-07-09");
        let huawei = entity(&mut b, "huawei", E::Vendor);
        let mate = entity(&mut b, "mate-10-pro", E::Product);
        let yu = entity(&mut b, "richard-yu", E::Person);
        // The later report is read first: the order of files must not matter.
        b.add_relation(statement(huawei, K::Makes, mate, later, None))
            .unwrap();
        b.add_relation(statement(huawei, K::Makes, mate, first, None))
            .unwrap();
        b.add_relation(statement(
            yu,
            K::ExecutiveOf,
            huawei,
            later,
            Some("CEO of the Consumer Business Group"),
        ))
        .unwrap();
        b.add_relation(statement(yu, K::ExecutiveOf, huawei, first, Some("CEO")))
            .unwrap();
        let g = b.finish();
        assert_eq!(g.relation_count(), 3);
        let makes = g.find_relation("huawei:makes:mate-10-pro").unwrap();
        let cited: Vec<&str> = g
            .relation_detail(makes)
            .sources
            .iter()
            .map(|c| g.entity(c.source).id)
            .collect();
        assert_eq!(cited, ["techtimes", "ap-2018-04"]);
        let ceo = g.find_relation("richard-yu:executive_of:huawei").unwrap();
        assert_eq!(g.relation_detail(ceo).role.as_deref(), Some("CEO"));
        let cbg = g
            .find_relation("richard-yu:executive_of:huawei#ap-2018-04")
            .unwrap();
        assert_eq!(
            g.relation_id(cbg),
            "richard-yu:executive_of:huawei#ap-2018-04"
        );
    }

    #[test]
    fn an_addition_joins_the_claim_it_names_or_is_refused() {
        let mut b = GraphBuilder::new();
        let techtimes = source(&mut b, "techtimes", "2018-01");
        let reuters = source(&mut b, "reuters", "2018-03");
        let att = entity(&mut b, "att", E::Carrier);
        let mate = entity(&mut b, "mate-10-pro", E::Product);
        b.add_relation(statement(att, K::Carries, mate, techtimes, None))
            .unwrap();
        let target = |claim: Option<&str>, id: &str| RelationTarget {
            from: att,
            kind: K::Carries,
            to: mate,
            market: None,
            claim: claim.map(str::to_owned),
            id: id.to_owned(),
        };
        let step = StatusChange::new(
            Status::Cancelled,
            Some(DateBound::parse("2018-01-08").unwrap()),
            None,
            vec![Citation::of(reuters, None)],
        );
        let addition = RelationAddition {
            sources: vec![Citation::of(reuters, None)],
            status_history: vec![step],
            until: None,
            planned_end: None,
            origin: "reuters.toml:3:1".to_owned(),
        };
        b.add_to_relation(target(None, "att:carries:mate-10-pro"), addition.clone(), 7);
        b.add_to_relation(
            target(Some("nyt"), "att:carries:mate-10-pro#nyt"),
            addition,
            8,
        );
        assert_eq!(
            b.settle(),
            [(
                8,
                GraphError::UnknownRelation("att:carries:mate-10-pro#nyt".to_owned())
            )]
        );
        let g = b.finish();
        let deal = g.find_relation("att:carries:mate-10-pro").unwrap();
        let detail = g.relation_detail(deal);
        assert_eq!(detail.sources.len(), 2);
        assert_eq!(detail.status_history[0].status, Status::Cancelled);
        assert!(detail.origin.ends_with("; reuters.toml:3:1"));
    }

    fn key<'a>(bulk: bool, reported: Day, source: &'a str, start: Day) -> ClaimKey<'a> {
        ClaimKey {
            bulk,
            reported,
            source,
            start,
            end: Day::MAX,
            origin: "",
        }
    }

    #[test]
    fn the_first_reported_claim_keeps_the_plain_id() {
        let later = key(false, 200, "ap-2018", Day::MIN);
        let first = key(false, 100, "techtimes", Day::MIN);
        let names = claim_names(&[later.clone(), first.clone()]);
        assert_eq!(names, vec![Some("ap-2018".to_owned()), None]);
        // The order the claims come in changes nothing.
        assert_eq!(
            claim_names(&[first, later]),
            vec![None, Some("ap-2018".to_owned())]
        );
    }

    #[test]
    fn claims_sharing_a_source_are_told_apart_by_their_start() {
        let names = claim_names(&[
            key(false, 100, "reuters", 30),
            key(false, 100, "reuters", 10),
            key(false, 100, "reuters", 20),
            key(true, 0, "bulk-file", Day::MIN),
        ]);
        assert_eq!(
            names,
            vec![
                Some("reuters.2".to_owned()),
                None,
                Some("reuters".to_owned()),
                Some("bulk-file".to_owned()),
            ]
        );
    }
}
