//! What several test crates share: the SMTP sink (`smtp`), throwaway PostgreSQL
//! databases (`postgres`) and the binary run as a child (`process`). Each crate uses part of it.
#![allow(dead_code)]

pub mod postgres;
pub mod process;
pub mod smtp;
