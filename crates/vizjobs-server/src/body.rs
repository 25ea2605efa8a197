//! The JSON body extractor of the jobs API.
//!
//! axum's own `Json` answers plain-text rejections and insists on a content type; ModelArts
//! clients expect the failure body, and some send JSON without the header. This extractor reads
//! at most [`MAX_BODY_BYTES`] and maps every failure to the spec's codes: 413 for an oversized
//! body, 400 `ModelArts.0101` for anything that is not a JSON object of the right types.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use vizjobs_api::ErrorCode;

use crate::error::AppError;

/// The largest request body the API reads (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request<Body>, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req.into_body()).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// How much of an oversized body is read and thrown away before answering 413: a client that
/// writes its whole body before reading the answer then gets the answer instead of a reset.
const DRAIN_LIMIT: usize = 16 * MAX_BODY_BYTES;

/// Reads a request body of at most [`MAX_BODY_BYTES`].
pub async fn read_body(body: Body) -> Result<Bytes, AppError> {
    let mut stream = body.into_data_stream();
    let mut collected = BytesMut::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            AppError::new(ErrorCode::Malformed, "The request body could not be read")
        })?;
        seen += chunk.len();
        if seen <= MAX_BODY_BYTES {
            collected.extend_from_slice(&chunk);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err(AppError::new(
            ErrorCode::TooLarge,
            format!("The request body is over the limit of {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(collected.freeze())
}

/// Decodes a JSON object, naming the failing field in the message.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| AppError::new(ErrorCode::Malformed, "The request body is not UTF-8"))?;
    if !text.trim_start().starts_with('{') {
        return Err(AppError::new(
            ErrorCode::Malformed,
            "The request body must be a JSON object",
        ));
    }
    serde_json::from_str(text).map_err(|err| {
        AppError::new(
            ErrorCode::Malformed,
            format!("The request body is not valid: {err}"),
        )
    })
}
