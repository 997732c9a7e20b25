//! Global IDs as GraphQL's `ID`.

use async_graphql::ID;

use crate::domain::{EntityId, GlobalId};
use crate::error::{ApiError, ApiResult};

/// The global ID of `id`, as clients see it.
pub fn id_of<T: EntityId>(id: T) -> ID {
    ID(id.global().encode())
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
