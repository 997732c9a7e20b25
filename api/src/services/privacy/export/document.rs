//! The export document, written as it is read: one JSON object whose
//! lists are filled a page of rows at a time, serialised into a small
//! buffer and appended to an unnamed temporary file off the async runtime.
//! However much a listener has stored, the server holds one page of it.

use std::future::Future;
use std::io::{Seek, Write};

use serde::Serialize;

use crate::error::{ApiError, ApiResult};

/// Rows a list reads per query (keyset pagination on the row id).
pub(super) const PAGE_ROWS: u64 = 1_000;

/// Bytes gathered before they are written to the file.
const FLUSH_BYTES: usize = 256 * 1024;

/// A JSON object being written to a temporary file, one member at a time.
pub(super) struct Document {
    /// `None` only while a write runs on the blocking pool.
    file: Option<std::fs::File>,
    buffer: Vec<u8>,
    members: usize,
}

impl Document {
    /// An empty object in a new unnamed temporary file: nothing is left
    /// behind if the export fails or the process dies.
    pub(super) async fn create() -> ApiResult<Self> {
        let file = tokio::task::spawn_blocking(tempfile::tempfile)
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
        let mut buffer = Vec::with_capacity(FLUSH_BYTES + 64 * 1024);
        buffer.push(b'{');
        Ok(Self {
            file: Some(file),
            buffer,
            members: 0,
        })
    }

    fn key(&mut self, name: &str) -> ApiResult<()> {
        if self.members > 0 {
            self.buffer.push(b',');
        }
        self.members += 1;
        serde_json::to_writer(&mut self.buffer, name).map_err(ApiError::internal)?;
        self.buffer.push(b':');
        Ok(())
    }

    /// A member holding one value.
    pub(super) async fn value(&mut self, name: &str, value: &impl Serialize) -> ApiResult<()> {
        self.key(name)?;
        serde_json::to_writer(&mut self.buffer, value).map_err(ApiError::internal)?;
        self.flush_if_full().await
    }

    /// A member holding a list read a page at a time: `page(after)` gives
    /// the rows after the cursor `after` (0 first) in order, each with its
    /// cursor (its row id); the list ends at the first empty page.
    pub(super) async fn list<T, F, Fut>(&mut self, name: &str, mut page: F) -> ApiResult<()>
    where
        T: Serialize,
        F: FnMut(i32) -> Fut,
        Fut: Future<Output = ApiResult<Vec<(i32, T)>>>,
    {
        self.key(name)?;
        self.buffer.push(b'[');
        let mut after = 0;
        let mut first = true;
        loop {
            let rows = page(after).await?;
            let Some((last, _)) = rows.last() else {
                break;
            };
            after = *last;
            for (_, row) in &rows {
                if !first {
                    self.buffer.push(b',');
                }
                first = false;
                serde_json::to_writer(&mut self.buffer, row).map_err(ApiError::internal)?;
            }
            drop(rows);
            self.flush_if_full().await?;
        }
        self.buffer.push(b']');
        Ok(())
    }

    async fn flush_if_full(&mut self) -> ApiResult<()> {
        if self.buffer.len() >= FLUSH_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    /// Appends the buffer to the file, on the blocking pool.
    async fn flush(&mut self) -> ApiResult<()> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("an export write failed before")))?;
        let bytes = std::mem::take(&mut self.buffer);
        let (file, mut bytes) =
            tokio::task::spawn_blocking(move || file.write_all(&bytes).map(|()| (file, bytes)))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
        bytes.clear();
        self.buffer = bytes;
        self.file = Some(file);
        Ok(())
    }

    /// Closes the object; the file, positioned at its start, and its size.
    pub(super) async fn finish(mut self) -> ApiResult<(std::fs::File, u64)> {
        self.buffer.push(b'}');
        self.flush().await?;
        let mut file = self
            .file
            .take()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("an export write failed before")))?;
        tokio::task::spawn_blocking(move || {
            let size = file.stream_position()?;
            file.rewind()?;
            Ok::<_, std::io::Error>((file, size))
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[tokio::test]
    async fn lists_are_written_page_by_page_into_one_json_object() {
        let mut document = Document::create().await.unwrap();
        document.value("version", &1).await.unwrap();
        // 2,500 rows in pages of 1,000: three full reads and an empty one.
        let mut reads = 0;
        document
            .list("numbers", |after| {
                reads += 1;
                async move {
                    Ok((after + 1..=2_500)
                        .take(PAGE_ROWS as usize)
                        .map(|n| (n, n))
                        .collect::<Vec<_>>())
                }
            })
            .await
            .unwrap();
        document
            .list("nothing", |_| async { Ok(Vec::<(i32, i32)>::new()) })
            .await
            .unwrap();
        let (mut file, size) = document.finish().await.unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        assert_eq!(text.len() as u64, size);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["version"], 1);
        let numbers: Vec<i64> = value["numbers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_i64().unwrap())
            .collect();
        assert_eq!(numbers, (1..=2_500).collect::<Vec<i64>>());
        assert_eq!(value["nothing"], serde_json::json!([]));
        assert_eq!(reads, 4);
    }
}
