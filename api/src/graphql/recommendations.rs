//! Recommendations for the viewer as the API shows them.

use async_graphql::{Context, Object, Result};

use super::catalogue::Product;
use super::playlists::Playable;
use crate::services::recommendations::Suggestion;

/// A product offered to the viewer, with why.
pub struct Recommendation(pub Suggestion);

#[Object]
impl Recommendation {
    async fn product(&self) -> Product {
        Product(self.0.product.clone())
    }

    /// Higher is stronger: the sum of the product's similarities to what
    /// the viewer played and bought; picks by artist, genre or sales score
    /// below every collaborative one.
    async fn score(&self) -> f64 {
        self.0.score
    }

    /// Human-readable, e.g. 'Because you played Confessions by Usher'.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The viewer's plays (or bought tracks) the recommendation rests on;
    /// empty for best-sellers.
    async fn because(&self, ctx: &Context<'_>) -> Result<Vec<Playable>> {
        let mut items = Vec::with_capacity(self.0.because.len());
        for because in &self.0.because {
            items.push(
                Playable::of_row(
                    ctx,
                    because.locker_item_id,
                    because.track_id,
                    "recommendation",
                )
                .await?,
            );
        }
        Ok(items)
    }
}
