//! Languages without a parser in riskgate (Python, JavaScript/TypeScript, Go, Java/Kotlin,
//! Ruby): functions found by their declaration syntax, references found by name in the
//! conventional test files.

use crate::classify::Language;
use regex::Regex;
use std::sync::OnceLock;

fn declaration(lang: Language) -> Option<&'static Regex> {
    static PY: OnceLock<Regex> = OnceLock::new();
    static JS: OnceLock<Regex> = OnceLock::new();
    static GO: OnceLock<Regex> = OnceLock::new();
    static JAVA: OnceLock<Regex> = OnceLock::new();
    static KT: OnceLock<Regex> = OnceLock::new();
    static RB: OnceLock<Regex> = OnceLock::new();
    let (cell, pattern) = match lang {
        Language::Python => (&PY, r"^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\("),
        Language::JavaScript | Language::TypeScript => (
            &JS,
            r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\s*\*?\s*([A-Za-z_$][\w$]*)|(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:\([^)]*\)|[A-Za-z_$][\w$]*)\s*=>|(?:public\s+|private\s+|protected\s+|static\s+|async\s+)*([A-Za-z_$][\w$]*)\s*\([^)]*\)\s*(?::\s*[^{]+)?\{)",
        ),
        Language::Go => (&GO, r"^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*[\[(]"),
        Language::Java | Language::CSharp => (
            &JAVA,
            r"^\s*(?:(?:public|private|protected|static|final|synchronized|abstract|async|override|virtual|internal)\s+)+[\w<>\[\],.? ]+\s+([A-Za-z_]\w*)\s*\(",
        ),
        Language::Kotlin => (
            &KT,
            r"^\s*(?:(?:public|private|internal|override|suspend|open)\s+)*fun\s+(?:<[^>]*>\s*)?(?:[\w.]+\.)?([A-Za-z_]\w*)\s*\(",
        ),
        Language::Ruby => (&RB, r"^\s*def\s+(?:self\.)?([A-Za-z_]\w*[?!]?)"),
        _ => return None,
    };
    Some(cell.get_or_init(|| Regex::new(pattern).expect("declaration regex compiles")))
}

const KEYWORDS: &[&str] = &[
    "if",
    "for",
    "while",
    "switch",
    "catch",
    "return",
    "function",
    "constructor",
    "main",
    "init",
    "__init__",
    "setUp",
    "tearDown",
];

/// `def name(` (Python) or `def name` / `def self.name` (Ruby), read without a regex: these
/// are most of the lines the analyzer looks at in large changes.
fn def_name(line: &str, ruby: bool) -> Option<&str> {
    let t = line.trim_start();
    let t = t.strip_prefix("async ").map_or(t, str::trim_start);
    let mut rest = t.strip_prefix("def ")?.trim_start();
    if ruby {
        rest = rest.strip_prefix("self.").unwrap_or(rest);
    }
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || (ruby && (c == '?' || c == '!'))))
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at(end);
    let starts_ok = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_');
    (starts_ok && (ruby || after.trim_start().starts_with('('))).then_some(name)
}

/// (name, first line) of each function declaration, in order.
pub fn declarations(lang: Language, text: &str) -> Vec<(String, u32)> {
    if matches!(lang, Language::Python | Language::Ruby) {
        let ruby = lang == Language::Ruby;
        return text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                def_name(l, ruby)
                    .filter(|n| !KEYWORDS.contains(n))
                    .map(|n| (n.to_string(), i as u32 + 1))
            })
            .collect();
    }
    let Some(re) = declaration(lang) else { return Vec::new() };
    // A cheap test before the regex: most lines declare nothing.
    let may_declare = |line: &str| match lang {
        Language::Python | Language::Ruby => line.contains("def "),
        Language::Go => line.starts_with("func"),
        Language::Kotlin => line.contains("fun "),
        _ => line.contains('('),
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| may_declare(line))
        .filter_map(|(i, line)| {
            let c = re.captures(line)?;
            let name = (1..c.len()).find_map(|g| c.get(g)).map(|m| m.as_str().to_string())?;
            (!KEYWORDS.contains(&name.as_str())).then_some((name, i as u32 + 1))
        })
        .collect()
}

/// The function a line belongs to: the nearest declaration at or above it.
/// `decls` is in line order, as `declarations` gives it: a binary search, not a walk per line.
pub fn enclosing(decls: &[(String, u32)], line: u32) -> Option<&(String, u32)> {
    let after = decls.partition_point(|(_, at)| *at <= line);
    after.checked_sub(1).map(|i| &decls[i])
}

/// Whether `name` appears as a word in the text.
pub fn mentions(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    text.match_indices(name).any(|(i, _)| {
        let before = i == 0 || !is_word(bytes[i - 1]);
        let after = i + name.len() >= bytes.len() || !is_word(bytes[i + name.len()]);
        before && after
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_per_language() {
        let py = "class A:\n    def total(self):\n        return 1\n\nasync def fetch():\n    pass\n";
        assert_eq!(
            declarations(Language::Python, py),
            vec![("total".into(), 2), ("fetch".into(), 5)]
        );
        let js = "export function vat(x) {\n}\nconst net = (x) => x;\nclass C {\n  async load(id) {\n  }\n}\n";
        assert_eq!(
            declarations(Language::JavaScript, js),
            vec![("vat".into(), 1), ("net".into(), 3), ("load".into(), 5)]
        );
        let go = "func (s *Server) Handle(w http.ResponseWriter) {\n}\nfunc helper[T any](x T) {}\n";
        assert_eq!(
            declarations(Language::Go, go),
            vec![("Handle".into(), 1), ("helper".into(), 3)]
        );
        let java = "public class A {\n    public static int total(List<Item> items) {\n        if (x) {}\n    }\n}\n";
        assert_eq!(declarations(Language::Java, java), vec![("total".into(), 2)]);
        assert_eq!(
            declarations(Language::Kotlin, "fun Invoice.total(): Int = 1\n"),
            vec![("total".into(), 1)]
        );
        assert_eq!(
            declarations(Language::Ruby, "  def self.valid?(x)\n  end\n"),
            vec![("valid?".into(), 1)]
        );
    }

    #[test]
    fn mentions_whole_words_only() {
        assert!(mentions("assert vat(1) == 2", "vat"));
        assert!(!mentions("assert private(1)", "vat"));
        assert!(!mentions("vatRate(1)", "vat"));
    }
}
