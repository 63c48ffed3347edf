//! The foundation: what every part of quire stands on and that knows no part of the blog.
//! The database handle and its transactions, configuration, passwords, markdown rendering
//! and sanitizing, image decoding, the mail transport. Nothing here imports a domain, an adapter or the
//! application (`scripts/layers.py` checks it).

pub mod config;
pub mod db;
pub mod images;
pub mod mailer;
pub mod markdown;
pub mod password;
pub mod readers;
