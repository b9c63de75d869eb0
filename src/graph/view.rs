//! Relations as an answer shows them: reached from an entity or not, with their presence and
//! status as of the day asked already resolved, their stable id and their reading in words.

use super::paths::Path;
use super::record::{EntityIx, RelationIx, StatusChange};
use super::store::{Graph, Hop};
use crate::model::{Day, Presence};

/// A relation as an answer shows it. Made once, where a query picks the relation for an
/// answer; its fields only read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelationView {
    /// The relation.
    pub relation: RelationIx,
    /// The entity it was reached from, and whether it leaves that entity (`None` when it was
    /// not reached from one).
    pub seen_from: Option<(EntityIx, bool)>,
    /// Whether it holds on the day asked (`Sure` when none was).
    pub presence: Presence,
    /// Its status step in force on the day asked, else its latest, as a position in its
    /// history.
    status: Option<u32>,
    /// The day asked, if one was.
    pub as_of: Option<Day>,
}

impl Graph {
    /// The view of a relation reached from `from` by `hop`, as of `as_of`.
    pub fn view(&self, from: EntityIx, hop: Hop, as_of: Option<Day>) -> RelationView {
        RelationView {
            relation: hop.relation,
            seen_from: Some((from, hop.outgoing)),
            presence: hop.presence,
            status: self.status_step(hop.relation, as_of),
            as_of,
        }
    }

    /// The view of a relation not reached from either end (a neighbourhood's edge), with its
    /// presence on `as_of`.
    pub fn view_alone(
        &self,
        relation: RelationIx,
        presence: Presence,
        as_of: Option<Day>,
    ) -> RelationView {
        RelationView {
            relation,
            seen_from: None,
            presence,
            status: self.status_step(relation, as_of),
            as_of,
        }
    }

    /// The status step of a view.
    pub fn status(&self, view: &RelationView) -> Option<&StatusChange> {
        let history = &self.relation_detail(view.relation).status_history;
        view.status.map(|i| &history[i as usize])
    }

    /// The end of a view's relation other than the entity it was reached from.
    pub fn other_end(&self, view: &RelationView) -> Option<EntityIx> {
        let record = self.relation(view.relation);
        view.seen_from
            .map(|(_, outgoing)| if outgoing { record.to } else { record.from })
    }

    /// A relation's stable id: `from:kind:to`, then `@market` when it is scoped to one, then
    /// `#claim` when it is not its fact's first claim (see `pool`). Adding a file never
    /// changes another file's relation's id.
    pub fn relation_id(&self, relation: RelationIx) -> String {
        let record = self.relation(relation);
        let mut id = format!(
            "{}:{}:{}",
            self.entity(record.from).id,
            record.kind,
            self.entity(record.to).id,
        );
        if let Some(market) = self.relation_detail(relation).market {
            id = id + "@" + self.entity(market).id;
        }
        if let Some(claim) = self.claim_name(relation) {
            id = id + "#" + &claim;
        }
        id
    }

    /// A one-line reading of a view: "AT&T — carries → Mate 10 Pro in United States (from
    /// 2017-12 until 2018-01-08; cancelled; Tech Times)".
    pub fn explanation(&self, view: &RelationView) -> String {
        let record = self.relation(view.relation);
        let detail = self.relation_detail(view.relation);
        let arrow = if record.kind.spec().symmetric {
            "↔"
        } else {
            "→"
        };
        let mut text = format!(
            "{} — {} {arrow} {}",
            self.entity(record.from).name,
            record.kind.as_str().replace('_', " "),
            self.entity(record.to).name
        );
        if let Some(market) = detail.market {
            text += &format!(" in {}", self.entity(market).name);
        }
        let mut notes = Vec::new();
        let validity = self.validity(view.relation);
        match (validity.from, validity.until) {
            (None, None) => {}
            (Some(from), None) => notes.push(format!("since {from}")),
            (None, Some(until)) => notes.push(format!("until {until}")),
            (Some(from), Some(until)) => notes.push(format!("from {from} until {until}")),
        }
        if let Some(step) = self.status(view) {
            notes.push(step.status.to_string());
        }
        let mut publishers: Vec<&str> = self
            .relation_citations(view.relation)
            .iter()
            .map(|c| {
                let source = self.entity_detail(c.source);
                source
                    .publisher
                    .as_deref()
                    .unwrap_or(self.entity(c.source).name)
            })
            .collect();
        publishers.dedup();
        if publishers.is_empty() {
            notes.push("unsourced".into());
        } else {
            notes.push(publishers.join(", "));
        }
        format!("{text} ({})", notes.join("; "))
    }

