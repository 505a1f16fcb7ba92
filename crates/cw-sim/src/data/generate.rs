//! Deterministic MSP demo data shaped like ConnectWise's entity schemas:
//! reference objects with `_info` hrefs, top-level `_info` with dates. Each domain
//! builds its own tables; they run in a fixed order, drawing from one random
//! stream, so that a seed always gives the same data.

use serde_json::json;

use super::generator::{Gen, Tables};
use super::{Dataset, companies, finance, people, projects, references, sales, service};

pub(super) fn generate(seed: u64, scale: f64, now: i64) -> Dataset {
    let mut g = Gen::new(seed, scale, now);
    let mut tables = Tables::new();
    people::members(&mut g, &mut tables);
    let lists = references::lists(&mut g, &mut tables);
    let boards = references::boards(&mut g, &mut tables);
    let facts = companies::companies(&mut g, &mut tables, &lists);
    companies::configurations(&mut g, &mut tables, &lists, &facts);
    let tickets = service::tickets(&mut g, &mut tables, &lists, &boards, &facts);
    let opportunities = sales::opportunities(&mut g, &mut tables, &facts);
    let agreements = finance::agreements(&mut g, &mut tables, &lists, &facts);
    finance::invoices(&mut g, &mut tables, &facts, &agreements);
    finance::charges(&mut g, &mut tables, &facts, &tickets);
    projects::projects(&mut g, &mut tables, &facts);
    sales::activities(&mut g, &mut tables, &facts, &opportunities);
    let system_info = json!({
        "version": "v2025.1.10487", "isCloud": false, "serverTimeZone": "Eastern Standard Time",
        "licenseBits": [{"name": "ServiceDesk", "activeFlag": true}, {"name": "Sales", "activeFlag": true}],
        "cloudRegion": "NA",
    });
    super::work::generate(&mut tables, seed, now);
    companies::a_contact_for_every_company(&mut tables, now);
    Dataset {
        tables,
        system_info,
        now,
        synthesized: Default::default(),
    }
}
