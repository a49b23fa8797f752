//! The throwaway database: created under a unique name by a role that is not a superuser,
//! reached with timeouts on every connection, and dropped at the end, also on error.

pub use crate::shapes::source::db_message;
use crate::shapes::source::redact;
use anyhow::{anyhow, bail, Result};
use postgres::{Client, Config, NoTls};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const PREFIX: &str = "riskgate_rehearsal_";
/// Leftovers of an interrupted rehearsal by the same role are dropped after this long.
const STALE_SECS: u64 = 6 * 3600;
/// Every statement and every lock wait is bounded: a migration that hangs is a finding, not a
/// stuck CI job.
const OPTIONS: &str = "-c statement_timeout=120000 -c lock_timeout=10000 -c client_min_messages=warning";

pub struct Throwaway {
    admin: Config,
    work: Config,
    pub name: String,
    pub server: String,
    pub version: String,
    /// Set by the watchdog when the deadline passed and it dropped the database.
    expired: Arc<AtomicBool>,
    /// Set when the rehearsal ends, so that the watchdog stops.
    done: Arc<AtomicBool>,
}

impl Throwaway {
    /// Connects, checks the role, and creates the database.
    /// `deadline` bounds the whole rehearsal: a migration can lift `statement_timeout` for its
    /// own session, so a watchdog of riskgate's own drops the database (which ends every
    /// connection to it) when the time is up.
    pub fn create(url: &str, allow_superuser: bool, deadline: Duration) -> Result<Throwaway> {
        let server = redact(url);
        let mut admin: Config = url
            .parse()
            .map_err(|e| anyhow!("not a PostgreSQL URL ({server}): {e}"))?;
        admin.connect_timeout(Duration::from_secs(10));
        let mut client = admin
            .connect(NoTls)
            .map_err(|e| anyhow!("cannot connect to {server}: {}", db_message(&e)))?;
        // More than CREATEDB is refused: a superuser, a member of one, a role that can create
        // roles (and grant itself the server's file and program roles), or one that already
        // holds them could reach beyond the rehearsal's database.
        let row = client
            .query_one(
                "SELECT current_user::text, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolbypassrls,
                        pg_catalog.current_setting('server_version'),
                        EXISTS (SELECT 1 FROM pg_catalog.pg_roles s WHERE s.rolsuper AND s.rolname <> current_user
                                AND pg_catalog.pg_has_role(current_user, s.oid, 'MEMBER')),
                        ARRAY(SELECT g.rolname::text FROM pg_catalog.pg_roles g
                              WHERE g.rolname IN ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files', 'pg_signal_backend')
                                AND pg_catalog.pg_has_role(current_user, g.oid, 'MEMBER'))
                 FROM pg_catalog.pg_roles r WHERE r.rolname = current_user",
                &[],
            )
            .map_err(|e| anyhow!("cannot read the connection's role: {}", db_message(&e)))?;
        let (role, superuser, createdb, createrole, bypassrls, version, in_superuser, server_roles): (
            String,
            bool,
            bool,
            bool,
            bool,
            String,
            bool,
            Vec<String>,
        ) = (
            row.get(0),
            row.get(1),
            row.get(2),
            row.get(3),
            row.get(4),
            row.get(5),
            row.get(6),
            row.get(7),
        );
        let mut more = Vec::new();
        if superuser {
            more.push("a superuser".to_string());
        }
        if in_superuser {
            more.push("a member of a superuser role".to_string());
        }
        if createrole {
            more.push("allowed to create roles".to_string());
        }
        if bypassrls {
            more.push("allowed to bypass row security".to_string());
        }
        if !server_roles.is_empty() {
            more.push(format!("a member of {}", server_roles.join(", ")));
        }
        if !more.is_empty() && !allow_superuser {
            bail!(
                "refusing to rehearse as `{role}`, {}: the migrations under review would run with those rights on the server; connect as a role with CREATEDB and nothing more (see README, \"Rehearsing migrations\"), or pass --allow-superuser",
                more.join(", ")
            );
        }
        if !createdb && !superuser {
            bail!("`{role}` cannot create databases on {server}: the rehearsal needs a role with CREATEDB (CREATE ROLE … LOGIN NOSUPERUSER CREATEDB)");
        }
        drop_stale(&mut client);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let name = format!("{PREFIX}{now}_{}", std::process::id());
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .map_err(|e| {
                anyhow!(
                    "the server refused to create the rehearsal database: {}",
                    db_message(&e)
                )
            })?;
        interrupt::watch(&admin, &name);
        let mut work = admin.clone();
        work.dbname(&name)
            .options(OPTIONS)
            .application_name("riskgate rehearse");
        let (expired, done) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        {
            let (admin, name, expired, done) = (admin.clone(), name.clone(), expired.clone(), done.clone());
            let end = Instant::now() + deadline;
            std::thread::spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    if Instant::now() >= end {
                        expired.store(true, Ordering::SeqCst);
                        drop_database(&admin, &name);
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
        Ok(Throwaway {
            admin,
            work,
            name,
            server,
            version,
            expired,
            done,
        })
    }

    /// The deadline passed and the watchdog ended the rehearsal.
    pub fn expired(&self) -> bool {
        self.expired.load(Ordering::SeqCst)
    }

    /// A connection for reading the catalog: its search path is PostgreSQL's own catalog only
    /// (a startup option, which `ALTER DATABASE … SET` cannot override).
    pub fn connect_inspector(&self) -> Result<Client> {
        let mut config = self.work.clone();
        config.options(&format!("{OPTIONS} -c search_path=pg_catalog"));
        config
            .connect(NoTls)
            .map_err(|e| anyhow!("cannot connect to the rehearsal database: {}", db_message(&e)))
    }

    /// A new connection to the throwaway database.
    pub fn connect(&self) -> Result<Client> {
        self.work
            .connect(NoTls)
            .map_err(|e| anyhow!("cannot connect to the rehearsal database: {}", db_message(&e)))
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        drop_database(&self.admin, &self.name);
        interrupt::release();
        // Interrupted: the watcher is exiting the process with the signal's code; the error
        // the dropped database gave this thread must not win the race with exit code 2.
        interrupt::park_if_interrupted();
    }
}

fn drop_database(admin: &Config, name: &str) {
    if let Ok(mut client) = admin.connect(NoTls) {
        let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    }
}

/// Ctrl-C, a cancelled CI job (SIGTERM) or a closed terminal: a watcher thread drops the
/// database (which also ends the rehearsal's connections) and exits with 128 + the signal.
#[cfg(unix)]
mod interrupt {
    use postgres::Config;
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::{Mutex, Once};
    use std::time::Duration;

    static SIGNAL: AtomicI32 = AtomicI32::new(0);
    static LIVE: Mutex<Option<(Config, String)>> = Mutex::new(None);
    static INSTALL: Once = Once::new();

    extern "C" fn on_signal(signal: libc::c_int) {
        // Only an atomic store: anything more is not safe in a signal handler.
        SIGNAL.store(signal, Ordering::SeqCst);
    }

    pub fn watch(admin: &Config, name: &str) {
        if let Ok(mut live) = LIVE.lock() {
            *live = Some((admin.clone(), name.to_string()));
        }
        INSTALL.call_once(|| {
            let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                // SAFETY: the handler only stores into an atomic, which is async-signal-safe.
                unsafe {
                    libc::signal(signal, handler);
                }
            }
            std::thread::spawn(|| loop {
                let signal = SIGNAL.load(Ordering::SeqCst);
                if signal != 0 {
                    if let Some((admin, name)) = LIVE.lock().ok().and_then(|mut l| l.take()) {
                        super::drop_database(&admin, &name);
                    }
                    std::process::exit(128 + signal);
                }
                std::thread::sleep(Duration::from_millis(50));
            });
        });
    }

    pub fn release() {
        if let Ok(mut live) = LIVE.lock() {
            live.take();
        }
    }

    pub fn park_if_interrupted() {
        while SIGNAL.load(Ordering::SeqCst) != 0 {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[cfg(not(unix))]
mod interrupt {
    pub fn watch(_admin: &postgres::Config, _name: &str) {}
    pub fn release() {}
    pub fn park_if_interrupted() {}
}

/// Databases this role created for rehearsals that were interrupted (a killed CI job) are
/// dropped once they are hours old; nothing else is ever touched.
fn drop_stale(client: &mut Client) {
    let Ok(rows) = client.query(
        "SELECT d.datname::text FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r ON r.oid = d.datdba WHERE r.rolname = current_user AND d.datname LIKE 'riskgate\\_rehearsal\\_%'",
        &[],
    ) else {
        return;
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    for row in rows {
        let name: String = row.get(0);
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|t| t.parse::<u64>().ok());
        if created.is_some_and(|t| t + STALE_SECS < now) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}
