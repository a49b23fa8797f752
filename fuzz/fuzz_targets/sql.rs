#![no_main]
use libfuzzer_sys::fuzz_target;
use riskgate::analyzers::migration::sql;
use riskgate::config::Dialect;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite, Dialect::Generic] {
            for stmt in sql::split(text, dialect, 1) {
                let _ = sql::ops_of(&stmt, dialect);
            }
        }
    }
});
