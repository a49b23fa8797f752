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
    api_type_findings(&base_and_feature(&[(file, old)], &[(file, Some(new))]))
}

/// The `api-type-changed` findings of the change in `t`.
fn api_type_findings(t: &TestRepo) -> Vec<serde_json::Value> {
    analyzer_findings(t, "json-shape", &[])
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
    let found: Vec<serde_json::Value> = api_type_findings(&t);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], "high");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("a request parameter of the FastAPI route `save`"),
        "{message}"
    );
}

/// Any JSON (`z.unknown()`) made a schema defined in another file: what that schema accepts is
/// not read here (a JSON value schema accepts all the old one did), so it is a low note, not a
/// high narrowing. The control, any JSON made a string, is still high.
#[test]
fn any_json_made_a_schema_defined_elsewhere_is_no_high_narrowing() {
    let zod = ZOD.replace(
        "  size: z.number(),\n",
        "  size: z.number(),\n  payload: z.unknown(),\n",
    );
    let route = "import { Prefs } from \"../schemas\";\n\nexport async function POST(req: Request) {\n  const body = Prefs.parse(await req.json());\n  return Response.json(body);\n}\n";
    let found = |to: &str| -> Vec<String> {
        let new = zod
            .replace(
                "import { z } from \"zod\";\n",
                "import { z } from \"zod\";\nimport { jsonSchema } from \"./json\";\n",
            )
            .replace("payload: z.unknown()", to);
        let t = base_and_feature(
            &[("src/schemas.ts", &zod), ("src/api/route.ts", route)],
            &[("src/schemas.ts", Some(&new))],
        );
        api_type_findings(&t)
            .into_iter()
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .collect()
    };
    let elsewhere = found("payload: jsonSchema");
    assert!(
        elsewhere.iter().all(|s| s != "high" && s != "critical"),
        "{elsewhere:?}"
    );
    assert_eq!(found("payload: z.string()"), vec!["high"]);
}

/// A zod array moved out into a schema of its own (`const orderBy = z.array(z.object(…))`) and
/// named by the field is the same array: no change between one value and an array. The control,
/// the field made one object, is still one.
#[test]
fn a_zod_array_moved_into_a_schema_of_its_own_is_the_same_array() {
    let old = "import { z } from \"zod\";\n\nexport const Query = z.object({\n  from: z.string(),\n  orderBy: z.array(z.object({ column: z.string(), direction: z.enum([\"ASC\", \"DESC\"]) })),\n});\n";
    let moved = "import { z } from \"zod\";\n\nconst orderByInterface = z.array(\n  z.object({ column: z.string(), direction: z.enum([\"ASC\", \"DESC\"]) }),\n);\n\nexport const Query = z.object({\n  from: z.string(),\n  orderBy: orderByInterface,\n});\n";
    let found = api_findings("src/query.ts", old, moved);
    assert!(found.is_empty(), "{found:?}");
    let one = "import { z } from \"zod\";\n\nconst orderByInterface = z.object({ column: z.string(), direction: z.enum([\"ASC\", \"DESC\"]) });\n\nexport const Query = z.object({\n  from: z.string(),\n  orderBy: orderByInterface,\n});\n";
    let found = api_findings("src/query.ts", old, one);
    assert!(found.iter().any(|f| f["tags"][0] == "cardinality-changed"), "{found:?}");
}

/// A field whose JSON the serializer's file does not show (a `ChoiceField` writes its choices'
/// keys, integers as often as strings; a field class of the project's own) is compared by name:
/// changing its class is at most a hint, never a high type change.
#[test]
fn a_field_whose_json_is_not_in_the_file_is_no_high_type_change() {
    let choices = DRF.replace(
        "    asn = serializers.IntegerField()\n",
        "    asn = serializers.IntegerField()\n    window = serializers.ChoiceField(choices=WINDOW_CHOICES)\n    extra = AdditionalSettingsField()\n",
    );
    for (from, to) in [
        (
            "serializers.ChoiceField(choices=WINDOW_CHOICES)",
            "serializers.IntegerField()",
        ),
        ("AdditionalSettingsField()", "serializers.CharField()"),
    ] {
        let found = api_findings("app/serializers.py", &choices, &choices.replace(from, to));
        assert!(
            found
                .iter()
                .all(|f| f["severity"] != "high" && f["severity"] != "critical"),
            "{from} -> {to}: {found:?}"
        );
    }
    // The control: a field whose JSON the file shows, retyped, is still a high break.
    let found = api_findings(
        "app/serializers.py",
        &choices,
        &choices.replace("asn = serializers.IntegerField()", "asn = serializers.CharField()"),
    );
    assert!(found.iter().any(|f| f["severity"] == "high"), "{found:?}");
}

