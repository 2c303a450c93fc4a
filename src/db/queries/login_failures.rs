use diesel::prelude::*;

use crate::db::schema::login_failures;
use crate::db::DbConn;

pub fn record(conn: &mut DbConn, account: &str, ip: &str, now: i64) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::account.eq(account),
            login_failures::ip.eq(ip),
            login_failures::at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

pub fn count_for_account(conn: &mut DbConn, account: &str, since: i64) -> QueryResult<i64> {
    login_failures::table
        .filter(login_failures::account.eq(account))
        .filter(login_failures::at.ge(since))
        .count()
        .get_result(conn)
}

pub fn count_for_ip(conn: &mut DbConn, ip: &str, since: i64) -> QueryResult<i64> {
    login_failures::table
        .filter(login_failures::ip.eq(ip))
        .filter(login_failures::at.ge(since))
        .count()
        .get_result(conn)
}

pub fn clear_account(conn: &mut DbConn, account: &str) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::account.eq(account))).execute(conn)
}

pub fn purge(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::at.lt(before))).execute(conn)
}
