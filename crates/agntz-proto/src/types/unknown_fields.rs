//! Keeping the fields of a result this SDK does not know yet.
//!
//! A newer worker may add keys to a result. Types that keep them have a
//! public `extra` map, filled by [`keep_unknown_fields!`]: a private wire
//! struct derives the decoding of the known fields (`#[serde(remote = ..)]`,
//! with `extra` skipped), and the public type's `Deserialize` runs it
//! through [`KeepUnknown`], which hands every key the derive does not name
//! to the map instead of letting serde skip it.
//!
//! Why not `#[serde(flatten)]`: a flattened struct buffers every value of
//! the object in serde's private `Content` tree before decoding the known
//! fields from it, an extra allocation and copy per field on the hottest
//! payloads (`run-complete`). Here the known fields decode straight from the
//! input as before; only unknown keys are built as `Value`s.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde_json::Value;

/// The keys of an object that its type does not model, with their values.
pub type ExtraFields = BTreeMap<String, Value>;

/// A deserializer that decodes a struct like `inner` but puts every key
/// outside the struct's field list into `extra`.
pub(crate) struct KeepUnknown<'a, D> {
    inner: D,
    extra: &'a mut ExtraFields,
}

impl<'a, D> KeepUnknown<'a, D> {
    pub(crate) fn new(inner: D, extra: &'a mut ExtraFields) -> Self {
        KeepUnknown { inner, extra }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeepUnknown<'_, D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(StructVisitor {
            visitor,
            fields,
            extra: self.extra,
        })
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

struct StructVisitor<'a, V> {
    visitor: V,
    fields: &'static [&'static str],
    extra: &'a mut ExtraFields,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for StructVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(KnownKeys {
            map,
            fields: self.fields,
            extra: self.extra,
        })
    }
}

/// The object's entries as the derived visitor sees them: only keys of its
/// field list; the others are moved into `extra` on the way.
struct KnownKeys<'a, A> {
    map: A,
    fields: &'static [&'static str],
    extra: &'a mut ExtraFields,
}

/// A key as read: one of the field names, or an unknown key (owned, as it
/// goes into the map).
enum Key {
    Known(&'static str),
    Unknown(String),
}

struct KeySeed {
    fields: &'static [&'static str],
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        // A known key is passed on as the field list's own `&'static str`,
        // so reading it allocates nothing.
        Ok(match self.fields.iter().find(|f| **f == v) {
            Some(f) => Key::Known(f),
            None => Key::Unknown(v.to_owned()),
        })
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
        Ok(match self.fields.iter().find(|f| **f == v) {
            Some(f) => Key::Known(f),
            None => Key::Unknown(v),
        })
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for KnownKeys<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            match self.map.next_key_seed(KeySeed {
                fields: self.fields,
            })? {
                None => return Ok(None),
                Some(Key::Known(name)) => {
                    return seed
                        .deserialize(IntoDeserializer::<A::Error>::into_deserializer(name))
                        .map(Some)
                }
                Some(Key::Unknown(name)) => {
                    let value: Value = self.map.next_value()?;
                    // A repeated key keeps its last value, as serde_json's
                    // own `Map` does.
                    self.extra.insert(name, value);
                }
            }
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// Implements `Deserialize` for `$ty`, a struct with `pub extra:
/// ExtraFields`, from `$wire`: a private struct with the same fields and
/// their serde attributes that derives `Deserialize` with
/// `#[serde(remote = "$ty")]` and `#[serde(skip)]` on `extra`. The result
/// is the derived decoding, with unknown keys kept in `extra`.
///
/// Why a separate wire struct: `remote = "Self"` on the public type would
/// give it a public inherent `deserialize` that drops the unknown keys.
/// The remote derive constructs `$ty` from every field of `$wire`, so a
/// field missing from either one does not compile.
macro_rules! keep_unknown_fields {
    ($ty:ty, $wire:ty) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let mut extra = $crate::types::ExtraFields::new();
                let mut value = <$wire>::deserialize(
                    $crate::types::unknown_fields::KeepUnknown::new(d, &mut extra),
                )?;
                value.extra = extra;
                Ok(value)
            }
        }
    };
}
pub(crate) use keep_unknown_fields;

#[cfg(test)]
mod tests {
    use super::ExtraFields;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Default, PartialEq)]
    struct Sample {
        run_id: String,
        nested: Option<Inner>,
        extra: ExtraFields,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", remote = "Sample")]
    struct SampleWire {
        #[serde(default)]
        run_id: String,
        #[serde(default)]
        nested: Option<Inner>,
        #[serde(skip)]
        extra: ExtraFields,
    }
    keep_unknown_fields!(Sample, SampleWire);

    #[derive(Debug, Default, PartialEq)]
    struct Inner {
        a: u64,
        extra: ExtraFields,
    }

    #[derive(Deserialize)]
    #[serde(remote = "Inner")]
    struct InnerWire {
        #[serde(default)]
        a: u64,
        #[serde(skip)]
        extra: ExtraFields,
    }
    keep_unknown_fields!(Inner, InnerWire);

    #[test]
    fn unknown_keys_are_kept_at_every_level() {
        let text = r#"{"runId":"r","newKey":{"x":[1,2]},"nested":{"a":3,"b":"c"},"extra":true}"#;
        let s: Sample = serde_json::from_str(text).unwrap();
        assert_eq!(s.run_id, "r");
        assert_eq!(s.nested.as_ref().unwrap().a, 3);
        assert_eq!(s.nested.as_ref().unwrap().extra["b"], "c");
        assert_eq!(s.extra.len(), 2);
        assert_eq!(s.extra["newKey"], json!({"x": [1, 2]}));
        // A key literally named `extra` is an unknown key like any other.
        assert_eq!(s.extra["extra"], true);
    }

    #[test]
    fn same_result_from_a_value_and_from_text() {
        let value = json!({"runId": "r", "z": null, "nested": null});
        let from_value = Sample::deserialize(&value).unwrap();
        let from_text: Sample = serde_json::from_str(&value.to_string()).unwrap();
        assert_eq!(from_value, from_text);
        assert_eq!(from_text.extra["z"], serde_json::Value::Null);
    }

    #[test]
    fn errors_of_known_fields_still_surface() {
        let err = serde_json::from_str::<Sample>(r#"{"runId":5}"#).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
        assert!(serde_json::from_str::<Sample>("[]").is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"x":1,"x":}"#).is_err());
    }
}
