//! The one transport between the UI and the backend: Tauri's `invoke`, typed over the
//! `backroom-api` request and response types. Errors arrive as `ApiError {code, message, field}`.

use backroom_api::ApiError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

fn transport_error(message: impl Into<String>) -> ApiError {
    ApiError {
        code: "transport".into(),
        message: message.into(),
        field: None,
    }
}

/// Calls a backend command with named arguments (a struct or `serde_json::json!` object whose
/// keys are the command's parameters in camelCase).
pub async fn call<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, ApiError> {
    let args = args
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| transport_error(e.to_string()))?;
    match invoke(cmd, args).await {
        Ok(v) => {
            serde_wasm_bindgen::from_value(v).map_err(|e| transport_error(format!("{cmd}: {e}")))
        }
        Err(e) => Err(
            serde_wasm_bindgen::from_value::<ApiError>(e.clone()).unwrap_or_else(|_| {
                transport_error(e.as_string().unwrap_or_else(|| format!("{cmd} failed")))
            }),
        ),
    }
}

/// Calls a command that takes no arguments.
pub async fn call0<R: DeserializeOwned>(cmd: &str) -> Result<R, ApiError> {
    call(cmd, &serde_json::json!({})).await
}
