//! Parsing CSV and JSONL dataset sources into items (the client-side half of
//! `datasets().import()`, wire-extended §4.8).

use serde_json::{Map, Value};

use super::DatasetItem;
use crate::Error;

/// `row_000001`, `row_000002`, … (1-based).
fn row_id(n: usize) -> String {
    format!("row_{n:06}")
}

/// A CSV input cell: JSON when its trimmed text starts with `{` or `[` and
/// parses, the raw string otherwise.
fn csv_input(cell: &str) -> Value {
    let trimmed = cell.trim();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
            return v;
        }
    }
    Value::String(cell.to_owned())
}

/// CSV with a header row. Rows whose cells are all blank are skipped; ids
/// come from `id_column` (trimmed) or are numbered by position among the
/// kept rows; `name` comes from a `name` column when non-blank; the input
/// from `input_column`, or, when the header has no such column, an object
/// of every column but the id. The remaining columns (not id, input or
/// name) become string metadata, left out when there are none.
pub(crate) fn parse_csv(
    text: &str,
    id_column: &str,
    input_column: &str,
) -> Result<Vec<DatasetItem>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::invalid(format!("invalid CSV header: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    let has_input = headers.iter().any(|h| h == input_column);
    let mut items = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| Error::invalid(format!("invalid CSV row {}: {e}", line + 2)))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |name: &str| -> Option<&str> {
            let i = headers.iter().position(|h| h == name)?;
            Some(record.get(i).unwrap_or(""))
        };
        let id = match cell(id_column).map(str::trim) {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => row_id(items.len() + 1),
        };
        let name = cell("name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        let input = if has_input {
            csv_input(cell(input_column).unwrap_or(""))
        } else {
            let mut obj = Map::new();
            for (i, h) in headers.iter().enumerate() {
                if h != id_column {
                    obj.insert(
                        h.clone(),
                        Value::String(record.get(i).unwrap_or("").to_owned()),
                    );
                }
            }
            Value::Object(obj)
        };
        let mut metadata = Map::new();
        for (i, h) in headers.iter().enumerate() {
            if h != id_column && h != input_column && h != "name" {
                metadata.insert(
                    h.clone(),
                    Value::String(record.get(i).unwrap_or("").to_owned()),
                );
            }
        }
        items.push(DatasetItem {
            id,
            name,
            input,
            metadata: (!metadata.is_empty()).then_some(metadata),
        });
    }
    Ok(items)
}

/// One JSON value per line; blank lines are skipped. An object with an
/// `input` key is an item (`id` kept when it is a string, `name` when a
/// string, `metadata` when an object); any other value is itself the input.
/// Generated ids count non-blank lines.
pub(crate) fn parse_jsonl(text: &str) -> Result<Vec<DatasetItem>, Error> {
    let mut items = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line)
            .map_err(|e| Error::invalid(format!("invalid JSON on line {}: {e}", i + 1)))?;
        let n = items.len() + 1;
        let item = match value {
            Value::Object(mut row) if row.contains_key("input") => {
                let input = row.remove("input").unwrap_or(Value::Null);
                DatasetItem {
                    id: match row.remove("id") {
                        Some(Value::String(id)) => id,
                        _ => row_id(n),
                    },
                    name: match row.remove("name") {
                        Some(Value::String(name)) => Some(name),
                        _ => None,
                    },
                    input,
                    metadata: match row.remove("metadata") {
                        Some(Value::Object(m)) => Some(m),
                        _ => None,
                    },
                }
            }
            other => DatasetItem {
                id: row_id(n),
                name: None,
                input: other,
                metadata: None,
            },
        };
        items.push(item);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn to_json(items: &[DatasetItem]) -> Value {
        serde_json::to_value(items).unwrap()
    }

    #[test]
    fn csv_worked_example() {
        let src = "id,input,segment\ncustomer_1,\"Ada, Inc\",enterprise\ncustomer_2,Grace,smb\n";
        let items = parse_csv(src, "id", "input").unwrap();
        assert_eq!(
            to_json(&items),
            json!([
                {"id":"customer_1","input":"Ada, Inc","metadata":{"segment":"enterprise"}},
                {"id":"customer_2","input":"Grace","metadata":{"segment":"smb"}}
            ])
        );
    }

    #[test]
    fn csv_json_inputs_names_blank_rows_and_generated_ids() {
        let src = "id,name,input\n, First ,\"{\"\"q\"\":1}\"\n,,\n x ,,[oops\n";
        let items = parse_csv(src, "id", "input").unwrap();
        assert_eq!(
            to_json(&items),
            json!([
                {"id":"row_000001","name":"First","input":{"q":1}},
                {"id":"x","input":"[oops"}
            ])
        );
    }

    #[test]
    fn csv_without_input_column_builds_an_object() {
        let items = parse_csv("key,q,a\nk1,hi,there\n", "key", "input").unwrap();
        assert_eq!(items[0].id, "k1");
        assert_eq!(items[0].input, json!({"q":"hi","a":"there"}));
        assert_eq!(
            items[0].metadata.as_ref().map(|m| m.len()),
            Some(2),
            "other columns are metadata"
        );
    }

    #[test]
    fn csv_custom_columns_and_quoted_quotes() {
        let items = parse_csv("k,text\na,\"say \"\"hi\"\"\"\n", "k", "text").unwrap();
        assert_eq!(to_json(&items), json!([{"id":"a","input":"say \"hi\""}]));
    }

    #[test]
    fn jsonl_rows_and_bare_values() {
        let src = "{\"id\":\"a\",\"input\":\"x\",\"name\":\"A\",\"metadata\":{\"k\":1}}\n\n\"bare\"\n{\"id\":7,\"input\":{\"q\":1}}\n{\"q\":2}\n";
        let items = parse_jsonl(src).unwrap();
        assert_eq!(
            to_json(&items),
            json!([
                {"id":"a","name":"A","input":"x","metadata":{"k":1}},
                {"id":"row_000002","input":"bare"},
                {"id":"row_000003","input":{"q":1}},
                {"id":"row_000004","input":{"q":2}}
            ])
        );
    }

    #[test]
    fn jsonl_syntax_errors_name_the_line() {
        let err = parse_jsonl("{\"input\":1}\n{oops\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
