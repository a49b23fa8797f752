//! Rust at symbol level: the functions a change touches (syn, with span locations) and whether
//! any test refers to them, resolved through paths, `use` imports, renames and `Self` types.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::BTreeSet;
use std::str::FromStr;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Attribute, ImplItem, Item, UseTree};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RustFn {
    pub name: String,
    /// The `impl` type for methods and associated functions.
    pub self_ty: Option<String>,
    /// Inline modules inside the file, outermost first.
    pub modules: Vec<String>,
    pub start: u32,
    pub end: u32,
    pub public: bool,
    pub is_test: bool,
    pub ignored: bool,
    /// Names this function calls or mentions.
    pub calls: BTreeSet<String>,
    /// The item without doc attributes, as tokens: equal before and after means only
    /// comments, docs or formatting changed.
    pub tokens: String,
    /// The same without the function's name, to recognise a pure rename.
    pub body_tokens: String,
    pub assertions: usize,
}

impl RustFn {
    /// `Type::method` or `module::function`, for symbols.
    pub fn item_path(&self) -> String {
        let mut parts: Vec<String> = self.modules.clone();
        if let Some(t) = &self.self_ty {
            parts.push(t.clone());
        }
        parts.push(self.name.clone());
        parts.join("::")
    }
}

fn is_doc(a: &Attribute) -> bool {
    a.path().is_ident("doc")
}

fn has_attr(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .any(|a| a.path().segments.last().is_some_and(|s| s.ident == name))
}

/// Drops `#[ignore]`d tests, in inline modules too.
fn strip_ignored(items: &mut Vec<Item>) {
    items.retain(|i| !matches!(i, Item::Fn(f) if has_attr(&f.attrs, "ignore")));
    for i in items.iter_mut() {
        if let Item::Mod(m) = i {
            if let Some((_, inner)) = &mut m.content {
                strip_ignored(inner);
            }
        }
    }
}

fn is_cfg_test(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.to_token_stream().to_string().contains("test"))
}

fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => None,
    }
}

const ASSERTIONS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "assert_matches",
    "debug_assert",
    "prop_assert",
    "prop_assert_eq",
    "should_panic",
    "expect_err",
    "unwrap_err",
    "assert_snapshot",
    "assert_json_snapshot",
    "assert_debug_snapshot",
];

/// Where a function sits: its `impl` type, inline modules, and whether inside test code.
struct Place<'a> {
    self_ty: Option<String>,
    modules: &'a [String],
    in_test: bool,
}

fn make_fn(
    sig: &syn::Signature,
    attrs: &[Attribute],
    whole: &dyn ToTokens,
    span: proc_macro2::Span,
    vis_pub: bool,
    place: Place<'_>,
) -> RustFn {
    let mut summary = Summary::default();
    summarise(whole.to_token_stream(), &mut summary);
    let Summary {
        mut calls,
        text: tokens,
        assertions,
    } = summary;
    calls.remove(&sig.ident.to_string());
    let body_tokens = tokens.replacen(&format!("fn {} ", sig.ident), "fn _ ", 1);
    RustFn {
        name: sig.ident.to_string(),
        self_ty: place.self_ty,
        modules: place.modules.to_vec(),
        start: span.start().line as u32,
        end: span.end().line as u32,
        public: vis_pub,
        is_test: place.in_test || has_attr(attrs, "test"),
        ignored: has_attr(attrs, "ignore"),
        calls,
        tokens,
        body_tokens,
        assertions,
    }
}

/// What one pass over a function's tokens gives.
#[derive(Default)]
struct Summary {
    /// Identifiers it calls or mentions (in macro invocations too).
    calls: BTreeSet<String>,
    /// Its tokens without doc attributes, one space apart: equal before and after means only
    /// comments, docs or formatting changed.
    text: String,
    assertions: usize,
}

