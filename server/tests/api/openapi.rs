//! The OpenAPI document at `/api/schema/` and the docs page at `/api/docs/`: the document
//! is valid OpenAPI 3.1, agrees with the README's API table and with the router, and its
//! examples fit its own schemas.

use crate::helpers::{TestApp, status_json};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/api/schema/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    response.json().await.unwrap()
}

/// Every `(method, path)` the document lists, methods in upper case.
fn operations(doc: &Value) -> Pairs {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                found.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    &doc["paths"][path][method.to_lowercase()]
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));

    let oas: Value =
        serde_json::from_str(include_str!("../fixtures/openapi-3.1-schema.json")).unwrap();
    let validator = jsonschema::draft202012::new(&oas).expect("the OpenAPI 3.1 schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "not valid OpenAPI 3.1: {errors:#?}");

    // Nor does it follow references: each must name something in the document.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 50, "found only {} references", refs.len());
    for reference in refs {
        let pointer = reference
            .strip_prefix('#')
            .expect("a reference inside the document");
        assert!(doc.pointer(pointer).is_some(), "{reference} names nothing");
    }

    // The OpenAPI schema leaves Schema Objects to JSON Schema 2020-12 (the document's
    // default dialect): each must be a valid schema of that dialect.
    let mut schemas = Vec::new();
    collect_schemas(&doc["paths"], &mut schemas);
    collect_schemas(&doc["components"]["responses"], &mut schemas);
    schemas.extend(doc["components"]["schemas"].as_object().unwrap().values());
    assert!(schemas.len() > 20, "found only {} schemas", schemas.len());
    for schema in schemas {
        if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
            panic!("not a JSON Schema 2020-12 schema: {e}: {schema}");
        }
    }
}

fn collect_refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(reference)) => found.push(reference),
                    _ => collect_refs(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, found)),
        _ => {}
    }
}

