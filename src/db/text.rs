//! The typed states stored as text (`Status`, `Action`, `HoldReason`): how diesel
//! writes and reads them, on each backend and on the `MultiBackend` of `DbConn`.
//! The `MultiBackend` impls only hand over to the per-backend ones (as diesel's
//! `MultiConnection` documentation asks for a type it does not know). A stored value
//! that is not one of ours is a deserialization error, never a panic; a hold reason
//! has no such value (see `HoldReason::from_code`).

use std::borrow::Cow;
use std::io::Write;

use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use super::MultiBackend;
use crate::domain::{Action, HoldReason, Status};

/// A value stored as one text column.
trait StoredAsText: Sized {
    fn to_text(&self) -> Cow<'static, str>;
    fn from_text(text: &str) -> deserialize::Result<Self>;
}

impl StoredAsText for Status {
    fn to_text(&self) -> Cow<'static, str> {
        Cow::Borrowed(self.as_str())
    }
    fn from_text(text: &str) -> deserialize::Result<Self> {
        Ok(text.parse()?)
    }
}

impl StoredAsText for Action {
    fn to_text(&self) -> Cow<'static, str> {
        Cow::Borrowed(self.as_str())
    }
    fn from_text(text: &str) -> deserialize::Result<Self> {
        Action::parse(text).ok_or_else(|| format!("unknown action `{text}`").into())
    }
}

impl StoredAsText for HoldReason {
    fn to_text(&self) -> Cow<'static, str> {
        Cow::Owned(self.code())
    }
    fn from_text(text: &str) -> deserialize::Result<Self> {
        Ok(HoldReason::from_code(text))
    }
}

macro_rules! stored_as_text {
    ($($ty:ty),*) => {$(
        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.to_text().into_owned());
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(self.to_text().as_bytes())?;
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, MultiBackend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(
                bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
                <$ty>::from_text(&text)
            }
        }

        impl FromSql<Text, Pg> for $ty {
            fn from_sql(
                bytes: <Pg as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                <$ty>::from_text(&text)
            }
        }

        impl FromSql<Text, MultiBackend> for $ty {
            fn from_sql(
                bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, Text>()
            }
        }
    )*};
}

stored_as_text!(Status, Action, HoldReason);

#[cfg(test)]
mod tests {
    use diesel::dsl::sql;
    use diesel::prelude::*;
    use diesel::result::Error;

    use super::*;
    use crate::db::DbConn;

    /// Every backend this machine can reach: SQLite always, PostgreSQL when the
    /// test server is named (as for the API suite).
    fn connections() -> Vec<DbConn> {
        let mut all = vec![DbConn::Sqlite(
            diesel::SqliteConnection::establish(":memory:").unwrap(),
        )];
        if let Some(url) = std::env::var("TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            all.push(DbConn::Pg(diesel::PgConnection::establish(&url).unwrap()));
        }
        all
    }

    #[test]
    fn states_go_through_the_database_and_back() {
        for mut conn in connections() {
            for status in [
                Status::Pending,
                Status::Approved,
                Status::Spam,
                Status::Deleted,
            ] {
                let back: Status = diesel::select(status.into_sql::<Text>())
                    .get_result(&mut conn)
                    .unwrap();
                assert_eq!(back, status);
            }
            for action in Action::ALL {
                let back: Action = diesel::select(action.into_sql::<Text>())
                    .get_result(&mut conn)
                    .unwrap();
                assert_eq!(back, action);
            }
            for reason in [
                HoldReason::Links { count: 3, limit: 2 },
                HoldReason::ModerationWord("casino".into()),
                HoldReason::Other("moderation word: casino".into()),
            ] {
                let back: HoldReason = diesel::select(reason.clone().into_sql::<Text>())
                    .get_result(&mut conn)
                    .unwrap();
                assert_eq!(back, reason);
            }
        }
    }

    #[test]
    fn an_unknown_stored_state_is_a_deserialization_error() {
        for mut conn in connections() {
            let status = diesel::select(sql::<Text>("'published'")).get_result::<Status>(&mut conn);
            assert!(
                matches!(status, Err(Error::DeserializationError(_))),
                "{status:?}"
            );
            let action = diesel::select(sql::<Text>("'explode'")).get_result::<Action>(&mut conn);
            assert!(
                matches!(action, Err(Error::DeserializationError(_))),
                "{action:?}"
            );
        }
    }
}
