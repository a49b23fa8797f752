//! Where records come from: a JSON Lines or JSON array file, or a PostgreSQL query run inside a
//! READ ONLY transaction. And where the type comes from: the repository at a revision.

use super::{Checker, Model};
use crate::analyzers::json_shape::serde_model::{read_types, Body, Kind, SerdeType, Shape};
use crate::diff::git::Repo;
use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// One JSON Lines record larger than this is rejected unread.
pub const MAX_RECORD: usize = 16 << 20;
/// A sample file larger than this is refused.
pub const MAX_SAMPLE: u64 = 8 << 30;
/// The JSON array form is read whole, so it is held to less.
pub const MAX_ARRAY: u64 = 1 << 30;

/// Feeds every record of a sample file: JSON Lines, or one JSON array. Only a regular file is
/// read (not a device, a pipe or a directory).
pub fn read_sample(path: &Path, checker: &mut Checker<'_>) -> Result<()> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read sample {}", path.display()))?;
    if !meta.is_file() {
        bail!("sample {} is not a regular file", path.display());
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot read sample {}", path.display()))?;
    read_sample_from(&path.display().to_string(), file, checker)
}

/// Reads records from an open file, within `MAX_SAMPLE` bytes and `MAX_RECORD` per record; a
/// line that is not UTF-8 or too long is a rejected record, not the end of the run.
pub fn read_sample_from(name: &str, file: impl Read, checker: &mut Checker<'_>) -> Result<()> {
    let mut reader = BufReader::with_capacity(1 << 20, file.take(MAX_SAMPLE + 1));
    let first = reader.fill_buf()?.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first == Some(b'[') {
        let mut bytes = Vec::new();
        (&mut reader).take(MAX_ARRAY + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_ARRAY {
            bail!("sample {name}: a JSON array over {MAX_ARRAY} bytes; use JSON Lines");
        }
        let text = String::from_utf8(bytes).map_err(|_| anyhow!("sample {name} is not UTF-8"))?;
        let items: Vec<Box<serde_json::value::RawValue>> =
            serde_json::from_str(&text).map_err(|e| anyhow!("sample {name}:{}:{}: {e}", e.line(), e.column()))?;
        for (i, item) in items.iter().enumerate() {
            checker.add(i as u64 + 1, item.get());
        }
        return Ok(());
    }
    let (mut n, mut total) = (0u64, 0u64);
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut reader).take(MAX_RECORD as u64 + 1).read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        total += read as u64;
        if total > MAX_SAMPLE {
            bail!("sample {name} is over {MAX_SAMPLE} bytes");
        }
        if line.len() > MAX_RECORD && !line.ends_with(b"\n") {
            // Skip the rest of the oversized record, still counting its bytes.
            n += 1;
            checker.add_unreadable(n, &format!("record over {MAX_RECORD} bytes"));
            let mut rest = Vec::new();
            loop {
                rest.clear();
                let more = (&mut reader).take(1 << 20).read_until(b'\n', &mut rest)?;
                total += more as u64;
                if total > MAX_SAMPLE {
                    bail!("sample {name} is over {MAX_SAMPLE} bytes");
                }
                if more == 0 || rest.ends_with(b"\n") {
                    break;
                }
            }
            continue;
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            n += 1;
            checker.add_unreadable(n, "not UTF-8");
            continue;
        };
        let t = text.trim();
        if t.is_empty() {
            continue;
        }
        n += 1;
        checker.add(n, t);
    }
    Ok(())
}

/// `postgres://user:secret@host:5432/db` → `postgres://host:5432/db`: never keep credentials.
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            let rest = rest.split('?').next().unwrap_or(rest);
            format!("{scheme}://{rest}")
        }
        None => "a PostgreSQL connection string".to_string(),
    }
}

/// The server's own words for a database error (with its detail), or the client's with its
/// cause (a refused connection).
#[cfg(feature = "postgres")]
pub fn db_message(e: &postgres::Error) -> String {
    e.as_db_error().map_or_else(
        || match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
        |d| match d.detail() {
            Some(detail) => format!("{}: {detail}", d.message()),
            None => d.message().to_string(),
        },
    )
}

