//! What is particular to each database: connecting, pool settings, transient errors,
//! migrations and the [`Dialect`](crate::Dialect).

pub(crate) mod postgres;
pub(crate) mod sqlite;
