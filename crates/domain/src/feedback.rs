//! Customer-feedback metrics (issue 16): NPS, CSAT, CES and the survey funnel, with the exact
//! formulas and edge cases chosen in `research/surveys.md` §2.
//!
//! - Every rate is over **answered** responses only; skipped (seen, not answered) are counted
//!   and shown beside it, never in the denominator (Formbricks' Cube measure; users filed
//!   Formbricks #2908 against counting dismissals).
//! - An empty set has no score (`None`), never 0: a dashboard says "no answers" instead of
//!   drawing a misleading number.
//! - Scores are kept in thousandths (`_milli`: NPS 42.5 is 42_500) and rounded only for display;
//!   the statistics (standard error, confidence margin, a two-sample test) are floating point:
//!   they are estimates, not money.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// The z value of a two-sided 95 % confidence interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// An NPS answer's bucket on the 0–10 scale (Bain; Qualtrics): promoter 9–10, passive 7–8,
/// detractor 0–6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NpsBucket {
    Promoter,
    Passive,
    Detractor,
}

impl NpsBucket {
    /// The bucket of a 0–10 score; `field` names it in the error for any other value.
    pub fn of(score: u8, field: &str) -> Result<NpsBucket, FieldError> {
        match score {
            9..=10 => Ok(NpsBucket::Promoter),
            7..=8 => Ok(NpsBucket::Passive),
            0..=6 => Ok(NpsBucket::Detractor),
            _ => Err(FieldError::new(
                field,
                "out_of_range",
                format!("an NPS answer is 0 to 10, not {score}"),
            )),
        }
    }
}

/// The NPS of a set of answers: `n` answered (promoters + passives + detractors), `skipped`
/// seen but not answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nps {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub skipped: u64,
}

impl Nps {
    /// Counts `answers` (`None`: skipped). A score above 10 is an error naming `answers[i]`.
    pub fn of(answers: impl IntoIterator<Item = Option<u8>>) -> Result<Nps, FieldError> {
        let mut nps = Nps::default();
        for (i, a) in answers.into_iter().enumerate() {
            match a {
                None => nps.skipped += 1,
                Some(score) => nps.add(NpsBucket::of(score, &format!("answers[{i}]"))?),
            }
        }
        Ok(nps)
    }

    /// Adds one answer of `bucket`.
    pub fn add(&mut self, bucket: NpsBucket) {
        match bucket {
            NpsBucket::Promoter => self.promoters += 1,
            NpsBucket::Passive => self.passives += 1,
            NpsBucket::Detractor => self.detractors += 1,
        }
    }

    /// Answered responses.
    pub fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// %promoters − %detractors over answered, in thousandths (−100_000..=100_000), rounded
    /// half away from zero; `None` with no answers.
    pub fn score_milli(&self) -> Option<i64> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        let diff = i128::from(self.promoters) - i128::from(self.detractors);
        Some(scaled(diff, i128::from(n), 100_000))
    }

    /// The NPS as a fraction (−1..1), for the statistics.
    fn fraction(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| (self.promoters as f64 - self.detractors as f64) / n as f64)
    }

    /// The variance of one answer on the −1..1 scale: (pP + pD) − (pP − pD)² (the `NPS`
    /// R package's `nps_var`).
    fn variance(&self) -> Option<f64> {
        let n = self.n() as f64;
        let f = self.fraction()?;
        Some((self.promoters + self.detractors) as f64 / n - f * f)
    }

    /// The half-width of the 95 % confidence interval, in NPS points (±, 0..=100 scale):
    /// 1.96 · √(Var/n) · 100. `None` with no answers.
    pub fn margin(&self) -> Option<f64> {
        let var = self.variance()?;
        Some(Z95 * (var / self.n() as f64).sqrt() * 100.0)
    }

    /// Whether this NPS differs from `other` at the 95 % level (two-sample Wald test:
    /// z = |NPS₁ − NPS₂| / √(Var₁/n₁ + Var₂/n₂)); `None` when either has no answers. Two
    /// unanimous sets (no spread to test) differ exactly when their scores do.
    pub fn differs_from(&self, other: &Nps) -> Option<bool> {
        let (a, b) = (self.fraction()?, other.fraction()?);
        let se = (self.variance()? / self.n() as f64 + other.variance()? / other.n() as f64).sqrt();
        if se == 0.0 {
            return Some(a != b);
        }
        Some((a - b).abs() / se > Z95)
    }

    /// The two sets together.
    pub fn plus(&self, other: &Nps) -> Nps {
        Nps {
            promoters: self.promoters + other.promoters,
            passives: self.passives + other.passives,
            detractors: self.detractors + other.detractors,
            skipped: self.skipped + other.skipped,
        }
    }

    /// `self` without the answers of `part` (a subset of them).
    pub fn minus(&self, part: &Nps) -> Nps {
        Nps {
            promoters: self.promoters.saturating_sub(part.promoters),
            passives: self.passives.saturating_sub(part.passives),
            detractors: self.detractors.saturating_sub(part.detractors),
            skipped: self.skipped.saturating_sub(part.skipped),
        }
    }
}

