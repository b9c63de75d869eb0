//! A synthetic but realistic smartphone market in the bulk CSV layout, for benchmarks and
//! demos: a few giant vendors and carriers and many small ones (skewed degrees), products made,
//! carried and sold, headquarters agreeing with country codes, executives and events. The same
//! entity count and seed always write the same bytes.
//!
//! Invariant: this module writes files only; it knows nothing of the graph or the loader.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use rand_core::Rng;
use rand_pcg::Pcg64;

use crate::model::date::{civil_from_days, days_from_civil};

/// What was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generated {
    /// Rows of `nodes.csv`.
    pub entities: usize,
    /// Rows of `edges.csv`.
    pub relations: usize,
}

struct Gen {
    rng: Pcg64,
}

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n.max(1) as u64) as usize
    }

    /// An index in `0..n` skewed towards 0: a power law, so the first few are giants.
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * u) * n as f64) as usize % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.rng.next_u64() % 100 < percent
    }

    /// A day between 2000-01-01 and 2025-12-31.
    fn day(&mut self) -> i32 {
        let (lo, hi) = (days_from_civil(2000, 1, 1), days_from_civil(2025, 12, 31));
        lo + self.below((hi - lo) as usize) as i32
    }
}

fn iso(day: i32) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Writes `nodes.csv` and `edges.csv` for a market of about `entities` entities into `dir`.
pub fn generate(entities: usize, seed: u64, dir: &Path) -> io::Result<Generated> {
    std::fs::create_dir_all(dir)?;
    let mut g = Gen {
        rng: Pcg64::new(
            u128::from(seed) ^ 0xcafe_f00d_d15e_a5e5,
            0xa02b_dbf7_bb3c_0a7a_c28f_a16a_64ab_f96b,
        ),
    };
    let n = entities.max(50);
    let markets = (n / 4000).clamp(10, 26 * 26);
    let vendors = n * 3 / 100;
    let carriers = n / 100;
    let retailers = n / 100;
    let people = n * 5 / 100;
    let events = n / 10;
    let products = n - markets - vendors - carriers - retailers - people - events;

    let mut nodes = BufWriter::with_capacity(1 << 20, File::create(dir.join("nodes.csv"))?);
    let mut edges = BufWriter::with_capacity(1 << 20, File::create(dir.join("edges.csv"))?);
    writeln!(nodes, "id,kind,name,country,date")?;
    writeln!(edges, "from,to,kind,since,until")?;
    let mut rows = Generated {
        entities: 0,
        relations: 0,
    };
    let code = |i: usize| {
        let bytes = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8];
        String::from_utf8_lossy(&bytes).into_owned()
    };
    for m in 0..markets {
        writeln!(nodes, "market-{m},Market,Market {},{},", code(m), code(m))?;
        rows.entities += 1;
    }
    let mut edge = |from: &str, to: &str, kind: &str, g: &mut Gen, rows: &mut Generated| {
        let since = if g.chance(30) {
            iso(g.day())
        } else {
            String::new()
        };
        let until = if !since.is_empty() && g.chance(15) {
            iso(days_from_civil(2026, 1, 1) + g.below(2000) as i32)
        } else {
            String::new()
        };
        rows.relations += 1;
        writeln!(edges, "{from},{to},{kind},{since},{until}")
    };
    // Organisations: headquarters (agreeing with the country column) and markets served.
    for (prefix, kind, count, name) in [
        ("vendor", "Vendor", vendors, "Mobile"),
        ("carrier", "Carrier", carriers, "Telecom"),
        ("retailer", "Retailer", retailers, "Stores"),
    ] {
        for i in 0..count {
            let hq = g.skewed(markets);
            let founded = iso(g.day() - 20 * 365);
            writeln!(
                nodes,
                "{prefix}-{i},{kind},{kind} {i} {name},{},{founded}",
                code(hq)
            )?;
            rows.entities += 1;
            let id = format!("{prefix}-{i}");
            edge(
                &id,
                &format!("market-{hq}"),
                "HEADQUARTERED_IN",
                &mut g,
                &mut rows,
            )?;
            // Giants (low numbers) operate in many markets.
            let reach = 1 + markets * 4 / (4 + i);
            for _ in 0..reach.min(markets).min(12) {
                let m = g.below(markets);
                edge(
                    &id,
                    &format!("market-{m}"),
                    "OPERATES_IN",
                    &mut g,
                    &mut rows,
                )?;
            }
        }
    }
    for v in 0..vendors {
        for _ in 0..1 + g.below(3) {
            let c = g.skewed(carriers);
            edge(
                &format!("vendor-{v}"),
                &format!("carrier-{c}"),
                "PARTNERS_WITH",
                &mut g,
                &mut rows,
            )?;
        }
        let rival = g.skewed(vendors);
        if rival != v {
            edge(
                &format!("vendor-{v}"),
                &format!("vendor-{rival}"),
                "COMPETES_WITH",
                &mut g,
                &mut rows,
            )?;
        }
    }
    for p in 0..products {
        let release = iso(g.day());
        writeln!(nodes, "product-{p},Product,Phone {p},,{release}")?;
        rows.entities += 1;
        let id = format!("product-{p}");
        let maker = g.skewed(vendors);
        edge(&format!("vendor-{maker}"), &id, "MAKES", &mut g, &mut rows)?;
        for _ in 0..1 + g.below(4) {
            let c = g.skewed(carriers);
            edge(&format!("carrier-{c}"), &id, "CARRIES", &mut g, &mut rows)?;
        }
        for _ in 0..g.below(3) {
            let r = g.skewed(retailers);
            edge(&format!("retailer-{r}"), &id, "SELLS", &mut g, &mut rows)?;
        }
    }
    let orgs = vendors + carriers + retailers;
    let org = |i: usize| {
        if i < vendors {
            format!("vendor-{i}")
        } else if i < vendors + carriers {
            format!("carrier-{}", i - vendors)
        } else {
            format!("retailer-{}", i - vendors - carriers)
        }
    };
    for p in 0..people {
        writeln!(nodes, "person-{p},Person,Person {p},,")?;
        rows.entities += 1;
        edge(
            &format!("person-{p}"),
            &org(g.skewed(orgs)),
            "EXECUTIVE_OF",
            &mut g,
            &mut rows,
        )?;
    }
    for e in 0..events {
        let date = iso(g.day());
        writeln!(nodes, "event-{e},Event,Event {e},,{date}")?;
        rows.entities += 1;
        for _ in 0..2 + g.below(3) {
            let other = match g.below(3) {
                0 => org(g.skewed(orgs)),
                1 => format!("product-{}", g.below(products)),
                _ => format!("person-{}", g.below(people)),
            };
            edge(&format!("event-{e}"), &other, "INVOLVES", &mut g, &mut rows)?;
        }
    }
    nodes.flush()?;
    edges.flush()?;
    Ok(rows)
}
