use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::app::{AppState, Db};

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let ok = state
        .db(|conn, _| conn.batch_execute("SELECT 1"))
        .await
        .is_ok();
    if ok {
        HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
    }
}
