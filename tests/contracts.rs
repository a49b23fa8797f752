//! JSON contracts beyond Rust: for each language, one real repository per kind of change,
//! checked by the real binary. Each case names the kind and direction `api-type-changed` must
//! report; additive changes must report nothing.

mod common;
use common::*;

const PYDANTIC: &str = "from typing import Literal\nfrom pydantic import BaseModel, ConfigDict, Field\n\n\nclass Prefs(BaseModel):\n    color: str\n    size: int\n    nick: str | None = None\n    mode: Literal[\"light\", \"dark\"]\n";

const DRF: &str = "from rest_framework import serializers\n\n\nclass SiteSerializer(serializers.Serializer):\n    name = serializers.CharField()\n    asn = serializers.IntegerField()\n    note = serializers.CharField(required=False)\n";

const ZOD: &str = "import { z } from \"zod\";\n\nexport const Prefs = z.object({\n  color: z.string(),\n  size: z.number(),\n  nick: z.string().optional(),\n  mode: z.enum([\"light\", \"dark\"]),\n});\n";

const INTERFACE: &str =
    "export interface Prefs {\n  color: string;\n  size: number;\n  nick?: string;\n  mode: \"light\" | \"dark\";\n}\n";

const GO: &str = "package api\n\ntype Prefs struct {\n\tColor string  `json:\"color\"`\n\tSize  int     `json:\"size\"`\n\tNick  *string `json:\"nick,omitempty\"`\n}\n";

/// (what, file, base text, (from, to) edit, expected kind, expected direction); an empty kind
/// means no finding at all.
type Case = (
    &'static str,
    &'static str,
    &'static str,
    (&'static str, &'static str),
    &'static str,
    &'static str,
);

const CASES: &[Case] = &[
    // Pydantic.
    (
        "pydantic removed",
        "app/schemas.py",
        PYDANTIC,
        ("    size: int\n", ""),
        "field-removed",
        "old-readers",
    ),
    (
        "pydantic renamed",
        "app/schemas.py",
        PYDANTIC,
        ("    size: int\n", "    size: int = Field(alias=\"sz\")\n"),
        "field-renamed",
        "both",
    ),
    (
        "pydantic retyped",
        "app/schemas.py",
        PYDANTIC,
        ("    size: int\n", "    size: list[int]\n"),
        "cardinality-changed",
        "both",
    ),
    (
        "pydantic required",
        "app/schemas.py",
        PYDANTIC,
        ("    nick: str | None = None\n", "    nick: str\n"),
        "optionality-tightened",
        "reads-old-data",
    ),
    (
        "pydantic value removed",
        "app/schemas.py",
        PYDANTIC,
        ("\"light\", \"dark\"", "\"light\""),
        "variant-removed",
        "reads-old-data",
    ),
    (
        "pydantic value added",
        "app/schemas.py",
        PYDANTIC,
        ("\"light\", \"dark\"", "\"light\", \"dark\", \"auto\""),
        "variant-added",
        "old-readers",
    ),
    (
        "pydantic forbids unknown keys",
        "app/schemas.py",
        PYDANTIC,
        (
            "    color: str\n",
            "    model_config = ConfigDict(extra=\"forbid\")\n    color: str\n",
        ),
        "deny-unknown-added",
        "reads-old-data",
    ),
    (
        "pydantic additive",
        "app/schemas.py",
        PYDANTIC,
        ("    color: str\n", "    color: str\n    theme: str | None = None\n"),
        "",
        "",
    ),
    // Django REST Framework.
    (
        "drf removed",
        "app/serializers.py",
        DRF,
        ("    asn = serializers.IntegerField()\n", ""),
        "field-removed",
        "old-readers",
    ),
    (
        "drf retyped",
        "app/serializers.py",
        DRF,
        ("asn = serializers.IntegerField()", "asn = serializers.CharField()"),
        "type-changed",
        "both",
    ),
    (
        "drf required",
        "app/serializers.py",
        DRF,
        ("serializers.CharField(required=False)", "serializers.CharField()"),
        "optionality-tightened",
        "reads-old-data",
    ),
    (
        "drf additive",
        "app/serializers.py",
        DRF,
        (
            "    name = serializers.CharField()\n",
            "    name = serializers.CharField()\n    slug = serializers.CharField(read_only=True)\n",
        ),
        "",
        "",
    ),
    // zod.
    (
        "zod removed",
        "src/schemas.ts",
        ZOD,
        ("  size: z.number(),\n", ""),
        "field-removed",
        "old-readers",
    ),
    (
        "zod retyped",
        "src/schemas.ts",
        ZOD,
        ("size: z.number()", "size: z.string()"),
        "type-changed",
        "both",
    ),
    (
        "zod required",
        "src/schemas.ts",
        ZOD,
        ("nick: z.string().optional()", "nick: z.string()"),
        "optionality-tightened",
        "reads-old-data",
    ),
    (
        "zod value removed",
        "src/schemas.ts",
        ZOD,
        ("[\"light\", \"dark\"]", "[\"light\"]"),
        "variant-removed",
        "reads-old-data",
    ),
    (
        "zod value added",
        "src/schemas.ts",
        ZOD,
        ("[\"light\", \"dark\"]", "[\"light\", \"dark\", \"auto\"]"),
        "variant-added",
        "old-readers",
    ),
    (
        "zod strict",
        "src/schemas.ts",
        ZOD,
        ("});\n", "}).strict();\n"),
        "deny-unknown-added",
        "reads-old-data",
    ),
    (
        "zod additive",
        "src/schemas.ts",
        ZOD,
        (
            "  color: z.string(),\n",
            "  color: z.string(),\n  theme: z.string().nullish(),\n",
        ),
        "",
        "",
    ),
    // TypeScript interfaces.
    (
        "interface removed",
        "src/api.ts",
        INTERFACE,
        ("  size: number;\n", ""),
        "field-removed",
        "old-readers",
    ),
    (
        "interface retyped",
        "src/api.ts",
        INTERFACE,
        ("size: number", "size: string"),
        "type-changed",
        "both",
    ),
    (
        "interface required",
        "src/api.ts",
        INTERFACE,
        ("nick?: string", "nick: string"),
        "optionality-tightened",
        "reads-old-data",
    ),
    (
        "interface value removed",
        "src/api.ts",
        INTERFACE,
        ("\"light\" | \"dark\"", "\"light\""),
        "variant-removed",
        "reads-old-data",
    ),
    (
        "interface additive",
        "src/api.ts",
        INTERFACE,
        ("  color: string;\n", "  color: string;\n  theme?: string | null;\n"),
        "",
        "",
    ),
    // Go.
    (
        "go removed",
        "api/prefs.go",
        GO,
        ("\tSize  int     `json:\"size\"`\n", ""),
        "field-removed",
        "old-readers",
    ),
    (
        "go renamed",
        "api/prefs.go",
        GO,
        ("`json:\"size\"`", "`json:\"sz\"`"),
        "field-renamed",
        "both",
    ),
    (
        "go retyped",
        "api/prefs.go",
        GO,
        ("Size  int  ", "Size  bool "),
        "type-changed",
        "both",
    ),
    (
        "go hidden",
        "api/prefs.go",
        GO,
        ("`json:\"size\"`", "`json:\"-\"`"),
        "field-removed",
        "old-readers",
    ),
    (
        "go additive",
        "api/prefs.go",
        GO,
        (
            "\tColor string  `json:\"color\"`\n",
            "\tColor string  `json:\"color\"`\n\tTheme string  `json:\"theme,omitempty\"`\n",
        ),
        "",
        "",
    ),
];

