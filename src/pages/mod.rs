//! One module per route.

pub mod admin;
pub mod categories;
pub mod dashboard;
pub mod editor;
pub mod home;
pub mod import_tab;
pub mod menu_editor;
pub mod not_found;
pub mod page;
pub mod post;
pub mod profile;
pub mod search;
pub mod settings;
pub mod setup;
pub mod sign_in;
pub mod subscribe;
pub mod tags;
