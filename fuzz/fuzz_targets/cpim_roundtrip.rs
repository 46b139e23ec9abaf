//! Whatever the CPIM parser accepts must write back to bytes that parse to the same message, and the
//! chunked decoder must agree with the one-shot parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::cpim::{CpimDecoder, CpimLimits, CpimMessage};

fuzz_target!(|data: &[u8]| {
    let limits = CpimLimits {
        max_bytes: 4096,
        max_headers: 32,
        max_header_line: 512,
    };
    let parsed = CpimMessage::parse(data, &limits);

    // The split point comes from the data itself, so the fuzzer explores it too.
    let split = data
        .first()
        .map_or(0, |&b| usize::from(b) % (data.len() + 1));
    let mut decoder = CpimDecoder::new(limits);
    let chunked = decoder
        .feed(&data[..split])
        .and_then(|()| decoder.feed(&data[split..]))
        .and_then(|()| decoder.finish());
    assert_eq!(
        parsed, chunked,
        "chunked decoding disagrees with one-shot parsing"
    );

    if let Ok(message) = parsed {
        let bytes = message.to_bytes();
        let roomy = CpimLimits {
            max_bytes: usize::MAX,
            max_headers: usize::MAX,
            max_header_line: usize::MAX,
        };
        let reparsed = CpimMessage::parse(&bytes, &roomy).expect("serialized message must parse");
        assert_eq!(reparsed, message, "round trip changed the message");
        assert_eq!(
            reparsed.to_bytes(),
            bytes,
            "second serialization differs from the first"
        );
    }
});
