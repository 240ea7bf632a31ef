//! Who may do what on the server.
//!
//! - **Devices** (tills and head-office machines) hold a bearer credential they got for a
//!   one-time enrolment code. A till's credential names its store: it pushes to and pulls that
//!   store's stream only. A head-office credential names none: it reads every store's stream
//!   and writes only the chain's surveys and theme rules (as the pseudo-store `*`, copied to the
//!   catalogue). Revoking a device refuses its next request.
//! - **Server users** (owner, head office, store manager) sign in with an email and an argon2id
//!   password for a session: an access token valid [`ACCESS_MINUTES`] minutes and a refresh
//!   token valid [`REFRESH_DAYS`] days, single use (each refresh gives a new pair; a refresh
//!   token presented twice ends the session, since it was copied). Owner and head office may
//!   enrol and revoke devices of any store; a store manager those of their own store.
//!
//! Every secret is random (v4 UUIDs from the OS's randomness) and kept only as its SHA-256.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use backroom_sync::protocol::{
    EnrolRequest, EnrolResponse, EnrolmentRequest, EnrolmentResponse, LoginRequest, RefreshRequest,
    TokenResponse, HEAD_OFFICE,
};
use sqlx::postgres::PgPool;
use sqlx::Row;

use crate::{digest, secret, AppState, ServerError};

/// How long an access token lasts (minutes).
pub const ACCESS_MINUTES: i64 = 15;
/// How long a refresh token lasts (days).
pub const REFRESH_DAYS: i64 = 30;
/// The shortest password a server user may have (characters).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A device, as its credential says: its store (`None` for head office), and its device once
/// its first push bound it.
#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub(crate) token_hash: String,
    pub(crate) store: Option<String>,
    pub(crate) device_id: Option<String>,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

/// The device behind a request's `Authorization: Bearer …`; refused when missing, unknown or
/// revoked.
pub(crate) async fn credential(pool: &PgPool, headers: &HeaderMap) -> Result<Device, ServerError> {
    let token = bearer(headers).ok_or_else(|| {
        ServerError::Unauthorized("a till's credential is required (connect it first)".into())
    })?;
    let hash = digest(token);
    let row =
        sqlx::query("SELECT store_code, device_id, revoked FROM credential WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| ServerError::Unauthorized("this credential is not known here".into()))?;
    if row.try_get::<bool, _>(2)? {
        return Err(ServerError::Forbidden(
            "this till's credential is revoked".into(),
        ));
    }
    Ok(Device {
        token_hash: hash,
        store: row.try_get(0)?,
        device_id: row.try_get(1)?,
    })
}

/// Adds a store (`code` as the chain writes it, e.g. `CORNER`). Refuses a code in use.
pub async fn add_store(pool: &PgPool, code: &str, name: &str) -> Result<(), ServerError> {
    let code = code.trim().to_uppercase();
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ServerError::invalid(
            "code",
            "a store code is letters, digits and dashes",
        ));
    }
    let added =
        sqlx::query("INSERT INTO store (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(&code)
            .bind(name.trim())
            .execute(pool)
            .await?
            .rows_affected();
    if added == 0 {
        return Err(ServerError::invalid("code", format!("store {code} exists")));
    }
    Ok(())
}

/// `code` (trimmed, upper-cased) when it is a store's; else an error naming `store`.
pub(crate) async fn known_store(pool: &PgPool, code: &str) -> Result<String, ServerError> {
    let code = code.trim().to_uppercase();
    // Head office's pseudo-store `*` is nobody's to enrol a till into.
    let known: bool =
        sqlx::query_scalar("SELECT EXISTS(SELECT 1 FROM store WHERE code = $1 AND code <> '*')")
            .bind(&code)
            .fetch_one(pool)
            .await?;
    if known {
        Ok(code)
    } else {
        Err(ServerError::invalid("store", format!("no store {code}")))
    }
}

/// Issues a one-time enrolment code for a new till of `store`, valid for 7 days. Shown once:
/// the server keeps only its SHA-256.
pub async fn issue_enrolment(pool: &PgPool, store: &str) -> Result<String, ServerError> {
    let store = known_store(pool, store).await?;
    insert_enrolment(pool, Some(&store)).await
}

/// Issues a one-time enrolment code for a head-office device (reads every store), valid for 7
/// days.
pub async fn issue_head_office_enrolment(pool: &PgPool) -> Result<String, ServerError> {
    insert_enrolment(pool, None).await
}

