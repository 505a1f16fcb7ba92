//! The query string of a collection request, checked before it is sent.

use std::fmt::Display;

use crate::conditions;
use crate::error::Error;

/// ConnectWise's largest page.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// ConnectWise's page size when none is given.
pub const DEFAULT_PAGE_SIZE: u32 = 25;

/// Query parameters for a collection (or `/count`) request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    conditions: Option<String>,
    child_conditions: Option<String>,
    custom_field_conditions: Option<String>,
    order_by: Option<String>,
    fields: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
    page_id: Option<u64>,
}

fn non_blank(value: impl Display) -> Option<String> {
    let value = value.to_string();
    (!value.trim().is_empty()).then_some(value)
}

impl Query {
    /// An empty query: the first page of 25 in ConnectWise's default order.
    pub fn new() -> Self {
        Self::default()
    }

    /// `conditions`: a string in the conditions grammar or a built [`conditions::Expr`].
    pub fn conditions(mut self, conditions: impl Display) -> Self {
        self.conditions = non_blank(conditions);
        self
    }

    /// `childConditions`, e.g. `communicationItems/value like "%@acme.com"`.
    pub fn child_conditions(mut self, conditions: impl Display) -> Self {
        self.child_conditions = non_blank(conditions);
        self
    }

    /// `customFieldConditions`, e.g. `caption = "Tier" AND value = "Gold"`.
    pub fn custom_field_conditions(mut self, conditions: impl Display) -> Self {
        self.custom_field_conditions = non_blank(conditions);
        self
    }

    /// `orderBy`, e.g. `_info/dateEntered desc, id asc`.
    pub fn order_by(mut self, order_by: impl Display) -> Self {
        self.order_by = non_blank(order_by);
        self
    }

    /// `fields`, e.g. `id,summary,company/name`.
    pub fn fields(mut self, fields: impl Display) -> Self {
        self.fields = non_blank(fields);
        self
    }

    /// `page` (1-based).
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// `pageSize` (1 to 1000).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// `pageId`, for forward-only pagination (records with `id > pageId`).
    pub fn page_id(mut self, page_id: u64) -> Self {
        self.page_id = Some(page_id);
        self
    }

    /// The page number that will be asked for.
    pub fn page_number(&self) -> u32 {
        self.page.unwrap_or(1)
    }

    /// The page size that will be asked for.
    pub fn page_size_or_default(&self) -> u32 {
        self.page_size.unwrap_or(DEFAULT_PAGE_SIZE)
    }

    /// True when forward-only pagination is asked for.
    pub fn is_forward_only(&self) -> bool {
        self.page_id.is_some()
    }

    /// Checks every parameter and returns them in the order they are sent.
    pub fn to_pairs(&self) -> Result<Vec<(&'static str, String)>, Error> {
        let mut pairs = Vec::new();
        for (name, value) in [
            ("conditions", &self.conditions),
            ("childConditions", &self.child_conditions),
            ("customFieldConditions", &self.custom_field_conditions),
        ] {
            if let Some(value) = value {
                conditions::parse(value).map_err(|source| Error::Conditions {
                    parameter: name,
                    source,
                })?;
                pairs.push((name, value.clone()));
            }
        }
        if let Some(order_by) = &self.order_by {
            check_order_by(order_by)?;
            pairs.push(("orderBy", order_by.clone()));
        }
        if let Some(fields) = &self.fields {
            check_fields(fields)?;
            pairs.push(("fields", fields.clone()));
        }
        if self.page_id.is_some() && self.order_by.is_some() {
            return Err(Error::InvalidRequest(
                "orderBy cannot be combined with pageId: forward-only pagination always runs in id order".into(),
            ));
        }
        if let Some(page) = self.page {
            if page == 0 {
                return Err(Error::InvalidRequest(
                    "page must be 1 or more (pages start at 1)".into(),
                ));
            }
            pairs.push(("page", page.to_string()));
        }
        if let Some(size) = self.page_size {
            if !(1..=MAX_PAGE_SIZE).contains(&size) {
                return Err(Error::InvalidRequest(format!(
                    "pageSize must be between 1 and {MAX_PAGE_SIZE} (got {size})"
                )));
            }
            pairs.push(("pageSize", size.to_string()));
        }
        if let Some(page_id) = self.page_id {
            pairs.push(("pageId", page_id.to_string()));
        }
        Ok(pairs)
    }
}

fn check_order_by(order_by: &str) -> Result<(), Error> {
    for item in order_by.split(',') {
        let mut words = item.split_whitespace();
        let field = words.next().unwrap_or_default();
        let direction = words.next();
        let valid = conditions::field(field).is_ok()
            && direction
                .is_none_or(|d| d.eq_ignore_ascii_case("asc") || d.eq_ignore_ascii_case("desc"))
            && words.next().is_none();
        if !valid {
            return Err(Error::InvalidRequest(format!(
                "orderBy item {:?} is not `field`, `field asc` or `field desc` (e.g. \"_info/dateEntered desc, id\")",
                item.trim()
            )));
        }
    }
    Ok(())
}

fn check_fields(fields: &str) -> Result<(), Error> {
    for item in fields.split(',') {
        if conditions::field(item.trim()).is_err() {
            return Err(Error::InvalidRequest(format!(
                "fields item {:?} is not a field path (e.g. \"id,summary,company/name\")",
                item.trim()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_come_in_order_and_blank_values_are_dropped() {
        let query = Query::new()
            .conditions("closedFlag = false")
            .child_conditions("  ")
            .order_by("id desc")
            .fields("id,summary,company/name")
            .page(2)
            .page_size(50);
        let pairs = query.to_pairs().unwrap();
        let names: Vec<_> = pairs.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            ["conditions", "orderBy", "fields", "page", "pageSize"]
        );
    }

    #[test]
    fn bad_parameters_are_refused_before_sending() {
        let err = Query::new().page_size(1001).to_pairs().unwrap_err();
        assert!(
            err.to_string()
                .contains("pageSize must be between 1 and 1000"),
            "{err}"
        );
        assert!(Query::new().page_size(0).to_pairs().is_err());
        assert!(Query::new().page(0).to_pairs().is_err());
        assert!(Query::new().order_by("id sideways").to_pairs().is_err());
        assert!(Query::new().order_by("id; drop").to_pairs().is_err());
        assert!(Query::new().fields("id,,summary").to_pairs().is_err());
        assert!(Query::new().page_id(5).order_by("id").to_pairs().is_err());
        match Query::new().conditions("status = Open").to_pairs() {
            Err(Error::Conditions {
                parameter: "conditions",
                source,
            }) => assert_eq!(source.position, 9),
            other => panic!("{other:?}"),
        }
    }
}