/// Streams the first column of `query` (as text) into the checker, inside a READ ONLY
/// transaction that is rolled back: riskgate never writes to the database.
#[cfg(feature = "postgres")]
pub fn read_postgres(
    url: &str,
    query: &str,
    limit: Option<u64>,
    allow_superuser: bool,
    checker: &mut Checker<'_>,
) -> Result<()> {
    use postgres::fallible_iterator::FallibleIterator;
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .map_err(|e| anyhow!("cannot connect to {}: {e}", redact(url)))?;
    // A READ ONLY transaction does not stop a superuser (pg_read_file, dblink_exec, COPY …
    // PROGRAM): sampling runs as a role that can only read what it samples.
    let row = client
        .query_one(
            "SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .map_err(|e| anyhow!("cannot read the connection's role: {}", db_message(&e)))?;
    let (role, superuser): (String, bool) = (row.get(0), row.get(1));
    if superuser && !allow_superuser {
        bail!(
            "refusing to sample as `{role}`, a superuser: connect as a role that can only SELECT the sampled table (see README, \"Checking a type against stored data\"), or pass --allow-superuser"
        );
    }
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(|e| anyhow!("cannot start a read-only transaction: {}", db_message(&e)))?;
    let q = query.trim().trim_end_matches(';');
    let limit = limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
    let wrapped =
        format!("SELECT riskgate_sample.riskgate_json::text FROM ({q}) AS riskgate_sample(riskgate_json){limit}");
    let rows = tx
        .query_raw(wrapped.as_str(), std::iter::empty::<&str>())
        .map_err(|e| anyhow!("query failed: {}", db_message(&e)))?;
    let mut rows = rows;
    let mut n = 0;
    while let Some(row) = rows.next().map_err(|e| anyhow!("query failed: {}", db_message(&e)))? {
        n += 1;
        let text: Option<String> = row.try_get(0).map_err(|e| anyhow!("row {n}: {e}"))?;
        checker.add(n, text.as_deref().unwrap_or("null"));
    }
    drop(rows);
    tx.rollback()?;
    Ok(())
}

/// A build without the PostgreSQL client says so instead of failing to connect.
#[cfg(not(feature = "postgres"))]
pub fn read_postgres(
    _url: &str,
    _query: &str,
    _limit: Option<u64>,
    _allow_superuser: bool,
    _checker: &mut Checker<'_>,
) -> Result<()> {
    bail!("this riskgate was built without the `postgres` feature; rebuild with default features to read samples from PostgreSQL")
}

/// Splits `src/model.rs::inner::UserPrefs` into the file and the item path.
pub fn split_type(spec: &str) -> Result<(&str, &str)> {
    let at = spec
        .find(".rs::")
        .ok_or_else(|| anyhow!("--type takes PATH::TYPE, for example src/model.rs::UserPrefs (got `{spec}`)"))?;
    Ok((&spec[..at + 3], &spec[at + 5..]))
}

fn names_in(shape: &Shape, out: &mut Vec<String>) {
    match shape {
        Shape::Named(n) => out.push(Shape::base_name(n).to_string()),
        Shape::Option(s) | Shape::Seq(s) | Shape::Map(s) => names_in(s, out),
        Shape::Tuple(v) => v.iter().for_each(|s| names_in(s, out)),
        _ => {}
    }
}

fn referenced(t: &SerdeType) -> Vec<String> {
    let mut out = Vec::new();
    let mut body = |b: &Body| match b {
        Body::Named(f) | Body::Tuple(f) => f.iter().for_each(|f| names_in(&f.shape, &mut out)),
        Body::Unit => {}
    };
    match &t.kind {
        Kind::Struct(b) => body(b),
        Kind::Enum(vs) => vs.iter().for_each(|v| body(&v.body)),
    }
    out
}

/// The type and every serde type it reaches, read from the repository at `rev`: its own file
/// first, then other Rust files of the tree that define the missing names.
pub fn load_model(repo: &Repo, rev: &str, spec: &str) -> Result<(Model, String)> {
    let (file, item) = split_type(spec)?;
    let files = repo.files_at(rev)?;
    let own = files
        .iter()
        .find(|f| f.path == file)
        .ok_or_else(|| anyhow!("{file} does not exist at {rev}"))?;
    let text = own
        .text
        .get()
        .ok_or_else(|| anyhow!("{file} at {rev} is not readable text"))?;
    let mut types: HashMap<String, SerdeType> = HashMap::new();
    for t in read_types(file, text).map_err(|e| anyhow!("{e}"))? {
        types.entry(t.name.clone()).or_insert(t);
    }
    let root = types
        .values()
        .find(|t| t.item_path == item)
        .map(|t| t.name.clone())
        .ok_or_else(|| anyhow!("{file} has no Serialize/Deserialize type `{item}` at {rev}"))?;
    // Resolve named field types defined elsewhere in the crate.
    for _ in 0..4 {
        let missing: Vec<String> = types
            .values()
            .flat_map(referenced)
            .filter(|n| !types.contains_key(n))
            .collect();
        if missing.is_empty() {
            break;
        }
        for f in files.iter().filter(|f| f.path.ends_with(".rs") && f.path != file) {
            let Some(t) = f.text.get() else { continue };
            if !missing
                .iter()
                .any(|m| t.contains(&format!("struct {m}")) || t.contains(&format!("enum {m}")))
            {
                continue;
            }
            for found in read_types(&f.path, t).unwrap_or_default() {
                if missing.contains(&found.name) {
                    types.entry(found.name.clone()).or_insert(found);
                }
            }
        }
    }
    let sha = repo.commit_sha(rev).ok_or_else(|| anyhow!("`{rev}` not found"))?;
    if !types[&root].de {
        bail!("{spec} does not derive Deserialize: it never reads stored data");
    }
    Ok((Model { root, types }, sha))
}

/// Where the records come from.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub sample: Option<std::path::PathBuf>,
    /// A sample as the base tree holds it (`[[shapes]]` in `check`): name and bytes.
    pub sample_blob: Option<(String, Vec<u8>)>,
    pub postgres: Option<String>,
    pub query: Option<String>,
    pub limit: Option<u64>,
    /// Show values read from a database (hidden by default: they may be personal or secret).
    pub show_values: bool,
    /// Read as a superuser role (refused by default: READ ONLY does not bind a superuser).
    pub allow_superuser: bool,
}

