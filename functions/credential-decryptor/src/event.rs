//! The invocation event, parsed as leniently as the legacy .NET function did: any JSON is
//! accepted, property names match case-insensitively, unknown properties are ignored, and a
//! property of the wrong type counts as missing (so the caller gets the 500 reply, never a
//! runtime-level deserialization error).

use std::fmt;

use secrecy::SecretString;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One invocation's payload: the legacy single-value shape or the v2 batch.
#[derive(Debug, Default)]
pub struct Event {
    pub cipher_text: Option<String>,
    pub plain_text: Option<SecretString>,
    pub version: Option<u64>,
    /// Present (possibly empty) when the event has an `items` array.
    pub items: Option<Vec<BatchItem>>,
}

impl Event {
    /// The v2 batch contract is chosen by shape: `{"version": 2, "items": [...]}`.
    pub fn is_batch(&self) -> bool {
        self.version == Some(2) && self.items.is_some()
    }
}

/// One entry of a v2 batch. `id` is echoed back as given (string or number).
#[derive(Debug, Default)]
pub struct BatchItem {
    pub id: serde_json::Value,
    pub cipher_text: Option<String>,
    pub tenant_id: Option<String>,
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EventVisitor)
    }
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
        let mut event = Event::default();
        while let Some(name) = map.next_key::<CaseFolded>()? {
            match name.0.as_str() {
                "ciphertext" => event.cipher_text = map.next_value::<Lenient<String>>()?.0,
                "plaintext" => {
                    event.plain_text = map
                        .next_value::<Lenient<String>>()?
                        .0
                        .map(SecretString::from)
                }
                "version" => event.version = map.next_value::<Lenient<u64>>()?.0,
                "items" => event.items = map.next_value::<Lenient<Items>>()?.0.map(|i| i.0),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(event)
    }

    // Anything that is not an object (a warm-up string, null, a number …) is an empty event.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Event, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Event::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Event, E> {
        Ok(Event::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Event, E> {
        Ok(Event::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Event, E> {
        Ok(Event::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Event, E> {
        Ok(Event::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Event, E> {
        Ok(Event::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Event, E> {
        Ok(Event::default())
    }
}

/// A property name folded to ASCII lower case (the .NET serializer matched names so).
struct CaseFolded(String);

impl<'de> Deserialize<'de> for CaseFolded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(Self(name.to_ascii_lowercase()))
    }
}

/// A value of the expected type, or `None` for anything else (which is consumed and ignored).
struct Lenient<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Buffering through Value keeps a wrong type from failing the whole event.
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(Self(T::deserialize(value).ok()))
    }
}

struct Items(Vec<BatchItem>);

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let values = Vec::<serde_json::Value>::deserialize(deserializer)?;
        Ok(Self(values.into_iter().map(batch_item).collect()))
    }
}

fn batch_item(value: serde_json::Value) -> BatchItem {
    let mut item = BatchItem::default();
    if let serde_json::Value::Object(fields) = value {
        for (name, value) in fields {
            match name.to_ascii_lowercase().as_str() {
                "id" => item.id = value,
                "ciphertext" => item.cipher_text = value.as_str().map(str::to_owned),
                "tenantid" => item.tenant_id = value.as_str().map(str::to_owned),
                _ => {}
            }
        }
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn parse(json: &str) -> Event {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn names_match_case_insensitively_and_unknown_ones_are_ignored() {
        assert_eq!(
            parse(r#"{"cipherText":"a"}"#).cipher_text.as_deref(),
            Some("a")
        );
        assert_eq!(
            parse(r#"{"CipherText":"b","x":{"y":[1]}}"#)
                .cipher_text
                .as_deref(),
            Some("b")
        );
        assert_eq!(
            parse(r#"{"CIPHERTEXT":"c"}"#).cipher_text.as_deref(),
            Some("c")
        );
        let e = parse(r#"{"PlainText":"p"}"#);
        assert_eq!(e.plain_text.unwrap().expose_secret(), "p");
    }

    #[test]
    fn any_json_is_an_event() {
        for json in [
            "null",
            "\"warmup\"",
            "42",
            "[1,2]",
            "{}",
            "true",
            r#"{"cipherText":7}"#,
        ] {
            let e = parse(json);
            assert!(e.cipher_text.is_none() && !e.is_batch(), "{json}");
        }
    }

    #[test]
    fn batch_is_chosen_by_shape() {
        let e = parse(
            r#"{"version":2,"items":[{"id":"a","cipherText":"x","tenantId":"t"},{"id":2},"junk"]}"#,
        );
        assert!(e.is_batch());
        let items = e.items.unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].tenant_id.as_deref(), Some("t"));
        assert_eq!(items[1].id, serde_json::json!(2));
        assert!(items[2].cipher_text.is_none());
        assert!(!parse(r#"{"version":1,"items":[]}"#).is_batch());
        assert!(!parse(r#"{"version":2}"#).is_batch());
    }
}
