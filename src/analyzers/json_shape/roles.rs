//! What a serde type is for, decided from syntax across the crate, so that a change's severity
//! can follow who reads the JSON: stored documents, clients' requests, clients reading
//! responses, or nobody in particular (a database row that derives serde for convenience).
//!
//! No type inference: the evidence is where the type's name appears. A handler parameter
//! `Json<T>`, a return type `Json<T>`, a `Json<T>` column of a database row, a struct that holds
//! a `T` and has a role itself. What is not seen is `Unknown`, and says so.

use super::serde_model::{derive_names, is_row, SerdeType};
use crate::diff::TreeFile;
use std::collections::{BTreeMap, BTreeSet};
use syn::visit::Visit;

/// Who reads a type's JSON, from the weakest claim to the strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Nothing seen: a hint at most.
    Unknown,
    /// A database row (Diesel, sqlx, SeaORM) that also derives serde.
    Row,
    /// Written to clients: a response body.
    WireOutput,
    /// Read from clients or servers: a request body, form, query, or a response this code reads.
    WireInput,
    /// Written to a database, queue or file and read back later.
    Stored,
}

impl Role {
    pub fn describe(self) -> &'static str {
        match self {
            Role::Unknown => "role unknown",
            Role::Row => "database row",
            Role::WireOutput => "response to clients",
            Role::WireInput => "read from the wire",
            Role::Stored => "stored JSON",
        }
    }
}

/// One role of a type and the syntax that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub role: Role,
    pub why: String,
    /// Shown only by a function this change adds: no client of the base depends on it.
    pub new_in_change: bool,
}

/// What the change adds, so that a role only new code shows is told apart: no client of the
/// base depends on it.
#[derive(Debug, Default)]
pub struct ChangeNews {
    /// Per changed file, the functions the change adds.
    pub functions: BTreeMap<String, BTreeSet<String>>,
    /// The Rust files the change touches.
    pub changed_files: BTreeSet<String>,
    /// The serde types of those files before the change, by name, and the types each held.
    pub old_holds: BTreeMap<String, BTreeSet<String>>,
}

impl ChangeNews {
    /// `container` (a serde type of `file`) holds `name` only since this change: the file
    /// changed, and no old version of the change's files had a `container` holding `name`
    /// (a type moved to another file held it before).
    fn holding_is_new(&self, file: &str, container: &str, name: &str) -> bool {
        self.changed_files.contains(file) && !self.old_holds.get(container).is_some_and(|held| held.contains(name))
    }
}

/// The roles found for each type name.
#[derive(Debug, Default)]
pub struct Roles {
    by_type: BTreeMap<String, Vec<Evidence>>,
    /// Names that several serde types of the crate share: evidence by name cannot tell them apart.
    ambiguous: BTreeMap<String, usize>,
}

impl Roles {
    pub fn of(&self, name: &str) -> &[Evidence] {
        if self.ambiguous.contains_key(name) {
            return &[];
        }
        self.by_type.get(name).map_or(&[], Vec::as_slice)
    }

    /// How many serde types share this name, when more than one does.
    pub fn ambiguous(&self, name: &str) -> Option<usize> {
        self.ambiguous.get(name).copied()
    }

    fn add(&mut self, name: &str, role: Role, why: String) -> bool {
        self.add_evidence(
            name,
            Evidence {
                role,
                why,
                new_in_change: false,
            },
        )
    }

    /// Keeps one evidence per role, preferring what the base already had.
    fn add_evidence(&mut self, name: &str, evidence: Evidence) -> bool {
        let list = self.by_type.entry(name.to_string()).or_default();
        match list.iter_mut().find(|e| e.role == evidence.role) {
            Some(e) if e.new_in_change && !evidence.new_in_change => {
                *e = evidence;
                true
            }
            Some(_) => false,
            None => {
                list.push(evidence);
                true
            }
        }
    }
}

/// Extractor and response wrappers whose type argument is a request or response body.
const BODY_WRAPPERS: &[&str] = &["Json", "JsonUpcase", "Form", "Query", "Valid", "Validated"];

/// Column wrappers that store their argument as JSON.
const JSON_COLUMNS: &[&str] = &["Json", "Jsonb"];