/// A theme's impact on NPS (Thematic): the NPS of everyone minus the NPS of everyone whose
/// answer does not mention the theme, in thousandths of a point. Negative: the theme pulls the
/// score down. `None` when either side has no answers.
pub fn theme_impact_milli(all: &Nps, with_theme: &Nps) -> Option<i64> {
    Some(all.score_milli()? - all.minus(with_theme).score_milli()?)
}

/// The lowest answer that counts as satisfied on a CSAT scale of 1..=`scale_max` (top-2-box on
/// 1–5, as Delighted and Formbricks; other lengths as Zencity maps them: 3→{3}, 4→{3,4},
/// 7→{5,6,7}; QuestionPro's 1–10 counts 9–10). Other lengths are an error on `scale`.
pub fn csat_satisfied_from(scale_max: u8) -> Result<u8, FieldError> {
    match scale_max {
        3 => Ok(3),
        4 => Ok(3),
        5 => Ok(4),
        7 => Ok(5),
        10 => Ok(9),
        other => Err(FieldError::new(
            "scale",
            "unsupported",
            format!("a CSAT scale is 1–3, 1–4, 1–5, 1–7 or 1–10, not 1–{other}"),
        )),
    }
}

/// CSAT over answered: `satisfied` of `n` gave an answer at or above the scale's satisfied
/// threshold; `sum` of the answers for the mean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Csat {
    pub scale_max: u8,
    pub n: u64,
    pub satisfied: u64,
    pub sum: u64,
    pub skipped: u64,
}

impl Csat {
    /// Counts `answers` on 1..=`scale_max` (`None`: skipped); an answer off the scale is an
    /// error naming `answers[i]`.
    pub fn of(
        scale_max: u8,
        answers: impl IntoIterator<Item = Option<u8>>,
    ) -> Result<Csat, FieldError> {
        let from = csat_satisfied_from(scale_max)?;
        let mut c = Csat {
            scale_max,
            ..Csat::default()
        };
        for (i, a) in answers.into_iter().enumerate() {
            match a {
                None => c.skipped += 1,
                Some(v) if (1..=scale_max).contains(&v) => {
                    c.n += 1;
                    c.sum += u64::from(v);
                    if v >= from {
                        c.satisfied += 1;
                    }
                }
                Some(v) => {
                    return Err(FieldError::new(
                        format!("answers[{i}]"),
                        "out_of_range",
                        format!("a CSAT answer on this scale is 1 to {scale_max}, not {v}"),
                    ))
                }
            }
        }
        Ok(c)
    }

    /// % satisfied over answered, in thousandths (0..=100_000); `None` with no answers.
    pub fn score_milli(&self) -> Option<i64> {
        percent_milli(self.satisfied, self.n)
    }

