//! The one transport between the UI and the backend: Tauri's `invoke`, typed over the
//! `backroom-api` commands. A call site builds a request (`cmd::Search { query }`) and gets
//! that command's response type back; it never spells a command name or an argument key.
//! Errors arrive as `ApiError {code, message, field}`.

use backroom_api::cmd::{Answer, Command};
use backroom_api::{ApiError, ErrorCode};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

fn transport_error(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Transport, message)
}

/// How every command's arguments travel: the request under the one key its handler takes.
#[derive(Serialize)]
struct Envelope<'a, C> {
    request: &'a C,
}

/// Sends a request to the backend and returns its command's response.
pub async fn send<C: Command>(request: &C) -> Answer<C> {
    let args = Envelope { request }
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| transport_error(e.to_string()))?;
    match invoke(C::NAME, args).await {
        Ok(v) => serde_wasm_bindgen::from_value(v)
            .map_err(|e| transport_error(format!("{}: {e}", C::NAME))),
        Err(e) => Err(
            serde_wasm_bindgen::from_value::<ApiError>(e.clone()).unwrap_or_else(|_| {
                transport_error(
                    e.as_string()
                        .unwrap_or_else(|| format!("{} failed", C::NAME)),
                )
            }),
        ),
    }
}
