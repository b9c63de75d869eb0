//! The eight in-process questions of the performance targets (the three multi-hop ones also
//! as the server answers them, through `pattern` and `neighbourhood { count }`), over a generated market of
//! 100,000 entities (set `PHONEGRAPH_BENCH_ENTITIES` for another size, e.g. 1000000).
//!
//! Criterion measures each question over a rotating set of inputs; a second pass then times
//! single calls and prints the median and 99th percentile, which criterion does not report.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use phonegraph::graph::{Budget, Direction, EntityIx, Graph, PathScratch, RelationFilter, Step};
use phonegraph::model::{DateBound, EntityKind, RelationKind as K};
use rustc_hash::FxHashSet;

/// The server's allocator, so that the questions allocate as they do when served.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

struct Market {
    graph: Graph,
    vendors: Vec<EntityIx>,
    products: Vec<EntityIx>,
    markets: Vec<EntityIx>,
    vendor_ids: Vec<String>,
}

fn market() -> Market {
    let entities: usize = std::env::var("PHONEGRAPH_BENCH_ENTITIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data = dir.path().join("data");
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed).unwrap();
    phonegraph::generate::generate(entities, 1, &data).expect("the market is written");
    let loaded = phonegraph::seed::load_with(
        &seed,
        &phonegraph::seed::LoadOptions {
            csv_dirs: vec![data],
            skip_bad_rows: false,
            ..phonegraph::seed::LoadOptions::default()
        },
    )
    .expect("the generated market loads");
    let graph = loaded.graph;
    let of = |prefix: &str| -> Vec<EntityIx> {
        (0..)
            .map(|i| format!("{prefix}-{i}"))
            .map_while(|id| graph.lookup(&id))
            .collect()
    };
    let (vendors, products, markets) = (of("vendor"), of("product"), of("market"));
    let vendor_ids = (0..vendors.len()).map(|i| format!("vendor-{i}")).collect();
    Market {
        graph,
        vendors,
        products,
        markets,
        vendor_ids,
    }
}

/// Deterministic sample positions: every input is a different entity.
fn pick(n: usize, i: usize) -> usize {
    (i.wrapping_mul(2_654_435_761)) % n
}

/// The relations of an entity with the other end's name (the lengths are summed so that the
/// names are really read).
fn relations_with_names(g: &Graph, e: EntityIx) -> usize {
    g.hops(e, Direction::Both)
        .map(|h| g.entity(h.other).name.len())
        .sum()
}

fn carriers_of_vendor_products(g: &Graph, vendor: EntityIx) -> usize {
    let makes = RelationFilter::kinds(&[K::Makes], Direction::Outgoing);
    let carries = RelationFilter::kinds(&[K::Carries], Direction::Incoming);
    let carriers_of = g.related_by(&carries);
    let mut carriers = FxHashSet::default();
    for product in g.related(vendor, &makes) {
        carriers.extend(carriers_of.of(product));
    }
    carriers.len()
}

fn path_length(g: &Graph, scratch: &PathScratch, a: EntityIx, b: EntityIx) -> Option<usize> {
    g.k_shortest_paths(
        a,
        b,
        6,
        &RelationFilter::default(),
        1,
        scratch,
        &Budget::unlimited(u64::MAX),
    )
    .unwrap_or_default()
    .first()
    .map(|p| p.hops.len())
}

fn within_two_hops(g: &Graph, product: EntityIx) -> usize {
    let mut seen = FxHashSet::default();
    seen.insert(product);
    let first: Vec<EntityIx> = g.neighbours(product).collect();
    for &n in &first {
        seen.insert(n);
        seen.extend(g.neighbours(n));
    }
    seen.len() - 1
}

