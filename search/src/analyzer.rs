//! How text becomes terms, the same way for documents and for queries.
//!
//! - Case and accents are folded: `Beyoncé` and `beyonce` give the same term,
//!   as do `Sigur Rós` and `sigur ros`. Letters that Unicode does not
//!   decompose (ø, æ, ß, ...) are spelled out.
//! - Words are runs of letters and digits; an apostrophe inside a word is
//!   dropped (`don't` is `dont`), everything else separates words.
//! - Han, kana and Hangul have no spaces between words, so each run of them
//!   is indexed as overlapping pairs of characters (bigrams). A query of two
//!   or more such characters becomes the pairs it contains and must find them
//!   next to each other, so any substring of a name finds it. A run of one
//!   character is kept as it is.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// The name the tokenizer is registered under in the index.
pub const TOKENIZER: &str = "cadenza";

/// One term of a text, with where it came from in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    /// Byte offsets into the analysed text.
    pub from: usize,
    pub to: usize,
    /// True for a bigram (or lone character) of a CJK run: never
    /// typo-tolerant, matched by position.
    pub cjk: bool,
}

/// True for characters of scripts written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF       // hiragana, katakana
        | 0x31F0..=0x31FF     // katakana extensions
        | 0x3400..=0x4DBF     // CJK extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xF900..=0xFAFF     // compatibility ideographs
        | 0x1100..=0x11FF     // hangul jamo
        | 0x3130..=0x318F     // hangul compatibility jamo
        | 0xAC00..=0xD7AF     // hangul syllables
        | 0xFF66..=0xFF9F     // half-width katakana
        | 0x20000..=0x2FA1F   // CJK extensions B.. and compatibility supplement
    )
}

/// Appends the folded form of `c` (lower case, no accents) to `out`.
fn fold_into(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    match c {
        'ø' | 'Ø' => out.push('o'),
        'æ' | 'Æ' => out.push_str("ae"),
        'œ' | 'Œ' => out.push_str("oe"),
        'ß' | 'ẞ' => out.push_str("ss"),
        'ł' | 'Ł' => out.push('l'),
        'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
        'þ' | 'Þ' => out.push_str("th"),
        'ı' => out.push('i'),
        _ => decompose_compatible(c, |part| {
            if !is_combining_mark(part) {
                out.extend(part.to_lowercase());
            }
        }),
    }
}

/// The folded form of a whole text: what `beyonce` and `Beyoncé` share.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        fold_into(c, &mut out);
    }
    out
}

/// A text's terms, in order. Positions are the indices of the result.
pub fn terms(text: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut word = String::new();
    let mut word_from = 0;
    let mut word_to = 0;
    // The run of CJK characters being read: (char, byte offset).
    let mut run: Vec<(char, usize)> = Vec::new();

    let flush_word = |word: &mut String, from: usize, to: usize, terms: &mut Vec<Term>| {
        if !word.is_empty() {
            terms.push(Term {
                text: std::mem::take(word),
                from,
                to,
                cjk: false,
            });
        }
    };
    let flush_run = |run: &mut Vec<(char, usize)>, terms: &mut Vec<Term>| {
        match run.len() {
            0 => {}
            1 => {
                let (c, at) = run[0];
                terms.push(Term {
                    text: c.to_string(),
                    from: at,
                    to: at + c.len_utf8(),
                    cjk: true,
                });
            }
            _ => {
                for pair in run.windows(2) {
                    let (a, at) = pair[0];
                    let (b, bt) = pair[1];
                    let mut text = String::with_capacity(a.len_utf8() + b.len_utf8());
                    text.push(a);
                    text.push(b);
                    terms.push(Term {
                        text,
                        from: at,
                        to: bt + b.len_utf8(),
                        cjk: true,
                    });
                }
            }
        }
        run.clear();
    };

    for (at, c) in text.char_indices() {
        if is_cjk(c) {
            flush_word(&mut word, word_from, word_to, &mut terms);
            run.push((c, at));
            continue;
        }
        flush_run(&mut run, &mut terms);
        if c.is_alphanumeric() {
            if word.is_empty() {
                word_from = at;
            }
            fold_into(c, &mut word);
            word_to = at + c.len_utf8();
        } else if (c == '\'' || c == '\u{2019}') && !word.is_empty() {
            // Inside a word: `don't` is one word. A trailing one ends nothing.
        } else {
            flush_word(&mut word, word_from, word_to, &mut terms);
        }
    }
    flush_word(&mut word, word_from, word_to, &mut terms);
    flush_run(&mut run, &mut terms);
    // Folding can leave a word empty only if it was all combining marks,
    // which `is_alphanumeric` never lets in; keep the guarantee explicit.
    terms.retain(|term| !term.text.is_empty());
    terms
}

