//! Global IDs as GraphQL's `ID`.

use async_graphql::ID;

use crate::domain::{EntityId, GlobalId, KeyedId};
use crate::error::{ApiError, ApiResult};

/// The global ID of `id`, as clients see it.
pub fn id_of<T: EntityId>(id: T) -> ID {
    ID(id.global().encode())
}

/// The global ID of a locker artist or album, as clients see it.
pub fn keyed_id_of<T: KeyedId>(key: T) -> ID {
    ID(key.encode())
}

/// An ID that must name a `T`; one of another kind names nothing here, so
/// it is `Ok(None)` (null or NOT_FOUND to the caller), and one that does
/// not decode is BAD_USER_INPUT.
pub fn decode<T: EntityId>(id: &ID) -> ApiResult<Option<T>> {
    GlobalId::decode_as(id)
}

/// An ID that must name a `T` that exists; anything else is NOT_FOUND
/// (`what` names it), or BAD_USER_INPUT when it does not decode.
pub fn require<T: EntityId>(id: &ID, what: &'static str) -> ApiResult<T> {
    decode(id)?.ok_or(ApiError::NotFound(what))
}

/// `require`, for a locker artist's or album's ID.
pub fn require_keyed<T: KeyedId>(id: &ID, what: &'static str) -> ApiResult<T> {
    T::decode_as(id)?.ok_or(ApiError::NotFound(what))
}