/// Marks the products carried by carriers operating in the market, then reads each vendor's
/// products against the marks: each vendor's products lie side by side in its row, so the
/// second pass reads memory in order instead of looking up every product's maker.
fn top_vendors_in_market(
    g: &Graph,
    market: EntityIx,
    carried: &mut Vec<u64>,
) -> Vec<(EntityIx, usize)> {
    let operates = RelationFilter::kinds(&[K::OperatesIn], Direction::Incoming);
    let carries = RelationFilter::kinds(&[K::Carries], Direction::Outgoing);
    let makes = RelationFilter::kinds(&[K::Makes], Direction::Outgoing);
    carried.clear();
    carried.resize(g.entity_count().div_ceil(64), 0);
    let products_of = g.related_by(&carries);
    for carrier in g.related(market, &operates) {
        if g.kind_of(carrier) == phonegraph::model::EntityKind::Carrier {
            for product in products_of.of(carrier) {
                let bit = product.index();
                carried[bit / 64] |= 1 << (bit % 64);
            }
        }
    }
    let made_by = g.related_by(&makes);
    let mut top: Vec<(EntityIx, usize)> = Vec::with_capacity(11);
    for &vendor in g.entities_of(Some(phonegraph::model::EntityKind::Vendor)) {
        let count = made_by
            .of(vendor)
            .filter(|p| carried[p.index() / 64] & (1 << (p.index() % 64)) != 0)
            .count();
        if count > 0 && (top.len() < 10 || count > top[top.len() - 1].1) {
            // Vendors come in id order, so among equal counts the first stays ahead.
            let at = top.partition_point(|&(_, c)| c >= count);
            top.insert(at, (vendor, count));
            top.truncate(10);
        }
    }
    top
}

/// The three multi-hop questions as the server answers `pattern` and `neighbourhood { count }`:
/// through `Graph::traverse` and its counts, under a budget.
fn carriers_by_pattern(g: &Graph, vendor: EntityIx) -> usize {
    let steps = [
        step(&[K::Makes], Direction::Outgoing, EntityKind::Product),
        step(&[K::Carries], Direction::Incoming, EntityKind::Carrier),
    ];
    let matched = g
        .traverse(&[vendor], &steps, &Budget::unlimited(u64::MAX))
        .expect("no limit");
    matched.at(matched.steps()).len()
}

fn within_two_hops_count(g: &Graph, product: EntityIx) -> u64 {
    g.neighbourhood_count(
        product,
        2,
        &RelationFilter::default(),
        &Budget::unlimited(u64::MAX),
    )
    .expect("no limit")
}

fn top_vendors_by_pattern(g: &Graph, market: EntityIx) -> Vec<(EntityIx, u64)> {
    let steps = [
        step(&[K::OperatesIn], Direction::Incoming, EntityKind::Carrier),
        step(&[K::Carries], Direction::Outgoing, EntityKind::Product),
        step(&[K::Makes], Direction::Incoming, EntityKind::Vendor),
    ];
    let budget = Budget::unlimited(u64::MAX);
    let matched = g.traverse(&[market], &steps, &budget).expect("no limit");
    let mut top = g
        .traverse_counts(&matched, 3, 2, &budget)
        .expect("no limit");
    top.truncate(10);
    top
}

fn step(kinds: &[K], direction: Direction, reach: EntityKind) -> Step {
    Step {
        filter: RelationFilter::kinds(kinds, direction),
        reach: vec![reach],
    }
}

fn prefix_names(g: &Graph, prefix: &str) -> usize {
    g.search_index().search(prefix, 20).len()
}

fn partners_as_of(g: &Graph, vendor: EntityIx, filter: &RelationFilter) -> usize {
    g.relations_of(vendor, filter).count()
}