/// The whole check: the type at `rev` (and `base`), the records, the report.
pub fn run(repo: &Repo, spec: &str, rev: &str, base: Option<&str>, input: &Input) -> Result<super::Report> {
    let (model, sha) = load_model(repo, rev, spec)?;
    let old = base.map(|b| load_model(repo, b, spec)).transpose()?;
    let mut checker = Checker::new(&model, old.as_ref().map(|(m, _)| m));
    let source = match (&input.sample, &input.postgres) {
        _ if input.sample_blob.is_some() => {
            let (name, bytes) = input.sample_blob.as_ref().expect("checked");
            read_sample_from(name, bytes.as_slice(), &mut checker)?;
            name.clone()
        }
        (Some(path), _) => {
            read_sample(path, &mut checker)?;
            path.display().to_string()
        }
        (None, Some(url)) => {
            let query = input
                .query
                .as_deref()
                .ok_or_else(|| anyhow!("--postgres needs --query"))?;
            checker.hide_values = !input.show_values;
            read_postgres(url, query, input.limit, input.allow_superuser, &mut checker)?;
            format!("{} (read-only transaction)", redact(url))
        }
        _ => bail!("give --sample FILE or --postgres URL --query SQL"),
    };
    let old_readers = match &old {
        Some((o, _)) => {
            struct Both<'a>(&'a Model, &'a Model);
            impl crate::analyzers::json_shape::serde_diff::Types for Both<'_> {
                fn old_type(&self, name: &str) -> Option<&SerdeType> {
                    self.0.types.get(name)
                }
                fn new_type(&self, name: &str) -> Option<&SerdeType> {
                    self.1.types.get(name)
                }
            }
            // Every type the new model reaches, against its old version: a variant added to a
            // nested enum breaks old readers as surely as a change to the root type.
            let mut names: Vec<&String> = model.types.keys().collect();
            names.sort();
            let root_prefix = format!("{}.", model.root);
            let mut out = Vec::new();
            for name in names {
                let (Some(ot), Some(nt)) = (o.types.get(name), model.types.get(name)) else {
                    continue;
                };
                for c in crate::analyzers::json_shape::serde_diff::compare(ot, nt, &Both(o, &model)) {
                    if c.old_readers && ot.de && nt.ser {
                        // Root fields read as JSON paths; nested types keep their Rust subject.
                        let path = c
                            .subject
                            .strip_prefix(&root_prefix)
                            .map_or_else(|| c.subject.clone(), |p| format!("$.{p}"));
                        out.push(super::OldReader {
                            kind: c.kind.to_string(),
                            path,
                            message: c.message,
                        });
                    }
                }
            }
            out
        }
        None => Vec::new(),
    };
    Ok(checker.finish(spec, &sha, &source, old_readers))
}
