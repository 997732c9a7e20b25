//! The mutation root: thin resolvers over the services.

use async_graphql::{Context, Object, Result, Upload, ID};

use super::accounts::{ApiKey, ApiScopeGql, AuthPayload, RegisterInput};
use super::catalogue::Track;
use super::locker::{item_id as locker_item_id, LockerItem, LockerItemInput};
use super::playlists::{
    decode_entry_id, decode_playlist_id, playables, CreatePlaylistInput, Playlist,
    UpdatePlaylistInput,
};
use super::{principal, services};
use crate::auth::{Role, Scope};
use crate::error::ApiError;
use crate::ids::{GlobalId, NodeKind};
use crate::services::accounts::Registration;
use crate::services::import::{ImportReport, Rejection};
use crate::services::locker::UploadedFile;

pub struct Mutation;

#[Object]
impl Mutation {
    /// A new customer account, signed in.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<AuthPayload> {
        let session = services(ctx)?
            .accounts
            .register(Registration {
                email: &input.email,
                password: &input.password,
                display_name: &input.display_name,
                role: Role::Customer,
            })
            .await?;
        Ok(session.into())
    }

    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> Result<AuthPayload> {
        Ok(services(ctx)?
            .accounts
            .login(&email, &password)
            .await?
            .into())
    }

    /// Rotates: the old refresh token stops working; reusing it revokes the whole family.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        Ok(services(ctx)?
            .accounts
            .refresh(&refresh_token)
            .await?
            .into())
    }

    /// Ends the session of this refresh token; false if it was not live.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        Ok(services(ctx)?.accounts.logout(&refresh_token).await?)
    }

    /// GraphQL multipart request spec. Stores the bytes unchanged and reads their tags.
    async fn upload_track(&self, ctx: &Context<'_>, file: Upload) -> Result<LockerItem> {
        let user_id = principal(ctx)?.require_user()?;
        let upload = file
            .value(ctx)
            .map_err(|err| ApiError::bad_input(format!("the upload could not be read: {err}")))?;
        let item = services(ctx)?
            .locker
            .upload(user_id, UploadedFile::received(ctx, upload))
            .await?;
        Ok(LockerItem(item))
    }

    /// Edits the metadata Cadenza keeps, never the stored bytes.
    async fn update_locker_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: LockerItemInput,
    ) -> Result<LockerItem> {
        let user_id = principal(ctx)?.require_user()?;
        let item = services(ctx)?
            .locker
            .update(user_id, locker_item_id(&id)?, input.into())
            .await?;
        Ok(LockerItem(item))
    }

    /// Removes the item and, when nothing else refers to them, its bytes.
    async fn delete_locker_item(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let user_id = principal(ctx)?.require_user()?;
        services(ctx)?
            .locker
            .delete(user_id, locker_item_id(&id)?)
            .await?;
        Ok(id)
    }

    async fn create_playlist(
        &self,
        ctx: &Context<'_>,
        input: CreatePlaylistInput,
    ) -> Result<Playlist> {
        let user_id = principal(ctx)?.require_user()?;
        let items = playables(input.item_ids.as_deref().unwrap_or_default())?;
        let created = services(ctx)?
            .playlists
            .create(user_id, &input.name, input.description, &items)
            .await?;
        Ok(Playlist(created))
    }

    async fn update_playlist(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdatePlaylistInput,
    ) -> Result<Playlist> {
        let user_id = principal(ctx)?.require_user()?;
        let updated = services(ctx)?
            .playlists
            .update(user_id, decode_playlist_id(&id)?, input.into())
            .await?;
        Ok(Playlist(updated))
    }

    /// Inserts the items at `position` (from 0; the end when left out).
    async fn add_to_playlist(
        &self,
        ctx: &Context<'_>,
        playlist_id: ID,
        item_ids: Vec<ID>,
        position: Option<i32>,
    ) -> Result<Playlist> {
        let user_id = principal(ctx)?.require_user()?;
        let id = decode_playlist_id(&playlist_id)?;
        let playlist = services(ctx)?
            .playlists
            .add(user_id, id, &playables(&item_ids)?, position)
            .await?;
        Ok(Playlist(playlist))
    }

    async fn remove_from_playlist(
        &self,
        ctx: &Context<'_>,
        playlist_id: ID,
        entry_ids: Vec<ID>,
    ) -> Result<Playlist> {
        let user_id = principal(ctx)?.require_user()?;
        let id = decode_playlist_id(&playlist_id)?;
        let entries = entry_ids
            .iter()
            .map(decode_entry_id)
            .collect::<Result<Vec<_>, _>>()?;
        let playlist = services(ctx)?
            .playlists
            .remove(user_id, id, &entries)
            .await?;
        Ok(Playlist(playlist))
    }

    /// Moves an entry to `toPosition` (from 0); the others close ranks.
    async fn move_playlist_entry(
        &self,
        ctx: &Context<'_>,
        playlist_id: ID,
        entry_id: ID,
        to_position: i32,
    ) -> Result<Playlist> {
        let user_id = principal(ctx)?.require_user()?;
        let id = decode_playlist_id(&playlist_id)?;
        let entry = decode_entry_id(&entry_id)?;
        let playlist = services(ctx)?
            .playlists
            .move_entry(user_id, id, entry, to_position)
            .await?;
        Ok(Playlist(playlist))
    }

    async fn delete_playlist(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let user_id = principal(ctx)?.require_user()?;
        services(ctx)?
            .playlists
            .delete(user_id, decode_playlist_id(&id)?)
            .await?;
        Ok(id)
    }

    /// ADMIN or an API key with CATALOGUE_WRITE. JSON Lines as described in catalogue-feed.md; re-importing a line updates, never duplicates.
    async fn import_catalogue(&self, ctx: &Context<'_>, file: Upload) -> Result<ImportReportGql> {
        principal(ctx)?.require_admin_or_scope(Scope::CatalogueWrite)?;
        let upload = file
            .value(ctx)
            .map_err(|err| ApiError::bad_input(format!("the feed could not be read: {err}")))?;
        let feed = tokio::io::BufReader::with_capacity(
            64 * 1024,
            tokio::fs::File::from_std(upload.content),
        );
        let report = services(ctx)?.import.import(feed).await?;
        Ok(ImportReportGql(report))
    }

    /// ADMIN or an API key with CATALOGUE_WRITE. The master audio that buyers of the track receive.
    async fn attach_track_audio(
        &self,
        ctx: &Context<'_>,
        track_id: ID,
        file: Upload,
    ) -> Result<Track> {
        principal(ctx)?.require_admin_or_scope(Scope::CatalogueWrite)?;
        let track_id =
            GlobalId::decode_as(&track_id, NodeKind::Track)?.ok_or(ApiError::NotFound("track"))?;
        let upload = file
            .value(ctx)
            .map_err(|err| ApiError::bad_input(format!("the upload could not be read: {err}")))?;
        let track = services(ctx)?
            .locker
            .attach_master(track_id, UploadedFile::received(ctx, upload))
            .await?;
        Ok(Track(track))
    }

    /// ADMIN only.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        name: String,
        scopes: Vec<ApiScopeGql>,
    ) -> Result<ApiKey> {
        let principal = principal(ctx)?;
        principal.require_admin()?;
        let scopes: Vec<Scope> = scopes.into_iter().map(Into::into).collect();
        let created = services(ctx)?
            .api_keys
            .create(&name, &scopes, principal.user_id())
            .await?;
        Ok(ApiKey {
            key: created.key,
            secret: Some(created.secret),
        })
    }

    /// ADMIN only.
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        principal(ctx)?.require_admin()?;
        let id =
            GlobalId::decode_as(&id, NodeKind::ApiKey)?.ok_or(ApiError::NotFound("API key"))?;
        services(ctx)?.api_keys.revoke(id).await?;
        Ok(true)
    }
}

pub struct ImportReportGql(ImportReport);

#[Object(name = "ImportReport")]
impl ImportReportGql {
    async fn artists_upserted(&self) -> i32 {
        clamp(self.0.artists_upserted)
    }

    async fn albums_upserted(&self) -> i32 {
        clamp(self.0.albums_upserted)
    }

    async fn tracks_upserted(&self) -> i32 {
        clamp(self.0.tracks_upserted)
    }

    async fn products_upserted(&self) -> i32 {
        clamp(self.0.products_upserted)
    }

    /// One line per rejected record: its line number and why.
    async fn rejected(&self) -> Vec<ImportRejection<'_>> {
        self.0.rejected.iter().map(ImportRejection).collect()
    }
}

pub struct ImportRejection<'a>(&'a Rejection);

#[Object]
impl ImportRejection<'_> {
    async fn line(&self) -> i32 {
        clamp(self.0.line)
    }

    async fn message(&self) -> &str {
        &self.0.message
    }
}

fn clamp(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