/// What cannot be read is said, never passed: a serializer whose fields are computed, edited
/// by the change, and a TypeScript file that does not parse (a hint unless its types have a
/// request, response or storage use: grammars lag the languages they read).
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
        f["severity"], "medium",
        "a file whose types nobody was seen to send, return or store is a hint when it cannot be read now"
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("no request, response or storage use of `Prefs` was found"),
        "{f}"
    );

    // The same file, its schema parsed from requests by a route the change does not touch:
    // a break there would pass unseen, so it gates.
    let route = "import { Prefs } from \"./schemas\";\n\nexport async function POST(req: Request) {\n  const body = Prefs.parse(await req.json());\n  return Response.json(body);\n}\n";
    let t = base_and_feature(
        &[("src/schemas.ts", ZOD), ("src/route.ts", route)],
        &[("src/schemas.ts", Some(&broken))],
    );
    let found = analyzer_findings(&t, "diff", &[]);
    let f = found
        .iter()
        .find(|f| f["rule"] == "file-not-analyzed")
        .expect("reported");
    assert_eq!(
        f["severity"], "high",
        "a file whose types clients send gates when it cannot be read now: {f}"
    );
    assert_eq!(f["gating"], "not-analyzed", "{f}");
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

/// A route that names only the type holding the changed one (`route_in: RouteRequest`, whose
/// `context` is the `ContextBase` that gains a required key; dispatch's `b607d4b5d4`) shows who
/// sends the changed type: a request, whose old clients may lack the key (a medium hint, as for
/// any request that gains a required key; a server often catches up with its clients). Without
/// the route nobody is seen to send it: a low note of unknown role.
#[test]
fn a_route_that_names_the_holder_of_a_changed_type_gives_it_the_role() {
    let models = "from typing import Optional\nfrom pydantic import BaseModel\n\n\nclass ContextBase(BaseModel):\n    incident_type: str\n\n\nclass RouteBase(BaseModel):\n    text: Optional[str]\n    context: Optional[ContextBase]\n\n\nclass RouteRequest(RouteBase):\n    pass\n";
    let route = "from fastapi import APIRouter\nfrom app.route.models import RouteRequest\n\nrouter = APIRouter()\n\n\n@router.post(\"/route\")\ndef route(*, route_in: RouteRequest):\n    pass\n";
    let required = models.replace("    incident_type: str\n", "    incident_type: str\n    project: str\n");
    let roles = |files: &[(&str, &str)]| -> Vec<(String, String)> {
        api_type_findings(&base_and_feature(files, &[("app/route/models.py", Some(&required))]))
            .into_iter()
            .map(|f| {
                (
                    f["severity"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let found = roles(&[("app/route/models.py", models), ("app/route/views.py", route)]);
    assert_one(&found, "medium", "app/route/views.py");
    assert!(found[0].1.starts_with("ContextBase.project is added"), "{found:?}");
    assert_one(&roles(&[("app/route/models.py", models)]), "low", "role unknown");
}

/// One finding, at `severity`, whose message holds `says`.
fn assert_one(found: &[(String, String)], severity: &str, says: &str) {
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, severity, "{found:?}");
    assert!(found[0].1.contains(says), "{found:?}");
}

/// A key moved from one base to another of the same subclass (LNbits' `lnbits_denomination`,
/// from `OpsSettings` to `FakeWalletFundingSource`, both bases of the settings the admin route
/// returns): the response still holds it, so nothing is reported. Control: the key dropped
/// from both is a break of the response.
#[test]
fn a_key_moved_between_bases_of_the_same_model_is_no_change() {
    let settings = "from pydantic import BaseModel\n\n\nclass OpsSettings(BaseModel):\n    denomination: str = \"sats\"\n    name: str = \"x\"\n\n\nclass FundingSettings(BaseModel):\n    source: str = \"fake\"\n\n\nclass EditableSettings(OpsSettings, FundingSettings):\n    pass\n";
    let route = "from fastapi import APIRouter\nfrom app.settings import EditableSettings\n\nrouter = APIRouter()\n\n\n@router.get(\"/settings\", response_model=EditableSettings)\nasync def show():\n    pass\n";
    let without = settings.replace("    denomination: str = \"sats\"\n", "");
    let moved = without.replace(
        "    source: str = \"fake\"\n",
        "    source: str = \"fake\"\n    denomination: str = \"sats\"\n",
    );
    let found = |new: &str| {
        api_type_findings(&base_and_feature(
            &[("app/settings.py", settings), ("app/routes.py", route)],
            &[("app/settings.py", Some(new))],
        ))
    };
    let moved_findings = found(&moved);
    assert!(moved_findings.is_empty(), "{moved_findings:?}");
    let dropped: Vec<String> = found(&without)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        dropped
            .iter()
            .any(|m| m.starts_with("EditableSettings.denomination (string) is removed")),
        "{dropped:?}"
    );
}

/// A serializer its views use only to read requests (`write_serializer_class = S`, Argus'
/// bulk acknowledgements) is no response: a key it drops is one old clients still send, which
/// the server now ignores (medium), not one their readers lose (high). Control: a view's
/// `serializer_class` reads and writes it.
#[test]
fn a_serializer_its_views_only_read_requests_with_is_no_response() {
    let serializers = "from rest_framework import serializers\n\n\nclass AckRequestSerializer(serializers.Serializer):\n    ids = serializers.ListField(child=serializers.IntegerField())\n    note = serializers.CharField()\n";
    // The view's class body.
    let view = |body: &str| {
        format!("from rest_framework import viewsets\nfrom .serializers import AckRequestSerializer\n\n\nclass AckViewSet(viewsets.ViewSet):\n{body}")
    };
    let found = |body: &str| -> Vec<(String, String)> {
        api_type_findings(&base_and_feature(
            &[("app/serializers.py", serializers), ("app/views.py", &view(body))],
            &[(
                "app/serializers.py",
                Some(&serializers.replace("    note = serializers.CharField()\n", "")),
            )],
        ))
        .into_iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
    };
    let write_only = "    write_serializer_class = AckRequestSerializer\n";
    assert_one(&found(write_only), "medium", "used by a view as its request serializer");
    assert_one(
        &found("    serializer_class = AckRequestSerializer\n"),
        "high",
        "response to clients",
    );
    // A view that also returns its data (`S(obj).data`) writes it to clients: a response again.
    let returned =
        format!("{write_only}\n    def done(self, obj):\n        return Response(AckRequestSerializer(obj).data)\n");
    assert_one(&found(&returned), "high", "response to clients");
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
    let found: Vec<serde_json::Value> = api_type_findings(&t);
    assert!(found.is_empty(), "{found:?}");
}

/// A response's nested type replaced by a subclass that only adds keys (one required, two
/// optional, under a base that forbids unknown keys): clients read the server's JSON, so a key
/// more is no break, whatever the server's model says of unknown keys (a high finding on
/// ethyca/fides, #12's round 22). The control: a subclass that drops a key clients read.
#[test]
fn a_response_whose_nested_type_only_gains_keys_breaks_no_client() {
    let schemas = "from typing import List, Optional\n\nfrom pydantic import BaseModel, Extra\n\n\nclass Strict(BaseModel):\n    class Config:\n        extra = Extra.forbid\n\n\nclass Notice(Strict):\n    id: str\n    title: str\n\n\nclass NoticeWithPreference(Notice):\n    default_preference: str\n    current_preference: Optional[str]\n    outdated_preference: Optional[str]\n\n\nclass Experience(Strict):\n    id: str\n    notices: List[Notice]\n";
    let route = "from fastapi import APIRouter\nfrom app.schemas import Experience\n\nrouter = APIRouter()\n\n\n@router.get(\"/experience\", response_model=Experience)\nasync def show():\n    pass\n";
    let gains = schemas.replace(
        "    notices: List[Notice]\n",
        "    notices: List[NoticeWithPreference]\n",
    );
    let t = base_and_feature(
        &[("app/schemas.py", schemas), ("app/routes.py", route)],
        &[("app/schemas.py", Some(&gains))],
    );
    let found = api_type_findings(&t);
    assert!(
        found.iter().all(|f| f["severity"] == "low" || f["severity"] == "info"),
        "{found:?}"
    );
    let loses = schemas
        .replace("class NoticeWithPreference(Notice):\n", "class ShortNotice(Strict):\n    id: str\n")
        .replace("    default_preference: str\n    current_preference: Optional[str]\n    outdated_preference: Optional[str]\n", "")
        .replace("    notices: List[Notice]\n", "    notices: List[ShortNotice]\n");
    let t = base_and_feature(
        &[("app/schemas.py", schemas), ("app/routes.py", route)],
        &[("app/schemas.py", Some(&loses))],
    );
    let found = api_type_findings(&t);
    assert!(
        found
            .iter()
            .any(|f| f["severity"] == "high" && f["message"].as_str().unwrap().contains("title")),
        "{found:?}"
    );
    // Sent by clients, a nested key now required is what a key added directly is: a hint that
    // old clients may not send it.
    let request = route.replace(
        "@router.get(\"/experience\", response_model=Experience)\nasync def show():",
        "@router.post(\"/experience\")\nasync def save(experience: Experience):",
    );
    let t = base_and_feature(
        &[("app/schemas.py", schemas), ("app/routes.py", &request)],
        &[("app/schemas.py", Some(&gains))],
    );
    let found = api_type_findings(&t);
    let said = |f: &serde_json::Value| f["message"].as_str().unwrap().contains("(and 2 more)");
    assert!(found.iter().any(|f| f["severity"] == "medium" && said(f)), "{found:?}");
    // Stored JSON lacks the key the new code requires: still a break.
    let config = "[[json_column]]\ntable = \"experiences\"\ncolumn = \"body\"\ntype = \"Experience\"\n";
    let t = base_and_feature(
        &[
            ("riskgate.toml", config),
            ("app/schemas.py", schemas),
            ("app/routes.py", route),
        ],
        &[("app/schemas.py", Some(&gains))],
    );
    let found = api_type_findings(&t);
    assert!(found.iter().any(|f| f["severity"] == "high" && said(f)), "{found:?}");
}

/// An enum whose `_missing_` maps other spellings to its members (ethyca/fides lowercased its
/// values and its `_missing_` with them, #12's round 22): what it still accepts is that code's,
/// so a value removed is a hint. The control, without `_missing_`: a break for the request.
#[test]
fn an_enum_that_maps_other_values_by_hand_is_a_hint() {
    let hook = "\n    @classmethod\n    def _missing_(cls, value):\n        value = value.lower()\n        for member in cls:\n            if member.value == value:\n                return member\n        return None\n";
    let schemas = |values: &str, hook: &str| {
        format!("from enum import Enum\n\nfrom pydantic import BaseModel\n\n\nclass Service(Enum):\n{values}{hook}\n\nclass Config(BaseModel):\n    service: Service\n")
    };
    let (upper, lower) = (
        "    MAILGUN = \"MAILGUN\"\n    TWILIO = \"TWILIO\"\n",
        "    mailgun = \"mailgun\"\n    twilio = \"twilio\"\n",
    );
    let route = "from fastapi import APIRouter\nfrom app.schemas import Service\n\nrouter = APIRouter()\n\n\n@router.get(\"/config/{service}\")\nasync def show(service: Service):\n    pass\n";
    // A `_missing_` the change adds is no evidence of what the base accepted: still a break.
    for (in_base, in_head, worst) in [(true, true, "medium"), (false, false, "high"), (false, true, "high")] {
        let pick = |present: bool| if present { hook } else { "" };
        let t = base_and_feature(
            &[
                ("app/schemas.py", &schemas(upper, pick(in_base))),
                ("app/routes.py", route),
            ],
            &[("app/schemas.py", Some(&schemas(lower, pick(in_head))))],
        );
        let with_hook = worst == "medium";
        let found = api_type_findings(&t);
        let severities: Vec<&str> = found.iter().map(|f| f["severity"].as_str().unwrap()).collect();
        assert!(severities.contains(&worst), "{with_hook}: {found:?}");
        assert!(
            !with_hook || severities.iter().all(|s| *s != "high" && *s != "critical"),
            "{found:?}"
        );
        let said = found
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("_missing_"));
        assert_eq!(said, with_hook, "{found:?}");
    }
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
    let found: Vec<serde_json::Value> = api_type_findings(&t);
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
    let found: Vec<(String, String, String)> = api_type_findings(&t)
        .into_iter()
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

/// A role is a type's only in its own language: a FastAPI route's `UserPermissionsResponse` is the
/// Python model's, not the TypeScript client's interface of the same name.
#[test]
fn a_role_stays_in_its_language() {
    let route = "from fastapi import APIRouter\nfrom pydantic import BaseModel\n\nrouter = APIRouter()\n\n\nclass UserPermissionsResponse(BaseModel):\n    id: str\n    scopes: list[str]\n\n\n@router.get(\"/permissions\", response_model=UserPermissionsResponse)\ndef get_user_permissions() -> UserPermissionsResponse:\n    ...\n";
    let client = "export interface UserPermissionsResponse {\n  id: string;\n  scopes: Array<string>;\n}\n";
    let t = base_and_feature(
        &[
            ("src/api/permissions.py", route),
            ("clients/admin-ui/src/types/UserPermissionsResponse.ts", client),
        ],
        &[(
            "clients/admin-ui/src/types/UserPermissionsResponse.ts",
            Some(&client.replace("  scopes: Array<string>;\n", "")),
        )],
    );
    let found: Vec<(String, String)> = api_type_findings(&t)
        .into_iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "medium", "{}", found[0].1);
    assert!(found[0].1.contains("role unknown"), "{}", found[0].1);
    // The same removal in the Python model is the route's response.
    let t = base_and_feature(
        &[("src/api/permissions.py", route)],
        &[(
            "src/api/permissions.py",
            Some(&route.replace("    scopes: list[str]\n", "")),
        )],
    );
    let found: Vec<String> = api_type_findings(&t)
        .into_iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(found.iter().any(|m| m.contains("get_user_permissions")), "{found:?}");
}

/// A model whose Pydantic base lives in another module (`class Incident(AppBase)`) is read
/// through that base, with the settings it passes on: camelCase keys.
#[test]
fn a_pydantic_base_of_another_module_is_followed() {
    let base = "from pydantic import BaseModel, ConfigDict\nfrom humps import camelize\n\n\nclass AppBase(BaseModel):\n    model_config = ConfigDict(alias_generator=camelize)\n";
    let model = "from pydantic import Field\nfrom app.base import AppBase\n\n\nclass Incident(AppBase):\n    reporter_name: str\n    title: str\n";
    let t = base_and_feature(
        &[("app/base.py", base), ("app/incident.py", model)],
        &[("app/incident.py", Some(&model.replace("    reporter_name: str\n", "")))],
    );
    let found: Vec<serde_json::Value> = api_type_findings(&t);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Incident.reporterName"),
        "{}",
        found[0]
    );
}

/// A module that imports only the project's base (`from app.models import AppBase`) names no
/// library and holds models all the same (dispatch's `incident_type/models.py`); so does one that
/// imports the library's base under another name. Control: a class on a base that is no model.
#[test]
fn a_model_on_a_project_base_in_a_module_that_names_no_library_is_read() {
    let base =
        "from pydantic import BaseModel\n\n\nclass AppBase(BaseModel):\n    class Config:\n        orm_mode = True\n";
    let model = "from typing import Optional\n\nfrom app.models import AppBase\n\n\nclass TypeRead(AppBase):\n    name: str\n    plugin_metadata: Optional[dict]\n";
    let t = base_and_feature(
        &[("src/app/models.py", base), ("src/app/incident_type/models.py", model)],
        &[(
            "src/app/incident_type/models.py",
            Some(&model.replace("Optional[dict]", "list[int] = []")),
        )],
    );
    let found = api_type_findings(&t);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["tags"], serde_json::json!(["cardinality-changed"]));
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("TypeRead.plugin_metadata changes between one value and an array"),
        "{}",
        found[0]
    );

    let aliased = "from typing import Optional\nfrom pydantic import BaseModel as AppBase\n\n\nclass TypeRead(AppBase):\n    name: str\n    plugin_metadata: Optional[dict]\n";
    let found = api_findings(
        "app/schemas.py",
        aliased,
        &aliased.replace("Optional[dict]", "list[int] = []"),
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["tags"], serde_json::json!(["cardinality-changed"]));

    let plain = "from typing import Optional\n\nfrom app.views import AppView\n\n\nclass TypeRead(AppView):\n    name: str\n    plugin_metadata: Optional[dict]\n";
    let t = base_and_feature(
        &[("app/views.py", "class AppView:\n    pass\n"), ("app/read.py", plain)],
        &[("app/read.py", Some(&plain.replace("Optional[dict]", "list[int] = []")))],
    );
    assert_eq!(api_type_findings(&t), Vec::<serde_json::Value>::new());
}

