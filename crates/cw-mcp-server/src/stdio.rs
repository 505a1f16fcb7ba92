//! The stdio transport, with a guard in front of rmcp's reader so that no request goes unanswered.
//!
//! rmcp silently drops a line serde_json refuses, and serde_json refuses nesting past 128 levels:
//! a request nested that deep would wait for the client's whole timeout. The guard reads each
//! line first, answers a request nested deeper than [`MAX_NESTING`] with a JSON-RPC error that
//! carries the request's own id, and passes every other line to rmcp unchanged. Its answers and
//! rmcp's are written to stdout whole lines at a time, so they never interleave.

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::io::{DuplexStream, duplex};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The deepest nesting of objects and arrays a message may have (tool arguments are flat values).
pub const MAX_NESTING: usize = 64;

/// The longest line read, as rmcp's own reader bounds it; a longer one is discarded.
const MAX_LINE: usize = rmcp::transport::async_rw::DEFAULT_MAX_LINE_LENGTH;

/// The buffer between the guard and rmcp in each direction.
const PIPE_BYTES: usize = 64 * 1024;

/// The JSON-RPC code for a message the server will not take as a request.
const INVALID_REQUEST: i64 = -32600;

/// rmcp's side of the guarded transport, and the task that writes its output to stdout.
pub struct Guarded {
    /// What rmcp reads from and writes to.
    pub transport: (DuplexStream, DuplexStream),
    /// Ends once rmcp's output has all been written; await it before the process exits.
    pub output: JoinHandle<()>,
}

/// The guarded transport over the process's stdin and stdout.
pub fn stdio() -> Guarded {
    let (input, output) = rmcp::transport::io::stdio_pipes();
    guard(input, output)
}

/// The guarded transport over any reader and writer of newline-delimited JSON-RPC.
pub fn guard<R, W>(input: R, output: W) -> Guarded
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    let (to_rmcp, rmcp_reads) = duplex(PIPE_BYTES);
    let (rmcp_writes, from_rmcp) = duplex(PIPE_BYTES);
    let (replies, replies_out) = mpsc::channel(16);
    tokio::spawn(inbound(input, to_rmcp, replies));
    let output = tokio::spawn(outbound(from_rmcp, replies_out, output));
    Guarded {
        transport: (rmcp_reads, rmcp_writes),
        output,
    }
}

/// Reads stdin line by line: answers what is nested too deep, passes the rest to rmcp.
async fn inbound<R: AsyncRead + Unpin>(
    input: R,
    mut to_rmcp: DuplexStream,
    replies: mpsc::Sender<Vec<u8>>,
) {
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        line.clear();
        match (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .await
        {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if line.len() > MAX_LINE {
            tracing::warn!(
                max_bytes = MAX_LINE,
                "an incoming message is longer than the longest line read; discarding it"
            );
            if skip_line(&mut reader).await.is_err() {
                break;
            }
            continue;
        }
        let depth = nesting(&line);
        if depth > MAX_NESTING {
            match refusal(&line, depth) {
                Some(reply) => {
                    tracing::warn!(depth, "refused a request nested too deep");
                    if replies.send(reply).await.is_err() {
                        break;
                    }
                }
                None => tracing::warn!(depth, "discarded a message nested too deep with no id"),
            }
            continue;
        }
        if to_rmcp.write_all(&line).await.is_err() {
            break;
        }
    }
    let _ = to_rmcp.shutdown().await;
}

/// Consumes the rest of an overlong line, up to and including its newline.
async fn skip_line<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> std::io::Result<()> {
    loop {
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(());
        }
        match buffer.iter().position(|&byte| byte == b'\n') {
            Some(end) => {
                reader.consume(end + 1);
                return Ok(());
            }
            None => {
                let length = buffer.len();
                reader.consume(length);
            }
        }
    }
}

/// Writes rmcp's output and the guard's answers to stdout, one whole line at a time.
async fn outbound<W: AsyncWrite + Unpin>(
    from_rmcp: DuplexStream,
    mut replies: mpsc::Receiver<Vec<u8>>,
    mut output: W,
) {
    let mut reader = BufReader::new(from_rmcp);
    let mut line = Vec::new();
    let mut replies_open = true;
    loop {
        tokio::select! {
            read = reader.read_until(b'\n', &mut line) => {
                // read_until keeps a partial line in `line` if the other branch wins.
                match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                if write_line(&mut output, &line).await.is_err() {
                    return;
                }
                line.clear();
            }
            reply = replies.recv(), if replies_open => match reply {
                Some(reply) => {
                    if write_line(&mut output, &reply).await.is_err() {
                        return;
                    }
                }
                None => replies_open = false,
            },
        }
    }
    // What rmcp left without a newline, then the answers sent as it stopped.
    let _ = write_line(&mut output, &line).await;
    while let Ok(reply) = replies.try_recv() {
        let _ = write_line(&mut output, &reply).await;
    }
}

