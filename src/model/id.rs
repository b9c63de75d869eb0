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
