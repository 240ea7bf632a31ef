//! Free-text themes computed on the machine, with no model download (issue 16;
//! `research/surveys.md` §4.2).
//!
//! - **Terms**: a comment is lower-cased, split into words by Unicode's word rules (UAX #29,
//!   `unicode-segmentation`), numbers and order-number-like tokens dropped, English stopwords
//!   (NLTK's list from `stop-words`, plus a shop's own: "store", "order", "item", "thanks"…)
//!   dropped, and each word stemmed with Snowball's English stemmer (`rust-stemmers`), so
//!   "delivery" and "deliveries" are one term. Bigrams of two adjacent kept words are terms too
//!   ("ship cost"). Each term keeps the surface form people wrote most often, for display.
//! - **Counting** is by document frequency: how many responses mention a term, never how often
//!   one long rant repeats it.
//! - **Comparing groups** (detractors vs promoters, this period vs the last) ranks terms by the
//!   weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008,
//!   "Fightin' Words"), which stays sane for small counts where a plain ratio explodes.
//! - **Themes** are curated rules (Qualtrics' "topics from searches"): a theme matches a
//!   comment that mentions any of its terms (a word or a two-word phrase, stemmed the same
//!   way). [`seed_rules`] are retail's usual ones; terms no rule covers are offered as
//!   suggestions staff accept in one click.

use std::collections::{BTreeMap, HashMap, HashSet};

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::error::FieldError;

/// Words a shop's comments are full of that say nothing about why (added to NLTK's list).
const SHOP_STOPWORDS: &[&str] = &[
    "store", "shop", "order", "item", "items", "thanks", "thank", "thx", "please", "would",
    "could", "also", "get", "got", "really", "just", "bit", "one", "us", "lot", "ok", "okay",
    "even", "still", "much", "like", "im", "ive", "dont", "didnt", "wasnt", "cant", "will",
];

/// A term of one comment: `key` is its stem, or two stems joined by a space for a bigram;
/// `surface` is the words as written (lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    pub key: String,
    pub surface: String,
}

/// Tokeniser, stopwords and stemmer for one language (English: the shop's locale; the other
/// Snowball languages are a constructor away).
pub struct Analyzer {
    stemmer: Stemmer,
    stop: HashSet<String>,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::english()
    }
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("stopwords", &self.stop.len())
            .finish()
    }
}

impl Analyzer {
    /// English: NLTK's stopwords plus [`SHOP_STOPWORDS`], Snowball's English stemmer.
    pub fn english() -> Analyzer {
        let mut stop: HashSet<String> = stop_words::lookup("en")
            .unwrap_or_default()
            .iter()
            .map(|w| w.to_string())
            .collect();
        stop.extend(SHOP_STOPWORDS.iter().map(|w| w.to_string()));
        // Apostrophes are dropped before the lookup ("don't" is "dont"), so the list is too.
        let bare: Vec<String> = stop.iter().map(|w| w.replace(['\'', '’'], "")).collect();
        stop.extend(bare);
        Analyzer {
            stemmer: Stemmer::create(Algorithm::English),
            stop,
        }
    }

    /// The kept words of `text`, in order: lower-cased, apostrophes dropped, no stopwords, no
    /// token holding a digit (prices, order numbers, dates), no single letters.
    fn words(&self, text: &str) -> Vec<Option<String>> {
        text.unicode_words()
            .map(|w| {
                let w: String = w
                    .chars()
                    .filter(|c| *c != '\'' && *c != '’')
                    .flat_map(char::to_lowercase)
                    .collect();
                let keep = w.chars().count() > 1
                    && !w.chars().any(|c| c.is_numeric())
                    && !self.stop.contains(&w);
                keep.then_some(w)
            })
            .collect()
    }

    /// A word's stem.
    pub fn stem(&self, word: &str) -> String {
        self.stemmer.stem(&word.to_lowercase()).into_owned()
    }