/// Reads a token stream once for names, text and assertions (three walks and a rebuilt
/// stream without docs cost a tenth of a hook run on a large crate).
fn summarise(tokens: TokenStream, s: &mut Summary) {
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tts.len() {
        match &tts[i] {
            TokenTree::Punct(p) if p.as_char() == '#' && tts.get(i + 1).is_some_and(is_doc_attr) => {
                i += 2;
                continue;
            }
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                if ASSERTIONS.contains(&name.as_str()) {
                    s.assertions += 1;
                }
                s.text.push_str(&name);
                s.text.push(' ');
                s.calls.insert(name.strip_prefix("r#").unwrap_or(&name).to_string());
            }
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("( ", ") "),
                    Delimiter::Brace => ("{ ", "} "),
                    Delimiter::Bracket => ("[ ", "] "),
                    Delimiter::None => ("", ""),
                };
                s.text.push_str(open);
                summarise(g.stream(), s);
                s.text.push_str(close);
            }
            TokenTree::Punct(p) => {
                s.text.push(p.as_char());
                // `&&` stays one word and `& &` two, as they are different code.
                if p.spacing() == proc_macro2::Spacing::Alone {
                    s.text.push(' ');
                }
            }
            TokenTree::Literal(l) => {
                s.text.push_str(&l.to_string());
                s.text.push(' ');
            }
        }
        i += 1;
    }
}

/// `[doc = "…"]` after a `#`: a doc comment.
fn is_doc_attr(tt: &TokenTree) -> bool {
    matches!(tt, TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket
        && g.stream().into_iter().next().is_some_and(|t| matches!(&t, TokenTree::Ident(i) if i == "doc")))
}

/// Every function of a file: free functions, methods, trait defaults, in inline modules too.
pub fn functions(source: &str) -> Option<Vec<RustFn>> {
    let file = crate::text::parse_rust(source).ok()?;
    let mut out = Vec::new();
    walk(&file.items, &[], false, &mut out);
    Some(out)
}

/// What `functions` reads, and `test_code`, remembered between runs by blob (`ChangeSet::memo`).
const FUNCTIONS_MEMO: &str = "rust-functions-1";
const TEST_CODE_MEMO: &str = "rust-test-code-1";
const WHOLE_TEST_FILE_MEMO: &str = "rust-test-file-1";

/// `functions` of a file's text, from the memo when an earlier run read the same blob.
pub fn functions_of(text: &crate::diff::LazyText, memo: Option<&dyn crate::diff::Memo>) -> Option<Vec<RustFn>> {
    text.derived(memo, FUNCTIONS_MEMO, functions).flatten()
}

/// `test_code` of a file, from the memo when an earlier run read the same blob.
pub fn test_code_of(
    file: &str,
    text: &crate::diff::LazyText,
    whole_file_is_test: bool,
    memo: Option<&dyn crate::diff::Memo>,
) -> Option<TestCode> {
    let kind = if whole_file_is_test {
        WHOLE_TEST_FILE_MEMO
    } else {
        TEST_CODE_MEMO
    };
    // Remembered without the path (a blob may sit at several) and without the index, which a
    // value read back builds again.
    let mut code = text
        .derived(memo, kind, |source| test_code("", source, whole_file_is_test))
        .flatten()?;
    code.file = file.to_string();
    Some(if code.mentions.is_empty() { code.index() } else { code })
}

