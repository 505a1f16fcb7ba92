//! The test harness: faults injected into answers, and a journal of every request
//! received. Built only with the `harness` feature, which tests and the benchmark
//! turn on; the shipped binaries' demo mode has neither.

use std::sync::Arc;

use axum::extract::{Request, State as AxumState};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::faults::Faults;
use crate::journal::{Journal, JournalEntry};
use crate::server::State;

/// The identifier of the member a request was answered for, for the journal.
#[derive(Clone)]
struct Authenticated(String);

/// Marks `response` as answered for `member`, whom the journal then names.
pub(crate) fn answered_for(mut response: Response, member: &str) -> Response {
    response
        .extensions_mut()
        .insert(Authenticated(member.to_owned()));
    response
}

/// The faults to inject and the journal to keep.
#[derive(Debug)]
pub struct Harness {
    /// Injected faults.
    pub faults: Faults,
    /// Received requests.
    pub journal: Journal,
}

/// Journals each request, and answers it with an injected fault when one matches.
pub(crate) async fn journal_and_faults(
    AxumState(state): AxumState<Arc<State>>,
    request: Request,
    next: Next,
) -> Response {
    let received = std::time::Instant::now();
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let headers = request
        .headers()
        .iter()
        .filter(|(name, _)| *name != header::AUTHORIZATION)
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let fault = state.harness.faults.take(&path);
    if let Some(latency) = fault.as_ref().and_then(|f| f.latency) {
        let _stall = state.harness.faults.stall();
        tokio::time::sleep(latency).await;
    }
    let response = match fault.and_then(|f| f.response()) {
        Some(response) => response,
        None => next.run(request).await,
    };
    state.harness.journal.record(JournalEntry {
        method,
        path,
        query,
        headers,
        status: response.status().as_u16(),
        member: response
            .extensions()
            .get::<Authenticated>()
            .map(|a| a.0.clone()),
        received,
    });
    response
}