/// The values of every `schema` key: parameters', headers' and media types' schemas.
fn collect_schemas<'a>(value: &'a Value, found: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "schema" {
                    found.push(value);
                } else {
                    collect_schemas(value, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_schemas(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn every_example_fits_its_schema() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    // A `$ref` into the document resolves against the document itself as the root.
    let check = |schema: &Value, example: &Value, at: &str| {
        let mut root = doc.clone();
        root.as_object_mut()
            .unwrap()
            .retain(|k, _| k == "components");
        root["$ref"] = json!("#/$defs/subject");
        root["$defs"] = json!({"subject": schema});
        let validator = jsonschema::draft202012::new(&root).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(example)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{at}: {example} does not fit: {errors:?}"
        );
    };
    let mut checked = 0;
    // Schemas' own examples, at every depth: a derive once put a map's examples on its
    // values.
    let mut schemas = Vec::new();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        collect_subschemas(schema, name.clone(), &mut schemas);
    }
    let mut elsewhere = Vec::new();
    collect_schemas(&doc["paths"], &mut elsewhere);
    collect_schemas(&doc["components"]["responses"], &mut elsewhere);
    for (n, schema) in elsewhere.into_iter().enumerate() {
        collect_subschemas(schema, format!("schema {n}"), &mut schemas);
    }
    for (at, schema) in schemas {
        for example in schema["examples"].as_array().into_iter().flatten() {
            check(schema, example, &at);
            checked += 1;
        }
    }
    let mut media = Vec::new();
    collect_media_types(&doc["paths"], "paths", &mut media);
    collect_media_types(&doc["components"]["responses"], "responses", &mut media);
    for (at, content) in media {
        let schema = &content["schema"];
        if let Some(example) = content.get("example") {
            check(schema, example, &at);
            checked += 1;
        }
        for (name, example) in content["examples"].as_object().into_iter().flatten() {
            check(schema, &example["value"], &format!("{at} {name}"));
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} examples");
}

/// A schema and every schema inside it, with where each is.
fn collect_subschemas<'a>(schema: &'a Value, at: String, found: &mut Vec<(String, &'a Value)>) {
    for key in ["items", "additionalProperties", "propertyNames", "not"] {
        if schema[key].is_object() {
            collect_subschemas(&schema[key], format!("{at}/{key}"), found);
        }
    }
    for key in ["properties", "$defs"] {
        for (name, inner) in schema[key].as_object().into_iter().flatten() {
            collect_subschemas(inner, format!("{at}/{key}/{name}"), found);
        }
    }
    for key in ["oneOf", "anyOf", "allOf", "prefixItems"] {
        for (n, inner) in schema[key].as_array().into_iter().flatten().enumerate() {
            collect_subschemas(inner, format!("{at}/{key}/{n}"), found);
        }
    }
    found.push((at, schema));
}

/// JSON media type objects (`content["application/json"]`) and where they are.
fn collect_media_types<'a>(value: &'a Value, at: &str, found: &mut Vec<(String, &'a Value)>) {
    if let Value::Object(map) = value {
        for (key, value) in map {
            let here = format!("{at}/{key}");
            if key == "application/json" {
                found.push((here, value));
            } else {
                collect_media_types(value, &here, found);
            }
        }
    }
}

#[tokio::test]
async fn yaml_is_the_same_document_and_other_formats_are_not_found() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let response = app
        .client
        .get(app.url("/api/schema/?format=yaml"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/yaml");
    let yaml: Value = serde_yaml::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(yaml, doc);
    // Each format's body fits the schema the document gives it (Schemathesis reads YAML
    // too, and once found the YAML body documented as a string).
    let content = &operation(&doc, "get", "/api/schema/")["responses"]["200"]["content"];
    for media_type in ["application/json", "application/yaml"] {
        let schema = &content[media_type]["schema"];
        assert!(
            jsonschema::draft202012::is_valid(schema, &yaml),
            "{media_type}: {schema}"
        );
    }

    let json = app
        .client
        .get(app.url("/api/schema/?format=json"))
        .send()
        .await
        .unwrap();
    assert_eq!(json.json::<Value>().await.unwrap(), doc);
    let (status, body) = status_json(
        app.client
            .get(app.url("/api/schema/?format=xml"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "Not found."}));
}

/// `(method, path)` or `(path, query parameter)` pairs.
type Pairs = BTreeSet<(String, String)>;

/// The README's API table, as `(method, path)` with the document's `{id}`, and the query
/// parameters its rows name for each path.
fn readme_operations() -> (Pairs, Pairs) {
    let readme = include_str!("../../../README.md");
    let table = readme
        .split("\n## HTTP API\n")
        .nth(1)
        .expect("the README's HTTP API section")
        .split("\n\n")
        .find(|block| block.starts_with("| method, path"))
        .expect("its table");
    let (mut operations, mut parameters) = (BTreeSet::new(), BTreeSet::new());
    for row in table.lines().skip(2) {
        let first = row.split('|').nth(1).unwrap();
        let methods: Vec<&str> = first
            .split('`')
            .next()
            .unwrap()
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .collect();
        for path in first.split('`').skip(1).step_by(2) {
            let (path, query) = path.split_once('?').unwrap_or((path, ""));
            let path = path.replace('<', "{").replace('>', "}");
            for method in &methods {
                operations.insert((method.to_string(), path.clone()));
            }
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let name = pair.split('=').next().unwrap();
                parameters.insert((path.clone(), name.to_owned()));
            }
        }
    }
    (operations, parameters)
}

#[tokio::test]
async fn the_document_lists_every_operation_of_the_readme_and_no_other() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let (mut readme, parameters) = readme_operations();
    // A page for people, not an operation of the API.
    assert!(readme.remove(&("GET".into(), "/api/docs/".into())));
    assert_eq!(operations(&doc), readme);
    for (path, name) in parameters {
        let params = operation(&doc, "get", &path)["parameters"]
            .as_array()
            .unwrap();
        assert!(
            params
                .iter()
                .any(|p| p["name"] == name && p["in"] == "query"),
            "GET {path} documents no `{name}`"
        );
    }
}

