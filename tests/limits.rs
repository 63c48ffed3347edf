//! Connection-level limits: slow clients are cut off and oversized request heads refused, so
//! a handful of hostile connections cannot hold the server's connections or memory.

mod common;

use std::time::{Duration, Instant};

use common::{spawn_app_with, Backend};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn connect(app: &common::TestApp) -> TcpStream {
    let addr = app.base_url.trim_start_matches("http://");
    TcpStream::connect(addr).await.expect("connect")
}

/// Reads until the server closes the connection (or `limit` passes); returns what it sent.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(limit, stream.read_to_end(&mut answer)).await;
    read.ok()
        .map(|_| String::from_utf8_lossy(&answer).into_owned())
}

async fn slow_clients_are_cut_off(backend: Backend) {
    let app = spawn_app_with(backend, &[("QUIRE_HEADER_TIMEOUT_SECS", "1")]).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    // A header line every 300 ms: the request never completes.
    let started = Instant::now();
    let trickle = async {
        for i in 0..30 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if stream
                .write_all(format!("X-Slow-{i}: x\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    };
    trickle.await;
    let closed = read_until_closed(&mut stream, Duration::from_secs(2)).await;
    assert!(closed.is_some(), "the slow connection is still open");
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(10),
        "cut off after {elapsed:?}"
    );

    // Meanwhile a normal client is served as usual.
    let (status, _) = app.get_text("/health").await;
    assert_eq!(status, 200);
}

async fn oversized_headers_are_refused(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let mut stream = connect(&app).await;
    let huge = "a".repeat(100 * 1024);
    let request =
        format!("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Huge: {huge}\r\n\r\n");
    // The server may stop reading before all of it is sent.
    let _ = stream.write_all(request.as_bytes()).await;
    let answer = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("the server answers and closes");
    assert!(
        answer.starts_with("HTTP/1.1 431"),
        "{}",
        answer.lines().next().unwrap_or_default()
    );
    // The API answers in its envelope.
    let res = app
        .client
        .get(app.url("/api/posts"))
        .header("x-huge", "c".repeat(40 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 431);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["success"], false);
    let long = format!("/search?q={}", "d".repeat(9 * 1024));
    assert_eq!(app.get(&long).await.status(), 414);

    // Headers of an ordinary size still work.
    let res = app
        .client
        .get(app.url("/health"))
        .header("x-fine", "b".repeat(8 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

on_both_backends!(slow_clients_are_cut_off, oversized_headers_are_refused);
