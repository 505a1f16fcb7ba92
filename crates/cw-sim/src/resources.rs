//! The simulated API surface: which paths exist, which table each reads,
//! and the singular name ConnectWise uses in its 404 messages. Paths follow
//! ConnectWise's OpenAPI document (2026.4); `/expense/entries`,
//! `/finance/billingCycles` and `/company/configurations` are absent from that
//! subset and modelled on their siblings.

/// A collection the simulator serves, with `/count` and `/{id}` beside it.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// Collection path, e.g. `/service/tickets`.
    pub path: &'static str,
    /// Singular name for messages, e.g. `Ticket`.
    pub entity: &'static str,
}

/// A collection under a parent record: `{parent}/{id}/{child}`.
#[derive(Debug, Clone, Copy)]
pub struct ChildResource {
    /// The parent collection's path.
    pub parent: &'static str,
    /// The child segment.
    pub child: &'static str,
    /// Singular name for messages.
    pub entity: &'static str,
    /// When ConnectWise lists references here rather than whole records: each reference
    /// field and the record field it is read from.
    pub references: Option<&'static [(&'static str, &'static str)]>,
}

impl ChildResource {
    /// A record as this collection answers it: whole, or as a reference.
    pub fn present(&self, record: &serde_json::Value) -> serde_json::Value {
        match self.references {
            None => record.clone(),
            Some(fields) => fields
                .iter()
                .filter_map(|(to, from)| record.get(*from).map(|v| ((*to).to_owned(), v.clone())))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
}

impl ChildResource {
    /// The key of the table holding these records.
    pub fn table_key(&self) -> String {
        format!("{}/{}", self.parent, self.child)
    }
}

/// Every top-level collection.
pub const RESOURCES: &[Resource] = &[
    Resource {
        path: "/company/companies",
        entity: "Company",
    },
    Resource {
        path: "/company/companies/types",
        entity: "CompanyType",
    },
    Resource {
        path: "/company/companies/statuses",
        entity: "CompanyStatus",
    },
    Resource {
        path: "/company/contacts",
        entity: "Contact",
    },
    Resource {
        path: "/company/contacts/types",
        entity: "ContactType",
    },
    Resource {
        path: "/company/configurations",
        entity: "Configuration",
    },
    Resource {
        path: "/company/configurations/types",
        entity: "ConfigurationType",
    },
    Resource {
        path: "/service/tickets",
        entity: "Ticket",
    },
    Resource {
        path: "/service/priorities",
        entity: "Priority",
    },
    Resource {
        path: "/service/sources",
        entity: "Source",
    },
    Resource {
        path: "/service/boards",
        entity: "Board",
    },
    Resource {
        path: "/sales/opportunities",
        entity: "Opportunity",
    },
    Resource {
        path: "/sales/activities",
        entity: "Activity",
    },
    Resource {
        path: "/finance/agreements",
        entity: "Agreement",
    },
    Resource {
        path: "/finance/invoices",
        entity: "Invoice",
    },
    Resource {
        path: "/finance/billingCycles",
        entity: "BillingCycle",
    },
    Resource {
        path: "/expense/entries",
        entity: "ExpenseEntry",
    },
    Resource {
        path: "/time/entries",
        entity: "TimeEntry",
    },
    Resource {
        path: "/project/projects",
        entity: "Project",
    },
    Resource {
        path: "/system/members",
        entity: "Member",
    },
    Resource {
        path: "/schedule/entries",
        entity: "ScheduleEntry",
    },
    Resource {
        path: "/project/tickets",
        entity: "ProjectTicket",
    },
    Resource {
        path: "/service/teams",
        entity: "ServiceTeam",
    },
    Resource {
        path: "/sales/orders",
        entity: "SalesOrder",
    },
    Resource {
        path: "/time/sheets",
        entity: "TimeSheet",
    },
    Resource {
        path: "/service/SLAs",
        entity: "SLA",
    },
    Resource {
        path: "/procurement/purchaseorders",
        entity: "PurchaseOrder",
    },
];

/// Every child collection.
pub const CHILD_RESOURCES: &[ChildResource] = &[
    ChildResource {
        parent: "/company/companies",
        child: "sites",
        entity: "CompanySite",
        references: None,
    },
    ChildResource {
        parent: "/service/tickets",
        child: "notes",
        entity: "ServiceNote",
        references: None,
    },
    ChildResource {
        parent: "/service/tickets",
        child: "tasks",
        entity: "TicketTask",
        references: None,
    },
    ChildResource {
        parent: "/service/tickets",
        child: "scheduleentries",
        entity: "ScheduleEntry",
        references: Some(&[("id", "id"), ("description", "name"), ("_info", "_info")]),
    },
    ChildResource {
        parent: "/service/tickets",
        child: "timeentries",
        entity: "TimeEntry",
        references: Some(&[("id", "id"), ("_info", "_info")]),
    },
    ChildResource {
        parent: "/service/boards",
        child: "statuses",
        entity: "BoardStatus",
        references: None,
    },
    ChildResource {
        parent: "/finance/agreements",
        child: "additions",
        entity: "Addition",
        references: None,
    },
    ChildResource {
        parent: "/project/projects",
        child: "phases",
        entity: "ProjectPhase",
        references: None,
    },
    ChildResource {
        parent: "/service/boards",
        child: "teams",
        entity: "BoardTeam",
        references: None,
    },
];

/// What a request path under `/apis/3.0` names.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A collection page.
    List(&'static str),
    /// A collection's `/count`.
    Count(&'static str),
    /// One record.
    Record(&'static str, &'static str, u64),
    /// A parent's children page.
    Children(ChildRef, u64),
    /// A parent's children `/count`.
    ChildCount(ChildRef, u64),
    /// One child record.
    ChildRecord(ChildRef, u64, u64),
    /// `/system/info`.
    SystemInfo,
}

/// Which child collection, by index into [`CHILD_RESOURCES`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChildRef(pub usize);

impl ChildRef {
    /// The child collection's description.
    pub fn resource(self) -> &'static ChildResource {
        &CHILD_RESOURCES[self.0]
    }
}

/// Resolves a path below `/apis/3.0` (with its leading `/`). `None` means 404.
pub fn route(path: &str) -> Option<Target> {
    let path = path.trim_end_matches('/');
    if path.eq_ignore_ascii_case("/system/info") {
        return Some(Target::SystemInfo);
    }
    let id = |s: &str| {
        s.parse::<u64>()
            .ok()
            .filter(|_| s.bytes().all(|b| b.is_ascii_digit()))
    };
    for resource in RESOURCES {
        let Some(rest) = strip_prefix_ci(path, resource.path) else {
            continue;
        };
        let segments: Vec<&str> = rest.split('/').skip(1).collect();
        match segments.as_slice() {
            [] => return Some(Target::List(resource.path)),
            ["count"] => return Some(Target::Count(resource.path)),
            [record] if id(record).is_some() => {
                return id(record).map(|id| Target::Record(resource.path, resource.entity, id));
            }
            _ => {}
        }
    }
    for (index, child) in CHILD_RESOURCES.iter().enumerate() {
        let Some(rest) = strip_prefix_ci(path, child.parent) else {
            continue;
        };
        let segments: Vec<&str> = rest.split('/').skip(1).collect();
        let child_ref = ChildRef(index);
        match segments.as_slice() {
            [parent, name] if name.eq_ignore_ascii_case(child.child) => {
                return id(parent).map(|p| Target::Children(child_ref, p));
            }
            [parent, name, "count"] if name.eq_ignore_ascii_case(child.child) => {
                return id(parent).map(|p| Target::ChildCount(child_ref, p));
            }
            [parent, name, record] if name.eq_ignore_ascii_case(child.child) => {
                return id(parent)
                    .zip(id(record))
                    .map(|(p, r)| Target::ChildRecord(child_ref, p, r));
            }
            _ => {}
        }
    }
    None
}

/// Case-insensitive prefix match that ends on a segment boundary.
fn strip_prefix_ci<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let head = path.get(..prefix.len())?;
    let rest = &path[prefix.len()..];
    (head.eq_ignore_ascii_case(prefix) && (rest.is_empty() || rest.starts_with('/')))
        .then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_to_their_targets() {
        assert_eq!(
            route("/service/tickets"),
            Some(Target::List("/service/tickets"))
        );
        assert_eq!(
            route("/service/tickets/count"),
            Some(Target::Count("/service/tickets"))
        );
        assert_eq!(
            route("/service/tickets/42"),
            Some(Target::Record("/service/tickets", "Ticket", 42))
        );
        assert_eq!(
            route("/company/companies/types"),
            Some(Target::List("/company/companies/types"))
        );
        assert_eq!(
            route("/company/companies/types/2"),
            Some(Target::Record("/company/companies/types", "CompanyType", 2))
        );
        assert!(matches!(
            route("/service/tickets/42/notes"),
            Some(Target::Children(_, 42))
        ));
        assert!(matches!(
            route("/service/tickets/42/notes/count"),
            Some(Target::ChildCount(_, 42))
        ));
        assert!(matches!(
            route("/service/tickets/42/notes/7"),
            Some(Target::ChildRecord(_, 42, 7))
        ));
        assert_eq!(route("/system/info"), Some(Target::SystemInfo));
        for missing in [
            "/service/ticketsx",
            "/service/tickets/abc",
            "/service/tickets/-1",
            "/nope",
            "/service/tickets/1/../2",
            "/service/tickets/+1",
        ] {
            assert_eq!(route(missing), None, "{missing}");
        }
    }
}