    /// The views of a path's hops, each seen from the entity it leaves, as of `as_of`.
    pub fn path_views(&self, path: &Path, as_of: Option<Day>) -> Vec<RelationView> {
        path.steps()
            .map(|(from, hop)| self.view(from, hop, as_of))
            .collect()
    }

    /// A walk in words: each hop's reading, joined by `; `.
    pub fn walk_explanation(&self, hops: &[RelationView]) -> String {
        hops.iter()
            .map(|view| self.explanation(view))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn status_step(&self, relation: RelationIx, day: Option<Day>) -> Option<u32> {
        step_at(&self.relation_detail(relation).status_history, day).map(|i| i as u32)
    }
}

/// The position of the step of `history` in force on `day` (else the latest): the last whose
/// date has surely come by then, or that has no date.
pub(super) fn step_at(history: &[StatusChange], day: Option<Day>) -> Option<usize> {
    match day {
        None => history.len().checked_sub(1),
        Some(day) => history.iter().rposition(|s| s.in_force_from() <= day),
    }
}

#[cfg(test)]
mod tests {
    use crate::graph::testing::huawei;
    use crate::graph::{Direction, RelationFilter};
    use crate::model::{DateBound, RelationKind};

    fn day(text: &str) -> Option<crate::model::Day> {
        Some(DateBound::parse(text).unwrap().last_day())
    }

    /// AT&T's Mate 10 Pro deal seen from Huawei, as of `as_of`.
    fn deal(g: &crate::graph::Graph, as_of: Option<crate::model::Day>) -> super::RelationView {
        let huawei = g.lookup("huawei").unwrap();
        let filter = RelationFilter::kinds(&[RelationKind::PartnersWith], Direction::Both);
        let hop = g.relations_of(huawei, &filter).next().unwrap();
        g.view(huawei, hop, as_of)
    }

    #[test]
    fn a_view_carries_the_status_of_the_day_asked() {
        let g = huawei();
        let status = |as_of| g.status(&deal(&g, as_of)).map(|s| s.status.to_string());
        assert_eq!(status(None).as_deref(), Some("cancelled"));
        assert_eq!(status(day("2017-11")), None);
        // Planned in December 2017: in force once December is over.
        assert_eq!(status(day("2017-12-30")), None);
        assert_eq!(status(day("2017-12")).as_deref(), Some("planned"));
        assert_eq!(status(day("2018-01-08")).as_deref(), Some("cancelled"));
    }

    #[test]
    fn a_view_reads_in_words_with_its_id() {
        let g = huawei();
        let view = deal(&g, day("2017-12"));
        assert_eq!(
            g.explanation(&view),
            "huawei — partners with ↔ att (from 2017-12 until 2018-01-08; planned; unsourced)"
        );
        assert_eq!(g.relation_id(view.relation), "huawei:partners_with:att");
        assert_eq!(
            g.find_relation("att:partners_with:huawei"),
            Some(view.relation)
        );
        assert_eq!(g.find_relation("huawei:partners_with:att#x"), None);
        assert_eq!(g.other_end(&view), g.lookup("att"));
        let alone = g.view_alone(view.relation, view.presence, None);
        assert_eq!(g.other_end(&alone), None);
        assert_eq!(g.status(&alone).unwrap().status.to_string(), "cancelled");
    }

    #[test]
    fn a_timeline_entry_reads_as_of_its_date() {
        let g = huawei();
        let huawei = g.lookup("huawei").unwrap();
        let texts: Vec<String> = g
            .timeline(huawei, &Default::default())
            .iter()
            .map(|e| g.entry_text(huawei, e))
            .collect();
        assert_eq!(
            texts,
            [
                "planned: huawei — partners with ↔ att (from 2017-12 until 2018-01-08; planned; unsourced)",
                "cancelled: huawei — partners with ↔ att (from 2017-12 until 2018-01-08; cancelled; unsourced)",
                "ended: huawei — partners with ↔ att (from 2017-12 until 2018-01-08; cancelled; unsourced)",
                "CES 2018: huawei — participant in → CES 2018 (unsourced)",
            ]
        );
    }
}
