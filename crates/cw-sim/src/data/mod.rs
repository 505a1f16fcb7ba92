//! The simulator's records: generated once from a seed and a scale, then read-only.

mod companies;
mod finance;
mod generate;
mod generator;
mod injections;
mod names;
mod people;
mod projects;
mod references;
mod sales;
mod service;
pub mod time;
mod work;

use std::collections::HashMap;

use serde_json::Value;

/// One collection's records in id order, indexed by id and (for child
/// collections) by parent id.
#[derive(Debug, Default)]
pub struct Table {
    records: Vec<Value>,
    by_id: HashMap<u64, usize>,
    by_parent: HashMap<u64, Vec<usize>>,
}

impl Table {
    /// Builds a table; `parent_key` is the `/`-separated path of the parent id
    /// in each record (`ticketId`, `company/id`), for child collections.
    pub fn new(mut records: Vec<Value>, parent_key: Option<&str>) -> Self {
        records.sort_by_key(record_id);
        let by_id = records
            .iter()
            .enumerate()
            .map(|(i, r)| (record_id(r), i))
            .collect();
        let mut by_parent: HashMap<u64, Vec<usize>> = HashMap::new();
        if let Some(key) = parent_key {
            for (i, record) in records.iter().enumerate() {
                let parent = key
                    .split('/')
                    .try_fold(record, |v, k| v.get(k))
                    .and_then(Value::as_u64);
                if let Some(parent) = parent {
                    by_parent.entry(parent).or_default().push(i);
                }
            }
        }
        Self {
            records,
            by_id,
            by_parent,
        }
    }

    /// Every record, in id order.
    pub fn records(&self) -> &[Value] {
        &self.records
    }

    /// The record with this id.
    pub fn get(&self, id: u64) -> Option<&Value> {
        self.by_id.get(&id).map(|&i| &self.records[i])
    }

    /// The records under one parent, in id order.
    pub fn children_of(&self, parent: u64) -> Vec<&Value> {
        self.by_parent
            .get(&parent)
            .map(|ids| ids.iter().map(|&i| &self.records[i]).collect())
            .unwrap_or_default()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// The `id` of a record (0 when missing).
pub fn record_id(record: &Value) -> u64 {
    record.get("id").and_then(Value::as_u64).unwrap_or(0)
}

/// All the simulator's data.
#[derive(Debug)]
pub struct Dataset {
    tables: HashMap<&'static str, Table>,
    /// The `/system/info` answer.
    pub system_info: Value,
    /// The data's "now".
    now: i64,
    /// Records for the rest of ConnectWise's document, made on first use.
    synthesized: crate::synth::Synthesized,
}

impl Dataset {
    /// Generates the demo data, dated before `now` (Unix seconds). The same seed,
    /// scale and now always give the same data. `scale` multiplies every count
    /// (1.0 gives about 50 companies and 1,000 tickets).
    pub fn generate(seed: u64, scale: f64, now: i64) -> Self {
        generate::generate(seed, scale, now)
    }

    /// The default demo data (default seed, scale 1, [`time::FIXED_NOW`]), generated once per process
    /// and shared: test suites start many simulators over it.
    pub fn shared() -> std::sync::Arc<Dataset> {
        static SHARED: std::sync::OnceLock<std::sync::Arc<Dataset>> = std::sync::OnceLock::new();
        SHARED
            .get_or_init(|| {
                std::sync::Arc::new(Dataset::generate(crate::DEFAULT_SEED, 1.0, time::FIXED_NOW))
            })
            .clone()
    }

    /// A table by its key: a collection path (`/service/tickets`), or for a
    /// child collection the parent path and child segment (`/service/tickets/notes`).
    pub fn table(&self, key: &str) -> Option<&Table> {
        self.tables.get(key)
    }

    /// The data's "now" (Unix seconds): every date is before it.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// The records synthesized for the paths the curated data does not cover.
    pub fn synthesized(&self) -> &crate::synth::Synthesized {
        &self.synthesized
    }

    /// Every table key with its record count.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<_> = self.tables.iter().map(|(k, t)| (*k, t.len())).collect();
        counts.sort();
        counts
    }
}