fn questions(c: &mut Criterion) {
    let m = market();
    let g = &m.graph;
    let scratch = PathScratch::new(1);
    let as_of = RelationFilter {
        kinds: vec![K::PartnersWith],
        as_of: Some(DateBound::parse("2020-06-30").unwrap().last_day()),
        ..RelationFilter::default()
    };
    let prefixes = [
        "phone 1",
        "vendor 2",
        "carrier 3",
        "person 4",
        "event 5",
        "market a",
    ];
    let mut i = 0usize;
    let mut next = || {
        i = i.wrapping_add(1);
        i
    };
    c.bench_function("entity by id", |b| {
        b.iter(|| g.lookup(black_box(&m.vendor_ids[pick(m.vendor_ids.len(), next())])))
    });
    c.bench_function("relations of one entity with names", |b| {
        b.iter(|| relations_with_names(g, m.products[pick(m.products.len(), next())]))
    });
    c.bench_function("carriers of a vendor's products", |b| {
        b.iter(|| carriers_of_vendor_products(g, m.vendors[pick(m.vendors.len(), next())]))
    });
    c.bench_function("shortest path <= 6 hops", |b| {
        b.iter(|| {
            let k = next();
            path_length(
                g,
                &scratch,
                m.products[pick(m.products.len(), k)],
                m.products[pick(m.products.len(), k + 7)],
            )
        })
    });
    c.bench_function("entities within 2 hops of a product", |b| {
        b.iter(|| within_two_hops(g, m.products[pick(m.products.len(), next())]))
    });
    c.bench_function("top 10 vendors by products carried in a market", |b| {
        let mut carried = Vec::new();
        b.iter(|| top_vendors_in_market(g, m.markets[pick(m.markets.len(), next())], &mut carried))
    });
    c.bench_function("carriers of a vendor's products, by pattern", |b| {
        b.iter(|| carriers_by_pattern(g, m.vendors[pick(m.vendors.len(), next())]))
    });
    c.bench_function("entities within 2 hops, neighbourhood count", |b| {
        b.iter(|| within_two_hops_count(g, m.products[pick(m.products.len(), next())]))
    });
    c.bench_function("top 10 vendors in a market, by pattern", |b| {
        b.iter(|| top_vendors_by_pattern(g, m.markets[pick(m.markets.len(), next())]))
    });
    c.bench_function("first 20 names by prefix", |b| {
        b.iter(|| prefix_names(g, prefixes[next() % prefixes.len()]))
    });
    c.bench_function("partners of a vendor as of a date", |b| {
        b.iter(|| partners_as_of(g, m.vendors[pick(m.vendors.len(), next())], &as_of))
    });

    // Single-call latencies, for the median and the 99th percentile.
    let report = |name: &str, calls: usize, f: &mut dyn FnMut(usize)| {
        let mut ns: Vec<u128> = (0..calls)
            .map(|k| {
                let t = Instant::now();
                f(k);
                t.elapsed().as_nanos()
            })
            .collect();
        ns.sort_unstable();
        println!(
            "latency {name:<48} p50 {:>9.2} µs   p99 {:>9.2} µs",
            ns[calls / 2] as f64 / 1000.0,
            ns[calls * 99 / 100] as f64 / 1000.0
        );
    };
    report("entity by id", 100_000, &mut |k| {
        black_box(g.lookup(&m.vendor_ids[pick(m.vendor_ids.len(), k)]));
    });
    report("relations of one entity with names", 100_000, &mut |k| {
        black_box(relations_with_names(
            g,
            m.products[pick(m.products.len(), k)],
        ));
    });
    report("carriers of a vendor's products", 20_000, &mut |k| {
        black_box(carriers_of_vendor_products(
            g,
            m.vendors[pick(m.vendors.len(), k)],
        ));
    });
    report("shortest path <= 6 hops", 5_000, &mut |k| {
        black_box(path_length(
            g,
            &scratch,
            m.products[pick(m.products.len(), k)],
            m.products[pick(m.products.len(), k + 7)],
        ));
    });
    report("entities within 2 hops of a product", 5_000, &mut |k| {
        black_box(within_two_hops(g, m.products[pick(m.products.len(), k)]));
    });
    let mut carried = Vec::new();
    report(
        "top 10 vendors by products carried in a market",
        1_000,
        &mut |k| {
            black_box(top_vendors_in_market(
                g,
                m.markets[pick(m.markets.len(), k)],
                &mut carried,
            ));
        },
    );
    report(
        "carriers of a vendor's products, by pattern",
        20_000,
        &mut |k| {
            black_box(carriers_by_pattern(g, m.vendors[pick(m.vendors.len(), k)]));
        },
    );
    report(
        "entities within 2 hops, neighbourhood count",
        5_000,
        &mut |k| {
            black_box(within_two_hops_count(
                g,
                m.products[pick(m.products.len(), k)],
            ));
        },
    );
    report("top 10 vendors in a market, by pattern", 1_000, &mut |k| {
        black_box(top_vendors_by_pattern(
            g,
            m.markets[pick(m.markets.len(), k)],
        ));
    });
    report("first 20 names by prefix", 20_000, &mut |k| {
        black_box(prefix_names(g, prefixes[k % prefixes.len()]));
    });
    report("partners of a vendor as of a date", 100_000, &mut |k| {
        black_box(partners_as_of(
            g,
            m.vendors[pick(m.vendors.len(), k)],
            &as_of,
        ));
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = questions
}
criterion_main!(benches);
