//! A small JSON Schema validator: the 2020-12 subset `docs/openapi.yaml` uses in responses
//! (`$ref`, `type` incl. type arrays, `properties`, `required`, `additionalProperties:
//! false`, `enum`, `const`, `minimum`, `maximum`, `items`, `minItems`, `maxItems`,
//! `pattern`, `format: date-time`). Request schemas are Schemathesis' to exercise.

use serde_json::Value;

/// Follows `$ref`s (local JSON pointers) to the schema they name.
pub fn resolve<'a>(spec: &'a Value, mut node: &'a Value) -> &'a Value {
    while let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let pointer = r.strip_prefix('#').unwrap();
        node = spec
            .pointer(pointer)
            .unwrap_or_else(|| panic!("dangling {r}"));
    }
    node
}

/// Asserts that `value` matches `schema` (`at` names the place for messages).
pub fn validate(spec: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(spec, schema);
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
            _ => panic!("bad type at {at}"),
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            other => panic!("unknown type {other}"),
        });
        assert!(ok, "{at}: {value} is not {types:?}");
    }
    if let Some(e) = schema.get("enum") {
        assert!(
            e.as_array().unwrap().contains(value),
            "{at}: {value} not in {e}"
        );
    }
    if let Some(c) = schema.get("const") {
        assert_eq!(c, value, "{at}");
    }
    if let (Some(min), Some(v)) = (schema.get("minimum"), value.as_f64()) {
        assert!(v >= min.as_f64().unwrap(), "{at}: {v} < {min}");
    }
    if let (Some(max), Some(v)) = (schema.get("maximum"), value.as_f64()) {
        assert!(v <= max.as_f64().unwrap(), "{at}: {v} > {max}");
    }
    if let Some(object) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            assert!(
                object.contains_key(required.as_str().unwrap()),
                "{at}: missing {required}"
            );
        }
        for (k, v) in object {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => validate(spec, sub, v, &format!("{at}.{k}")),
                None => assert!(
                    schema.get("additionalProperties") != Some(&Value::Bool(false)),
                    "{at}: undocumented property {k}"
                ),
            }
        }
    }
    if let (Some(pattern), Some(text)) = (schema.get("pattern"), value.as_str()) {
        let re = regex::Regex::new(pattern.as_str().unwrap()).unwrap();
        assert!(re.is_match(text), "{at}: {text:?} does not match {pattern}");
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time") {
        let re = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$").unwrap();
        assert!(
            re.is_match(value.as_str().unwrap_or_default()),
            "{at}: {value} is not a date-time"
        );
    }
    if let Some(array) = value.as_array() {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
            assert!(array.len() as u64 >= min, "{at}: fewer than {min} items");
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
            assert!(array.len() as u64 <= max, "{at}: more than {max} items");
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            validate(spec, items, v, &format!("{at}[{i}]"));
        }
    }
}
