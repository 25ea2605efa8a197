//! SQL text built together with its arguments, for the statements whose shape depends on the
//! call (a list of statuses, a multi-row insert).
//!
//! sqlx's `QueryBuilder` does this too, but its `build` borrows the builder for as long as the
//! arguments' lifetime, which generic code (where `DB::Arguments<'q>` is invariant in `'q`) cannot
//! satisfy; a [`Statement`] is taken apart instead.

use sqlx::{Arguments, Database, Encode, Type};
use vizjobs_store::{Result, StoreError};

pub(crate) struct Statement<'q, DB: Database> {
    sql: String,
    args: DB::Arguments<'q>,
    /// The first value that failed to encode, reported by [`Statement::finish`].
    failed: Option<String>,
}

impl<'q, DB: Database> Statement<'q, DB> {
    pub(crate) fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            args: Default::default(),
            failed: None,
        }
    }

    pub(crate) fn push(&mut self, sql: impl AsRef<str>) -> &mut Self {
        self.sql.push_str(sql.as_ref());
        self
    }

    /// Appends a placeholder (in the driver's syntax) and binds `value` to it.
    pub(crate) fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, DB> + Type<DB>,
    {
        if let Err(e) = self.args.add(value) {
            self.failed.get_or_insert(e.to_string());
        }
        if self.args.format_placeholder(&mut self.sql).is_err() {
            self.failed.get_or_insert("a placeholder".to_owned());
        }
        self
    }

    /// `(v1, v2, …)`, each value bound.
    pub(crate) fn push_bind_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: 'q + Encode<'q, DB> + Type<DB>,
    {
        self.push("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_bind(value);
        }
        self.push(")")
    }

    /// The SQL text and its arguments, for `sqlx::query_with` and its siblings.
    pub(crate) fn finish(self) -> Result<(String, DB::Arguments<'q>)> {
        match self.failed {
            None => Ok((self.sql, self.args)),
            Some(e) => Err(StoreError::Other(format!("cannot encode an argument: {e}"))),
        }
    }
}
