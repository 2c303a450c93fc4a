//! `causerie-bench-ceiling ADDR FILE`: answers every GET with the bytes of FILE as
//! `application/json`, from memory. What a comment engine could at best do for a
//! thread it already has rendered: no database, no routing, no middleware.

use actix_web::{http::header, web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(file)) = (args.next(), args.next()) else {
        eprintln!("usage: causerie-bench-ceiling ADDR FILE");
        std::process::exit(2);
    };
    let body = web::Bytes::from(std::fs::read(&file)?);
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let body = body.clone();
            async move {
                HttpResponse::Ok()
                    .insert_header((header::CONTENT_TYPE, "application/json"))
                    .body(body)
            }
        }))
    })
    .bind(addr)?
    .run()
    .await
}
