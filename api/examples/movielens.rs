//! Offline evaluation of the recommenders on MovieLens 100K (the
//! `ml-100k.inter` file of the `recbole` wheel; `bench/movielens/run.sh`
//! fetches it). Movies stand for products and every rating, whatever its
//! value, for a play: the signal is who had what, as in production.
//! Leave-last-out by timestamp (ties: the later line), HitRate@10 and
//! NDCG@10 over the whole catalogue less what the user already rated.
//!
//!   cargo run --release -p cadenza-api --example movielens -- <ml-100k.inter>

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use cadenza_api::services::recommendations::evaluation::{Event, Recommender, Split};

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: movielens <ml-100k.inter>"))?;
    let text = std::fs::read_to_string(&path)?;
    let (mut users, mut items) = (HashMap::new(), HashMap::new());
    let mut events = Vec::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [user, item, _rating, time] = fields[..] else {
            anyhow::bail!("not a user, item, rating, timestamp line: {line:?}");
        };
        let next_user = users.len() as u32;
        let user = *users.entry(user.to_owned()).or_insert(next_user);
        let next_item = items.len() as u32;
        let item = *items.entry(item.to_owned()).or_insert(next_item);
        let time: f64 = time.parse()?;
        events.push(Event {
            user,
            item,
            time: time as i64,
        });
    }
    let split = Split::leave_last_out(&events, items.len());
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "MovieLens 100K: {} ratings as plays, {} users, {} items; leave-last-out, top 10 of the full catalogue",
        events.len(),
        users.len(),
        items.len()
    )?;
    writeln!(out, "| recommender | HitRate@10 | NDCG@10 | time |")?;
    writeln!(out, "|---|---|---|---|")?;
    let mut popularity = 0.0;
    for (name, recommender) in [
        ("popularity", Recommender::Popularity),
        ("random", Recommender::Random { seed: 42 }),
        (
            "item-to-item, k = 1",
            Recommender::ItemToItem { min_supporters: 1 },
        ),
        (
            "item-to-item, k = 5",
            Recommender::ItemToItem { min_supporters: 5 },
        ),
    ] {
        let started = Instant::now();
        let scores = split.evaluate(recommender, 10);
        if recommender == Recommender::Popularity {
            popularity = scores.hit_rate;
        }
        let ratio = if popularity > 0.0 {
            format!(" ({:.2}× popularity)", scores.hit_rate / popularity)
        } else {
            String::new()
        };
        writeln!(
            out,
            "| {name} | {:.4}{ratio} | {:.4} | {:.1} s |",
            scores.hit_rate,
            scores.ndcg,
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(())
}
