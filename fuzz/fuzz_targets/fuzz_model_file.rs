#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tvarit_fuzz_checks::classify::model_file(data));
