//! `/artifacts` (multipart upload, metadata, content, delete) and the signed
//! `GET /artifact-download/{id}` link.

use std::sync::OnceLock;

use bytes::Bytes;
use http::{header, HeaderValue, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Ctx;
use crate::respond::{self, Body};
use crate::store::Artifact;
use crate::util::{b64url_encode, iso, nanoid, now_ms, random_u64};

/// Largest accepted upload (50 MiB).
const MAX_UPLOAD: usize = 52_428_800;
/// Longest lifetime of a signed link.
const LINK_MS: u64 = 15 * 60 * 1000;

fn signing_key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut k = [0u8; 32];
        for chunk in k.chunks_mut(8) {
            chunk.copy_from_slice(&random_u64().to_le_bytes());
        }
        k
    })
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let ipad = block.map(|b| b ^ 0x36);
    let opad = block.map(|b| b ^ 0x5c);
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize()
        .into()
}

fn signature(owner: &str, id: &str, expires: u64) -> String {
    b64url_encode(&hmac_sha256(
        signing_key(),
        format!("{owner}.{id}.{expires}").as_bytes(),
    ))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactRef<'a> {
    id: &'a str,
    owner_id: &'a str,
    purpose: &'static str,
    media_type: &'a str,
    size_bytes: usize,
    sha256: &'a str,
    created_at: String,
    expires_at: String,
    status: &'static str,
    download_url: String,
}

fn artifact_ref(ctx: &Ctx<'_>, id: &str, a: &Artifact, now: u64) -> Response<Body> {
    artifact_json(ctx, id, a, now, 200)
}

fn artifact_json(ctx: &Ctx<'_>, id: &str, a: &Artifact, now: u64, status: u16) -> Response<Body> {
    let scheme = if ctx.shared.tls { "https" } else { "http" };
    let host = ctx
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let expires = a.expires_ms.min(now + LINK_MS);
    let download_url = format!(
        "{scheme}://{host}/artifact-download/{id}?owner={}&expires={expires}&signature={}",
        a.tenant,
        signature(&a.tenant, id, expires)
    );
    respond::json(
        status,
        &ArtifactRef {
            id,
            owner_id: &a.tenant,
            purpose: a.purpose,
            media_type: &a.media_type,
            size_bytes: a.data.len(),
            sha256: &a.sha256,
            created_at: iso(a.created_ms),
            expires_at: iso(a.expires_ms),
            status: "ready",
            download_url,
        },
    )
}

fn file_required() -> Response<Body> {
    respond::error(400, "multipart field 'file' is required")
}

struct Form {
    file: Option<(Bytes, Option<String>)>,
    purpose: Option<String>,
    expires: Option<String>,
}

async fn read_form(ctx: &Ctx<'_>) -> Option<Form> {
    let content_type = ctx.headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let boundary = multer::parse_boundary(content_type).ok()?;
    let body = ctx.body.clone();
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut form = Form {
        file: None,
        purpose: None,
        expires: None,
    };
    while let Some(field) = multipart.next_field().await.ok()? {
        let name = field.name().unwrap_or("").to_string();
        let is_file = field.file_name().is_some();
        let media_type = field.content_type().map(|m| m.to_string());
        let data = field.bytes().await.ok()?;
        match name.as_str() {
            "file" if is_file && form.file.is_none() => form.file = Some((data, media_type)),
            "purpose" if !is_file => {
                form.purpose = Some(String::from_utf8_lossy(&data).into_owned())
            }
            "expiresInSeconds" if !is_file => {
                form.expires = Some(String::from_utf8_lossy(&data).into_owned())
            }
            _ => {}
        }
    }
    Some(form)
}

/// `POST /artifacts`.
pub(crate) async fn upload(ctx: &Ctx<'_>) -> Response<Body> {
    let Some(form) = read_form(ctx).await else {
        return file_required();
    };
    let Some((data, media_type)) = form.file else {
        return file_required();
    };
    if data.len() > MAX_UPLOAD {
        return respond::error(413, "artifact exceeds the 50 MiB upload limit");
    }
    let purpose = if form.purpose.as_deref() == Some("output") {
        "output"
    } else {
        "input"
    };
    let default_ttl: u64 = if purpose == "output" { 86_400 } else { 3_600 };
    let ttl = form
        .expires
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite())
        .map(|f| f.floor().clamp(60.0, 604_800.0) as u64)
        .unwrap_or(default_ttl);
    let now = now_ms();
    let id = format!("artifact_{}", nanoid(24));
    let artifact = Artifact {
        tenant: ctx.tenant.to_string(),
        purpose,
        media_type: media_type.unwrap_or_else(|| "application/octet-stream".into()),
        sha256: Sha256::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        data,
        created_ms: now,
        expires_ms: now + ttl * 1000,
    };
    let resp = artifact_json(ctx, &id, &artifact, now, 201);
    ctx.shared.store.lock().artifacts.insert(id, artifact);
    resp
}

fn not_found() -> Response<Body> {
    respond::error(404, "Artifact not found")
}

/// `GET /artifacts/{id}`.
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let now = now_ms();
    let mut inner = ctx.shared.store.lock();
    match inner.artifact(ctx.tenant, id, now) {
        Some(a) => artifact_ref(ctx, id, a, now),
        None => not_found(),
    }
}

fn content_response(id: &str, a: &Artifact) -> Response<Body> {
    let mut resp = Response::new(respond::full(a.data.clone()));
    let h = resp.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=60"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{id}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(a.data.len()));
    if let Ok(v) = HeaderValue::from_str(&a.media_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    resp
}

/// `GET /artifacts/{id}/content`.
pub(crate) fn content(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    match inner.artifact(ctx.tenant, id, now_ms()) {
        Some(a) => content_response(id, a),
        None => not_found(),
    }
}

/// `DELETE /artifacts/{id}`.
pub(crate) fn delete(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    if inner.artifact(ctx.tenant, id, now_ms()).is_none() {
        return not_found();
    }
    inner.artifacts.remove(id);
    respond::no_content()
}

/// `GET /artifact-download/{id}?owner=&expires=&signature=` (no auth).
pub(crate) fn signed_download(
    shared: &crate::server::Shared,
    id: &str,
    query: Option<&str>,
) -> Response<Body> {
    let param = |name: &str| {
        form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (owner, expires, sig) = (param("owner"), param("expires"), param("signature"));
    let Ok(expires_ms) = expires.parse::<u64>() else {
        return respond::error(403, "Invalid artifact download signature");
    };
    if signature(&owner, id, expires_ms) != sig {
        return respond::error(403, "Invalid artifact download signature");
    }
    let now = now_ms();
    if expires_ms <= now {
        return respond::error(410, "Artifact download link expired");
    }
    let mut inner = shared.store.lock();
    match inner.artifact(&owner, id, now) {
        Some(a) => content_response(id, a),
        None => not_found(),
    }
}
