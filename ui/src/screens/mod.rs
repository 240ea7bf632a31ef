//! One module per screen. Shared widgets are in [`crate::widgets`], pure logic in
//! [`crate::logic`], the one transport in [`crate::api`].

pub mod catalog;
pub mod customers;
pub mod feedback;
pub mod orders;
pub mod returns;
pub mod sales;
pub mod sell;
pub mod server;
pub mod settings;
pub mod shift;
pub mod start;
pub mod stock;