    /// The distinct terms of `text`: each kept word's stem, and each pair of adjacent kept words
    /// (a stopword or a number between two words breaks the pair).
    pub fn terms(&self, text: &str) -> Vec<Term> {
        let mut out: Vec<Term> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut prev: Option<(String, String)> = None;
        for w in self.words(text) {
            let Some(w) = w else {
                prev = None;
                continue;
            };
            let stem = self.stem(&w);
            if let Some((ps, pw)) = prev.take() {
                let key = format!("{ps} {stem}");
                if seen.insert(key.clone()) {
                    out.push(Term {
                        key,
                        surface: format!("{pw} {w}"),
                    });
                }
            }
            if seen.insert(stem.clone()) {
                out.push(Term {
                    key: stem.clone(),
                    surface: w.clone(),
                });
            }
            prev = Some((stem, w));
        }
        out
    }

    /// A rule's term (`delivery`, `shipping cost`) as the key [`Analyzer::terms`] gives it.
    pub fn key_of(&self, phrase: &str) -> String {
        phrase
            .split_whitespace()
            .map(|w| self.stem(&w.replace(['\'', '’'], "")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A curated theme: `code` (stable, what answers are tagged with), `name` shown, and the
/// `terms` (words or two-word phrases, as people write them) any of which marks a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeRule {
    pub code: String,
    pub name: String,
    pub terms: Vec<String>,
}

impl ThemeRule {
    /// A code is a key (`a-z0-9_-`, starting with a letter); a name and at least one term of
    /// one or two words are required. Errors name `code`, `name` or `terms[i]`.
    pub fn validate(&self) -> Result<(), FieldError> {
        let ok = (1..=64).contains(&self.code.len())
            && self.code.starts_with(|c: char| c.is_ascii_lowercase())
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !ok {
            return Err(FieldError::new(
                "code",
                "invalid",
                format!(
                    "'{}' is not a theme code: a-z, 0-9, _ and -, starting with a letter",
                    self.code
                ),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(FieldError::new("name", "required", "a theme needs a name"));
        }
        if self.terms.is_empty() {
            return Err(FieldError::new(
                "terms",
                "required",
                "a theme needs at least one word or phrase",
            ));
        }
        for (i, t) in self.terms.iter().enumerate() {
            let n = t.split_whitespace().count();
            if !(1..=2).contains(&n) {
                return Err(FieldError::new(
                    format!("terms[{i}]"),
                    "invalid",
                    format!("'{t}' is not a word or a two-word phrase"),
                ));
            }
        }
        Ok(())
    }

    /// Whether a comment whose term keys are `keys` is about this theme.
    pub fn matches(&self, analyzer: &Analyzer, keys: &HashSet<String>) -> bool {
        self.terms
            .iter()
            .any(|t| keys.contains(&analyzer.key_of(t)))
    }
}

/// The codes of the `rules` that `text` matches, in the rules' order.
pub fn themes_of(analyzer: &Analyzer, rules: &[ThemeRule], text: &str) -> Vec<String> {
    let keys: HashSet<String> = analyzer.terms(text).into_iter().map(|t| t.key).collect();
    rules
        .iter()
        .filter(|r| r.matches(analyzer, &keys))
        .map(|r| r.code.clone())
        .collect()
}

fn rule(code: &str, name: &str, terms: &[&str]) -> ThemeRule {
    ThemeRule {
        code: code.into(),
        name: name.into(),
        terms: terms.iter().map(|t| t.to_string()).collect(),
    }
}

/// Retail's usual themes (`research/surveys.md` §4.2 item 7, after Baymard's abandonment
/// reasons and the Formbricks templates): price, shipping cost, delivery time, payment,
/// account, size and fit, quality, staff and service, queues, returns and refunds, stock,
/// cleanliness.
pub fn seed_rules() -> Vec<ThemeRule> {
    vec![
        rule(
            "price",
            "Price",
            &[
                "price",
                "expensive",
                "cheap",
                "cost",
                "overpriced",
                "pricey",
            ],
        ),
        rule(
            "shipping_cost",
            "Shipping cost",
            &[
                "shipping cost",
                "delivery charge",
                "postage",
                "shipping fee",
                "free shipping",
            ],
        ),
        rule(
            "delivery_time",
            "Delivery time",
            &[
                "delivery",
                "shipping",
                "late",
                "slow delivery",
                "arrived",
                "courier",
            ],
        ),
        rule(
            "payment",
            "Payment",
            &["payment", "card", "paypal", "checkout", "pay"],
        ),
        rule(
            "account",
            "Account and login",
            &["account", "login", "log in", "password", "sign up"],
        ),
        rule(
            "size_fit",
            "Size and fit",
            &["size", "fit", "small", "large", "tight", "loose"],
        ),
        rule(
            "quality",
            "Quality",
            &[
                "quality",
                "broke",
                "broken",
                "cheaply made",
                "faulty",
                "damaged",
                "durable",
            ],
        ),
        rule(
            "staff",
            "Staff and service",
            &[
                "staff",
                "service",
                "helpful",
                "friendly",
                "rude",
                "assistant",
                "cashier",
            ],
        ),
        rule(
            "queue",
            "Queue and waiting",
            &["queue", "wait", "waiting", "line", "busy"],
        ),
        rule(
            "returns",
            "Returns and refunds",
            &["return", "refund", "exchange", "receipt"],
        ),
        rule(
            "stock",
            "Stock availability",
            &["stock", "sold out", "available", "availability"],
        ),
        rule(
            "cleanliness",
            "Store cleanliness",
            &["clean", "dirty", "messy", "tidy"],
        ),
    ]
}

/// How many responses mention each term, over a set of responses.
#[derive(Debug, Clone, Default)]
pub struct TermCounts {
    /// Responses counted (with or without a kept word).
    pub docs: u64,
    df: HashMap<String, u64>,
    surfaces: HashMap<String, HashMap<String, u64>>,
}

/// A term in a ranking: `label` is its most written form; `df` the responses mentioning it;
/// `share_milli` their share of all counted responses in thousandths of a percent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedTerm {
    pub term: String,
    pub label: String,
    pub df: u64,
    pub share_milli: i64,
}

/// A term compared between two groups: `df_a` and `df_b` responses mention it; `z` is the
/// weighted log-odds z-score (positive: typical of group a).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contrast {
    pub term: String,
    pub label: String,
    pub df_a: u64,
    pub df_b: u64,
    pub z: f64,
}

impl TermCounts {
    /// Counts one response's terms (each once).
    pub fn add(&mut self, terms: &[Term]) {
        self.docs += 1;
        for t in terms {
            *self.df.entry(t.key.clone()).or_default() += 1;
            *self
                .surfaces
                .entry(t.key.clone())
                .or_default()
                .entry(t.surface.clone())
                .or_default() += 1;
        }
    }

    /// Counts one response's terms from [`encode_terms`]'s text (a report over a year of
    /// comments then never tokenises or stems again).
    pub fn add_encoded(&mut self, encoded: &str) {
        self.docs += 1;
        for line in encoded.split('\n') {
            let Some((key, surface)) = line.split_once('\t') else {
                continue;
            };
            match self.df.get_mut(key) {
                Some(n) => *n += 1,
                None => {
                    self.df.insert(key.to_string(), 1);
                }
            }
            let forms = match self.surfaces.get_mut(key) {
                Some(f) => f,
                None => self.surfaces.entry(key.to_string()).or_default(),
            };
            match forms.get_mut(surface) {
                Some(n) => *n += 1,
                None => {
                    forms.insert(surface.to_string(), 1);
                }
            }
        }
    }

    /// Counts one comment.
    pub fn add_text(&mut self, analyzer: &Analyzer, text: &str) {
        let terms = analyzer.terms(text);
        self.add(&terms);
    }

    /// The responses mentioning `key`.
    pub fn df(&self, key: &str) -> u64 {
        self.df.get(key).copied().unwrap_or(0)
    }

    /// The form of `key` people wrote most (ties: the alphabetically first).
    pub fn label(&self, key: &str) -> String {
        self.surfaces
            .get(key)
            .and_then(|m| {
                m.iter()
                    .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                    .map(|(s, _)| s.clone())
            })
            .unwrap_or_else(|| key.to_string())
    }

    /// The `limit` terms mentioned by the most responses, at least `min_df` each (the research
    /// suggests 3, so one person's phrase is not a theme); ties by term.
    pub fn top(&self, min_df: u64, limit: usize) -> Vec<RankedTerm> {
        let mut v: Vec<(&String, &u64)> = self.df.iter().filter(|(_, d)| **d >= min_df).collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        v.into_iter()
            .take(limit)
            .map(|(k, d)| RankedTerm {
                term: k.clone(),
                label: self.label(k),
                df: *d,
                share_milli: crate::feedback::percent_milli(*d, self.docs).unwrap_or(0),
            })
            .collect()
    }

    fn total(&self) -> u64 {
        self.df.values().sum()
    }
}

/// Terms that set group `a` apart from group `b`, by |z| descending (weighted log-odds with an
/// informative Dirichlet prior from both groups pooled, Monroe et al. 2008 eq. 16–22), among
/// terms mentioned by at least `min_df` responses in the two groups together.
pub fn compare(a: &TermCounts, b: &TermCounts, min_df: u64, limit: usize) -> Vec<Contrast> {
    let (na, nb) = (a.total() as f64, b.total() as f64);
    let n = na + nb;
    if na == 0.0 || nb == 0.0 {
        return Vec::new();
    }
    // The prior's strength: as many pseudo-mentions as the smaller group has, so the prior
    // tempers rare terms without drowning real differences.
    let alpha0 = na.min(nb);
    let keys: HashSet<&String> = a.df.keys().chain(b.df.keys()).collect();
    let mut out: Vec<Contrast> = keys
        .into_iter()
        .filter_map(|k| {
            let (ya, yb) = (a.df(k) as f64, b.df(k) as f64);
            if ((ya + yb) as u64) < min_df {
                return None;
            }
            let alpha = alpha0 * (ya + yb) / n;
            let la = ((ya + alpha) / (na + alpha0 - ya - alpha)).ln();
            let lb = ((yb + alpha) / (nb + alpha0 - yb - alpha)).ln();
            let var = 1.0 / (ya + alpha) + 1.0 / (yb + alpha);
            let z = (la - lb) / var.sqrt();
            z.is_finite().then(|| Contrast {
                term: k.clone(),
                label: if ya >= yb { a.label(k) } else { b.label(k) },
                df_a: ya as u64,
                df_b: yb as u64,
                z,
            })
        })
        .collect();
    out.sort_by(|x, y| {
        y.z.abs()
            .total_cmp(&x.z.abs())
            .then_with(|| x.term.cmp(&y.term))
    });
    out.truncate(limit);
    out
}

/// Top terms no rule covers: candidates staff accept as a theme in one click (Qualtrics'
/// "recommended topics"). A term is covered when a rule's term has the same key or the term is
/// a bigram containing one of a rule's words.
pub fn suggestions(
    analyzer: &Analyzer,
    counts: &TermCounts,
    rules: &[ThemeRule],
    min_df: u64,
    limit: usize,
) -> Vec<RankedTerm> {
    let covered: HashSet<String> = rules
        .iter()
        .flat_map(|r| r.terms.iter().map(|t| analyzer.key_of(t)))
        .collect();
    counts
        .top(min_df, usize::MAX)
        .into_iter()
        .filter(|t| !covered.contains(&t.term) && !t.term.split(' ').any(|w| covered.contains(w)))
        .take(limit)
        .collect()
}

/// A comment's terms as one text, a `key<TAB>surface` line each: what a store keeps with each
/// answer (tabs and newlines never occur in a term, which is made of words).
pub fn encode_terms(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|t| format!("{}\t{}", t.key, t.surface))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each theme's responses over a set of comments: `code → df` (for tests and headless use; the
/// store keeps the same tags per answer).
pub fn theme_counts<'t>(
    analyzer: &Analyzer,
    rules: &[ThemeRule],
    texts: impl IntoIterator<Item = &'t str>,
) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for t in texts {
        for code in themes_of(analyzer, rules, t) {
            *out.entry(code).or_default() += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_stemmed_deduplicated_and_skip_stopwords_and_numbers() {
        let a = Analyzer::english();
        let keys: Vec<String> = a
            .terms("Slow deliveries were LATE, late again! Order #10423 took 12 days.")
            .into_iter()
            .map(|t| t.key)
            .collect();
        assert!(keys.contains(&"deliveri".to_string()), "{keys:?}");
        assert!(keys.contains(&"late".to_string()));
        assert!(keys.contains(&"slow deliveri".to_string()));
        assert!(
            !keys.contains(&"deliveri late".to_string()),
            "a stopword breaks a pair"
        );
        assert_eq!(keys.iter().filter(|k| *k == "late").count(), 1);
        assert!(!keys
            .iter()
            .any(|k| k.contains("10423") || k == "the" || k == "order"));
        // "took" and "days" are kept but a number between words breaks the pair.
        assert!(!keys.iter().any(|k| k == "took day"));
        assert_eq!(a.key_of("Shipping costs"), "ship cost");
        assert!(a.terms("").is_empty());
        assert!(a.terms("!!! 123 ...").is_empty());
    }

    #[test]
    fn rules_match_by_stem_and_phrase() {
        let a = Analyzer::english();
        let rules = seed_rules();
        for r in &rules {
            r.validate().unwrap();
        }
        let t = themes_of(&a, &rules, "Shipping costs were way too high, I left.");
        assert!(t.contains(&"shipping_cost".to_string()), "{t:?}");
        let t = themes_of(&a, &rules, "The staff member was so helpful and friendly");
        assert_eq!(t, vec!["staff".to_string()]);
        assert!(themes_of(&a, &rules, "Lovely").is_empty());
        let bad = ThemeRule {
            code: "Price".into(),
            ..rules[0].clone()
        };
        assert_eq!(bad.validate().unwrap_err().field, "code");
        let bad = ThemeRule {
            terms: vec!["a b c".into()],
            ..rules[0].clone()
        };
        assert_eq!(bad.validate().unwrap_err().field, "terms[0]");
    }

    #[test]
    fn counting_is_per_response_and_groups_compare_by_log_odds() {
        let a = Analyzer::english();
        let mut det = TermCounts::default();
        let mut pro = TermCounts::default();
        for _ in 0..30 {
            det.add_text(&a, "queue was long, long long wait at the till");
            pro.add_text(&a, "friendly staff, quick till");
        }
        for _ in 0..5 {
            det.add_text(&a, "friendly staff but the queue");
        }
        assert_eq!(det.df("long"), 30, "one response counts once");
        assert_eq!(det.docs, 35);
        let top = det.top(3, 3);
        assert_eq!(top[0].term, "queue");
        assert_eq!(top[0].df, 35);
        assert_eq!(top[0].share_milli, 100_000);
        let c = compare(&det, &pro, 3, 50);
        let queue = c.iter().find(|x| x.term == "queue").unwrap();
        let staff = c.iter().find(|x| x.term == "staff").unwrap();
        let till = c.iter().find(|x| x.term == "till").unwrap();
        assert!(queue.z > 3.0, "{queue:?}");
        assert!(staff.z < -3.0, "{staff:?}");
        assert!(
            till.z.abs() < queue.z.abs(),
            "a term both groups use sets neither apart"
        );
        assert!(compare(&det, &TermCounts::default(), 3, 10).is_empty());
        let mut again = TermCounts::default();
        for _ in 0..30 {
            again.add_encoded(&encode_terms(
                &a.terms("queue was long, long long wait at the till"),
            ));
        }
        for _ in 0..5 {
            again.add_encoded(&encode_terms(&a.terms("friendly staff but the queue")));
        }
        assert_eq!(
            again.top(3, 50),
            det.top(3, 50),
            "the kept terms count as the text does"
        );
        assert_eq!(again.label("queue"), det.label("queue"));
        let s = suggestions(&a, &det, &seed_rules(), 3, 10);
        assert!(s.iter().any(|t| t.term == "long"), "{s:?}");
        assert!(!s.iter().any(|t| t.term == "queue"), "covered by a rule");
    }
}
