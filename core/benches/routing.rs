//! Routing throughput through memory adapters on one core, without and with the durable outbox.
//!
//! Each iteration pushes a batch of chat messages from one memory adapter through the router to another and
//! waits until the last is delivered (and acknowledged, which removes it from the outbox). Everything runs on
//! a current-thread runtime, so the figure is per core.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use switchboard_core::adapter::AddressClaim;
use switchboard_core::address::{Address, Scheme};
use switchboard_core::envelope::{Envelope, EnvelopeId, Payload};
use switchboard_core::message::{Message, MessageKind};
use switchboard_core::router::RouterBuilder;
use switchboard_core::store::{SharedStore, SledStore};
use switchboard_core::testing::MemoryAdapter;

const BATCH: u64 = 20_000;

fn claim(scheme: Scheme, domain: &str) -> Vec<AddressClaim> {
    vec![AddressClaim::Domain {
        scheme,
        domain: domain.to_owned(),
    }]
}

fn bench_routing(c: &mut Criterion, durable: bool) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let store: SharedStore = Arc::new(SledStore::open(&dir.path().join("store")).expect("store"));
    let from: Address = "xmpp:alice@example.org/phone".parse().expect("address");
    let to: Address = "irc://libera/bob,isnick".parse().expect("address");
    let template = Message::text(
        MessageKind::Chat,
        &from,
        &to,
        "hello from the routing bench",
    );

    let (source, source_handle) =
        MemoryAdapter::counting("xmpp", claim(Scheme::Xmpp, "example.org"));
    let (sink, sink_handle) = MemoryAdapter::counting("irc:libera", claim(Scheme::Irc, "libera"));
    let gateway = runtime.block_on(async {
        RouterBuilder::new(Arc::clone(&store))
            .durable(durable)
            .adapter(source)
            .adapter(sink)
            .start()
            .expect("start")
    });

    let name = if durable {
        "route_chat_with_outbox"
    } else {
        "route_chat_in_memory"
    };
    let mut group = c.benchmark_group("routing");
    group.throughput(Throughput::Elements(BATCH));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    let mut next_id = 0u64;
    group.bench_function(name, |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let envelopes: Vec<Envelope> = (0..BATCH)
                    .map(|_| {
                        next_id += 1;
                        Envelope::new(
                            EnvelopeId(next_id),
                            Payload::Message(Box::new(template.clone())),
                        )
                    })
                    .collect();
                let target = sink_handle.delivered_count() + BATCH;
                let started = Instant::now();
                runtime.block_on(async {
                    for envelope in envelopes {
                        source_handle.inject(envelope).await;
                    }
                    while sink_handle.delivered_count() < target {
                        tokio::task::yield_now().await;
                    }
                });
                total += started.elapsed();
            }
            total
        });
    });
    group.finish();
    runtime.block_on(gateway.shutdown());
}

fn routing(c: &mut Criterion) {
    bench_routing(c, false);
    bench_routing(c, true);
}

criterion_group!(benches, routing);
criterion_main!(benches);
