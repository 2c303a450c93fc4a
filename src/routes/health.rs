use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::app::{AppState, Db};

/// `GET /healthz` (SPEC §13): 200 when comments can be written, else 503 with the
/// reason: the SQLite writer thread is gone (every post would fail), or the database
/// does not answer.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    if state.writer.get().is_some_and(|w| !w.is_alive()) {
        return unavailable("writer");
    }
    let ok = state
        .db(|conn, _| conn.batch_execute("SELECT 1"))
        .await
        .is_ok();
    if ok {
        HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
    } else {
        unavailable("database")
    }
}

fn unavailable(reason: &str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .json(serde_json::json!({"status": "unavailable", "reason": reason}))
}