/// Inputs written to cost: aliases that expand exponentially, object types nested tens of
/// thousands deep, a long inheritance chain. Each run ends with a clear line, not an abort.
#[test]
fn hostile_types_are_bounded() {
    let mut aliases = String::from("from pydantic import BaseModel\nfrom typing import Union\n");
    for i in 0..6 {
        let parts = vec![format!("A{}", i + 1); 28].join(", ");
        aliases.push_str(&format!("A{i} = Union[{parts}]\n"));
    }
    aliases.push_str("A6 = int\n\n\nclass M(BaseModel):\n    x: A0\n    y: int\n");
    let deep = format!(
        "export type T = {}string{};\n",
        "{a: ".repeat(40_000),
        "}".repeat(40_000)
    );
    let mut chain = String::from("export interface A0 { f0: string }\n");
    for i in 1..6_000 {
        chain.push_str(&format!(
            "export interface A{i} extends A{} {{ f{i}: string }}\n",
            i - 1
        ));
    }
    for (file, old) in [("app/m.py", aliases), ("src/deep.ts", deep), ("src/chain.ts", chain)] {
        let new = format!("{old}\n// edited\n").replace(
            "\n// edited\n",
            if file.ends_with(".py") {
                "\n# edited\n"
            } else {
                "\n// edited\n"
            },
        );
        let t = base_and_feature(&[(file, &old)], &[(file, Some(&new))]);
        let (code, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
        assert!(code == 0 || code == 1, "{file}: exit {code}\n{err}");
        json(&out);
    }
}

/// (what, base files, head files): one change.
type Scenario<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<(&'a str, String)>);

/// Ordinary changes that once blocked: a new module's namesake serializer, a comment inside
/// `Annotated[…]`, a `Literal` widened to `str`, a comment that mentions a setting, an anonymous
/// Go struct moved into a named type, a YAML decoder, a same-named Go type of another package.
#[test]
fn ordinary_changes_do_not_block() {
    let serializer = "from rest_framework import serializers\n\n\nclass SiteSerializer(serializers.Serializer):\n    name = serializers.CharField()\n    asn = serializers.IntegerField()\n";
    let v2 = "from rest_framework import serializers\n\n\nclass SiteSerializer(serializers.Serializer):\n    slug = serializers.CharField()\n";
    let route = "from fastapi import APIRouter\nfrom app.schemas import Item\n\nrouter = APIRouter()\n\n\n@router.post(\"/items\", response_model=Item)\nasync def create(item: Item) -> Item:\n    return item\n";
    let item = "from typing import Annotated, Literal\nfrom pydantic import BaseModel, Field\n\n\nclass Item(BaseModel):\n    count: int\n    kind: Literal[\"book\", \"film\"]\n    name: str\n";
    let go_old = "package api\n\nimport \"encoding/json\"\n\ntype CreateReq struct {\n\tMeta struct {\n\t\tSource string `json:\"source\"`\n\t} `json:\"meta\"`\n}\n\nfunc Create(w http.ResponseWriter, r *http.Request) {\n\tvar in CreateReq\n\tjson.NewDecoder(r.Body).Decode(&in)\n}\n";
    let go_new = "package api\n\nimport \"encoding/json\"\n\ntype Meta struct {\n\tSource string `json:\"source\"`\n}\n\ntype CreateReq struct {\n\tMeta Meta `json:\"meta\"`\n}\n\nfunc Create(w http.ResponseWriter, r *http.Request) {\n\tvar in CreateReq\n\tjson.NewDecoder(r.Body).Decode(&in)\n}\n";
    let handler = "package api\n\nimport \"encoding/json\"\n\nfunc Create(w http.ResponseWriter, r *http.Request) {\n\tvar p Payload\n\tjson.NewDecoder(r.Body).Decode(&p)\n}\n";
    let api_payload = "package api\n\ntype Payload struct {\n\tID int `json:\"id\"`\n}\n";
    let hook =
        "package webhook\n\ntype Payload struct {\n\tID   int    `json:\"id\"`\n\tName string `json:\"name\"`\n}\n";
    let cases: Vec<Scenario> = vec![
        (
            "a new module's namesake",
            vec![("api/serializers.py", serializer)],
            vec![("api/v2/serializers.py", v2.to_string())],
        ),
        (
            "a comment inside Annotated",
            vec![("app/schemas.py", item), ("app/routes.py", route)],
            vec![(
                "app/schemas.py",
                item.replace("    count: int\n", "    count: Annotated[\n        int,  # never negative\n        Field(ge=0, description=\"how many :)\"),\n    ]\n"),
            )],
        ),
        (
            "a Literal widened to str",
            vec![("app/schemas.py", item), ("app/routes.py", route)],
            vec![("app/schemas.py", item.replace("Literal[\"book\", \"film\"]", "str"))],
        ),
        (
            "a comment that mentions a setting",
            vec![("app/schemas.py", item), ("app/routes.py", route)],
            vec![(
                "app/schemas.py",
                item.replace("    name: str\n", "    name: str  # TODO: alias_generator=to_camel, extra='forbid'\n"),
            )],
        ),
        ("an anonymous struct named", vec![("api/create.go", go_old)], vec![("api/create.go", go_new.to_string())]),
        (
            "another package's namesake",
            vec![("api/handler.go", handler), ("api/payload.go", api_payload), ("webhook/payload.go", hook)],
            vec![("webhook/payload.go", hook.replace("ID   int ", "ID   string"))],
        ),
    ];
    for (what, base, head) in cases {
        let head: Vec<(&str, Option<&str>)> = head.iter().map(|(p, c)| (*p, Some(c.as_str()))).collect();
        let t = base_and_feature(&base, &head);
        let gating: Vec<serde_json::Value> = analyzer_findings(&t, "json-shape", &[])
            .into_iter()
            .filter(|f| f["rule"] == "api-type-changed" && (f["severity"] == "high" || f["severity"] == "critical"))
            .collect();
        assert!(gating.is_empty(), "{what}: {gating:?}");
    }
}

/// Changes that hide a type from the reader are said: a header claiming the file is generated,
/// a Go struct that loses its `json` tags, a serializer whose computed keys become a list, and
/// a deleted line of a computed serializer.
#[test]
fn a_type_the_reader_loses_is_reported() {
    let serializer = "from rest_framework import serializers\n\n\nclass SiteSerializer(serializers.Serializer):\n    name = serializers.CharField()\n    asn = serializers.IntegerField()\n";
    let go = "package api\n\ntype Prefs struct {\n\tColor string `json:\"color\"`\n}\n";
    let all = "from rest_framework import serializers\n\n\nclass S(serializers.ModelSerializer):\n    owner_name = serializers.CharField(source=\"owner.name\")\n\n    class Meta:\n        model = Site\n        fields = \"__all__\"\n";
    let cases: Vec<(&str, &str, String, &str)> = vec![
        (
            "api/serializers.py",
            serializer,
            format!(
                "# Code generated by hand. Do not edit field names.\n{}",
                serializer.replace("    asn = serializers.IntegerField()\n", "")
            ),
            "is now marked as generated",
        ),
        (
            "api/prefs.go",
            go,
            go.replace(" `json:\"color\"`", ""),
            "`Prefs` were read before this change and are not now",
        ),
        (
            "api/s.py",
            all,
            all.replace("fields = \"__all__\"", "fields = [\"id\"]"),
            "`S` had computed keys before this change",
        ),
        (
            "api/s.py",
            all,
            all.replace("    owner_name = serializers.CharField(source=\"owner.name\")\n", ""),
            "the keys of `S` are not all in this file",
        ),
    ];
    for (file, old, new, says) in cases {
        let t = base_and_feature(&[(file, old)], &[(file, Some(&new))]);
        let found = analyzer_findings(&t, "diff", &[]);
        assert!(
            found
                .iter()
                .any(|f| f["rule"] == "file-not-analyzed" && f["message"].as_str().unwrap().contains(says)),
            "{file}: expected «{says}», got {found:?}"
        );
    }
}

/// Keys moved from a serializer into a base serializer of another module, in the same change,
/// are still its keys: nothing is removed.
#[test]
fn keys_moved_into_a_base_of_another_module_stay() {
    let site = "from rest_framework import serializers\n\n\nclass SiteSerializer(serializers.Serializer):\n    name = serializers.CharField()\n    created = serializers.DateTimeField(read_only=True)\n";
    let mixin = "from rest_framework import serializers\n\n\nclass StampedSerializer(serializers.Serializer):\n    created = serializers.DateTimeField(read_only=True)\n";
    let moved = "from rest_framework import serializers\nfrom api.mixins import StampedSerializer\n\n\nclass SiteSerializer(StampedSerializer):\n    name = serializers.CharField()\n";
    let t = base_and_feature(
        &[("api/serializers.py", site)],
        &[("api/mixins.py", Some(mixin)), ("api/serializers.py", Some(moved))],
    );
    let found: Vec<serde_json::Value> = api_type_findings(&t);
    assert!(found.is_empty(), "{found:?}");
    let dropped = moved.replace("(StampedSerializer)", "(serializers.Serializer)");
    let t = base_and_feature(
        &[("api/serializers.py", site)],
        &[("api/serializers.py", Some(&dropped))],
    );
    let found = analyzer_findings(&t, "json-shape", &[]);
    assert!(
        found
            .iter()
            .any(|f| f["rule"] == "api-type-changed" && f["tags"][0] == "field-removed"),
        "{found:?}"
    );
}

/// A request model that forbids unknown keys gains an optional key: only an old server after a
/// rollback would refuse it, so it is a low note, not a medium hint. Stored in a JSON column, the
/// same change stays medium: old code reads what the new code stored.
#[test]
fn an_optional_key_added_to_a_strict_type_is_a_rollback_note() {
    let model = "from pydantic import BaseModel, ConfigDict\n\n\nclass UpdateSettings(BaseModel):\n    model_config = ConfigDict(extra=\"forbid\")\n    site_title: str\n";
    let route = "from fastapi import APIRouter\nfrom app.settings import UpdateSettings\n\nrouter = APIRouter()\n\n\n@router.put(\"/settings\")\nasync def update(data: UpdateSettings) -> None:\n    pass\n";
    let added = model.replace(
        "    site_title: str\n",
        "    site_title: str\n    retries: int | None = None\n",
    );
    let severity = |files: &[(&str, &str)]| -> Vec<String> {
        let t = base_and_feature(files, &[("app/settings.py", Some(&added))]);
        analyzer_findings(&t, "json-shape", &[])
            .into_iter()
            .filter(|f| f["rule"] == "api-type-changed")
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        severity(&[("app/settings.py", model), ("app/routes.py", route)]),
        vec!["low"]
    );
    let config = "[[json_column]]\ntable = \"settings\"\ncolumn = \"data\"\ntype = \"UpdateSettings\"\n";
    assert_eq!(
        severity(&[("app/settings.py", model), ("riskgate.toml", config)]),
        vec!["medium"]
    );
}
