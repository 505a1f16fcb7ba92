//! A typed, read-only client for the ConnectWise Manage REST API.
//!
//! ```no_run
//! # async fn demo() -> Result<(), cw_client::Error> {
//! use cw_client::{Client, Config, Query, conditions::field, resources::Tickets};
//! let client = Client::new(&Config::from_env()?)?;
//! let open = field("closedFlag").unwrap().eq(false).unwrap();
//! let page = client.list::<Tickets>(&Query::new().conditions(open).page_size(10)).await?;
//! for ticket in page.items {
//!     println!("#{} {}", ticket.id, ticket.summary.unwrap_or_default());
//! }
//! # Ok(()) }
//! ```
//!
//! The client can only send GET requests: see [`Client`].

pub mod conditions;
pub mod models;
pub mod resources;
pub mod settings;

mod client;
mod config;
mod error;
mod identity;
mod page;
mod policy;
mod query;
mod quota;
mod retry;
mod secret;
mod sharing;
mod store;

pub use client::{CallRecorder, Client, MAX_BODY_BYTES, MAX_URL_CHARS, init_tls};
pub use config::{
    CREDENTIAL_VARS, Config, DEFAULT_API_URL, DEFAULT_API_VERSION, DEFAULT_CLIENT_ID,
    DEFAULT_CODEBASE, is_guid,
};
pub use error::{ApiError, ConfigError, Error, FieldError};
pub use identity::{Credentials, KeySource};
pub use page::{Links, Page, query_param};
pub use policy::{PathPattern, PathPolicy};
pub use query::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Query};
pub use quota::Budget;
pub use resources::{ApiPath, REFERENCE_PATHS};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use sharing::Sharing;
pub use store::StoreConfig;