fn walk(items: &[Item], modules: &[String], in_test: bool, out: &mut Vec<RustFn>) {
    for item in items {
        match item {
            Item::Fn(f) => {
                let public = matches!(f.vis, syn::Visibility::Public(_));
                out.push(make_fn(
                    &f.sig,
                    &f.attrs,
                    f,
                    f.span(),
                    public,
                    Place {
                        self_ty: None,
                        modules,
                        in_test,
                    },
                ));
            }
            Item::Impl(imp) => {
                let self_ty = type_name(&imp.self_ty);
                let trait_impl = imp.trait_.is_some();
                for it in &imp.items {
                    if let ImplItem::Fn(m) = it {
                        let public = trait_impl || matches!(m.vis, syn::Visibility::Public(_));
                        let place = Place {
                            self_ty: self_ty.clone(),
                            modules,
                            in_test: in_test || is_cfg_test(&imp.attrs),
                        };
                        out.push(make_fn(&m.sig, &m.attrs, m, m.span(), public, place));
                    }
                }
            }
            Item::Trait(t) => {
                for it in &t.items {
                    if let syn::TraitItem::Fn(m) = it {
                        if m.default.is_some() {
                            let place = Place {
                                self_ty: Some(t.ident.to_string()),
                                modules,
                                in_test,
                            };
                            out.push(make_fn(&m.sig, &m.attrs, m, m.span(), true, place));
                        }
                    }
                }
            }
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    let mut path = modules.to_vec();
                    path.push(m.ident.to_string());
                    walk(inner, &path, in_test || is_cfg_test(&m.attrs), out);
                }
            }
            _ => {}
        }
    }
}

/// One `use` import: the path, and the name it is known by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Import {
    pub path: Vec<String>,
    pub name: String,
    pub glob: bool,
}

fn flatten_use(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<Import>) {
    match tree {
        UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten_use(&p.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            out.push(Import {
                path,
                name: n.ident.to_string(),
                glob: false,
            });
        }
        UseTree::Rename(r) => {
            let mut path = prefix.clone();
            path.push(r.ident.to_string());
            out.push(Import {
                path,
                name: r.rename.to_string(),
                glob: false,
            });
        }
        UseTree::Glob(_) => out.push(Import {
            path: prefix.clone(),
            name: "*".into(),
            glob: true,
        }),
        UseTree::Group(g) => g.items.iter().for_each(|t| flatten_use(t, prefix, out)),
    }
}

/// Test code found in one file: what it mentions and imports.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TestCode {
    pub file: String,
    /// Inline test modules sit inside the module of their file; `tests/` files are outside.
    pub inline: bool,
    /// Paths as written (`billing::total`, `Invoice::new`), each a list of segments.
    pub paths: Vec<Vec<String>>,
    /// Names called as methods (`.total(`).
    pub methods: BTreeSet<String>,
    pub imports: Vec<Import>,
    /// Every identifier the code mentions as a path segment, method or import: a cheap test
    /// before the full resolution. Not remembered: rebuilt from the rest.
    #[serde(skip)]
    pub mentions: std::collections::HashSet<String>,
}

impl TestCode {
    /// Fills the identifier index once the paths and imports are known.
    fn index(mut self) -> TestCode {
        let mut m = std::collections::HashSet::new();
        for p in &self.paths {
            m.extend(p.iter().cloned());
        }
        m.extend(self.methods.iter().cloned());
        for i in &self.imports {
            m.insert(i.name.clone());
            m.extend(i.path.iter().cloned());
        }
        self.mentions = m;
        self
    }
}

/// Collects paths and method calls from tokens, including inside macros.
fn scan_tokens(stream: TokenStream, code: &mut TestCode) {
    let tts: Vec<TokenTree> = stream.into_iter().collect();
    let mut i = 0;
    while i < tts.len() {
        match &tts[i] {
            TokenTree::Group(g) => {
                scan_tokens(g.stream(), code);
                i += 1;
            }
            TokenTree::Ident(id) => {
                let after_dot = i > 0 && matches!(&tts[i - 1], TokenTree::Punct(p) if p.as_char() == '.');
                let mut path = vec![id.to_string()];
                let mut j = i + 1;
                while j + 2 < tts.len() + 1 {
                    let colons = matches!((&tts.get(j), &tts.get(j + 1)), (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':');
                    match (colons, tts.get(j + 2)) {
                        (true, Some(TokenTree::Ident(next))) => {
                            path.push(next.to_string());
                            j += 3;
                        }
                        (true, Some(TokenTree::Punct(p))) if p.as_char() == '<' => break,
                        _ => break,
                    }
                }
                if after_dot && path.len() == 1 {
                    code.methods.insert(path[0].clone());
                } else {
                    code.paths.push(path);
                }
                i = j.max(i + 1);
            }
            _ => i += 1,
        }
    }
}

fn collect_imports(items: &[Item], out: &mut Vec<Import>) {
    for item in items {
        match item {
            Item::Use(u) => flatten_use(&u.tree, &mut Vec::new(), out),
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect_imports(inner, out);
                }
            }
            _ => {}
        }
    }
}

