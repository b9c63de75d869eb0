//! Entity ids: what a valid one looks like, and a short one kept in place.

/// Whether `id` is a valid entity id: non-empty lowercase ASCII letters, digits and `-`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An id of up to [`InlineId::MAX`] bytes kept in place, so that comparing with it touches no
/// other memory; a longer one is not kept.
#[derive(Clone, Copy, Debug, Default)]
pub struct InlineId {
    len: u8,
    bytes: [u8; InlineId::MAX],
}

impl InlineId {
    /// The longest id kept in place.
    pub const MAX: usize = 16;

    /// `id` kept in place, if it is short enough.
    pub fn new(id: &[u8]) -> Self {
        let mut bytes = [0; Self::MAX];
        let len = if id.len() <= Self::MAX {
            bytes[..id.len()].copy_from_slice(id);
            id.len() as u8
        } else {
            u8::MAX
        };
        InlineId { len, bytes }
    }

    /// Whether this is `id`; `None` when the id was too long to keep.
    pub fn holds(&self, id: &[u8]) -> Option<bool> {
        (self.len != u8::MAX).then(|| &self.bytes[..usize::from(self.len)] == id)
    }
}

/// A relation's id read into its parts: `from:kind:to`, then `@market` when the relation is
/// scoped to one, then `#claim` for a claim other than a fact's first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelationId<'a> {
    /// The `from` end's id.
    pub from: &'a str,
    /// The kind's canonical name.
    pub kind: &'a str,
    /// The `to` end's id.
    pub to: &'a str,
    /// The market the relation is scoped to.
    pub market: Option<&'a str>,
    /// Which claim, when it is not the first.
    pub claim: Option<&'a str>,
}

impl<'a> RelationId<'a> {
    /// Reads an id; `None` unless it has three `:`-separated parts of id characters.
    pub fn parse(text: &'a str) -> Option<Self> {
        let (rest, claim) = match text.split_once('#') {
            Some((rest, claim)) => (rest, Some(claim)),
            None => (text, None),
        };
        let (rest, market) = match rest.split_once('@') {
            Some((rest, market)) => (rest, Some(market)),
            None => (rest, None),
        };
        let mut parts = rest.split(':');
        let (from, kind, to) = (parts.next()?, parts.next()?, parts.next()?);
        let valid_kind =
            !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        let valid_claim = claim.is_none_or(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        });
        (parts.next().is_none()
            && is_valid_id(from)
            && is_valid_id(to)
            && valid_kind
            && market.is_none_or(is_valid_id)
            && valid_claim)
            .then_some(RelationId {
                from,
                kind,
                to,
                market,
                claim,
            })
    }
}

impl std::fmt::Display for RelationId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.from, self.kind, self.to)?;
        if let Some(m) = self.market {
            write!(f, "@{m}")?;
        }
        if let Some(c) = self.claim {
            write!(f, "#{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_ids_read_into_their_parts() {
        let id = RelationId::parse("att:carries:mate-10-pro@us#ap-2018-01").unwrap();
        assert_eq!(
            (id.from, id.kind, id.to, id.market, id.claim),
            (
                "att",
                "carries",
                "mate-10-pro",
                Some("us"),
                Some("ap-2018-01")
            )
        );
        assert_eq!(id.to_string(), "att:carries:mate-10-pro@us#ap-2018-01");
        let plain = RelationId::parse("huawei:makes:mate-10-pro").unwrap();
        assert_eq!((plain.market, plain.claim), (None, None));
        for bad in [
            "huawei",
            "a:b",
            "a:b:c:d",
            "A:makes:b",
            "a:makes:b@",
            "a:makes:b#",
            "a::b",
        ] {
            assert_eq!(RelationId::parse(bad), None, "{bad}");
        }
    }
}
