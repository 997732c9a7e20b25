//! Listening: plays, interactions, stars and ratings, and playback across
//! devices, each recorded only as the listener's privacy settings allow.
//!
//! Plays and interactions are the listener's own history first; they feed
//! recommendations and cross-customer statistics only where the settings
//! (and the per-item and per-playlist exclusions) say so. Playback state is
//! the latest position per user, never a history.

mod interactions;
mod playback;
mod plays;
mod stars;
mod writer;

pub use interactions::NewInteraction;
pub use playback::{queue_of, NewPlayback, Playback, PlaybackEvent, PlaybackEvents, MAX_QUEUE};
pub use plays::{Listening, NewPlay, Played, MS_PLAYED_SLACK};
pub use stars::{StarTarget, MAX_STARS_PER_CALL};