/// Test code of a file: the whole file for files under `tests/`, the `#[cfg(test)]` modules
/// and `#[test]` functions otherwise, plus doc-test code blocks of the file's doc comments.
pub fn test_code(file: &str, source: &str, whole_file_is_test: bool) -> Option<TestCode> {
    let mut code = TestCode {
        file: file.to_string(),
        inline: !whole_file_is_test,
        ..Default::default()
    };
    let has_doc_tests = source.contains("```");
    if crate::text::rust_too_deep(source).is_some() {
        return None;
    }
    if whole_file_is_test {
        match crate::text::parse_rust(source) {
            Ok(mut ast) => {
                // A disabled test tests nothing: what only it calls stays untested.
                strip_ignored(&mut ast.items);
                scan_tokens(ast.to_token_stream(), &mut code);
                collect_imports(&ast.items, &mut code.imports);
            }
            Err(_) => scan_tokens(TokenStream::from_str(source).ok()?, &mut code),
        }
        return Some(code.index());
    }
    if !source.contains("#[test]") && !source.contains("cfg(test)") && !has_doc_tests {
        return None;
    }
    let ast = crate::text::parse_rust(source).ok()?;
    let mut found = false;
    fn visit_items(items: &[Item], code: &mut TestCode, found: &mut bool) {
        for item in items {
            match item {
                Item::Mod(m) if is_cfg_test(&m.attrs) => {
                    if let Some((_, inner)) = &m.content {
                        *found = true;
                        let mut m = m.clone();
                        if let Some((_, items)) = &mut m.content {
                            strip_ignored(items);
                        }
                        scan_tokens(m.to_token_stream(), code);
                        collect_imports(inner, &mut code.imports);
                    }
                }
                Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        visit_items(inner, code, found);
                    }
                }
                Item::Fn(f) if has_attr(&f.attrs, "test") && !has_attr(&f.attrs, "ignore") => {
                    *found = true;
                    scan_tokens(f.to_token_stream(), code);
                }
                _ => {}
            }
        }
    }
    visit_items(&ast.items, &mut code, &mut found);
    if has_doc_tests {
        // Doc tests: code blocks in doc comments are compiled and run as tests.
        let mut docs = DocBlocks::default();
        docs.visit_file(&ast);
        for block in docs.blocks {
            if crate::text::rust_too_deep(&block).is_some() {
                continue;
            }
            if let Ok(ts) = TokenStream::from_str(&block) {
                found = true;
                scan_tokens(ts, &mut code);
            }
        }
    }
    found.then(|| code.index())
}

#[derive(Default)]
struct DocBlocks {
    blocks: Vec<String>,
}

impl DocBlocks {
    fn visit_file(&mut self, f: &syn::File) {
        let mut text = Vec::new();
        struct Collect<'a>(&'a mut Vec<String>);
        impl<'ast> Visit<'ast> for Collect<'_> {
            fn visit_attribute(&mut self, a: &'ast Attribute) {
                if is_doc(a) {
                    if let syn::Meta::NameValue(nv) = &a.meta {
                        if let syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s), ..
                        }) = &nv.value
                        {
                            self.0.push(s.value());
                        }
                    }
                }
            }
        }
        Collect(&mut text).visit_file(f);
        // Keep only the lines inside ``` fences of consecutive doc lines.
        let mut inside = false;
        let mut block = String::new();
        for line in text {
            let t = line.trim();
            if t.starts_with("```") {
                if inside {
                    self.blocks.push(std::mem::take(&mut block));
                }
                inside = !inside && !t.contains("text") && !t.contains("ignore") && !t.contains("sh");
                continue;
            }
            if inside {
                block.push_str(t.trim_start_matches('#').trim_start());
                block.push('\n');
            }
        }
    }
}

