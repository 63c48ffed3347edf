//! Pieces of pages that more than one page uses.

pub mod address;
pub mod comments;
pub mod error_notice;
pub mod form;
pub mod hole;
pub mod island;
pub mod layout;
pub mod post_card;
