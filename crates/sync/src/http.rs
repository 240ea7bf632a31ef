//! The HTTP transport of sync (feature `http`): JSON over HTTP to a `backroom serve`, blocking
//! (the CLI and the desktop's worker thread call it, never an async context). Pushes go
//! zstd-compressed (`Content-Encoding: zstd`, level 3: about 40 bytes an op against 470 as
//! plain JSON, docs/benchmarks.md); answers come compressed when the server offers it.

use std::time::Duration;

use crate::client::Transport;
use crate::protocol::{
    EnrolRequest, EnrolResponse, PullResponse, PushRequest, PushResponse, StreamsResponse,
};

/// The longest long-poll this transport asks for (s).
const MAX_WAIT_S: u64 = 25;

/// A server at `base` (`http://host:port`), with the till's credential once it has one.
pub struct HttpTransport {
    base: String,
    token: Option<String>,
    client: reqwest::blocking::Client,
}

impl HttpTransport {
    /// A transport to `base`, with a 30 s timeout per request (a long-poll's wait on top).
    pub fn new(base: &str) -> Result<Self, String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30 + MAX_WAIT_S))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpTransport {
            base: base.trim_end_matches('/').to_string(),
            token: None,
            client,
        })
    }

    /// The same, sending `token` as the till's credential.
    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_string());
        self
    }

    /// Exchanges a one-time enrolment code for this till's credential.
    pub fn enrol(&self, code: &str) -> Result<EnrolResponse, String> {
        let r = self
            .client
            .post(format!("{}/v1/enrol", self.base))
            .json(&EnrolRequest {
                code: code.trim().to_string(),
            })
            .send()
            .map_err(|e| e.to_string())?;
        answer(r)
    }

    fn auth(&self, b: reqwest::blocking::RequestBuilder) -> reqwest::blocking::RequestBuilder {
        match &self.token {
            Some(t) => b.bearer_auth(t),
            None => b,
        }
    }
}

fn answer<T: serde::de::DeserializeOwned>(r: reqwest::blocking::Response) -> Result<T, String> {
    let status = r.status();
    if status.is_success() {
        r.json::<T>()
            .map_err(|e| format!("reading the answer: {e}"))
    } else {
        let text = r.text().unwrap_or_default();
        Err(format!("{status}: {text}"))
    }
}

impl Transport for HttpTransport {
    fn push(&mut self, request: &PushRequest) -> Result<PushResponse, String> {
        let json = serde_json::to_vec(request).map_err(|e| e.to_string())?;
        let body = zstd::bulk::compress(&json, 3).map_err(|e| e.to_string())?;
        let r = self
            .auth(self.client.post(format!("{}/v1/sync/push", self.base)))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "zstd")
            .body(body)
            .send()
            .map_err(|e| e.to_string())?;
        answer(r)
    }

    fn pull(&mut self, stream: &str, after: i64, limit: i64) -> Result<PullResponse, String> {
        self.pull_wait(stream, after, limit, 0)
    }

    fn pull_wait(
        &mut self,
        stream: &str,
        after: i64,
        limit: i64,
        wait_ms: u64,
    ) -> Result<PullResponse, String> {
        let r = self
            .auth(self.client.get(format!("{}/v1/sync/pull", self.base)))
            .query(&[
                ("stream", stream.to_string()),
                ("after", after.to_string()),
                ("limit", limit.to_string()),
                ("wait_ms", wait_ms.min(MAX_WAIT_S * 1000).to_string()),
            ])
            .send()
            .map_err(|e| e.to_string())?;
        answer(r)
    }

    fn snapshot(&mut self, stream: &str) -> Result<(i64, Vec<u8>), String> {
        let r = self
            .auth(self.client.get(format!("{}/v1/sync/snapshot", self.base)))
            .query(&[("stream", stream)])
            .send()
            .map_err(|e| e.to_string())?;
        let status = r.status();
        if !status.is_success() {
            let text = r.text().unwrap_or_default();
            return Err(format!("{status}: {text}"));
        }
        let seq = r
            .headers()
            .get("x-backroom-seq")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or("the snapshot's answer has no x-backroom-seq")?;
        let bytes = r
            .bytes()
            .map_err(|e| format!("reading the snapshot: {e}"))?;
        let db = zstd::stream::decode_all(&bytes[..])
            .map_err(|e| format!("the snapshot is not zstd: {e}"))?;
        Ok((seq, db))
    }

    fn stream_heads_wait(
        &mut self,
        known: i64,
        wait_ms: u64,
    ) -> Result<Vec<crate::protocol::StreamHead>, String> {
        let r = self
            .auth(self.client.get(format!("{}/v1/sync/streams", self.base)))
            .query(&[
                ("known", known.to_string()),
                ("wait_ms", wait_ms.min(MAX_WAIT_S * 1000).to_string()),
            ])
            .send()
            .map_err(|e| e.to_string())?;
        let page: StreamsResponse = answer(r)?;
        Ok(page.streams)
    }

    fn stream_heads(&mut self) -> Result<Vec<crate::protocol::StreamHead>, String> {
        let r = self
            .auth(self.client.get(format!("{}/v1/sync/streams", self.base)))
            .send()
            .map_err(|e| e.to_string())?;
        let page: StreamsResponse = answer(r)?;
        Ok(page.streams)
    }
}
