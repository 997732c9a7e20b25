//! Keyset pages: the page after an item, read from where that item sits in
//! the list's index, so that page 1,000 costs what page 1 does. (An offset
//! page steps over every earlier row first.)
//!
//! A list is ordered by its keys, the last one unique (the id). The rows
//! after an anchor are, in order: those that tie with it on every key but
//! the last and come after it on that one; then those that tie on every
//! key but the last two and come after it on that one; and so on up to
//! the first key. Each such run is one statement of equalities and one
//! range, which an index of the keys seeks to and reads in order; a page
//! reads runs until it is full (usually one or two: the anchor's ties,
//! then the rest of the order). A nullable key
//! sorts its NULLs last, as the store's orders do: after the anchor's
//! value come the smaller ones and then the NULLs, and nothing comes after
//! a NULL but its ties.

use sea_orm::sea_query::{Expr, NullOrdering, SimpleExpr};
use sea_orm::{
    Condition, DatabaseConnection, EntityTrait, IntoSimpleExpr, Order, QueryFilter, QueryOrder,
    QuerySelect, Select, Value,
};

use crate::error::{ApiError, ApiResult};

/// One key of a list's order.
#[derive(Clone, Debug)]
pub struct Key {
    pub expr: SimpleExpr,
    pub order: Order,
    /// The key may be NULL; NULLs come last. Only descending keys may be:
    /// both databases put NULLs last in a descending index then (SQLite
    /// always, PostgreSQL where the index says `NULLS LAST`).
    pub nullable: bool,
}

impl Key {
    pub fn asc(expr: impl IntoSimpleExpr) -> Self {
        Self {
            expr: expr.into_simple_expr(),
            order: Order::Asc,
            nullable: false,
        }
    }

    pub fn desc(expr: impl IntoSimpleExpr) -> Self {
        Self {
            expr: expr.into_simple_expr(),
            order: Order::Desc,
            nullable: false,
        }
    }

    /// Descending, NULLs last.
    pub fn desc_nulls_last(expr: impl IntoSimpleExpr) -> Self {
        Self {
            nullable: true,
            ..Self::desc(expr)
        }
    }
}

/// Orders `select` by `keys`.
fn ordered<E: EntityTrait>(mut select: Select<E>, keys: &[Key]) -> Select<E> {
    for key in keys {
        select = if key.nullable {
            select.order_by_with_nulls(key.expr.clone(), key.order.clone(), NullOrdering::Last)
        } else {
            select.order_by(key.expr.clone(), key.order.clone())
        };
    }
    select
}

/// Up to `limit` rows of `select` (filtered, not yet ordered) in the order
/// of `keys`: after the row whose keys are `anchor`, or else from
/// `offset` (a first page, or a cursor that names no row).
pub async fn page<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    keys: &[Key],
    anchor: Option<&[Option<Value>]>,
    offset: u64,
    limit: u64,
) -> ApiResult<Vec<E::Model>>
where
    E: EntityTrait,
{
    if let Some(anchor) = anchor {
        return after(db, select, keys, anchor, limit).await;
    }
    let select = ordered(select, keys).limit(limit);
    Ok(match offset {
        0 => select.all(db).await?,
        offset => select.offset(offset).all(db).await?,
    })
}

/// Up to `limit` rows of `select` (filtered, not yet ordered) that come
/// after the row whose keys are `anchor` (`None` for a NULL), in the order
/// of `keys`.
async fn after<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    keys: &[Key],
    anchor: &[Option<Value>],
    limit: u64,
) -> ApiResult<Vec<E::Model>>
where
    E: EntityTrait,
{
    if keys.len() != anchor.len() {
        return Err(ApiError::internal(anyhow::anyhow!(
            "a keyset page has {} keys and {} anchor values",
            keys.len(),
            anchor.len()
        )));
    }
    let mut items = Vec::new();
    for (run, from) in runs(keys, anchor) {
        let left = limit.saturating_sub(items.len() as u64);
        if left == 0 {
            break;
        }
        // Ordered by the keys the run does not hold equal: SQLite sees an
        // index's order under equal columns, not under an equal expression.
        let page = ordered(select.clone().filter(run), &keys[from..])
            .limit(left)
            .all(db)
            .await?;
        items.extend(page);
    }
    Ok(items)
}

/// The runs of rows after `anchor`, in order: each one's condition, and
/// the first key that varies within it.
fn runs(keys: &[Key], anchor: &[Option<Value>]) -> Vec<(Condition, usize)> {
    let mut runs = Vec::new();
    for (at, key) in keys.iter().enumerate().rev() {
        let ties =
            keys[..at]
                .iter()
                .zip(&anchor[..at])
                .fold(Condition::all(), |ties, (key, value)| {
                    ties.add(match value {
                        Some(value) => Expr::expr(key.expr.clone()).eq(value.clone()),
                        None => Expr::expr(key.expr.clone()).is_null(),
                    })
                });
        // Nothing follows a NULL but its ties.
        let Some(value) = &anchor[at] else { continue };
        let beyond = match key.order {
            Order::Desc => Expr::expr(key.expr.clone()).lt(value.clone()),
            _ => Expr::expr(key.expr.clone()).gt(value.clone()),
        };
        runs.push((ties.clone().add(beyond), at));
        if key.nullable {
            runs.push((ties.add(Expr::expr(key.expr.clone()).is_null()), at + 1));
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Alias, Query, SqliteQueryBuilder};

    use super::*;

    fn sql((condition, from): (Condition, usize)) -> String {
        Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("t"))
            .cond_where(condition)
            .to_string(SqliteQueryBuilder)
            .split_once(" WHERE ")
            .map(|(_, condition)| format!("{condition} ({from}..)"))
            .unwrap()
    }

    fn col(name: &str) -> SimpleExpr {
        Expr::col(Alias::new(name)).into()
    }

    #[test]
    fn each_run_ties_the_keys_before_one_and_passes_it() {
        let keys = [Key::desc(col("sales")), Key::asc(col("id"))];
        let runs: Vec<String> = runs(&keys, &[Some(5.into()), Some(9.into())])
            .into_iter()
            .map(sql)
            .collect();
        assert_eq!(
            runs,
            [r#""sales" = 5 AND "id" > 9 (1..)"#, r#""sales" < 5 (0..)"#],
            "{runs:?}"
        );
    }

    #[test]
    fn nulls_come_last_and_nothing_follows_a_null_but_its_ties() {
        let keys = [
            Key::desc_nulls_last(col("year")),
            Key::desc(col("at")),
            Key::asc(col("id")),
        ];
        let after_a_year: Vec<String> =
            runs(&keys, &[Some(1999.into()), Some(3.into()), Some(9.into())])
                .into_iter()
                .map(sql)
                .collect();
        assert_eq!(
            after_a_year,
            [
                r#""year" = 1999 AND "at" = 3 AND "id" > 9 (2..)"#,
                r#""year" = 1999 AND "at" < 3 (1..)"#,
                r#""year" < 1999 (0..)"#,
                r#""year" IS NULL (1..)"#,
            ]
        );
        let after_no_year: Vec<String> = runs(&keys, &[None, Some(3.into()), Some(9.into())])
            .into_iter()
            .map(sql)
            .collect();
        assert_eq!(
            after_no_year,
            [
                r#""year" IS NULL AND "at" = 3 AND "id" > 9 (2..)"#,
                r#""year" IS NULL AND "at" < 3 (1..)"#,
            ]
        );
    }
}
