//! One module per route.

pub mod home;
pub mod not_found;
pub mod post;
pub mod profile;
pub mod settings;
pub mod sign_in;