    /// The mean answer in thousandths (4.25 is 4_250); `None` with no answers.
    pub fn mean_milli(&self) -> Option<i64> {
        mean_milli(self.sum, self.n)
    }
}

/// A CES question's scale: its ends and which way is easy (Delighted, Nicereply: higher is
/// easier; Mopinion: 1 is "very little effort", lower is easier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CesScale {
    pub min: u8,
    pub max: u8,
    pub higher_is_easier: bool,
}

impl CesScale {
    /// A scale of at least four points (`field` names it otherwise).
    pub fn new(
        min: u8,
        max: u8,
        higher_is_easier: bool,
        field: &str,
    ) -> Result<CesScale, FieldError> {
        if max < min.saturating_add(3) {
            return Err(FieldError::new(
                field,
                "too_short",
                format!("a CES scale has at least four points, not {min}–{max}"),
            ));
        }
        Ok(CesScale {
            min,
            max,
            higher_is_easier,
        })
    }

    /// Whether `v` is one of the two easiest answers (top-2-box).
    pub fn easy(&self, v: u8) -> bool {
        if self.higher_is_easier {
            v.saturating_add(1) >= self.max
        } else {
            v <= self.min.saturating_add(1)
        }
    }

    /// Whether `v` is one of the two hardest answers.
    pub fn hard(&self, v: u8) -> bool {
        if self.higher_is_easier {
            v <= self.min.saturating_add(1)
        } else {
            v.saturating_add(1) >= self.max
        }
    }
}

/// CES over answered: the raw mean, % easy (top-2-box) and NES (Mopinion: easy − hard over n,
/// −100..100), all on the question's own scale and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ces {
    pub scale: CesScale,
    pub n: u64,
    pub easy: u64,
    pub hard: u64,
    pub sum: u64,
    pub skipped: u64,
}

impl Ces {
    /// Counts `answers` on `scale` (`None`: skipped); an answer off the scale is an error.
    pub fn of(
        scale: CesScale,
        answers: impl IntoIterator<Item = Option<u8>>,
    ) -> Result<Ces, FieldError> {
        let mut c = Ces {
            scale,
            n: 0,
            easy: 0,
            hard: 0,
            sum: 0,
            skipped: 0,
        };
        for (i, a) in answers.into_iter().enumerate() {
            match a {
                None => c.skipped += 1,
                Some(v) if (scale.min..=scale.max).contains(&v) => {
                    c.n += 1;
                    c.sum += u64::from(v);
                    c.easy += u64::from(scale.easy(v));
                    c.hard += u64::from(scale.hard(v));
                }
                Some(v) => {
                    return Err(FieldError::new(
                        format!("answers[{i}]"),
                        "out_of_range",
                        format!("a CES answer is {} to {}, not {v}", scale.min, scale.max),
                    ))
                }
            }
        }
        Ok(c)
    }

    /// The mean answer in thousandths, on the question's own scale; `None` with no answers.
    pub fn mean_milli(&self) -> Option<i64> {
        mean_milli(self.sum, self.n)
    }

    /// % easy (top-2-box) in thousandths; `None` with no answers.
    pub fn easy_milli(&self) -> Option<i64> {
        percent_milli(self.easy, self.n)
    }

    /// NES: (easy − hard) / n × 100 in thousandths (−100_000..=100_000); `None` with no answers.
    pub fn nes_milli(&self) -> Option<i64> {
        if self.n == 0 {
            return None;
        }
        let diff = i128::from(self.easy) - i128::from(self.hard);
        Some(scaled(diff, i128::from(self.n), 100_000))
    }
}

/// A survey's funnel (Formbricks' summary): `displays` (impressions), `started` (a response
/// with at least one answer), `finished`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funnel {
    pub displays: u64,
    pub started: u64,
    pub finished: u64,
}

impl Funnel {
    /// started / displays, in thousandths of a percent; `None` without displays.
    pub fn start_rate_milli(&self) -> Option<i64> {
        percent_milli(self.started, self.displays)
    }

