//! Feeds arbitrary bytes to the upload reader: it must refuse or accept,
//! never panic. `cargo fuzz run ingest fuzz/corpus/ingest`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cadenza_api::services::media::ingest::read_audio(std::io::Cursor::new(data));
});