#[tokio::test]
async fn the_router_serves_exactly_the_documented_methods() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let documented: BTreeSet<String> = METHODS
            .iter()
            .filter(|m| item.get(**m).is_some())
            .map(|m| m.to_uppercase())
            .collect();
        let url = path.replace("{id}", "1");
        for method in METHODS.map(str::to_uppercase) {
            let response = app
                .client
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    app.url(&url),
                )
                .send()
                .await
                .unwrap();
            if documented.contains(&method) {
                assert_ne!(
                    response.status(),
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is documented but not routed"
                );
                continue;
            }
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is routed but not documented"
            );
            // What axum says the path takes is what the document says.
            let allow: BTreeSet<String> = response.headers()[header::ALLOW]
                .to_str()
                .unwrap()
                .split(',')
                .map(|m| m.trim().to_owned())
                .filter(|m| m != "HEAD")
                .collect();
            assert_eq!(allow, documented, "{path}");
            let (_, body) = status_json(response).await;
            assert_eq!(
                body,
                json!({"detail": format!("Method \"{method}\" not allowed.")})
            );
        }
    }
}

#[tokio::test]
async fn exactly_the_operations_that_need_a_token_declare_the_bearer_scheme() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert_eq!(
        doc["components"]["securitySchemes"]["jwtAuth"],
        json!({
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": doc["components"]["securitySchemes"]["jwtAuth"]["description"],
        })
    );
    for (method, path) in operations(&doc) {
        let op = operation(&doc, &method, &path);
        let declared = op["security"]
            .as_array()
            .is_some_and(|schemes| schemes.contains(&json!({"jwtAuth": []})));
        let url = path.replace("{id}", "1");
        let response = app
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                &url,
                None,
                Some(json!({})),
            )
            .await;
        let asked_for_a_token = response.status() == StatusCode::UNAUTHORIZED
            && response.headers().contains_key(header::WWW_AUTHENTICATE)
            && response.json::<Value>().await.unwrap()
                == json!({"detail": "Authentication credentials were not provided."});
        assert_eq!(declared, asked_for_a_token, "{method} {path}");
        if declared {
            assert_eq!(
                op["responses"]["401"]["$ref"], "#/components/responses/Unauthorized",
                "{method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn every_operation_is_named_tagged_and_described() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let mut ids = BTreeSet::new();
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for (method, path) in operations(&doc) {
        let op = operation(&doc, &method, &path);
        let id = op["operationId"].as_str().expect("an operationId");
        assert!(ids.insert(id.to_owned()), "{id} twice");
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{id}: no summary"
        );
        let op_tags = op["tags"].as_array().unwrap();
        assert!(
            op_tags.len() == 1 && tags.contains(op_tags[0].as_str().unwrap()),
            "{id}: tags {op_tags:?}"
        );
        let responses = op["responses"].as_object().unwrap();
        // A browser's way through the provider succeeds with a redirect.
        assert!(
            responses
                .keys()
                .any(|status| status.starts_with('2') || status == "303"),
            "{id}: no success"
        );
        if let Some(body) = op.get("requestBody") {
            let named = ["application/json", "multipart/form-data"]
                .iter()
                .any(|kind| body["content"][kind]["schema"]["$ref"].is_string());
            assert!(named, "{id}: a request body of a named schema");
            assert!(responses.contains_key("400"), "{id}: bodies can be invalid");
            assert!(responses.contains_key("408"), "{id}: bodies can stall");
            assert!(
                responses.contains_key("415"),
                "{id}: bodies can be of another type"
            );
        }
    }
    // The original's operations keep the ids drf-spectacular gives them, so a client
    // generated from either document has the same method names.
    for id in [
        "api_user_register_create",
        "api_token_create",
        "api_token_refresh_create",
        "api_notes_list",
        "api_notes_create",
        "api_notes_retrieve",
        "api_notes_update",
        "api_notes_partial_update",
        "api_notes_destroy",
        "api_notes_delete_destroy",
    ] {
        assert!(ids.contains(id), "{id}");
    }
    assert_eq!(
        doc["servers"],
        json!([{"url": "/", "description": doc["servers"][0]["description"]}])
    );
}

