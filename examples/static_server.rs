//! A plain static file server, the benchmark's second ceiling beside nginx (scripts/bench.sh):
//! every request is a file read from DIR by tower-http's `ServeDir`, on the same HTTP stack as
//! quire (hyper through axum, keep-alive on, tokio's default worker per core), with no
//! compression, logging or other middleware.
//!
//!   static_server ADDR DIR

use axum::serve::ListenerExt;
use axum::Router;
use tower_http::services::ServeDir;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(addr), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: static_server ADDR DIR");
        std::process::exit(2);
    };
    let app = Router::new().fallback_service(ServeDir::new(dir));
    // TCP_NODELAY, as quire and nginx set it: without it each file waits for a delayed ACK.
    let listener = tokio::net::TcpListener::bind(addr.as_str())
        .await
        .expect("the static server's address is free")
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    axum::serve(listener, app)
        .await
        .expect("the static server runs");
}
