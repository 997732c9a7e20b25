//! Previews: 30 seconds of a catalogue track's master audio, which anyone
//! may play before buying, from the point the partner's feed sets
//! (`previewStartMs`) or a third of the way in. Cut from the master
//! without decoding it (services::media::preview says how, per format);
//! a track without master audio, or whose master cannot be cut, has none.

use bytes::Bytes;
use entities::{blob, track};
use futures_util::TryStreamExt;
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::domain::TrackId;
use crate::error::{ApiError, ApiResult};
use crate::services::media::preview::{self, Cuttable, Plan, HEAD_BYTES};
use crate::services::media::BlobStore;

/// How long a preview plays.
pub const PREVIEW_MS: u64 = 30_000;

/// A cut preview, ready to send.
pub struct PreviewAudio {
    pub bytes: Bytes,
    pub mime_type: &'static str,
}

#[derive(Clone)]
pub struct Previews {
    db: DatabaseConnection,
    blobs: BlobStore,
}

/// Whether a track has a preview: master audio in a format it can be cut from.
pub fn has_preview(track: &track::Model) -> bool {
    track.master_blob_id.is_some()
        && track
            .master_format
            .as_deref()
            .and_then(|format| Cuttable::of_master(format, track.master_mime_type.as_deref()))
            .is_some()
}

impl Previews {
    pub fn new(db: DatabaseConnection, blobs: BlobStore) -> Self {
        Self { db, blobs }
    }

    /// The track's preview; `None` when it has none.
    #[tracing::instrument(skip(self), fields(track.id = id.0))]
    pub async fn preview(&self, id: TrackId) -> ApiResult<Option<PreviewAudio>> {
        let Some(track) = track::Entity::find_by_id(id.0).one(&self.db).await? else {
            return Ok(None);
        };
        let (Some(blob_id), Some(kind)) = (
            track.master_blob_id,
            track
                .master_format
                .as_deref()
                .and_then(|format| Cuttable::of_master(format, track.master_mime_type.as_deref())),
        ) else {
            return Ok(None);
        };
        let Some(blob) = blob::Entity::find_by_id(blob_id).one(&self.db).await? else {
            return Ok(None);
        };
        let file_len = u64::try_from(blob.size_bytes).map_err(ApiError::internal)?;
        let head = self
            .read(&blob.storage_key, 0, HEAD_BYTES.min(file_len))
            .await?;
        let duration_ms = u64::try_from(track.duration_ms).unwrap_or(0);
        let chosen = track
            .preview_start_ms
            .and_then(|start| u64::try_from(start).ok());
        let from_ms = preview::start_ms(duration_ms, chosen, PREVIEW_MS);
        let plan = match kind {
            Cuttable::Wav => preview::plan_wav(&head, file_len, from_ms, PREVIEW_MS),
            Cuttable::Aiff => preview::plan_aiff(&head, file_len, from_ms, PREVIEW_MS),
            Cuttable::Flac => {
                let Some(layout) = self.flac_layout(&blob.storage_key, &head, file_len).await?
                else {
                    tracing::warn!("the master's FLAC metadata could not be read for a preview");
                    return Ok(None);
                };
                let Some((start, length)) = preview::frame_window(
                    layout.frames_start,
                    file_len,
                    duration_ms,
                    from_ms,
                    PREVIEW_MS,
                ) else {
                    return Ok(None);
                };
                let window = self.read(&blob.storage_key, start, length).await?;
                let Some((from, to, samples)) =
                    preview::flac_cut(&window, layout.sample_rate(), PREVIEW_MS)
                else {
                    tracing::warn!("no FLAC frames found where the preview starts");
                    return Ok(None);
                };
                let Some(frames) = preview::flac_renumber(&window[from..to]) else {
                    tracing::warn!("the preview's FLAC frames could not be renumbered");
                    return Ok(None);
                };
                let mut bytes = layout.head_for(samples);
                bytes.extend_from_slice(&frames);
                return Ok(Some(PreviewAudio {
                    bytes: Bytes::from(bytes),
                    mime_type: kind.mime_type(),
                }));
            }
            Cuttable::Mp3 | Cuttable::Adts => {
                let audio_start = preview::audio_start(&head);
                let Some((start, length)) =
                    preview::frame_window(audio_start, file_len, duration_ms, from_ms, PREVIEW_MS)
                else {
                    return Ok(None);
                };
                let window = self.read(&blob.storage_key, start, length).await?;
                let Some((from, to)) = preview::frame_cut(kind, &window, PREVIEW_MS) else {
                    tracing::warn!("no frames found where the preview starts");
                    return Ok(None);
                };
                return Ok(Some(PreviewAudio {
                    bytes: Bytes::copy_from_slice(&window[from..to]),
                    mime_type: kind.mime_type(),
                }));
            }
        };
        let Some(Plan {
            head: new_head,
            start,
            length,
        }) = plan
        else {
            tracing::warn!("the master's header could not be read for a preview");
            return Ok(None);
        };
        let audio = self.read(&blob.storage_key, start, length).await?;
        let mut bytes = Vec::with_capacity(new_head.len() + audio.len());
        bytes.extend_from_slice(&new_head);
        bytes.extend_from_slice(&audio);
        Ok(Some(PreviewAudio {
            bytes: Bytes::from(bytes),
            mime_type: kind.mime_type(),
        }))
    }

    /// A FLAC master's layout: from its first bytes, or, when pictures
    /// make its metadata longer than those, walking the blocks with a read
    /// of each header.
    async fn flac_layout(
        &self,
        key: &str,
        head: &[u8],
        file_len: u64,
    ) -> ApiResult<Option<preview::FlacLayout>> {
        if let Some(layout) = preview::flac_layout(head) {
            return Ok(Some(layout));
        }
        let start = preview::audio_start(head);
        let Ok(start_at) = usize::try_from(start) else {
            return Ok(None);
        };
        if head.get(start_at..start_at + 4) != Some(b"fLaC".as_slice()) {
            return Ok(None);
        }
        let mut at = start + 4;
        let mut streaminfo = None;
        // A FLAC file has a few blocks; a bound keeps a broken one finite.
        for _ in 0..1_000 {
            if at + 4 > file_len {
                return Ok(None);
            }
            let header = self.read(key, at, 4).await?;
            let Some((last, kind, length)) = preview::flac_block(&header) else {
                return Ok(None);
            };
            if kind == 0 && length >= 34 {
                streaminfo =
                    <[u8; 34]>::try_from(self.read(key, at + 4, 34).await?.as_slice()).ok();
            }
            at += 4 + length;
            if last {
                return Ok(streaminfo.map(|streaminfo| preview::FlacLayout {
                    streaminfo,
                    frames_start: at,
                }));
            }
        }
        Ok(None)
    }

    async fn read(&self, key: &str, start: u64, length: u64) -> ApiResult<Vec<u8>> {
        if length == 0 {
            return Ok(Vec::new());
        }
        let Some(stream) = self.blobs.read_range(key, start, length).await? else {
            return Err(ApiError::internal(anyhow::anyhow!(
                "a master's blob is missing"
            )));
        };
        let chunks: Vec<Bytes> = stream.try_collect().await.map_err(ApiError::storage)?;
        Ok(chunks.concat())
    }
}
