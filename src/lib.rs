//! Causerie: a self-hosted comment engine for blogs.

pub mod abuse;
pub mod app;
pub mod auth;
pub mod avatar;
pub mod backup;
pub mod cache;
pub mod clock;
pub mod comments;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod i18n;
pub mod import;
pub mod metrics;
pub mod moderation;
pub mod moving;
pub mod notify;
pub mod routes;
pub mod sanitize;
pub mod sites;
pub mod startup;
pub mod telemetry;