    /// finished / displays, in thousandths of a percent; `None` without displays.
    pub fn completion_rate_milli(&self) -> Option<i64> {
        percent_milli(self.finished, self.displays)
    }

    /// (started − finished) / started, in thousandths of a percent; `None` when none started.
    pub fn drop_off_milli(&self) -> Option<i64> {
        percent_milli(self.started.saturating_sub(self.finished), self.started)
    }
}

/// A score kept in thousandths as people read it, one decimal rounded half away from zero
/// (`-66_667` is `-66.7`); `—` when there is none (no answers), never `0.0`.
pub fn format_milli(v: Option<i64>) -> String {
    match v {
        None => "—".into(),
        Some(m) => {
            let sign = if m < 0 { "-" } else { "" };
            let tenths = (m.unsigned_abs() + 50) / 100;
            format!("{sign}{}.{}", tenths / 10, tenths % 10)
        }
    }
}

/// `part / whole × 100` in thousandths, rounded half away from zero; `None` when `whole` is 0.
pub fn percent_milli(part: u64, whole: u64) -> Option<i64> {
    (whole > 0).then(|| scaled(i128::from(part), i128::from(whole), 100_000))
}

/// `sum / n` in thousandths, rounded half away from zero; `None` when `n` is 0.
fn mean_milli(sum: u64, n: u64) -> Option<i64> {
    (n > 0).then(|| scaled(i128::from(sum), i128::from(n), 1000))
}

