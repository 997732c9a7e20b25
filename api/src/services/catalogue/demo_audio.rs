//! Master audio for the demo catalogue, made on this machine: without it a
//! new user's store has nothing to preview and its purchases nothing to
//! play. Each master is a short melody drawn from a fixed seed (a
//! pentatonic line over a bass note, each note fading), written as a mono
//! 8-bit WAV at 11,025 Hz: small, and cut for previews like any WAV.
//!
//! The demo's track lengths come in steps of 30 seconds (see `demo`), and
//! all tracks of one length share one master, so the whole demo needs
//! seven files (about 18 MB), not one per track. They are attached through
//! the same path a partner's `attachTrackAudio` takes, after the demo is
//! seeded, in the background; a server stopped half-way attaches the rest
//! when it starts again.

use std::io::{Seek, Write};

use entities::track;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};

use super::masters::Masters;
use crate::domain::TrackId;
use crate::error::{ApiError, ApiResult};
use crate::services::media::ReceivedFile;

/// The demo's tracks are the ones of its albums' external ids (partners'
/// ids are their own; the demo's are all `demo-al-…`).
pub const DEMO_TRACK_PREFIX: &str = "demo-al-";

const SAMPLE_RATE: u32 = 11_025;

/// The demo's track lengths are whole multiples of this.
pub const STEP_MS: i32 = 30_000;

/// Attaches a master to every demo track without one; the number of
/// tracks given one.
pub async fn attach(db: &DatabaseConnection, masters: &Masters) -> ApiResult<usize> {
    let waiting = track::Entity::find()
        .filter(track::Column::ExternalId.starts_with(DEMO_TRACK_PREFIX))
        .filter(track::Column::MasterBlobId.is_null())
        .order_by_asc(track::Column::DurationMs)
        .order_by_asc(track::Column::Id)
        .all(db)
        .await?
        .into_iter()
        // Only the lengths this demo makes; a demo seeded before they came
        // in steps would need a file for nearly every track.
        .filter(|t| t.duration_ms > 0 && t.duration_ms % STEP_MS == 0)
        .collect::<Vec<_>>();
    let mut attached = 0;
    let mut lengths: Vec<i32> = waiting.iter().map(|t| t.duration_ms).collect();
    lengths.dedup();
    for length in lengths {
        let Some(first) = waiting.iter().find(|t| t.duration_ms == length) else {
            continue;
        };
        // One of this length may already have its master (a run stopped
        // half-way): share it, else make it.
        let made = match track::Entity::find()
            .filter(track::Column::ExternalId.starts_with(DEMO_TRACK_PREFIX))
            .filter(track::Column::DurationMs.eq(length))
            .filter(track::Column::MasterBlobId.is_not_null())
            .one(db)
            .await?
        {
            Some(made) => made,
            None => {
                let bytes = tokio::task::spawn_blocking(move || melody(length, length as u64))
                    .await
                    .map_err(ApiError::internal)?;
                let file = received(bytes).await?;
                let made = masters.attach(TrackId(first.id), file).await?;
                attached += 1;
                made
            }
        };
        let rest: Vec<i32> = waiting
            .iter()
            .filter(|t| t.duration_ms == length && t.id != made.id)
            .map(|t| t.id)
            .collect();
        let shared = masters.share(&made, &rest).await?;
        attached += shared as usize;
    }
    if attached > 0 {
        tracing::info!(tracks = attached, "demo master audio attached");
    }
    Ok(attached)
}

/// The bytes as a received file, as an upload would be.
async fn received(bytes: Vec<u8>) -> ApiResult<ReceivedFile> {
    tokio::task::spawn_blocking(move || {
        let mut content = tempfile::tempfile()?;
        content.write_all(&bytes)?;
        content.rewind()?;
        Ok::<_, std::io::Error>(ReceivedFile {
            file_name: "demo.wav".into(),
            content,
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
        })
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

/// A melody `length_ms` long from `seed`, as a WAV file.
pub fn melody(length_ms: i32, seed: u64) -> Vec<u8> {
    let samples = (u64::from(SAMPLE_RATE) * length_ms.max(0) as u64 / 1000) as usize;
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // SplitMix64: the same notes on every machine.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    // A major pentatonic scale over two octaves, from a root the seed picks.
    const STEPS: [i32; 10] = [0, 2, 4, 7, 9, 12, 14, 16, 19, 21];
    let root = 196.0 * 2f64.powf((next() % 7) as f64 / 12.0);
    let beat = SAMPLE_RATE as usize * (8 + (next() % 5) as usize) / 20; // 0.40-0.60 s
    let bar = beat * 4;
    let notes: Vec<f64> = (0..samples / beat + 1)
        .map(|_| root * 2f64.powf(f64::from(STEPS[(next() % 10) as usize]) / 12.0))
        .collect();
    let basses: Vec<f64> = (0..samples / bar + 1)
        .map(|_| root / 2.0 * 2f64.powf(f64::from([0, 5, 7, 9][(next() % 4) as usize]) / 12.0))
        .collect();
    let rate = f64::from(SAMPLE_RATE);
    let tau = std::f64::consts::TAU;
    let mut pcm = Vec::with_capacity(samples);
    for n in 0..samples {
        let (note, in_note) = (n / beat, (n % beat) as f64 / rate);
        let (low, in_bar) = (n / bar, (n % bar) as f64 / rate);
        let t = n as f64 / rate;
        let lead = (tau * notes[note] * t).sin() * (-4.0 * in_note).exp();
        let bass = (tau * basses[low] * t).sin() * (-1.2 * in_bar).exp();
        // Fade in and out over half a second at the ends.
        let edge = (t.min((samples - n) as f64 / rate) * 2.0).min(1.0);
        let value = (0.45 * lead + 0.3 * bass) * edge;
        pcm.push((128.0 + value * 127.0).round().clamp(0.0, 255.0) as u8);
    }
    wav(&pcm)
}

/// 8-bit mono PCM as a WAV file.
fn wav(pcm: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(44 + pcm.len());
    let data_len = pcm.len() as u32;
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes()); // bytes per second
    out.extend_from_slice(&1u16.to_le_bytes()); // block align
    out.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(pcm);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_melody_is_a_wav_of_its_length_and_the_same_every_time() {
        let one = melody(3_000, 7);
        assert_eq!(&one[..4], b"RIFF");
        assert_eq!(one.len(), 44 + 3 * SAMPLE_RATE as usize);
        assert_eq!(one, melody(3_000, 7));
        assert_ne!(one, melody(3_000, 8));
        // Not silence: the samples move well away from the middle.
        let loudest = one[44..].iter().map(|s| (i32::from(*s) - 128).abs()).max();
        assert!(loudest.unwrap() > 40, "{loudest:?}");
    }
}
