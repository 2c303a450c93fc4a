//! An import into the database of a running server: its readers see the imported
//! comments and counts at once (the thread cache learns through `thread_changes`,
//! as it does from another instance), and nobody is emailed.

use causerie::domain::Status;
use causerie::import::{self, Format, Options, Position, Sink, SourceComment, SourceThread};

use crate::helpers::{comment, spawn_app};

fn records(sink: &mut dyn Sink) -> anyhow::Result<()> {
    sink.thread(SourceThread {
        title_locked: false,
        key: "12".into(),
        url: "http://127.0.0.1/importe/?p=12".into(),
        title: Some("Un article importé".into()),
        closed: false,
        id: None,
        site: None,
        created_at: None,
        position: Position::Line(3),
    })?;
    for (id, parent, status) in [
        ("1", None, Status::Approved),
        ("2", Some("1"), Status::Approved),
        ("3", None, Status::Pending),
    ] {
        let mut c =
            SourceComment::new(id.into(), "12".into(), format!("Texte {id}"), 1_600_000_000);
        c.parent = parent.map(str::to_owned);
        c.author = format!("Lectrice {id}");
        c.email = Some(format!("lectrice{id}@example.org"));
        c.status = status;
        sink.comment(c)?;
    }
    Ok(())
}

#[actix_web::test]
async fn readers_see_imported_comments_and_counts_at_once() {
    let app = spawn_app().await;
    // Read (and cached) before the import.
    assert_eq!(
        app.list("/importe").await["comments"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let counts = app.get_json("/api/v1/counts?page=/importe").await;
    assert_eq!(counts["/importe"], 0, "{counts}");
    let sites = app.state.config.sites.clone();
    let mut conn = app.db();
    let summary = tokio::task::spawn_blocking(move || {
        import::run(
            &mut conn,
            &sites,
            &Options::new(Format::Wordpress),
            |s| records(s).map_err(import::ReadError::Sink),
            &mut |_| {},
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(summary.added(), 3);
    // Another process wrote: the cache hears of it within its second of polling.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let listed = loop {
        let listed = app.list("/importe").await;
        if listed["comments"].as_array().unwrap().len() == 2 || std::time::Instant::now() > deadline
        {
            break listed;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let shown = listed["comments"].as_array().unwrap();
    assert_eq!(shown.len(), 2, "approved ones only: {listed}");
    assert_eq!(shown[1]["parent"], shown[0]["id"]);
    assert!(
        !listed.to_string().contains("lectrice"),
        "no email is shown"
    );
    let counts = app.get_json("/api/v1/counts?page=/importe").await;
    assert_eq!(counts["/importe"], 2, "{counts}");
    // Readers can reply to an imported comment; no email went out for the import.
    assert_eq!(app.flush_outbox().await, 0);
    let mut reply = comment("/importe", "Camille", "Je réponds");
    reply["parent"] = shown[0]["id"].clone();
    assert_eq!(app.post_comment(&reply).await.status(), 201);
}
