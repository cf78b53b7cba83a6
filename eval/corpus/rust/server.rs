use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use tokio::process::Command;

type HmacSha256 = Hmac<Sha256>;

pub struct AppState {
    pub upload_dir: PathBuf,
    pub asset_dir: PathBuf,
    pub client: reqwest::Client,
    pub signing_key: Vec<u8>,
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    url: String,
}

#[derive(Deserialize)]
pub struct ProfileQuery {
    name: String,
}

const AVATAR_HOSTS: [&str; 2] = ["avatars.githubusercontent.com", "secure.gravatar.com"];

pub async fn deliver_webhook(client: &reqwest::Client, url: &str, body: &str) -> bool {
    for attempt in 0..5u32 {
        match client.post(url).body(body.to_owned()).send().await {
            Ok(resp) if resp.status().is_success() => return true,
            Ok(resp) => tracing::warn!(url, status = %resp.status(), attempt, "webhook rejected"),
            Err(err) => tracing::warn!(url, %err, attempt, "webhook failed"),
        }
        if attempt < 4 {
            std::thread::sleep(Duration::from_millis(200 * 2u64.pow(attempt)));
        }
    }
    false
}

pub async fn load_settings(path: &Path) -> std::io::Result<toml::Value> {
    let text = tokio::fs::read_to_string(path).await?;
    let value: toml::Value = text
        .parse()
        .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))?;
    tracing::info!(path = %path.display(), "settings loaded");
    Ok(value)
}

pub async fn download(
    State(state): State<Arc<AppState>>,
    UrlPath(name): UrlPath<String>,
) -> Result<Vec<u8>, StatusCode> {
    let path = state.upload_dir.join(&name);
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok(bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(StatusCode::NOT_FOUND),
        Err(_) => Err(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

pub async fn asset(
    State(state): State<Arc<AppState>>,
    UrlPath(name): UrlPath<String>,
) -> Result<Vec<u8>, StatusCode> {
    let requested = Path::new(&name);
    if requested.components().any(|part| !matches!(part, Component::Normal(_))) {
        return Err(StatusCode::BAD_REQUEST);
    }
    tokio::fs::read(state.asset_dir.join(requested))
        .await
        .map_err(|_| StatusCode::NOT_FOUND)
}

pub async fn link_preview(
    State(state): State<Arc<AppState>>,
    Query(query): Query<PreviewQuery>,
) -> Result<String, StatusCode> {
    let response = state
        .client
        .get(&query.url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map_err(|_| StatusCode::BAD_GATEWAY)?;
    let page = response.text().await.map_err(|_| StatusCode::BAD_GATEWAY)?;
    Ok(page.chars().take(2_000).collect())
}

pub async fn fetch_avatar(state: &AppState, raw: &str) -> Result<bytes::Bytes, StatusCode> {
    let url = reqwest::Url::parse(raw).map_err(|_| StatusCode::BAD_REQUEST)?;
    let allowed = url.scheme() == "https"
        && url.host_str().is_some_and(|host| AVATAR_HOSTS.contains(&host));
    if !allowed {
        return Err(StatusCode::BAD_REQUEST);
    }
    let response = state.client.get(url).send().await.map_err(|_| StatusCode::BAD_GATEWAY)?;
    response.bytes().await.map_err(|_| StatusCode::BAD_GATEWAY)
}

pub async fn profile_page(Query(query): Query<ProfileQuery>) -> Html<String> {
    let name = query.name.trim();
    let greeting = if name.is_empty() { "Welcome" } else { "Welcome back" };
    Html(format!(
        "<main><h1>{greeting}, {name}!</h1><p>Your orders are below.</p></main>"
    ))
}

pub fn sign_session(user_id: u64, expires_at: u64) -> String {
    let key = b"f3a9c1e07b4d2a6e8c5f1b3d9e7a0c2f";
    let payload = format!("{user_id}.{expires_at}");
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    format!("{payload}.{signature}")
}

pub fn verify_session(state: &AppState, token: &str, now: u64) -> Option<u64> {
    let (payload, signature) = token.rsplit_once('.')?;
    let signature = hex::decode(signature).ok()?;
    let mut mac = HmacSha256::new_from_slice(&state.signing_key).ok()?;
    mac.update(payload.as_bytes());
    mac.verify_slice(&signature).ok()?;
    let (user_id, expires_at) = payload.split_once('.')?;
    if expires_at.parse::<u64>().ok()? <= now {
        return None;
    }
    user_id.parse().ok()
}

pub async fn backup_database(db_name: &str, target_dir: &str) -> std::io::Result<bool> {
    let script = format!("pg_dump {db_name} | gzip > {target_dir}/{db_name}.sql.gz");
    let status = Command::new("sh").arg("-c").arg(&script).status().await?;
    if !status.success() {
        tracing::warn!(db_name, "backup failed with {status}");
    }
    Ok(status.success())
}

pub async fn export_table(db_name: &str, table: &str, out: &Path) -> std::io::Result<bool> {
    let status = Command::new("pg_dump")
        .arg("--format=custom")
        .arg("--table")
        .arg(table)
        .arg("--file")
        .arg(out)
        .arg(format!("--dbname={db_name}"))
        .status()
        .await?;
    Ok(status.success())
}