/// Rounds of container discovery: a type inside a type inside a response is still found.
const MAX_ROUNDS: usize = 4;

/// Files this large are not scanned for roles (they are data, not handlers).
const MAX_SCAN_BYTES: usize = 512 * 1024;

/// What one file says about type names.
#[derive(Debug, Default)]
struct Facts {
    /// (type name, role, why) found directly: parameters, return types, JSON columns.
    direct: Vec<(String, Role, String)>,
    /// The same, found in handlers this change adds.
    direct_new: Vec<(String, Role, String)>,
    /// (serde type, the types its JSON holds) for every serde type of the file.
    containers: Vec<(String, BTreeSet<String>)>,
    /// Struct and enum names that derive a database row trait.
    rows: Vec<String>,
}

/// Every identifier of a type's path segments, generic arguments included.
fn names_in(ty: &syn::Type) -> BTreeSet<String> {
    struct Names(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
            self.0.insert(s.ident.to_string());
            syn::visit::visit_path_segment(self, s);
        }
    }
    let mut n = Names(BTreeSet::new());
    n.visit_type(ty);
    n.0
}

/// The names inside the generic arguments of every segment named one of `wrappers`.
fn wrapped_in(ty: &syn::Type, wrappers: &[&str]) -> BTreeSet<String> {
    struct Wrapped<'w>(&'w [&'w str], BTreeSet<String>);
    impl<'ast> Visit<'ast> for Wrapped<'_> {
        fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
            if self.0.contains(&s.ident.to_string().as_str()) {
                if let syn::PathArguments::AngleBracketed(args) = &s.arguments {
                    for a in &args.args {
                        if let syn::GenericArgument::Type(t) = a {
                            self.1.extend(names_in(t));
                        }
                    }
                }
            }
            syn::visit::visit_path_segment(self, s);
        }
    }
    let mut w = Wrapped(wrappers, BTreeSet::new());
    w.visit_type(ty);
    w.1
}

/// Route attributes of Rocket, actix-web and poem.
const ROUTE_ATTRIBUTES: &[&str] = &[
    "get", "post", "put", "patch", "delete", "route", "head", "options", "oai",
];

fn is_handler(sig: &syn::Signature, attrs: &[syn::Attribute]) -> bool {
    sig.asyncness.is_some()
        || attrs.iter().any(|a| {
            a.path()
                .segments
                .last()
                .is_some_and(|s| ROUTE_ATTRIBUTES.contains(&s.ident.to_string().as_str()))
        })
}

/// `#[diesel(sql_type = Jsonb)]`, `FromJsonQueryResult`: the type itself is a JSON column.
fn is_json_column_type(attrs: &[syn::Attribute]) -> bool {
    derive_names(attrs).iter().any(|d| d == "FromJsonQueryResult")
        || attrs.iter().any(|a| {
            (a.path().is_ident("diesel") || a.path().is_ident("sqlx"))
                && matches!(&a.meta, syn::Meta::List(l) if {
                    let t = l.tokens.to_string();
                    t.contains("sql_type") && t.contains("Json")
                })
        })
}

/// `#[sqlx(json)]` on a field.
fn field_is_json(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("sqlx") && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string().contains("json"))
    })
}

struct Collector<'f> {
    file: &'f str,
    facts: Facts,
    /// Functions of this file that the change adds.
    added_fns: &'f BTreeSet<String>,
}

