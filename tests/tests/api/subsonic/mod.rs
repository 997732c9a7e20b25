//! The OpenSubsonic API (`/rest`) as players use it: the protocol and its
//! errors (`protocol`), the library (`library`), what players report and
//! save (`playback`), and real client libraries (`clients`: py-opensonic
//! and the npm `subsonic-api`). Every answer read here is read in XML and
//! in JSON, compared, and held to the specification's names (`spec`).

mod clients;
mod library;
mod playback;
mod protocol;
mod spec;

use std::collections::BTreeMap;

use quick_xml::events::Event;
use serde_json::{json, Value};

use crate::helpers::{data, Auth, TestApp};

/// The methods that change something: asked once.
pub const CHANGES: &[&str] = &[
    "scrobble",
    "star",
    "unstar",
    "setRating",
    "createPlaylist",
    "updatePlaylist",
    "deletePlaylist",
    "savePlayQueue",
    "savePlayQueueByIndex",
];

/// A player: the app and the key it signs in with.
pub struct Player<'a> {
    pub app: &'a TestApp,
    pub key: String,
}

/// Makes a player key for `auth`'s account: (its id, its secret).
pub async fn player_key(app: &TestApp, auth: &Auth, name: &str) -> (Value, String) {
    let body = app
        .gql_as(
            auth,
            "mutation($name: String!) { createPlayerKey(name: $name) { key { id name } secret } }",
            json!({ "name": name }),
        )
        .await;
    let created = &data(&body)["createPlayerKey"];
    (
        created["key"]["id"].clone(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

/// A new listener and a player of theirs.
pub async fn listener(app: &TestApp) -> (Auth, Player<'_>) {
    let auth = app.customer().await;
    let (_, key) = player_key(app, &auth, "Phone").await;
    (auth, Player { app, key })
}

impl Player<'_> {
    fn url(&self, method: &str) -> String {
        format!("{}/rest/{method}", self.app.address)
    }

    fn params<'p>(
        &'p self,
        format: &'p str,
        params: &[(&'p str, &'p str)],
    ) -> Vec<(&'p str, &'p str)> {
        let mut all = vec![
            ("apiKey", self.key.as_str()),
            ("v", "1.16.1"),
            ("c", "cadenza-tests"),
            ("f", format),
        ];
        all.extend_from_slice(params);
        all
    }

    /// A method in XML only, read into the comparable form.
    pub async fn xml(&self, method: &str, params: &[(&str, &str)]) -> String {
        self.app
            .client
            .get(self.url(method))
            .query(&self.params("xml", params))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The raw answer to a GET.
    pub async fn get(&self, method: &str, params: &[(&str, &str)]) -> reqwest::Response {
        self.app
            .client
            .get(self.url(method))
            .query(&self.params("json", params))
            .send()
            .await
            .unwrap()
    }

    /// A method in JSON and in XML: the JSON answer, after checking the XML
    /// one carries the same data and both use the specification's names.
    /// A method that changes something is sent once, in JSON (`writes` in
    /// `protocol` sends each in XML).
    pub async fn call(&self, method: &str, params: &[(&str, &str)]) -> Value {
        let json_answer: Value = self.get(method, params).await.json().await.unwrap();
        let problems = spec::check(&json_answer);
        assert!(
            problems.is_empty(),
            "{method}: {problems:#?}\n{json_answer:#}"
        );
        if CHANGES.contains(&method.trim_end_matches(".view")) {
            return json_answer["subsonic-response"].clone();
        }
        let xml_answer = self
            .app
            .client
            .get(self.url(method))
            .query(&self.params("xml", params))
            .send()
            .await
            .unwrap();
        let content_type = xml_answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/xml"), "{content_type}");
        let xml_text = xml_answer.text().await.unwrap();
        let mut from_xml = canon_xml(&xml_text);
        let mut from_json = canon_json("subsonic-response", &json_answer["subsonic-response"]);
        // Random lists differ from one request to the next: their items
        // are compared as sets.
        let random = method.starts_with("getRandomSongs")
            || method.starts_with("getSimilarSongs")
            || params.contains(&("type", "random"));
        if random {
            from_xml.sort();
            from_json.sort();
        }
        assert_eq!(
            from_xml, from_json,
            "{method}: the XML and JSON answers differ\nXML: {xml_text}\nJSON: {json_answer:#}"
        );
        json_answer["subsonic-response"].clone()
    }

    /// Waits until `search3` for `query` finds a song: the search index
    /// follows uploads within moments.
    pub async fn await_indexed(&self, query: &str) {
        let found = cadenza_tests::eventually(std::time::Duration::from_secs(10), || async {
            let found: Value = self
                .get("search3", &[("query", query)])
                .await
                .json()
                .await
                .unwrap();
            found["subsonic-response"]["searchResult3"]
                .get("song")
                .map(|_| ())
        })
        .await;
        assert!(found.is_some(), "the search index never had {query:?}");
    }

    /// A method that must succeed: its answer.
    pub async fn ok(&self, method: &str, params: &[(&str, &str)]) -> Value {
        let answer = self.call(method, params).await;
        assert_eq!(answer["status"], "ok", "{method}: {answer:#}");
        answer
    }

    /// A method that must fail: its error code.
    pub async fn fails(&self, method: &str, params: &[(&str, &str)]) -> i64 {
        let answer = self.call(method, params).await;
        assert_eq!(
            answer["status"], "failed",
            "{method} should fail: {answer:#}"
        );
        answer["error"]["code"].as_i64().unwrap()
    }

    /// A form POST (the `formPost` extension), JSON.
    pub async fn post(&self, method: &str, params: &[(&str, &str)]) -> Value {
        let answer: Value = self
            .app
            .client
            .post(self.url(method))
            .form(&self.params("json", params))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["subsonic-response"].clone()
    }
}

/// What the tests compare: an element's attributes and its text ("value")
/// as leaves, its children by name, each a list (so a lone child and a
/// one-item array compare equal).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Canon {
    Leaf(String),
    Node(BTreeMap<String, Vec<Canon>>),
}

impl Canon {
    /// Every list in order of its items' text, so order does not count.
    fn sort(&mut self) {
        if let Canon::Node(children) = self {
            for list in children.values_mut() {
                list.iter_mut().for_each(Canon::sort);
                list.sort_by_key(|item| format!("{item:?}"));
            }
        }
    }
}

pub(super) fn canon_json(_name: &str, value: &Value) -> Canon {
    let mut node: BTreeMap<String, Vec<Canon>> = BTreeMap::new();
    let Value::Object(fields) = value else {
        return Canon::Leaf(leaf(value));
    };
    for (field, value) in fields {
        // XML cannot tell an empty text from none.
        if field == "value" && value.as_str() == Some("") {
            continue;
        }
        let entry = node.entry(field.clone()).or_default();
        match value {
            Value::Object(_) => entry.push(canon_json(field, value)),
            Value::Array(items) => {
                for item in items {
                    entry.push(match item {
                        Value::Object(_) => canon_json(field, item),
                        scalar => Canon::Node(BTreeMap::from([(
                            "value".to_owned(),
                            vec![Canon::Leaf(leaf(scalar))],
                        )])),
                    });
                }
            }
            scalar => entry.push(Canon::Leaf(leaf(scalar))),
        }
    }
    Canon::Node(node)
}

fn leaf(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

pub(super) fn canon_xml(text: &str) -> Canon {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<(String, BTreeMap<String, Vec<Canon>>)> = Vec::new();
    let mut root = None;
    let open = |e: &quick_xml::events::BytesStart<'_>| {
        let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
        let mut node: BTreeMap<String, Vec<Canon>> = BTreeMap::new();
        for attribute in e.attributes() {
            let attribute = attribute.unwrap();
            let key = String::from_utf8(attribute.key.as_ref().to_vec()).unwrap();
            if key == "xmlns" {
                continue;
            }
            let value = attribute.unescape_value().unwrap().into_owned();
            node.entry(key).or_default().push(Canon::Leaf(value));
        }
        (name, node)
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let (name, node) = open(&e);
                match stack.last_mut() {
                    Some((_, parent)) => parent.entry(name).or_default().push(Canon::Node(node)),
                    None => root = Some(Canon::Node(node)),
                }
            }
            Event::Text(t) => {
                let text = t.decode().unwrap().into_owned();
                if let Some((_, node)) = stack.last_mut() {
                    node.entry("value".to_owned())
                        .or_default()
                        .push(Canon::Leaf(text));
                }
            }
            Event::GeneralRef(r) => {
                // An entity between text runs: resolved and joined below.
                let name = String::from_utf8(r.to_vec()).unwrap();
                let resolved = match name.as_str() {
                    "amp" => "&".to_owned(),
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "quot" => "\"".to_owned(),
                    "apos" => "'".to_owned(),
                    number => {
                        let code = match number.strip_prefix("#x") {
                            Some(hex) => u32::from_str_radix(hex, 16).unwrap(),
                            None => number.trim_start_matches('#').parse().unwrap(),
                        };
                        char::from_u32(code).unwrap().to_string()
                    }
                };
                if let Some((_, node)) = stack.last_mut() {
                    node.entry("value".to_owned())
                        .or_default()
                        .push(Canon::Leaf(resolved));
                }
            }
            Event::End(_) => {
                let (name, mut node) = stack.pop().unwrap();
                // Text split around entities is one text.
                if let Some(parts) = node.get_mut("value") {
                    let joined: String = parts
                        .iter()
                        .map(|part| match part {
                            Canon::Leaf(text) => text.as_str(),
                            Canon::Node(_) => "",
                        })
                        .collect();
                    *parts = vec![Canon::Leaf(joined)];
                }
                match stack.last_mut() {
                    Some((_, parent)) => parent.entry(name).or_default().push(Canon::Node(node)),
                    None => root = Some(Canon::Node(node)),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.expect("an XML answer has a root")
}