/// The module path of a crate file: `src/billing.rs` → `billing`, `src/a/mod.rs` → `a`,
/// `src/lib.rs` → root.
pub fn module_of(path: &str) -> Vec<String> {
    let rel = path.split_once("src/").map_or(path, |(_, r)| r);
    let rel = rel.trim_end_matches(".rs");
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// Does this test code refer to the function?
pub fn refers_to(code: &TestCode, f: &RustFn, f_file: &str, aliases: &BTreeSet<String>) -> bool {
    let mut module = module_of(f_file);
    module.extend(f.modules.iter().cloned());
    refers_to_in(code, f, f_file, &module, aliases)
}

/// `refers_to` with the function's module path already known.
pub fn refers_to_in(code: &TestCode, f: &RustFn, f_file: &str, module: &[String], aliases: &BTreeSet<String>) -> bool {
    // Nothing in this code even mentions the name: no resolution needed.
    if !code.mentions.contains(&f.name) && !aliases.iter().any(|a| code.mentions.contains(a)) {
        return false;
    }
    // A re-export's own name is distinctive: any path or import ending in it counts.
    if aliases.iter().any(|a| {
        code.paths.iter().any(|p| p.last() == Some(a))
            && (code.imports.iter().any(|i| &i.name == a)
                || code.paths.iter().any(|p| p.len() >= 2 && p.last() == Some(a)))
    }) {
        return true;
    }
    let names: BTreeSet<&str> = std::iter::once(f.name.as_str()).collect();
    let owner_ok = |seg: &str| {
        Some(seg) == f.self_ty.as_deref()
            || Some(seg) == module.last().map(String::as_str)
            || ["super", "self", "crate", "Self"].contains(&seg)
    };
    let same_file = code.inline && code.file == f_file;
    // `a::b::name`: the segment before the name must be its type or module.
    let qualified = code.paths.iter().any(|p| {
        p.len() >= 2 && names.contains(p[p.len() - 1].as_str()) && owner_ok(&p[p.len() - 2])
            || (p.len() >= 2 && module.is_empty() && f.self_ty.is_none() && names.contains(p[p.len() - 1].as_str()))
    });
    if qualified {
        return true;
    }
    // A bare name must be in scope: the file's own test module, or imported from its module.
    let imported = |name: &str| {
        code.imports.iter().any(|i| {
            (i.name == name && (i.path.len() < 2 || owner_ok(&i.path[i.path.len() - 2]) || module.is_empty()))
                || (i.glob && (i.path.last().is_some_and(|l| owner_ok(l)) || i.path.iter().any(|s| s == "super")))
        })
    };
    let bare = code.paths.iter().any(|p| {
        p.len() == 1
            && names.contains(p[0].as_str())
            && (f.self_ty.is_none() || f.self_ty.is_some())
            && (same_file || imported(&p[0]))
    });
    if bare && f.self_ty.is_none() {
        return true;
    }
    if let Some(t) = &f.self_ty {
        // Methods: `.name(` with the type in reach (mentioned or in the same file).
        let type_in_reach = same_file || code.paths.iter().any(|p| p.iter().any(|s| s == t)) || imported(t);
        if type_in_reach
            && names
                .iter()
                .any(|n| code.methods.contains(*n) || code.paths.iter().any(|p| p.len() == 1 && p[0] == *n))
        {
            return true;
        }
    }
    false
}

/// `pub use path::name as alias` anywhere in the crate: names a function is also known by.
pub fn aliases_in(source: &str) -> Vec<Import> {
    let Ok(ast) = crate::text::parse_rust(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    collect_imports(&ast.items, &mut out);
    out.retain(|i| !i.glob && i.path.last() != Some(&i.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "pub struct Invoice;\n\nimpl Invoice {\n    /// Total.\n    pub fn total(&self) -> u32 {\n        helper(2)\n    }\n}\n\nfn helper(x: u32) -> u32 {\n    x * 2\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn doubles() {\n        assert_eq!(helper(2), 4);\n    }\n}\n";

    #[test]
    fn finds_functions_with_spans_and_kinds() {
        let fns = functions(SRC).unwrap();
        let brief: Vec<_> = fns
            .iter()
            .map(|f| (f.item_path(), f.start, f.end, f.public, f.is_test))
            .collect();
        assert_eq!(
            brief,
            vec![
                ("Invoice::total".to_string(), 4, 7, true, false),
                ("helper".to_string(), 10, 12, false, false),
                ("tests::doubles".to_string(), 17, 20, false, true),
            ]
        );
        assert_eq!(fns[2].assertions, 1);
        assert!(fns[0].calls.contains("helper"));
    }

    #[test]
    fn doc_and_comment_edits_keep_the_tokens() {
        let edited = SRC
            .replace("/// Total.", "/// The invoice total, in cents.\n    // reviewed")
            .replace("helper(2)", "helper( 2 )");
        let (a, b) = (functions(SRC).unwrap(), functions(&edited).unwrap());
        assert_eq!(a[0].tokens, b[0].tokens);
        // Joint punctuation is its own token text: `a && b` is not `a & &b`.
        let and = functions("fn f(a: bool, b: bool) -> bool { a && b }").unwrap();
        let bit_and = functions("fn f(a: bool, b: bool) -> bool { a & &b }").unwrap();
        assert_ne!(and[0].tokens, bit_and[0].tokens);
    }

    #[test]
    fn references_resolve_through_scope() {
        let fns = functions(SRC).unwrap();
        let inline = test_code("src/billing.rs", SRC, false).unwrap();
        let none = BTreeSet::new();
        assert!(
            refers_to(&inline, &fns[1], "src/billing.rs", &none),
            "helper is called by its own test module"
        );
        assert!(!refers_to(&inline, &fns[0], "src/billing.rs", &none), "total is not");

        let it = test_code(
            "tests/billing.rs",
            "use shop::billing::Invoice;\n#[test]\nfn t() { assert_eq!(Invoice.total(), 4); }\n",
            true,
        )
        .unwrap();
        assert!(
            refers_to(&it, &fns[0], "src/billing.rs", &none),
            "method through its type"
        );
        let other = test_code(
            "tests/shipping.rs",
            "use shop::shipping::helper;\n#[test]\nfn t() { helper(1); shipping::total(); }\n",
            true,
        )
        .unwrap();
        assert!(
            !refers_to(&other, &fns[1], "src/billing.rs", &none),
            "a name from another module"
        );
        let renamed = test_code(
            "tests/r.rs",
            "use shop::double;\n#[test]\nfn t() { double(1); }\n",
            true,
        )
        .unwrap();
        let alias: BTreeSet<String> = ["double".to_string()].into();
        assert!(
            refers_to(&renamed, &fns[1], "src/billing.rs", &alias),
            "a re-export under another name"
        );
    }

    #[test]
    fn doc_tests_count() {
        let src =
            "/// ```\n/// assert_eq!(shop::add(1, 2), 3);\n/// ```\npub fn add(a: u32, b: u32) -> u32 { a + b }\n";
        let code = test_code("src/lib.rs", src, false).unwrap();
        assert!(code
            .paths
            .iter()
            .any(|p| p == &vec!["shop".to_string(), "add".to_string()]));
    }

    #[test]
    fn module_paths() {
        assert_eq!(module_of("src/billing.rs"), vec!["billing"]);
        assert_eq!(module_of("src/billing/mod.rs"), vec!["billing"]);
        assert!(module_of("src/lib.rs").is_empty());
        assert_eq!(module_of("crates/core/src/a/b.rs"), vec!["a", "b"]);
    }
}