impl Collector<'_> {
    /// `handler`: the function is async or carries a route attribute, as request handlers do;
    /// a plain function taking `Json<T>` is a conversion helper, not an endpoint.
    fn signature(&mut self, sig: &syn::Signature, handler: bool, line: usize) {
        let at = format!("{}:{line}", self.file);
        let direct = if self.added_fns.contains(&sig.ident.to_string()) {
            &mut self.facts.direct_new
        } else {
            &mut self.facts.direct
        };
        for input in sig.inputs.iter().filter(|_| handler) {
            if let syn::FnArg::Typed(p) = input {
                for wrapper in BODY_WRAPPERS {
                    let how = match *wrapper {
                        "Query" => "as URL query parameters",
                        "Form" => "as a form body",
                        _ => "as a request body",
                    };
                    for name in wrapped_in(&p.ty, &[wrapper]) {
                        direct.push((
                            name.clone(),
                            Role::WireInput,
                            format!("`{}` takes it {how} ({at})", sig.ident),
                        ));
                    }
                }
            }
        }
        if let (true, syn::ReturnType::Type(_, ty)) = (handler, &sig.output) {
            for name in wrapped_in(ty, &["Json", "JsonUpcase"]) {
                direct.push((
                    name,
                    Role::WireOutput,
                    format!("`{}` returns it as a response ({at})", sig.ident),
                ));
            }
        }
    }

    fn fields(&mut self, owner: &str, fields: &syn::Fields, row: bool, line: usize) {
        for f in fields {
            let json = wrapped_in(&f.ty, JSON_COLUMNS);
            let stored = if row && field_is_json(&f.attrs) {
                names_in(&f.ty)
            } else if row {
                json
            } else {
                BTreeSet::new()
            };
            for name in stored {
                self.facts.direct.push((
                    name,
                    Role::Stored,
                    format!("a JSON column of the row `{owner}` ({}:{line})", self.file),
                ));
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.signature(&f.sig, is_handler(&f.sig, &f.attrs), f.sig.ident.span().start().line);
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.signature(&f.sig, is_handler(&f.sig, &f.attrs), f.sig.ident.span().start().line);
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        let name = s.ident.to_string();
        let row = is_row(&s.attrs);
        let line = s.ident.span().start().line;
        if row {
            self.facts.rows.push(name.clone());
        }
        if is_json_column_type(&s.attrs) {
            self.facts.direct.push((
                name.clone(),
                Role::Stored,
                format!("it is a JSON column type ({}:{line})", self.file),
            ));
        }
        self.fields(&name, &s.fields, row, line);
        syn::visit::visit_item_struct(self, s);
    }

    fn visit_item_enum(&mut self, e: &'ast syn::ItemEnum) {
        let name = e.ident.to_string();
        let line = e.ident.span().start().line;
        if is_json_column_type(&e.attrs) {
            self.facts.direct.push((
                name.clone(),
                Role::Stored,
                format!("it is a JSON column type ({}:{line})", self.file),
            ));
        }
        syn::visit::visit_item_enum(self, e);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        // `response.json::<T>()`: this code reads T from another service.
        if m.method == "json" {
            if let Some(turbofish) = &m.turbofish {
                for a in &turbofish.args {
                    if let syn::GenericArgument::Type(t) = a {
                        let line = m.method.span().start().line;
                        for name in names_in(t) {
                            self.facts.direct.push((
                                name,
                                Role::WireInput,
                                format!("it is read from an HTTP response ({}:{line})", self.file),
                            ));
                        }
                    }
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

fn facts_of(file: &str, text: &str, added_fns: &BTreeSet<String>) -> Facts {
    let Ok(ast) = crate::text::parse_rust(text) else {
        return Facts::default();
    };
    let mut c = Collector {
        file,
        facts: Facts::default(),
        added_fns,
    };
    c.visit_file(&ast);
    c.facts.containers = super::serde_model::types_in(file, &ast)
        .into_iter()
        .map(|t| {
            let held = t.held_names().into_iter().collect();
            (t.name, held)
        })
        .collect();
    c.facts
}

fn mentions_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

/// The roles of `wanted` types, read from the change's serde models, the configured stored
/// types, and every Rust file of the head tree that names them or a type that holds them.
/// Evidence that only what the change adds shows is marked new (`news`).
pub fn find(
    models: &[SerdeType],
    wanted: &BTreeSet<String>,
    tree: &[TreeFile],
    stored: &[String],
    news: &ChangeNews,
) -> Roles {
    let none = BTreeSet::new();
    let mut roles = Roles::default();
    for name in stored {
        roles.add(
            name,
            Role::Stored,
            "it is named in riskgate.toml ([[json_column]] or [[shapes]])".to_string(),
        );
    }
    // Tests count: a test that reads a response with `.json::<T>()` stands for the clients.
    let rust: Vec<&TreeFile> = tree.iter().filter(|f| f.path.ends_with(".rs")).collect();
    let mut parsed: BTreeMap<&str, Facts> = BTreeMap::new();
    let mut names: BTreeSet<String> = wanted.clone();
    let mut searched: BTreeSet<String> = BTreeSet::new();
    for _ in 0..MAX_ROUNDS {
        let fresh: Vec<String> = names.difference(&searched).cloned().collect();
        if fresh.is_empty() {
            break;
        }
        searched.extend(fresh.iter().cloned());
        for file in &rust {
            if parsed.contains_key(file.path.as_str()) {
                continue;
            }
            let Some(text) = file.text.get().filter(|t| t.len() <= MAX_SCAN_BYTES) else {
                continue;
            };
            if fresh.iter().any(|n| mentions_word(text, n)) {
                let added = news.functions.get(&file.path).unwrap_or(&none);
                parsed.insert(&file.path, facts_of(&file.path, text, added));
            }
        }
        // Containers of any name searched so far are searched next.
        for facts in parsed.values() {
            for (container, inside) in &facts.containers {
                if inside.iter().any(|n| names.contains(n)) {
                    names.insert(container.clone());
                }
            }
        }
    }
    for t in models {
        if t.row {
            roles.add(
                &t.name,
                Role::Row,
                format!("it derives a database row trait ({}:{})", t.file, t.line),
            );
        }
    }
    for facts in parsed.values() {
        for row in &facts.rows {
            roles.add(row, Role::Row, "it derives a database row trait".to_string());
        }
        for (name, role, why) in &facts.direct {
            roles.add(name, *role, why.clone());
        }
        for (name, role, why) in &facts.direct_new {
            let why = format!("{why}, a handler this change adds");
            roles.add_evidence(
                name,
                Evidence {
                    role: *role,
                    why,
                    new_in_change: true,
                },
            );
        }
    }
    // Serde types of the same name in several files: which one a use means is not known.
    let mut defined: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (file, facts) in &parsed {
        for (name, _) in &facts.containers {
            defined.entry(name).or_default().insert(file);
        }
    }
    for t in models {
        defined.entry(&t.name).or_default().insert(&t.file);
    }
    roles.ambiguous = defined
        .into_iter()
        .filter(|(_, files)| files.len() > 1)
        .map(|(name, files)| (name.to_string(), files.len()))
        .collect();
    // A type inside a stored or wire type is stored or on the wire too.
    let containers: Vec<(&str, &(String, BTreeSet<String>))> = parsed
        .iter()
        .flat_map(|(file, f)| f.containers.iter().map(move |c| (*file, c)))
        .filter(|(_, (name, _))| !roles.ambiguous.contains_key(name))
        .collect();
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for (file, (container, inside)) in &containers {
            let inherited: Vec<Evidence> = roles
                .of(container)
                .iter()
                .filter(|e| matches!(e.role, Role::Stored | Role::WireInput | Role::WireOutput))
                .cloned()
                .collect();
            for e in inherited {
                for name in inside.iter().filter(|n| *n != container) {
                    let new_holding = news.holding_is_new(file, container, name);
                    let since = if new_holding { " since this change" } else { "" };
                    let held = Evidence {
                        role: e.role,
                        why: format!(
                            "it is held by `{container}`{since}, and {}",
                            e.why.trim_start_matches("it ")
                        ),
                        new_in_change: e.new_in_change || new_holding,
                    };
                    changed |= roles.add_evidence(name, held);
                }
            }
        }
        if !changed {
            break;
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::LazyText;

    fn tree(files: &[(&str, &str)]) -> Vec<TreeFile> {
        files
            .iter()
            .map(|(p, t)| TreeFile {
                path: p.to_string(),
                text: LazyText::loaded(t.to_string()),
                kind: crate::classify::FileKind::Other,
            })
            .collect()
    }

    fn roles_of(files: &[(&str, &str)], name: &str) -> Vec<Role> {
        let wanted = [name.to_string()].into_iter().collect();
        let models: Vec<SerdeType> = files
            .iter()
            .flat_map(|(p, t)| super::super::serde_model::read_types(p, t).unwrap())
            .collect();
        let r = find(&models, &wanted, &tree(files), &[], &ChangeNews::default());
        let mut v: Vec<Role> = r.of(name).iter().map(|e| e.role).collect();
        v.sort();
        v
    }

    #[test]
    fn request_and_response_bodies() {
        let api = "#[derive(Deserialize)] pub struct Login { user: String }\n\
                   #[derive(Serialize)] pub struct Token { token: String }\n\
                   async fn login(State(s): State<App>, Json(req): Json<Login>) -> Result<Json<Token>, Error> { issue(s, req).await }\n";
        assert_eq!(roles_of(&[("src/api.rs", api)], "Login"), vec![Role::WireInput]);
        assert_eq!(roles_of(&[("src/api.rs", api)], "Token"), vec![Role::WireOutput]);
        // Rocket's sync handlers carry a route attribute; a plain helper taking Json<T> is no endpoint.
        let rocket = "#[derive(Deserialize)] pub struct Login { user: String }\n\
                      #[post(\"/login\", data = \"<data>\")]\nfn login(data: Json<Login>) -> Status { check(data.into_inner()) }\n";
        assert_eq!(roles_of(&[("src/api.rs", rocket)], "Login"), vec![Role::WireInput]);
        let helper = "#[derive(Deserialize)] pub struct Login { user: String }\n\
                      fn convert(Json(v): Json<Login>) -> Json<Other> { Json(v.into()) }\n";
        assert!(roles_of(&[("src/api.rs", helper)], "Login").is_empty());
    }

    #[test]
    fn a_row_behind_a_feature_and_a_json_column() {
        let models = "#[cfg_attr(feature = \"full\", derive(Queryable, Selectable))]\n\
                      #[derive(Serialize, Deserialize)]\n\
                      pub struct Post { id: i32, settings: Json<Settings> }\n\
                      #[derive(Serialize, Deserialize)] pub struct Settings { theme: String }\n";
        assert_eq!(roles_of(&[("src/db.rs", models)], "Post"), vec![Role::Row]);
        assert_eq!(roles_of(&[("src/db.rs", models)], "Settings"), vec![Role::Stored]);
    }

    #[test]
    fn roles_flow_into_held_types_across_files() {
        let view = "#[derive(Serialize, Deserialize)] pub struct PostView { post: Post }\n";
        let handler = "#[derive(Serialize)] pub struct GetPostResponse { post_view: PostView }\n\
                       pub async fn get_post() -> LemmyResult<Json<GetPostResponse>> { Ok(Json(read_post().await?)) }\n";
        let files = [("crates/views/src/lib.rs", view), ("crates/api/src/post.rs", handler)];
        assert_eq!(roles_of(&files, "PostView"), vec![Role::WireOutput]);
        assert_eq!(roles_of(&files, "Post"), vec![Role::WireOutput]);
    }

    #[test]
    fn a_name_two_types_share_gives_no_role() {
        let a = "#[derive(Deserialize)] pub struct InviteData { email: String }\n\
                 pub async fn invite(Json(d): Json<InviteData>) -> Status { send(d).await }\n";
        let b = "#[derive(Serialize, Deserialize)] pub struct InviteData { token: String }\n";
        let files = [("src/api/admin.rs", a), ("src/api/orgs.rs", b)];
        let wanted = ["InviteData".to_string()].into_iter().collect();
        let models = super::super::serde_model::read_types("src/api/orgs.rs", b).unwrap();
        let r = find(&models, &wanted, &tree(&files), &[], &ChangeNews::default());
        assert!(r.of("InviteData").is_empty());
        assert_eq!(r.ambiguous("InviteData"), Some(2));
    }

    #[test]
    fn nothing_seen_is_no_role() {
        let t = "#[derive(Serialize, Deserialize)] pub struct Settings { theme: String }\n\
                 fn load() -> Settings { toml::from_str(\"\").unwrap() }\n";
        assert!(roles_of(&[("src/config.rs", t)], "Settings").is_empty());
        // A word inside another identifier is not a mention.
        assert!(!mentions_word("SettingsExt", "Settings"));
        assert!(mentions_word("x: Settings,", "Settings"));
    }
}
