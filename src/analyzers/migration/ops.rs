//! The migration analyzer's common language: every format (SQL, Rails, Django, Alembic, Knex)
//! is read into a list of `Op`s, and the rules judge the ops.

/// How much of a table a DELETE or UPDATE touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// No WHERE clause: every row.
    None,
    /// A WHERE that is always true (`1 = 1`, `true`).
    Tautology,
    /// A bounded batch (`LIMIT`, `BETWEEN`).
    Batched,
    /// A real condition.
    Real,
}

impl Filter {
    pub fn is_all_rows(self) -> bool {
        matches!(self, Filter::None | Filter::Tautology)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    CreateTable {
        table: String,
        columns: Vec<String>,
    },
    /// `CREATE TABLE … AS SELECT`: a copy of the rows of `sources`, unless `WITH NO DATA`.
    CreateTableAs {
        table: String,
        sources: Vec<String>,
        columns: Option<Vec<String>>,
        with_data: bool,
    },
    /// `CREATE TABLE … LIKE`: structure only.
    CreateTableLike {
        table: String,
        source: String,
    },
    InsertSelect {
        table: String,
        sources: Vec<String>,
        columns: Option<Vec<String>>,
    },
    /// `COPY … TO`: rows written out of the database.
    CopyTo {
        sources: Vec<String>,
        columns: Option<Vec<String>>,
    },
    DropTable {
        tables: Vec<String>,
    },
    DropSchema {
        names: Vec<String>,
    },
    DropColumn {
        table: String,
        column: String,
    },
    Truncate {
        tables: Vec<String>,
    },
    Delete {
        table: String,
        filter: Filter,
    },
    /// `json` lists the JSON functions and operators of the SET clause.
    Update {
        table: String,
        columns: Vec<String>,
        filter: Filter,
        json: Vec<String>,
    },
    AlterColumnType {
        table: String,
        column: String,
        type_name: String,
        using: Option<String>,
    },
    SetNotNull {
        table: String,
        column: String,
    },
    AddColumn {
        table: String,
        column: String,
        not_null: bool,
        default: Option<String>,
        references: bool,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    RenameTable {
        from: String,
        to: String,
    },
    AddConstraint {
        table: String,
        kind: String,
        not_valid: bool,
        check: String,
    },
    ValidateConstraint {
        table: String,
    },
    CreateIndex {
        table: String,
        concurrently: bool,
    },
    /// A PL/pgSQL `DO` block: its static statements, and whether it runs built text.
    DoBlock {
        dynamic: bool,
        nested: Vec<OpKind>,
    },
    /// Data changed by application code (Django `RunPython`, Rails `update_all`).
    CodeBackfill {
        what: String,
        /// The table it writes (the model's), when known.
        table: Option<String>,
        /// The columns it writes, when the code names them all; empty when unknown.
        columns: Vec<String>,
        /// When `columns` is empty: the methods it calls on each row (`recalculate_hotness!`),
        /// whose writes it does not name.
        calls: Vec<String>,
    },
    /// Rows deleted by application code (Rails `delete_all`/`destroy`, Django `.delete()`).
    CodeDelete {
        what: String,
        /// The table whose rows go (`votes` for `Vote.where(…).delete_all`), when named.
        table: Option<String>,
        /// Each row's values were read into another row the code saves before it is deleted.
        after_copy: bool,
    },
    /// Rows of one model copied into another by application code (a Rails loop that builds
    /// `Other.new`/`Other.create` from each row), or the rows a filter picks rewritten in place
    /// (a loop over `Domain.where(is_tracker: true)` that bans each): `of` kept in code. Both
    /// are tables (`votes`, not `Vote`), as the statements that drop or delete them name them.
    CodeCopy {
        of: String,
        into: String,
        /// The columns carried (`None`: every one).
        columns: Option<Vec<String>>,
        /// The values moved into other columns of a row rather than copied as rows.
        moved: bool,
    },
    /// Rows a PL/pgSQL loop (`FOR r IN SELECT … FROM of LOOP … END LOOP`) writes into `into`,
    /// carrying the record's columns the writes name; `filtered`: the loop's query or an `IF`
    /// around the write picks which rows.
    LoopCopy {
        of: String,
        into: String,
        columns: Vec<String>,
        /// Written into existing rows (`UPDATE`) rather than as new ones.
        moved: bool,
        filtered: bool,
    },
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    pub kind: OpKind,
    pub line: u32,
    pub end_line: u32,
    /// The statement or call on one line, shortened for reports.
    pub evidence: String,
    /// The whole statement or call on one line: what rules read (a long `UPDATE`'s `FROM` may
    /// lie past the end of `evidence`).
    pub statement: String,
    /// False when sqlparser could not parse the statement and the token scan read it.
    pub parsed: bool,
    /// True for SQL; false for framework calls (which have no parse step).
    pub sql: bool,
}

impl Op {
    pub fn framework(kind: OpKind, line: u32, evidence: &str) -> Op {
        Op {
            kind,
            line,
            end_line: line,
            evidence: evidence.trim().to_string(),
            statement: evidence.trim().to_string(),
            parsed: true,
            sql: false,
        }
    }
}

/// Whether the file's rollback, under its framework's convention, is real.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollback {
    /// The format has no rollback convention, or it holds.
    Fine,
    /// Missing, empty or a no-op; the text says which and where.
    Missing { line: u32, why: String },
}

/// What a migration file holds, in the common language.
#[derive(Debug, Clone)]
pub struct Script {
    pub ops: Vec<Op>,
    pub rollback: Rollback,
    /// Lines of SQL statements written for another dialect (the token scan read them).
    pub unparsed: Vec<u32>,
    /// A data migration whose reverse is a declared no-op (`RunPython.noop`) and whose forward
    /// code changes existing values: the `table.column`s it overwrites (empty when the code does
    /// not name them all or its model is not known). When the change itself adds every one,
    /// nothing that existed changes.
    pub noop_reverse_overwrites: Option<Vec<String>>,
}

impl Script {
    /// What a framework reader found: its ops and rollback (it reads no SQL dialect itself).
    pub fn read(ops: Vec<Op>, rollback: Rollback) -> Script {
        Script {
            ops,
            rollback,
            unparsed: Vec::new(),
            noop_reverse_overwrites: None,
        }
    }
}
