//! Pieces of pages that more than one page uses.

pub mod error_notice;
pub mod form;
pub mod layout;
pub mod post_card;
