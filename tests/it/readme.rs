//! The documents' examples are real: every GraphQL query in README.md and docs/ followed by a
//! JSON answer gets exactly that answer from the bundled data.

use serde_json::Value;

use crate::helpers::{app, ask, path};

/// Each ```graphql block directly followed by a ```json block: (line, query, answer).
fn examples(text: &str) -> Vec<(usize, String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let block = |from: usize, fence: &str| -> Option<(String, usize)> {
        if lines.get(from)?.trim() != fence {
            return None;
        }
        let end = (from + 1..lines.len()).find(|&i| lines[i].trim() == "```")?;
        Some((lines[from + 1..end].join("\n"), end + 1))
    };
    let mut out = Vec::new();
    for i in 0..lines.len() {
        if let Some((query, next)) = block(i, "```graphql")
            && let Some((answer, _)) = block(next, "```json")
        {
            out.push((i + 1, query, answer));
        }
    }
    out
}

#[tokio::test]
async fn every_example_answer_is_what_the_service_answers() {
    let mut documents = vec![path("README.md")];
    if let Ok(entries) = std::fs::read_dir(path("docs")) {
        documents.extend(
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "md")),
        );
    }
    documents.sort();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for document in &documents {
        let text = std::fs::read_to_string(document).unwrap();
        for (line, query, answer) in examples(&text) {
            let expected: Value = serde_json::from_str(&answer).unwrap_or_else(|e| {
                panic!(
                    "{}:{line}: the example answer is not JSON: {e}",
                    document.display()
                )
            });
            let actual = ask(app(), &query).await;
            if actual != expected {
                wrong.push(format!(
                    "{}:{line}: the service answers\n{}",
                    document.display(),
                    serde_json::to_string(&actual).unwrap()
                ));
            }
            checked += 1;
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    assert!(checked >= 10, "only {checked} examples found");
}
