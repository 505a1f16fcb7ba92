//! The client's typed face: ACME's open tickets, newest first, as `Ticket` models.
//!
//! Against the simulator (any ConnectWise site works the same, with its own settings):
//!
//!     cargo run -p cw-sim &        # prints http://127.0.0.1:PORT
//!     CW_API_URL=http://127.0.0.1:PORT CW_COMPANY_ID=demo CW_PUBLIC_KEY=demo-public \
//!     CW_PRIVATE_KEY=demo-private CW_CLIENT_ID=5e1c0a7e-0000-4000-8000-00000000de70 \
//!     cargo run -p cw-client --example open_tickets

use cw_client::conditions::field;
use cw_client::resources::Tickets;
use cw_client::{Client, Config, Query};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new(&Config::from_env()?)?;
    let open = field("company/identifier")?
        .eq("ACME")?
        .and(field("closedFlag")?.eq(false)?);
    let query = Query::new()
        .conditions(open)
        .order_by("id desc")
        .page_size(10);
    let page = client.list::<Tickets>(&query).await?;
    for ticket in &page.items {
        let status = ticket.status.as_ref().and_then(|s| s.name.as_deref());
        println!(
            "#{} {} ({})",
            ticket.id,
            ticket.summary.as_deref().unwrap_or_default(),
            status.unwrap_or("no status")
        );
    }
    if page.has_more {
        println!("... and more on the next pages");
    }
    Ok(())
}
