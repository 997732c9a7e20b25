//! Sales as partners read them: units and revenue per product, per day
//! (UTC) and currency, over fulfilled orders. Nothing here names a buyer or
//! an order, and a day's row is the same whoever bought: an account's
//! erasure leaves it as it was.

use chrono::{Days, NaiveDate, NaiveTime};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, Value};

use crate::domain::OrderStatus;
use crate::domain::{Currency, Money, Page, ProductId};
use crate::error::{ApiError, ApiResult};
use crate::services::listing::Listing;

/// The longest span one report covers.
pub const MAX_REPORT_DAYS: u64 = 366;

/// One product's sales on one day in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SalesRow {
    pub day: NaiveDate,
    pub product: ProductId,
    pub units: i64,
    pub revenue: Money,
}

#[derive(Clone)]
pub struct Sales {
    db: DatabaseConnection,
}

impl Sales {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The rows for the days `from` to `to`, both included, oldest day
    /// first, then by product. A span that runs backwards or is longer
    /// than `MAX_REPORT_DAYS` is BAD_USER_INPUT.
    pub async fn report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        page: Page,
    ) -> ApiResult<Listing<SalesRow>> {
        if to < from {
            return Err(ApiError::bad_input(format!(
                "`to` ({to}) is before `from` ({from})"
            )));
        }
        let days = (to - from).num_days() as u64 + 1;
        if days > MAX_REPORT_DAYS {
            return Err(ApiError::bad_input(format!(
                "a report covers at most {MAX_REPORT_DAYS} days; {from} to {to} is {days}"
            )));
        }
        let start = from.and_time(NaiveTime::MIN).and_utc();
        let end = to
            .checked_add_days(Days::new(1))
            .ok_or_else(|| ApiError::bad_input(format!("`to` ({to}) is too far ahead")))?
            .and_time(NaiveTime::MIN)
            .and_utc();

        let backend = self.db.get_database_backend();
        // The day of a UTC timestamp as `YYYY-MM-DD` text; SQLite keeps
        // timestamps as text that starts with it.
        let day = match backend {
            DatabaseBackend::Postgres => "to_char(o.paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
            _ => "substr(o.paid_at, 1, 10)",
        };
        let (p1, p2, p3) = placeholders(backend);
        let grouped = format!(
            "SELECT {day} AS day, l.product_id AS product_id, l.currency AS currency, \
                    COUNT(*) AS units, CAST(SUM(l.price_minor) AS BIGINT) AS revenue \
             FROM order_lines l JOIN orders o ON o.id = l.order_id \
             WHERE o.status = {p1} AND o.paid_at >= {p2} AND o.paid_at < {p3} \
             GROUP BY 1, 2, 3"
        );
        let values = || -> Vec<Value> {
            vec![
                OrderStatus::Fulfilled.as_str().into(),
                start.into(),
                end.into(),
            ]
        };
        let total_row = self
            .db
            .query_one(Statement::from_sql_and_values(
                backend,
                format!("SELECT COUNT(*) AS total FROM ({grouped}) AS report"),
                values(),
            ))
            .await?;
        let total = match total_row {
            Some(row) => u64::try_from(row.try_get::<i64>("", "total")?).unwrap_or(0),
            None => 0,
        };
        if page.limit == 0 || page.offset >= total {
            return Ok(Listing {
                items: Vec::new(),
                total,
            });
        }
        let rows = self
            .db
            .query_all(Statement::from_sql_and_values(
                backend,
                format!(
                    "{grouped} ORDER BY 1, 2, 3 LIMIT {} OFFSET {}",
                    page.limit, page.offset
                ),
                values(),
            ))
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let day: String = row.try_get("", "day")?;
            let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|err| {
                ApiError::internal(anyhow::anyhow!(
                    "a stored payment time is not a date: {err}"
                ))
            })?;
            let currency: String = row.try_get("", "currency")?;
            items.push(SalesRow {
                day,
                product: ProductId(row.try_get("", "product_id")?),
                units: row.try_get("", "units")?,
                revenue: Money::new(row.try_get("", "revenue")?, Currency::of_row(&currency)?),
            });
        }
        Ok(Listing { items, total })
    }
}

fn placeholders(backend: DatabaseBackend) -> (&'static str, &'static str, &'static str) {
    match backend {
        DatabaseBackend::Postgres => ("$1", "$2", "$3"),
        _ => ("?", "?", "?"),
    }
}