#[tokio::test]
async fn the_docs_page_is_served_from_here_under_the_sites_policy() {
    let app = TestApp::spawn().await;
    let redirect = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.headers()[header::LOCATION], "/api/docs/");

    let page = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let policy = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let shell = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(policy, shell.headers()[header::CONTENT_SECURITY_POLICY]);
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>Notes API</title>"));
    assert!(!html.contains("http:") && !html.contains("https:") && !html.contains("//"));

    // Every file the page loads is served here; none of its scripts is inline (the
    // policy would refuse it).
    let mut loaded = 0;
    for attribute in ["src=\"", "href=\""] {
        for reference in html.split(attribute).skip(1) {
            let file = reference
                .split('"')
                .next()
                .unwrap()
                .trim_start_matches("./");
            let response = app
                .client
                .get(app.url(&format!("/api/docs/{file}")))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{file}");
            loaded += 1;
        }
    }
    assert!(loaded >= 5);
    assert!(!html.contains("<script>") && !html.contains("<style"));

    let initializer = app
        .client
        .get(app.url("/api/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        initializer.contains("\"url\": \"/api/schema/\""),
        "{initializer}"
    );
    assert!(
        initializer.contains("\"validatorUrl\": \"none\""),
        "{initializer}"
    );
    // Not the standalone layout: its top bar's logo is an SVG with an inline <style>.
    assert!(
        initializer.contains("\"layout\": \"BaseLayout\""),
        "{initializer}"
    );
    assert!(!initializer.contains("http"), "{initializer}");

    let (status, body) = status_json(
        app.client
            .get(app.url("/api/docs/nothing.js"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"detail": "Not found."}))
    );
    let (status, _) =
        status_json(app.client.post(app.url("/api/docs/")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn every_operation_but_the_probes_documents_the_503_of_overload() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let shed = &doc["components"]["responses"]["ServiceUnavailable"];
    assert!(shed["headers"]["Retry-After"].is_object(), "{shed}");
    for (method, path) in operations(&doc) {
        let documented = &operation(&doc, &method, &path)["responses"]["503"]["$ref"];
        if path == "/healthz" || path == "/readyz" {
            assert_ne!(
                documented, "#/components/responses/ServiceUnavailable",
                "{path}"
            );
        } else {
            assert_eq!(
                documented, "#/components/responses/ServiceUnavailable",
                "{method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn exactly_the_operations_a_personal_access_token_reaches_declare_its_scheme() {
    let app = TestApp::spawn().await;
    let alice = app.user("alice").await;
    let body = json!({"name": "everything it may", "scope": "write"});
    let (_, made) = app
        .call(&alice, Method::POST, "/api/user/tokens/", Some(body))
        .await;
    let token = made["token"].as_str().unwrap();
    let doc = document(&app).await;
    assert_eq!(
        doc["components"]["securitySchemes"]["tokenAuth"]["bearerFormat"],
        "ntk"
    );
    let mut reached = 0;
    for (method, path) in operations(&doc) {
        let op = operation(&doc, &method, &path);
        let schemes = op["security"].as_array().cloned().unwrap_or_default();
        let declared = schemes.contains(&json!({"tokenAuth": []}));
        if !schemes.contains(&json!({"jwtAuth": []})) {
            assert!(!declared, "{method} {path}: only beside jwtAuth");
            continue;
        }
        let url = path.replace("{id}", "1").replace("{revision}", "1");
        let response = app
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                &url,
                Some(token),
                Some(json!({})),
            )
            .await;
        // The live stream answers and goes on: open is reached (its body never ends).
        let content_type = response.headers().get(reqwest::header::CONTENT_TYPE);
        if content_type.is_some_and(|value| *value == "text/event-stream") {
            assert!(declared, "{method} {path}: a token opened it");
            reached += 1;
            continue;
        }
        let (status, answer) = status_json(response).await;
        let refused = status == StatusCode::FORBIDDEN
            && answer == json!({"detail": app::errors::messages::TOKEN_CANNOT});
        assert_eq!(declared, !refused, "{method} {path}: {status} {answer}");
        reached += usize::from(declared);
    }
    assert!(reached >= 15, "{reached} operations");
}