async fn insert_enrolment(pool: &PgPool, store: Option<&str>) -> Result<String, ServerError> {
    let code = secret(4);
    sqlx::query(
        "INSERT INTO enrolment (code_hash, store_code, head_office, expires_at)
         VALUES ($1, $2, $3, now() + interval '7 days')",
    )
    .bind(digest(&code))
    .bind(store)
    .bind(store.is_none())
    .execute(pool)
    .await?;
    Ok(code)
}

/// Revokes the device with `device_code`: its next request is refused.
pub async fn revoke(pool: &PgPool, device_code: &str) -> Result<(), ServerError> {
    let done = sqlx::query("UPDATE credential SET revoked = true WHERE device_code = $1")
        .bind(device_code.trim().to_uppercase())
        .execute(pool)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(ServerError::invalid(
            "device",
            format!("no till {device_code}"),
        ));
    }
    Ok(())
}

/// `POST /v1/enrol`: a one-time code for a credential and a device code, in one transaction.
pub(crate) async fn enrol(
    State(state): State<AppState>,
    Json(req): Json<EnrolRequest>,
) -> Result<Json<EnrolResponse>, ServerError> {
    let mut tx = state.pool.begin().await?;
    let row = sqlx::query(
        "UPDATE enrolment SET used_at = now()
         WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now()
         RETURNING store_code",
    )
    .bind(digest(&req.code.to_uppercase()))
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| {
        ServerError::invalid("code", "this enrolment code is unknown, used or expired")
    })?;
    let store: Option<String> = row.try_get(0)?;
    let token = secret(16);
    let mut device_code = String::new();
    for _ in 0..100 {
        let candidate = secret(1);
        let taken: bool =
            sqlx::query_scalar("SELECT EXISTS(SELECT 1 FROM credential WHERE device_code = $1)")
                .bind(&candidate)
                .fetch_one(&mut *tx)
                .await?;
        if !taken {
            device_code = candidate;
            break;
        }
    }
    if device_code.is_empty() {
        return Err(ServerError::invalid(
            "code",
            "no free device code; try again",
        ));
    }
    sqlx::query(
        "INSERT INTO credential (token_hash, store_code, head_office, device_code)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(digest(&token))
    .bind(&store)
    .bind(store.is_none())
    .bind(&device_code)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Json(EnrolResponse {
        token,
        store: store.unwrap_or_else(|| HEAD_OFFICE.to_string()),
        device_code,
    }))
}

/// A server user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, including adding stores.
    Owner,
    /// Enrols and revokes devices of every store; reads every store.
    HeadOffice,
    /// Enrols and revokes devices of their own store.
    StoreManager,
}

impl Role {
    /// The name stored and shown: `owner`, `head_office`, `store_manager`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::HeadOffice => "head_office",
            Role::StoreManager => "store_manager",
        }
    }

    /// Reads a role name (as [`Role::as_str`] writes it; `-` may stand for `_`).
    pub fn parse(s: &str) -> Result<Role, ServerError> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "owner" => Ok(Role::Owner),
            "head_office" => Ok(Role::HeadOffice),
            "store_manager" => Ok(Role::StoreManager),
            other => Err(ServerError::invalid(
                "role",
                format!("{other:?} is not a role (owner, head_office, store_manager)"),
            )),
        }
    }
}

fn hash_password(password: &str) -> Result<String, ServerError> {
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .map_err(|e| ServerError::invalid("password", e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServerError::invalid("password", e.to_string()))
}

/// How many password verifies run at once.
const VERIFY_SLOTS: usize = 4;

fn verify_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| tokio::sync::Semaphore::new(VERIFY_SLOTS))
}

/// A hash of nothing anyone knows, verified when the email is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&crate::secret(8)).unwrap_or_default())
}

fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Adds a server user. `email` is kept lower-cased and must be new; `password` has at least
/// [`MIN_PASSWORD_CHARS`] characters; a store manager names their store, the other roles none.
pub async fn add_user(
    pool: &PgPool,
    email: &str,
    password: &str,
    role: Role,
    store: Option<&str>,
) -> Result<(), ServerError> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.len() < 3 {
        return Err(ServerError::invalid(
            "email",
            "an email address is required",
        ));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ServerError::invalid(
            "password",
            format!("at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let store = store.map(|s| s.trim().to_uppercase());
    match (role, &store) {
        (Role::StoreManager, None) => {
            return Err(ServerError::invalid(
                "store",
                "a store manager belongs to a store",
            ))
        }
        (Role::Owner | Role::HeadOffice, Some(_)) => {
            return Err(ServerError::invalid(
                "store",
                "only a store manager belongs to one store",
            ))
        }
        _ => {}
    }
    if let Some(code) = &store {
        known_store(pool, code).await?;
    }
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ServerError::invalid("password", e.to_string()))??;
    let added = sqlx::query(
        "INSERT INTO server_user (id, email, password_hash, role, store_code)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&email)
    .bind(&hash)
    .bind(role.as_str())
    .bind(&store)
    .execute(pool)
    .await?
    .rows_affected();
    if added == 0 {
        return Err(ServerError::invalid(
            "email",
            format!("{email} already has an account"),
        ));
    }
    Ok(())
}

/// Disables a server user and ends their sessions at once.
pub async fn disable_user(pool: &PgPool, email: &str) -> Result<(), ServerError> {
    let email = email.trim().to_lowercase();
    let mut tx = pool.begin().await?;
    let id: Option<String> =
        sqlx::query_scalar("UPDATE server_user SET disabled = true WHERE email = $1 RETURNING id")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(id) = id else {
        return Err(ServerError::invalid("email", format!("no user {email}")));
    };
    sqlx::query(
        "UPDATE user_session SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A signed-in server user.
#[derive(Debug, Clone)]
pub(crate) struct User {
    role: Role,
    store: Option<String>,
}

/// A new pair of tokens for `session` (the caller's transaction writes them).
async fn issue_tokens(
    tx: &mut sqlx::PgConnection,
    session: &str,
    user_id: &str,
    fresh: bool,
) -> Result<(String, String), ServerError> {
    let (access, refresh) = (secret(16), secret(16));
    let sql = if fresh {
        "INSERT INTO user_session (id, user_id, access_hash, access_expires_at, refresh_hash,
             refresh_expires_at)
         VALUES ($1, $2, $3, now() + make_interval(mins => $5::int), $4,
             now() + make_interval(days => $6::int))"
    } else {
        "UPDATE user_session SET access_hash = $3,
             access_expires_at = now() + make_interval(mins => $5::int),
             refresh_hash = $4, refresh_expires_at = now() + make_interval(days => $6::int)
         WHERE id = $1 AND user_id = $2"
    };
    sqlx::query(sql)
        .bind(session)
        .bind(user_id)
        .bind(digest(&access))
        .bind(digest(&refresh))
        .bind(ACCESS_MINUTES as i32)
        .bind(REFRESH_DAYS as i32)
        .execute(&mut *tx)
        .await?;
    Ok((access, refresh))
}

fn token_response(
    access: String,
    refresh: String,
    role: &str,
    store: Option<String>,
) -> TokenResponse {
    TokenResponse {
        access_token: access,
        refresh_token: refresh,
        expires_in: ACCESS_MINUTES * 60,
        role: role.to_string(),
        store,
    }
}

/// `POST /v1/auth/login`.
pub(crate) async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<TokenResponse>, ServerError> {
    let wrong = || ServerError::Unauthorized("the email or the password is wrong".into());
    let row = sqlx::query(
        "SELECT id, password_hash, role, store_code FROM server_user
         WHERE email = $1 AND NOT disabled",
    )
    .bind(req.email.trim().to_lowercase())
    .fetch_optional(&state.pool)
    .await?;
    // An unknown email costs the same verify as a known one (no enumeration by timing), and
    // at most a few verifies run at once (each takes ~19 MiB).
    let (user, hash) = match &row {
        Some(row) => {
            let (id, hash, role, store): (String, String, String, Option<String>) = (
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
            );
            (Some((id, role, store)), hash)
        }
        None => (None, dummy_hash().to_string()),
    };
    let _permit = verify_slots()
        .acquire()
        .await
        .map_err(|_| ServerError::Unauthorized("the server is shutting down".into()))?;
    let password = req.password;
    let ok = tokio::task::spawn_blocking(move || password_matches(&hash, &password))
        .await
        .unwrap_or(false);
    let Some((id, role, store)) = user.filter(|_| ok) else {
        return Err(wrong());
    };
    let mut tx = state.pool.begin().await?;
    let session = uuid::Uuid::new_v4().to_string();
    let (access, refresh) = issue_tokens(&mut tx, &session, &id, true).await?;
    tx.commit().await?;
    Ok(Json(token_response(access, refresh, &role, store)))
}

/// `POST /v1/auth/refresh`: a new pair for the session's current refresh token; a spent one
/// ends the session.
pub(crate) async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> Result<Json<TokenResponse>, ServerError> {
    let hash = digest(&req.refresh_token);
    let mut tx = state.pool.begin().await?;
    let row = sqlx::query(
        "SELECT s.id, s.user_id, u.role, u.store_code FROM user_session s
         JOIN server_user u ON u.id = s.user_id
         WHERE s.refresh_hash = $1 AND s.revoked_at IS NULL AND s.refresh_expires_at > now()
           AND NOT u.disabled
         FOR UPDATE OF s",
    )
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        // A refresh token used before: someone holds a copy. End that session.
        let ended = sqlx::query(
            "UPDATE user_session SET revoked_at = now()
             WHERE id = (SELECT session_id FROM spent_refresh WHERE refresh_hash = $1)
               AND revoked_at IS NULL",
        )
        .bind(&hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        return Err(ServerError::Unauthorized(if ended > 0 {
            "this refresh token was used before; the session is ended, sign in again".into()
        } else {
            "this session is over; sign in again".into()
        }));
    };
    let (session, user, role, store): (String, String, String, Option<String>) = (
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
    );
    sqlx::query("INSERT INTO spent_refresh (refresh_hash, session_id) VALUES ($1, $2)")
        .bind(&hash)
        .bind(&session)
        .execute(&mut *tx)
        .await?;
    let (access, refresh) = issue_tokens(&mut tx, &session, &user, false).await?;
    tx.commit().await?;
    Ok(Json(token_response(access, refresh, &role, store)))
}

/// `POST /v1/auth/logout`: ends the session of the refresh token.
pub(crate) async fn logout(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> Result<Json<serde_json::Value>, ServerError> {
    sqlx::query("UPDATE user_session SET revoked_at = now() WHERE refresh_hash = $1")
        .bind(digest(&req.refresh_token))
        .execute(&state.pool)
        .await?;
    Ok(Json(serde_json::json!({"signed_out": true})))
}

/// The user behind a request's access token.
async fn user(pool: &PgPool, headers: &HeaderMap) -> Result<User, ServerError> {
    let token = bearer(headers)
        .ok_or_else(|| ServerError::Unauthorized("sign in first (an access token)".into()))?;
    let row = sqlx::query(
        "SELECT u.role, u.store_code FROM user_session s JOIN server_user u ON u.id = s.user_id
         WHERE s.access_hash = $1 AND s.access_expires_at > now() AND s.revoked_at IS NULL
           AND NOT u.disabled",
    )
    .bind(digest(token))
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| {
        ServerError::Unauthorized("this access token is unknown or expired; refresh it".into())
    })?;
    let role: String = row.try_get(0)?;
    Ok(User {
        role: Role::parse(&role)?,
        store: row.try_get(1)?,
    })
}

impl User {
    /// Whether this user may manage devices of `store` (`None`: head office's).
    fn may_manage(&self, store: Option<&str>) -> Result<(), ServerError> {
        match (self.role, store) {
            (Role::Owner | Role::HeadOffice, _) => Ok(()),
            (Role::StoreManager, Some(s)) if self.store.as_deref() == Some(s) => Ok(()),
            (Role::StoreManager, _) => Err(ServerError::Forbidden(format!(
                "a store manager manages the devices of store {} only",
                self.store.as_deref().unwrap_or("?")
            ))),
        }
    }
}

/// `POST /v1/admin/enrolments`: a one-time code for a till of a store, or a head-office device.
pub(crate) async fn admin_enrol(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<EnrolmentRequest>,
) -> Result<Json<EnrolmentResponse>, ServerError> {
    let user = user(&state.pool, &headers).await?;
    let code = match (req.head_office, req.store.as_deref()) {
        (true, None) => {
            user.may_manage(None)?;
            issue_head_office_enrolment(&state.pool).await?
        }
        (false, Some(store)) => {
            user.may_manage(Some(&store.trim().to_uppercase()))?;
            issue_enrolment(&state.pool, store).await?
        }
        _ => {
            return Err(ServerError::invalid(
                "store",
                "name a store, or ask for head office (not both)",
            ))
        }
    };
    Ok(Json(EnrolmentResponse { code }))
}

/// `POST /v1/admin/devices/{code}/revoke`.
pub(crate) async fn admin_revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Json<serde_json::Value>, ServerError> {
    let user = user(&state.pool, &headers).await?;
    let code = code.trim().to_uppercase();
    let store: Option<Option<String>> =
        sqlx::query_scalar("SELECT store_code FROM credential WHERE device_code = $1")
            .bind(&code)
            .fetch_optional(&state.pool)
            .await?;
    let Some(store) = store else {
        return Err(ServerError::invalid("device", format!("no till {code}")));
    };
    user.may_manage(store.as_deref())?;
    revoke(&state.pool, &code).await?;
    Ok(Json(serde_json::json!({"revoked": code})))
}
