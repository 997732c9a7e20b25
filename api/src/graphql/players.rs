//! Player keys: one per device that reaches the locker through the
//! OpenSubsonic API (`/rest`). Made and revoked here by the signed-in
//! listener; a key itself opens nothing in GraphQL.

use async_graphql::{Context, Object, Result, SimpleObject, ID};
use entities::player_key;

use super::ids::{id_of, require};
use super::scalars::DateTime;
use super::{principal, services};
use crate::domain::PlayerKeyId;

pub struct PlayerKey(pub player_key::Model);

/// A key for one player device.
#[Object]
impl PlayerKey {
    async fn id(&self) -> ID {
        id_of(PlayerKeyId(self.0.id))
    }

    /// What the listener called the device.
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }

    /// When a player last used it (to the minute); null if never.
    async fn last_used_at(&self) -> Option<DateTime> {
        self.0.last_used_at.map(Into::into)
    }

    /// The player that last used it, as it names itself (the `c` parameter).
    async fn last_client(&self) -> Option<&str> {
        self.0.last_client.as_deref()
    }
}

/// A key as made: the secret is shown this once and never again.
#[derive(SimpleObject)]
pub struct CreatedPlayerKey {
    pub key: PlayerKey,
    /// Enter it in the player as the `apiKey`, or as the password with your
    /// email address as the user name.
    pub secret: String,
}

#[derive(Default)]
pub struct PlayerKeysMutation;

#[Object]
impl PlayerKeysMutation {
    /// A key for one player device (at most 20 at once). The secret is in
    /// the answer only.
    async fn create_player_key(&self, ctx: &Context<'_>, name: String) -> Result<CreatedPlayerKey> {
        let user = principal(ctx)?.require_user()?;
        let created = services(ctx)?.player_keys.create(user, &name).await?;
        Ok(CreatedPlayerKey {
            key: PlayerKey(created.key),
            secret: created.secret,
        })
    }

    /// Revokes a key: the player's next request is refused.
    async fn revoke_player_key(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let user = principal(ctx)?.require_user()?;
        let id = require::<PlayerKeyId>(&id, "player key")?;
        services(ctx)?.player_keys.revoke(user, id).await?;
        Ok(true)
    }
}
