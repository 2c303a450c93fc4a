//! What several test crates share: the SMTP sink (`smtp`) and throwaway PostgreSQL
//! databases (`postgres`). Each crate uses part of it.
#![allow(dead_code)]

pub mod postgres;
pub mod smtp;