fn api_findings(file: &str, old: &str, new: &str) -> Vec<serde_json::Value> {
    let t = base_and_feature(&[(file, old)], &[(file, Some(new))]);
    analyzer_findings(&t, "json-shape", &[])
        .into_iter()
        .filter(|f| f["rule"] == "api-type-changed")
        .collect()
}

#[test]
fn each_kind_of_change_in_each_language() {
    let mut failures = Vec::new();
    for (what, file, base, (from, to), kind, direction) in CASES {
        assert!(base.contains(from), "{what}: the edit does not apply");
        let new = base.replacen(from, to, 1);
        let found = api_findings(file, base, &new);
        let got: Vec<(String, String)> = found
            .iter()
            .map(|f| {
                (
                    f["tags"][0].as_str().unwrap_or("").to_string(),
                    f["direction"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let ok = if kind.is_empty() {
            got.is_empty()
        } else {
            got.contains(&(kind.to_string(), direction.to_string()))
        };
        if !ok {
            failures.push(format!("{what}: expected {kind:?} {direction:?}, got {got:?}"));
        }
        // Every finding points at the type's file, on a line of it.
        for f in &found {
            assert_eq!(f["file"], *file, "{what}");
            assert!(f["line"].as_u64().is_some_and(|l| l >= 1), "{what}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A serializer is the API's requests and responses: a removed key breaks clients that read
/// it (high, gating). The same removal from a Pydantic model nobody is seen using is a hint.
#[test]
fn severity_follows_the_role() {
    let drf = api_findings(
        "app/serializers.py",
        DRF,
        &DRF.replace("    asn = serializers.IntegerField()\n", ""),
    );
    assert_eq!(drf[0]["severity"], "high");
    assert_eq!(drf[0]["gating"], "broken-contract");
    assert!(
        drf[0]["message"].as_str().unwrap().starts_with("SiteSerializer.asn"),
        "{}",
        drf[0]
    );
    let pydantic = api_findings("app/schemas.py", PYDANTIC, &PYDANTIC.replace("    size: int\n", ""));
    assert_eq!(pydantic[0]["severity"], "medium");
    assert!(pydantic[0]["message"].as_str().unwrap().contains("role unknown"));

    // A FastAPI route that takes the model as its body: a new required key breaks old clients'
    // requests... as a hint (the server may have caught up with them), and a retyped key breaks them.
    let route = "from fastapi import APIRouter\nfrom app.schemas import Prefs\n\nrouter = APIRouter()\n\n\n@router.post(\"/prefs\")\nasync def save(prefs: Prefs) -> None:\n    pass\n";
    let t = base_and_feature(
        &[("app/schemas.py", PYDANTIC), ("app/routes.py", route)],
        &[("app/schemas.py", Some(&PYDANTIC.replace("size: int", "size: str")))],
    );
    let found: Vec<serde_json::Value> = analyzer_findings(&t, "json-shape", &[])
        .into_iter()
        .filter(|f| f["rule"] == "api-type-changed")
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], "high");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("a request parameter of the FastAPI route `save`"),
        "{message}"
    );
}

/// What cannot be read is said, never passed: a serializer whose fields are computed, edited
/// by the change, and a TypeScript file that does not parse.
#[test]
fn unresolved_types_and_bad_files_are_reported() {
    let all = "from rest_framework import serializers\n\n\nclass S(serializers.ModelSerializer):\n    class Meta:\n        model = Site\n        fields = '__all__'\n";
    let t = base_and_feature(
        &[("app/serializers.py", all)],
        &[("app/serializers.py", Some(&all.replace("Site", "Place")))],
    );
    let found = analyzer_findings(&t, "diff", &[]);
    let not_read: Vec<&serde_json::Value> = found.iter().filter(|f| f["rule"] == "file-not-analyzed").collect();
    assert_eq!(not_read.len(), 1, "{found:?}");
    assert_eq!(not_read[0]["severity"], "medium");
    assert!(not_read[0]["message"]
        .as_str()
        .unwrap()
        .contains("`fields = '__all__'` takes every model field"));

    let broken = ZOD.replace("});\n", "});\nexport const = ;\n");
    let t = base_and_feature(&[("src/schemas.ts", ZOD)], &[("src/schemas.ts", Some(&broken))]);
    let found = analyzer_findings(&t, "diff", &[]);
    let f = found
        .iter()
        .find(|f| f["rule"] == "file-not-analyzed")
        .expect("reported");
    assert_eq!(f["file"], "src/schemas.ts");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("TypeScript with API types that does not parse (line 9)"),
        "{f}"
    );
    assert_eq!(
        f["severity"], "high",
        "a file whose types were read before gates when it cannot be read now"
    );
}

/// A zod schema that a route parses from the request is read from clients: retyping a key
/// breaks them (high). The route is found whether or not the change edits it; a route the
/// change adds has no old client, so the same retyping is a hint.
#[test]
fn a_request_parsed_by_a_route_is_read_from_clients() {
    let route = "import { Prefs } from \"../schemas\";\n\nexport async function POST(req: Request) {\n  const body = Prefs.parse(await req.json());\n  return Response.json(body);\n}\n";
    let retyped = ZOD.replace("size: z.number()", "size: z.string()");
    let severity = |t: &TestRepo| -> Vec<String> {
        analyzer_findings(t, "json-shape", &[])
            .into_iter()
            .filter(|f| f["rule"] == "api-type-changed")
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .collect()
    };
    let unchanged_route = base_and_feature(
        &[("src/schemas.ts", ZOD), ("src/api/route.ts", route)],
        &[("src/schemas.ts", Some(&retyped))],
    );
    assert_eq!(severity(&unchanged_route), vec!["high"]);
    let edited_route = base_and_feature(
        &[("src/schemas.ts", ZOD), ("src/api/route.ts", route)],
        &[
            ("src/schemas.ts", Some(&retyped)),
            ("src/api/route.ts", Some(&format!("{route}// edited\n"))),
        ],
    );
    assert_eq!(severity(&edited_route), vec!["high"]);
    let added_route = base_and_feature(
        &[("src/schemas.ts", ZOD)],
        &[("src/schemas.ts", Some(&retyped)), ("src/api/route.ts", Some(route))],
    );
    assert_eq!(severity(&added_route), vec!["medium"]);
}

/// A base class is read wherever its subclasses are: a narrower key in the base of a response
/// model breaks no reader (clients read what the server writes), so nothing is reported, not
/// a hint for the base as if nobody were known to read it.
#[test]
fn a_base_class_takes_its_subclasses_roles() {
    let schemas = "from pydantic import BaseModel\n\n\nclass PrefsBase(BaseModel):\n    size: float\n\n\nclass Prefs(PrefsBase):\n    color: str\n";
    let route = "from fastapi import APIRouter\nfrom app.schemas import Prefs\n\nrouter = APIRouter()\n\n\n@router.get(\"/prefs\", response_model=Prefs)\nasync def show():\n    pass\n";
    let t = base_and_feature(
        &[("app/schemas.py", schemas), ("app/routes.py", route)],
        &[("app/schemas.py", Some(&schemas.replace("size: float", "size: int")))],
    );
    let found: Vec<serde_json::Value> = analyzer_findings(&t, "json-shape", &[])
        .into_iter()
        .filter(|f| f["rule"] == "api-type-changed")
        .collect();
    assert!(found.is_empty(), "{found:?}");
}

/// `[[json_column]]` names a Pydantic model too: a migration that reshapes the column while
/// the model stored in it changes is the compound, critical finding.
#[test]
fn a_json_column_read_by_a_pydantic_model_is_the_compound_finding() {
    let config = "[[json_column]]\ntable = \"users\"\ncolumn = \"prefs\"\ntype = \"UserPrefs\"\n";
    let model = "from pydantic import BaseModel\n\n\nclass UserPrefs(BaseModel):\n    color: str\n";
    let t = base_and_feature(
        &[("riskgate.toml", config), ("app/prefs.py", model)],
        &[
            ("app/prefs.py", Some(&model.replace("color", "theme"))),
            (
                "db/migrations/0043_theme.sql",
                Some("UPDATE users SET prefs = jsonb_set(prefs - 'color', '{theme}', prefs->'color');\n"),
            ),
        ],
    );
    let found = analyzer_findings(&t, "json-shape", &[]);
    let compound = found
        .iter()
        .find(|f| f["rule"] == "json-column-contract-changed")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(compound["severity"], "critical");
    assert!(compound["message"]
        .as_str()
        .unwrap()
        .contains("UserPrefs, stored in it, changes"));
    let model_finding = found.iter().find(|f| f["rule"] == "api-type-changed").unwrap();
    assert!(
        model_finding["message"].as_str().unwrap().contains("stored JSON"),
        "{model_finding}"
    );
}

/// Two packages' `Repo` are different types: the database row of one does not make the other
/// a row (a webhook payload read from another service is of unknown role).
#[test]
fn a_row_is_not_told_by_name() {
    let row = "package model\n\ntype Repo struct {\n\tID   int64  `json:\"id\" xorm:\"pk autoincr\"`\n\tName string `json:\"name\" xorm:\"name\"`\n}\n";
    let hook = "package gitea\n\ntype Repo struct {\n\tID   int64  `json:\"id\"`\n\tName string `json:\"name\"`\n}\n";
    let t = base_and_feature(
        &[("model/repo.go", row), ("remote/gitea/types.go", hook)],
        &[(
            "remote/gitea/types.go",
            Some(&hook.replace("ID   int64 ", "ID   string")),
        )],
    );
    let found: Vec<serde_json::Value> = analyzer_findings(&t, "json-shape", &[])
        .into_iter()
        .filter(|f| f["rule"] == "api-type-changed")
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("role unknown") && !message.contains("database row"),
        "{message}"
    );
}

/// Two route modules each declare a `SearchParams` schema; one parses a request. A change to
/// the other module's schema does not take that role, and a number that becomes an integer is
/// a hint: JSON has one number type.
#[test]
fn a_name_a_file_declares_itself_is_its_own() {
    let a = "import { z } from \"zod\";\n\nconst SearchParams = z.object({ page: z.number(), q: z.string() });\n\nexport async function GET(req: Request) {\n  const p = SearchParams.parse(Object.fromEntries(new URL(req.url).searchParams));\n  return Response.json(p);\n}\n";
    let b =
        "import { z } from \"zod\";\n\nexport const SearchParams = z.object({ page: z.number(), q: z.string() });\n";
    let t = base_and_feature(
        &[("app/a.ts", a), ("app/b.ts", b)],
        &[(
            "app/b.ts",
            Some(
                &b.replace("q: z.string()", "q: z.boolean()")
                    .replace("page: z.number()", "page: z.number().int()"),
            ),
        )],
    );
    let found: Vec<(String, String, String)> = analyzer_findings(&t, "json-shape", &[])
        .into_iter()
        .filter(|f| f["rule"] == "api-type-changed")
        .map(|f| {
            (
                f["tags"][0].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let q = found.iter().find(|(k, _, _)| k == "type-changed").expect("q retyped");
    assert_eq!(q.1, "medium");
    assert!(q.2.contains("role unknown"), "{}", q.2);
    let page = found
        .iter()
        .find(|(k, _, _)| k == "type-narrowed")
        .expect("page narrowed");
    assert_eq!(page.1, "low");
}
