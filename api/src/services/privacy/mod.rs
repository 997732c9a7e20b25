//! Privacy: the listener's settings and their consent log, export of
//! everything stored about them, erasure that leaves nothing behind,
//! retention of plays and interactions, and the audit log of privacy
//! actions.
//!
//! The settings are read on every request that records anything (no cache
//! may serve an old setting), and the statistics that recommendations read
//! are rebuilt only from users whose settings allow it.

pub mod audit;
pub mod erasure;
pub mod export;
pub mod retention;
mod settings;

pub use export::{Caller, DataExport, Download, ExportClaim, Exports};
pub use settings::{settings_in, ConsentSetting, ListeningConsent, Privacy, PrivacyEdit};