async fn write_line<W: AsyncWrite + Unpin>(output: &mut W, line: &[u8]) -> std::io::Result<()> {
    output.write_all(line).await?;
    output.flush().await
}

/// How deeply objects and arrays nest in a line of JSON, counting none inside strings.
pub fn nesting(line: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in line {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The JSON-RPC error answering a request nested `depth` deep, if it has an id to answer.
fn refusal(line: &[u8], depth: usize) -> Option<Vec<u8>> {
    /// The one field read; serde_json skips the others without recursing.
    #[derive(Deserialize)]
    struct Request {
        id: Option<serde_json::Value>,
    }
    let id = serde_json::from_slice::<Request>(line).ok()?.id?;
    if !(id.is_string() || id.is_number()) {
        return None;
    }
    let message = format!(
        "This request nests objects and arrays {depth} levels deep; this server takes at most \
         {MAX_NESTING}. Send tool arguments as flat values (strings, numbers, booleans, or short \
         lists of them), for example {{\"conditions\": \"status/name = \\\"New\\\"\"}}."
    );
    let reply = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": INVALID_REQUEST, "message": message},
    });
    let mut bytes = serde_json::to_vec(&reply).ok()?;
    bytes.push(b'\n');
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn nested(levels: usize) -> String {
        format!(
            r#"{{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{"name":"x","arguments":{{"a":{}1{}}}}}}}"#,
            "[".repeat(levels),
            "]".repeat(levels)
        )
    }

    #[test]
    fn nesting_counts_brackets_outside_strings_only() {
        assert_eq!(nesting(br#"{"a":"{[{[\"{"}"#), 1);
        assert_eq!(nesting(br#"[[1],[[2]]]"#), 3);
        assert_eq!(nesting(b"42"), 0);
        assert_eq!(nesting(nested(125).as_bytes()), 128);
    }

    #[test]
    fn a_deep_request_is_answered_with_its_own_id() {
        let line = nested(125);
        let reply = refusal(line.as_bytes(), nesting(line.as_bytes())).expect("a reply");
        let reply: Value = serde_json::from_slice(&reply).unwrap();
        assert_eq!(reply["id"], 7);
        assert_eq!(reply["error"]["code"], INVALID_REQUEST);
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains("128 levels deep") && message.contains("at most 64"));
    }

    #[test]
    fn a_deep_notification_or_an_odd_id_gets_no_answer() {
        let notification = nested(125).replace(r#""id":7,"#, "");
        assert!(refusal(notification.as_bytes(), 128).is_none());
        let odd = nested(125).replace(r#""id":7"#, r#""id":{"x":1}"#);
        assert!(refusal(odd.as_bytes(), 128).is_none());
        assert!(refusal(b"not json", 128).is_none());
    }

    #[tokio::test]
    async fn the_guard_answers_deep_requests_and_passes_the_rest_through() {
        let (mut client, server_input) = duplex(PIPE_BYTES);
        let (server_output, client_reads) = duplex(PIPE_BYTES);
        let guarded = guard(server_input, server_output);
        let (mut rmcp_reads, mut rmcp_writes) = guarded.transport;
        let shallow = nested(3);
        client
            .write_all(format!("{}\n{shallow}\n", nested(125)).as_bytes())
            .await
            .unwrap();
        drop(client);

        let mut passed = String::new();
        rmcp_reads.read_to_string(&mut passed).await.unwrap();
        assert_eq!(passed, format!("{shallow}\n"));
        rmcp_writes
            .write_all(b"{\"from\":\"rmcp\"}\n")
            .await
            .unwrap();
        drop(rmcp_writes);
        guarded.output.await.unwrap();

        let mut lines = Vec::new();
        let mut reader = BufReader::new(client_reads).lines();
        while let Some(line) = reader.next_line().await.unwrap() {
            lines.push(serde_json::from_str::<Value>(&line).unwrap());
        }
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|line| line["id"] == 7 && line["error"].is_object())
        );
        assert!(lines.iter().any(|line| line["from"] == "rmcp"));
    }
}
