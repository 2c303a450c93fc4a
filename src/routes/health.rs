use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::app::{AppState, Db};

/// `GET /healthz` (SPEC §13): 200 when comments can be written, else 503 with the
/// reason: the SQLite writer thread is gone (every post would fail), the database
/// does not answer, or it has no room left to write (`crate::health`).
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    if state.writer.get().is_some_and(|w| !w.is_alive()) {
        return unavailable("writer");
    }
    let ok = state
        .db(|conn, _| conn.batch_execute("SELECT 1"))
        .await
        .is_ok();
    if !ok {
        unavailable("database")
    } else if state.space.is_full() {
        unavailable("disk_full")
    } else {
        HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
    }
}

fn unavailable(reason: &str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .json(serde_json::json!({"status": "unavailable", "reason": reason}))
}
