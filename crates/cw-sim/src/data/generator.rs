//! The generator the demo data's domains share: one seeded random stream, the
//! demo's "now", the members records refer to, and the shapes ConnectWise gives
//! references, links and `_info`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::Table;
use super::time::{DAY, WEEK_OPENS, iso, week_start};

/// The tables generated so far, by path.
pub(super) type Tables = HashMap<&'static str, Table>;

/// Where the generated `_href` links point. `.invalid` is reserved: nothing answers there.
pub(super) const SITE: &str = "https://connectwise.sim.invalid/v4_6_release/apis/3.0";

/// The random stream and what every domain reads. The domains draw from the stream in a
/// fixed order, so that a seed always gives the same data.
pub(super) struct Gen {
    pub(super) rng: fastrand::Rng,
    scale: f64,
    /// The demo's "now": every date is before it.
    pub(super) now: i64,
    pub(super) members: Vec<Value>,
}

/// Bare facts of a generated company that later records refer to.
pub(super) struct CompanyFacts {
    pub(super) reference: Value,
    pub(super) site: Value,
    pub(super) contacts: Vec<Value>,
    pub(super) name: String,
    pub(super) domain: String,
}

/// A link to a record, as ConnectWise writes it (with its doubled slash).
pub(super) fn href(path: &str, id: u64) -> String {
    format!("{SITE}{path}/{id}").replace("3.0/", "3.0//")
}

/// A money amount rounded to cents, as ConnectWise stores it.
pub(super) fn money(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// `{"id", "name", "_info": {"<kind>_href": ...}}`, the reference shape.
pub(super) fn reference(kind: &str, path: &str, id: u64, name: &str) -> Value {
    json!({"id": id, "name": name, "_info": {format!("{kind}_href"): href(path, id)}})
}

impl Gen {
    /// A generator for `seed`, with record counts multiplied by `scale`, dated before `now`.
    pub(super) fn new(seed: u64, scale: f64, now: i64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Self {
            rng: fastrand::Rng::with_seed(seed),
            scale,
            now,
            members: Vec::new(),
        }
    }

    /// `base` records at scale 1, at least one.
    pub(super) fn count(&self, base: usize) -> usize {
        ((base as f64 * self.scale).round() as usize).max(1)
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    pub(super) fn chance(&mut self, percent: u8) -> bool {
        self.rng.u8(..100) < percent
    }

    /// A time on one of the `days` days before the demo's "now", on a working hour.
    pub(super) fn past(&mut self, days: i64) -> i64 {
        let day = self.rng.i64(1..=days.max(1));
        self.now.div_euclid(DAY) * DAY - day * DAY
            + self.rng.i64(13..23) * 3600
            + self.rng.i64(0..4) * 900
    }

    /// A time earlier this week (since Monday), or in the last day when the week has barely begun.
    pub(super) fn this_week(&mut self) -> i64 {
        let monday = week_start(self.now);
        let from = if self.now - monday >= WEEK_OPENS {
            monday
        } else {
            self.now - DAY
        };
        from + self.rng.i64(0..self.now - from - 4 * 3600)
    }

    pub(super) fn member_ref(&mut self, active_only: bool) -> Value {
        loop {
            let member = &self.members[self.rng.usize(..self.members.len())];
            if !active_only || member["inactiveFlag"] != json!(true) {
                return json!({
                    "id": member["id"], "identifier": member["identifier"],
                    "name": format!("{} {}", member["firstName"].as_str().unwrap_or_default(), member["lastName"].as_str().unwrap_or_default()),
                    "_info": {"member_href": href("/system/members", member["id"].as_u64().unwrap_or(0))},
                });
            }
        }
    }

    pub(super) fn member_identifier(&mut self) -> String {
        self.member_ref(true)["identifier"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// A reference to one of the company's contacts, when it has any.
    pub(super) fn contact_ref(&mut self, fact: &CompanyFacts) -> Option<Value> {
        if fact.contacts.is_empty() {
            return None;
        }
        let c = &fact.contacts[self.rng.usize(..fact.contacts.len())];
        Some(json!({"id": c["id"], "name": c["name"], "_info": c["_info"]}))
    }

    /// A record's own `_info`: entered and updated dates and who did it, plus links.
    pub(super) fn info(&mut self, entered: i64, links: &[(&str, String)]) -> Value {
        let updated = (entered + self.rng.i64(0..30 * DAY)).min(self.now);
        let mut info = Map::new();
        info.insert("lastUpdated".into(), json!(iso(updated)));
        info.insert("updatedBy".into(), json!(self.member_identifier()));
        info.insert("dateEntered".into(), json!(iso(entered)));
        info.insert("enteredBy".into(), json!(self.member_identifier()));
        for (key, link) in links {
            info.insert(format!("{key}_href"), json!(link));
        }
        Value::Object(info)
    }
}

/// Named reference lists (types, statuses, ...): rows (`{field: name, ...}`) turned into
/// records with ids from 1 and `_info`, and references to them.
pub(super) fn named_records(
    kind: &str,
    path: &str,
    field: &str,
    rows: &[Value],
    g: &mut Gen,
) -> (Vec<Value>, Vec<Value>) {
    let mut records = Vec::new();
    let mut refs = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let id = i as u64 + 1;
        let name = row[field].as_str().unwrap_or_default();
        let entered = g.now - 900 * DAY;
        let mut record = json!({"id": id, field: name, "_info": g.info(entered, &[])});
        if let (Value::Object(record), Value::Object(row)) = (&mut record, row) {
            record.extend(
                row.iter()
                    .filter(|(k, _)| *k != field)
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
        records.push(record);
        refs.push(reference(kind, path, id, name));
    }
    (records, refs)
}
