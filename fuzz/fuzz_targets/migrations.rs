#![no_main]
use libfuzzer_sys::fuzz_target;
use riskgate::analyzers::migration::{judge, read_file, Context};
use riskgate::classify::MigrationFormat;
use riskgate::config::Dialect;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for format in [MigrationFormat::Sql, MigrationFormat::Rails, MigrationFormat::Django, MigrationFormat::Alembic, MigrationFormat::Knex] {
            let script = read_file(format, text, Dialect::Postgres);
            let mut ctx = Context { path: "m".into(), ..Default::default() };
            let _ = judge(&script.ops, &mut ctx);
        }
    }
});