/// The folded words of a text joined by single spaces: two names are the
/// same name when their keys are equal.
pub fn key(text: &str) -> String {
    let mut out = String::new();
    for term in terms(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&term.text);
    }
    out
}

/// [`terms`] as a tantivy tokenizer.
#[derive(Clone, Default)]
pub struct CadenzaTokenizer {
    tokens: Vec<Token>,
}

pub struct CadenzaTokenStream<'a> {
    tokens: &'a mut [Token],
    /// One past the current token; 0 before the first `advance`.
    next: usize,
}

impl Tokenizer for CadenzaTokenizer {
    type TokenStream<'a> = CadenzaTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        self.tokens.clear();
        self.tokens.extend(
            terms(text)
                .into_iter()
                .enumerate()
                .map(|(position, term)| Token {
                    offset_from: term.from,
                    offset_to: term.to,
                    position,
                    text: term.text,
                    position_length: 1,
                }),
        );
        CadenzaTokenStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

impl TokenStream for CadenzaTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    // tantivy calls these only after `advance` returned true, so the index
    // is in range.
    #[allow(clippy::indexing_slicing)]
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    #[allow(clippy::indexing_slicing)]
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        terms(text).into_iter().map(|term| term.text).collect()
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(texts("Beyoncé"), ["beyonce"]);
        assert_eq!(texts("Sigur Rós"), ["sigur", "ros"]);
        assert_eq!(texts("Björk — Jóga"), ["bjork", "joga"]);
        assert_eq!(texts("Mötley Crüe"), ["motley", "crue"]);
        assert_eq!(
            texts("Røyksopp Œuvre Straße"),
            ["royksopp", "oeuvre", "strasse"]
        );
    }

    #[test]
    fn splits_on_punctuation_and_keeps_apostrophes_inside_words() {
        assert_eq!(
            texts("Yeah! (feat. Lil Jon)"),
            ["yeah", "feat", "lil", "jon"]
        );
        assert_eq!(texts("Don't Stop"), ["dont", "stop"]);
        assert_eq!(texts("AC/DC"), ["ac", "dc"]);
        assert_eq!(texts("  "), Vec::<String>::new());
    }

    #[test]
    fn cjk_runs_become_bigrams_with_offsets_into_the_original() {
        let text = "坂本龍一 Live";
        let terms = terms(text);
        let pairs: Vec<&str> = terms.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(pairs, ["坂本", "本龍", "龍一", "live"]);
        assert_eq!(&text[terms[1].from..terms[1].to], "本龍");
        assert!(terms[0].cjk && !terms[3].cjk);
        assert_eq!(texts("愛"), ["愛"]);
        assert_eq!(texts("방탄소년단"), ["방탄", "탄소", "소년", "년단"]);
    }

    #[test]
    fn offsets_point_at_the_original_accented_text() {
        let text = "Café Tacvba";
        let terms = terms(text);
        assert_eq!(&text[terms[0].from..terms[0].to], "Café");
        assert_eq!(terms[0].text, "cafe");
    }

    #[test]
    fn keys_compare_names() {
        assert_eq!(key("Sigur Rós"), key("sigur   ros!"));
        assert_ne!(key("Yeah"), key("Yeah Yeah"));
    }
}
