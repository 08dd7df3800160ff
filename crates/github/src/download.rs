//! Asset downloads, streamed: `GET .../releases/assets/{id}` with
//! `Accept: application/octet-stream` answers with the bytes (200) or a redirect (302) to a
//! storage host, which is asked without the token. Each chunk goes to a temporary file beside
//! the final name and into the SHA-256 as it arrives, so no asset is ever held whole in
//! memory; the file is renamed into place once complete. A failed attempt (no answer, 5xx,
//! rate limit, a connection dropped mid-body) starts the asset again, within the backoff.

use std::io::Write;
use std::path::Path;

use bytes::Buf;
use github_protocol::reads::{AssetRef, Downloaded};
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};

use crate::{
    client::{describe, Client},
    error::{Error, Result},
    retry::{Backoff, Failure},
};

/// Redirects followed before giving up (GitHub uses one).
const MAX_REDIRECTS: usize = 5;

pub(crate) async fn download(
    client: &Client,
    asset: &AssetRef,
    dir: &Path,
    backoff: &mut Backoff,
) -> Result<Downloaded> {
    let what = format!("downloading asset {}", asset.name);
    loop {
        match attempt(client, asset, dir).await {
            Ok(Ok(downloaded)) => {
                backoff.succeeded();
                return Ok(downloaded);
            }
            Ok(Err(err)) => return Err(err),
            Err(failure) if failure.is_retryable() => backoff.wait(&what, &failure).await?,
            Err(failure) => return Err(failure.into_error(&what)),
        }
    }
}

/// One attempt: a [`Failure`] is worth retrying (or not, by its kind); an [`Error`] is local.
async fn attempt(
    client: &Client,
    asset: &AssetRef,
    dir: &Path,
) -> Result<Result<Downloaded>, Failure> {
    let mut url = format!("{}/releases/assets/{}", client.repo_url, asset.id);
    let mut bare = false;
    let mut response = None;
    for _ in 0..=MAX_REDIRECTS {
        let answer = client
            .get_response(&url, "application/octet-stream", bare)
            .await?;
        if !answer.status().is_redirection() {
            response = Some(answer);
            break;
        }
        let location = answer
            .headers()
            .get(http::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| {
                Failure::Transport(format!("a {} without a Location", answer.status()))
            })?;
        // The storage host is not GitHub's API: it gets no token.
        url = location.to_string();
        bare = true;
    }
    let Some(response) = response else {
        return Err(Failure::Transport(format!(
            "more than {MAX_REDIRECTS} redirects"
        )));
    };

    let path = dir.join(&asset.name);
    let part = dir.join(format!(".{}.part", asset.name));
    let write_error = |source| Error::WriteDownload {
        path: part.clone(),
        source,
    };
    let mut file = match std::fs::File::create(&part) {
        Ok(file) => file,
        Err(source) => return Ok(Err(write_error(source))),
    };
    let mut body = response.into_body();
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| Failure::Transport(describe(&err)))?;
        let Ok(mut data) = frame.into_data() else {
            continue;
        };
        while data.has_remaining() {
            let chunk = data.chunk();
            hasher.update(chunk);
            if let Err(source) = file.write_all(chunk) {
                return Ok(Err(write_error(source)));
            }
            size += chunk.len() as u64;
            let advance = chunk.len();
            data.advance(advance);
        }
    }
    if let Err(source) = file.flush().and_then(|()| std::fs::rename(&part, &path)) {
        return Ok(Err(write_error(source)));
    }
    Ok(Ok(Downloaded {
        id: asset.id,
        name: asset.name.clone(),
        size,
        digest: crate::request::digest_hex(&hasher.finalize()),
    }))
}
