//! The accounts erased: every replica refuses their tokens.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use crate::domain::UserId;

/// The users whose accounts were erased, as this replica knows them: a
/// token of theirs, however well signed and unexpired, proves nothing.
/// Only ever grows while the process runs (a number per erased account);
/// filled from the database at start-up and as erasures happen anywhere.
#[derive(Clone, Default)]
pub struct ErasedUsers(Arc<RwLock<HashSet<i32>>>);

impl ErasedUsers {
    pub fn contains(&self, user: UserId) -> bool {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains(&user.0)
    }

    pub fn extend(&self, users: impl IntoIterator<Item = UserId>) {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend(users.into_iter().map(|user| user.0));
    }
}
