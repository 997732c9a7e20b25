//! Marking the words of a document that a query matched, the same way the
//! query matched them (exactly, as a prefix, or within the typo distance).

use crate::analyzer::{self, Term};
use crate::query::typo_distance;

pub(crate) struct Marker {
    words: Vec<Word>,
}

struct Word {
    text: Vec<char>,
    distance: usize,
    /// The last word of the query matches as a prefix, and so does a lone
    /// CJK character.
    prefix: bool,
}

impl Marker {
    pub(crate) fn new(terms: &[Term]) -> Self {
        let last = terms.len().saturating_sub(1);
        let words = terms
            .iter()
            .enumerate()
            .map(|(at, term)| Word {
                text: term.text.chars().collect(),
                distance: if term.cjk {
                    0
                } else {
                    usize::from(typo_distance(&term.text))
                },
                prefix: at == last || (term.cjk && term.text.chars().count() == 1),
            })
            .collect();
        Self { words }
    }

    fn matches(&self, candidate: &str) -> bool {
        let candidate: Vec<char> = candidate.chars().collect();
        self.words.iter().any(|word| word.matches(&candidate))
    }

    /// The fields that hold a match, with the matches in `<em>`, joined by
    /// " — "; `None` when no field holds one.
    pub(crate) fn highlight(&self, fields: &[String]) -> Option<String> {
        let marked: Vec<String> = fields.iter().filter_map(|text| self.mark(text)).collect();
        (!marked.is_empty()).then(|| marked.join(" — "))
    }

    fn mark(&self, text: &str) -> Option<String> {
        // Byte spans of matched words; CJK pairs overlap, so merge them.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for term in analyzer::terms(text) {
            if !self.matches(&term.text) {
                continue;
            }
            match spans.last_mut() {
                Some(last) if term.from <= last.1 => last.1 = last.1.max(term.to),
                _ => spans.push((term.from, term.to)),
            }
        }
        if spans.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len() + spans.len() * 9);
        let mut at = 0;
        for (from, to) in spans {
            escape_into(text.get(at..from).unwrap_or_default(), &mut out);
            out.push_str("<em>");
            escape_into(text.get(from..to).unwrap_or_default(), &mut out);
            out.push_str("</em>");
            at = to;
        }
        escape_into(text.get(at..).unwrap_or_default(), &mut out);
        Some(out)
    }
}

impl Word {
    fn matches(&self, candidate: &[char]) -> bool {
        if candidate == self.text.as_slice() {
            return true;
        }
        if self.prefix && candidate.starts_with(&self.text) {
            return true;
        }
        if self.distance == 0 {
            return false;
        }
        if edit_distance(candidate, &self.text) <= self.distance {
            return true;
        }
        // As a prefix with typos: some beginning of the candidate is close.
        self.prefix && {
            let shortest = self.text.len().saturating_sub(self.distance);
            let longest = (self.text.len() + self.distance).min(candidate.len());
            (shortest..=longest)
                .any(|len| edit_distance(&candidate[..len], &self.text) <= self.distance)
        }
    }
}

/// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = best;
        }
    }
    rows[a.len() * width + b.len()]
}

fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn highlight(query: &str, fields: &[&str]) -> Option<String> {
        let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        Marker::new(&analyzer::terms(query)).highlight(&fields)
    }

    #[test]
    fn marks_exact_prefix_and_typo_matches() {
        assert_eq!(
            highlight("usher yeah", &["Yeah!", "Usher", "Confessions"]).as_deref(),
            Some("<em>Yeah</em>! — <em>Usher</em>")
        );
        assert_eq!(
            highlight("beyonse", &["Beyoncé", "Beyoncé", ""]).as_deref(),
            Some("<em>Beyoncé</em> — <em>Beyoncé</em>")
        );
        assert_eq!(
            highlight("confes", &["Confessions", "Usher", ""]).as_deref(),
            Some("<em>Confessions</em>")
        );
        assert_eq!(highlight("zzzz", &["Yeah!", "Usher", ""]), None);
    }

    #[test]
    fn escapes_html_and_merges_cjk_pairs() {
        assert_eq!(
            highlight("rock", &["<b>Rock</b> & Roll", "", ""]).as_deref(),
            Some("&lt;b&gt;<em>Rock</em>&lt;/b&gt; &amp; Roll")
        );
        assert_eq!(
            highlight("本龍一", &["坂本龍一", "", ""]).as_deref(),
            Some("坂<em>本龍一</em>")
        );
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&chars("usher"), &chars("uhser")), 1);
        assert_eq!(edit_distance(&chars("kitten"), &chars("sitting")), 3);
        assert_eq!(edit_distance(&chars(""), &chars("abc")), 3);
    }
}
