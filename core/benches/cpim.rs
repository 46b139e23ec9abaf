//! Parse and serialize throughput of the CPIM codec: the RFC 3862 §6 example and a ~4 KiB message.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use switchboard_core::cpim::{CpimLimits, CpimMessage};

/// RFC 3862 §6 example body, the same text as `tests/fixtures/cpim/rfc3862-section6.cpim`.
const RFC3862_EXAMPLE: &str = "From: MR SANDERS <im:piglet@100akerwood.com>\r\n\
To: Depressed Donkey <im:eeyore@100akerwood.com>\r\n\
DateTime: 2000-12-13T13:40:00-08:00\r\n\
Subject: the weather will be fine today\r\n\
Subject:;lang=fr beau temps prevu pour aujourd'hui\r\n\
NS: MyFeatures <mid:MessageFeatures@id.foo.com>\r\n\
Require: MyFeatures.VitalMessageOption\r\n\
MyFeatures.VitalMessageOption: Confirmation-requested\r\n\
MyFeatures.WackyMessageOption: Use-silly-font\r\n\
\r\n\
Content-type: text/xml; charset=utf-8\r\n\
Content-ID: <1234567890@foo.com>\r\n\
\r\n\
<body>\r\n\
Here is the text of my message.\r\n\
</body>\r\n";

/// A group message of about 4 KiB: many recipients, escaped subjects, extension headers and a text body.
fn four_kib_message() -> Vec<u8> {
    let mut text =
        String::from("From: \"Winnie the Pooh \\\"Bear\\\"\" <im:pooh@100akerwood.com>\r\n");
    for i in 0..12 {
        text.push_str(&format!(
            "To: Friend Number{i} <xmpp:friend{i}@100akerwood.com/phone>\r\n"
        ));
    }
    for i in 0..4 {
        text.push_str(&format!(
            "cc: <sip:watcher{i}@example.com;transport=tcp>\r\n"
        ));
    }
    text.push_str("DateTime: 2024-02-29T23:59:59.25+01:00\r\n");
    text.push_str("Subject:;lang=de Gr\\u00fc\\u00dfe aus dem \\\"Wald\\\"\r\n");
    text.push_str("Subject: Grüße, 天気は晴れ\r\n");
    text.push_str("NS: Gw <urn:example:switchboard>\r\n");
    text.push_str("Require: Gw.Hop,Gw.Trace\r\n");
    for i in 0..8 {
        text.push_str(&format!(
            "Gw.Hop:;n={i};via=\"relay {i}\" adapter-{i}.example.net\r\n"
        ));
    }
    text.push_str(
        "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-ID: <4kib@bench>\r\n\r\n",
    );
    while text.len() < 4096 {
        text.push_str("Oh bother, said Pooh, as the honey ran out again. ");
    }
    text.into_bytes()
}

fn bench_cpim(c: &mut Criterion) {
    let limits = CpimLimits::default();
    let inputs = [
        ("rfc3862-example", RFC3862_EXAMPLE.as_bytes().to_vec()),
        ("4kib", four_kib_message()),
    ];
    let mut group = c.benchmark_group("cpim");
    for (name, input) in &inputs {
        let message = CpimMessage::parse(input, &limits).expect("bench input parses");
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(format!("parse/{name}"), |b| {
            b.iter(|| CpimMessage::parse(black_box(input), &limits))
        });
        group.bench_function(format!("serialize/{name}"), |b| {
            b.iter(|| black_box(&message).to_bytes())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_cpim);
criterion_main!(benches);