/// `num × by / den` rounded half away from zero (`den` > 0), clamped to `i64`.
fn scaled(num: i128, den: i128, by: i128) -> i64 {
    let q = crate::money::div_round_half_away(num.saturating_mul(by), den);
    i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nps(scores: &[u8]) -> Nps {
        Nps::of(scores.iter().map(|s| Some(*s))).unwrap()
    }

    #[test]
    fn nps_counts_answered_only_and_says_nothing_when_none_answered() {
        // 10, 9 promoters; 8, 7 passives; 6, 0 detractors; two skipped.
        let n = Nps::of([
            Some(10),
            Some(9),
            Some(8),
            Some(7),
            Some(6),
            Some(0),
            None,
            None,
        ])
        .unwrap();
        assert_eq!(
            (n.promoters, n.passives, n.detractors, n.skipped),
            (2, 2, 2, 2)
        );
        assert_eq!(n.score_milli(), Some(0));
        assert_eq!(Nps::of([None, None]).unwrap().score_milli(), None);
        assert_eq!(Nps::default().margin(), None);
        // One response: +100 or −100, and a margin of 0 (no spread in one answer).
        assert_eq!(nps(&[10]).score_milli(), Some(100_000));
        assert_eq!(nps(&[3]).score_milli(), Some(-100_000));
        assert_eq!(nps(&[10]).margin(), Some(0.0));
        // 2 promoters, 1 detractor of 3: 33.333… → 33_333.
        assert_eq!(nps(&[9, 10, 2]).score_milli(), Some(33_333));
        assert_eq!(nps(&[9, 1, 2]).score_milli(), Some(-33_333));
        let err = Nps::of([Some(5), Some(11)]).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.code.as_str()),
            ("answers[1]", "out_of_range")
        );
    }

    #[test]
    fn nps_margin_and_test_match_the_r_package() {
        // pP = 0.5, pD = 0.2, n = 100: Var = 0.7 − 0.09 = 0.61; SE = 0.0781; ±15.31 points.
        let mut scores = vec![10u8; 50];
        scores.extend([8u8; 30]);
        scores.extend([3u8; 20]);
        let a = nps(&scores);
        assert_eq!(a.score_milli(), Some(30_000));
        let m = a.margin().unwrap();
        assert!((m - 15.308).abs() < 0.01, "{m}");
        // 30 vs 10 at n = 100 each: z = 0.2 / √(0.0061 + 0.0069) = 1.75 → not significant;
        // 30 vs 0: z = 0.3 / √(0.0061 + 0.0060) = 2.73 → significant.
        let mut b = vec![10u8; 40];
        b.extend([8u8; 30]);
        b.extend([3u8; 30]);
        assert_eq!(nps(&b).score_milli(), Some(10_000));
        assert_eq!(a.differs_from(&nps(&b)), Some(false));
        let mut c = vec![10u8; 30];
        c.extend([8u8; 40]);
        c.extend([3u8; 30]);
        assert_eq!(nps(&c).score_milli(), Some(0));
        assert_eq!(a.differs_from(&nps(&c)), Some(true));
        assert_eq!(a.differs_from(&Nps::default()), None);
    }

    #[test]
    fn theme_impact_is_the_score_without_the_theme_subtracted() {
        // All: 3 promoters, 3 detractors (NPS 0). The theme's answers: 3 detractors. Without
        // them: 3 promoters (NPS 100). Impact = 0 − 100 = −100 points.
        let all = nps(&[10, 10, 9, 1, 2, 3]);
        let theme = nps(&[1, 2, 3]);
        assert_eq!(theme_impact_milli(&all, &theme), Some(-100_000));
        // A theme everyone mentions leaves nobody without it: no impact to compute.
        assert_eq!(theme_impact_milli(&all, &all), None);
        assert_eq!(all.minus(&theme).plus(&theme), all);
    }

    #[test]
    fn csat_is_top_box_over_answered_by_scale_length() {
        let c = Csat::of(5, [Some(5), Some(4), Some(3), Some(1), None]).unwrap();
        assert_eq!((c.n, c.satisfied, c.skipped), (4, 2, 1));
        assert_eq!(c.score_milli(), Some(50_000));
        assert_eq!(c.mean_milli(), Some(3_250));
        assert_eq!(Csat::of(5, [None]).unwrap().score_milli(), None);
        // 1–7: 5, 6, 7 count; 1–10: 9 and 10.
        assert_eq!(Csat::of(7, [Some(5), Some(4)]).unwrap().satisfied, 1);
        assert_eq!(Csat::of(10, [Some(9), Some(8)]).unwrap().satisfied, 1);
        assert_eq!(Csat::of(5, [Some(6)]).unwrap_err().field, "answers[0]");
        assert_eq!(Csat::of(6, [Some(1)]).unwrap_err().field, "scale");
    }

    #[test]
    fn ces_keeps_its_direction() {
        // 1–7, higher is easier (Nicereply): 6 and 7 easy, 1 and 2 hard.
        let up = CesScale::new(1, 7, true, "scale").unwrap();
        let c = Ces::of(up, [Some(7), Some(6), Some(4), Some(1), None]).unwrap();
        assert_eq!((c.n, c.easy, c.hard, c.skipped), (4, 2, 1, 1));
        assert_eq!(c.mean_milli(), Some(4_500));
        assert_eq!(c.easy_milli(), Some(50_000));
        assert_eq!(c.nes_milli(), Some(25_000));
        // 1–5, lower is easier (Mopinion): 1 and 2 easy.
        let down = CesScale::new(1, 5, false, "scale").unwrap();
        let c = Ces::of(down, [Some(1), Some(2), Some(5)]).unwrap();
        assert_eq!((c.easy, c.hard), (2, 1));
        assert_eq!(Ces::of(down, []).unwrap().nes_milli(), None);
        assert!(CesScale::new(1, 3, true, "scale").is_err());
        assert_eq!(Ces::of(down, [Some(0)]).unwrap_err().code, "out_of_range");
    }

    #[test]
    fn the_funnel_divides_by_what_it_says() {
        let f = Funnel {
            displays: 200,
            started: 30,
            finished: 24,
        };
        assert_eq!(f.start_rate_milli(), Some(15_000));
        assert_eq!(f.completion_rate_milli(), Some(12_000));
        assert_eq!(f.drop_off_milli(), Some(20_000));
        assert_eq!(Funnel::default().start_rate_milli(), None);
        assert_eq!(Funnel::default().drop_off_milli(), None);
    }
}
