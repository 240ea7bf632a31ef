//! Splitting an amount across lines exactly: largest-remainder allocation and cumulative
//! proportional shares, so no cent is created or lost when a discount is spread over lines or a
//! line is refunded in several parts.

/// Splits `amount` across `weights` in proportion, rounding by the largest-remainder method.
/// The parts always sum to `amount` exactly. Ties go to the earlier line. All-zero weights give
/// everything to the first line (or nothing when there are no lines).
pub fn allocate(amount: i64, weights: &[i64]) -> Vec<i64> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let total: i128 = weights.iter().map(|w| i128::from((*w).max(0))).sum();
    if total == 0 {
        let mut out = vec![0; n];
        out[0] = amount;
        return out;
    }
    let a = i128::from(amount);
    let mut parts: Vec<i64> = Vec::with_capacity(n);
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(n);
    for (i, w) in weights.iter().enumerate() {
        let num = a * i128::from((*w).max(0));
        // Floor toward negative infinity so remainders are non-negative for negative amounts too.
        let q = num.div_euclid(total);
        parts.push(q as i64);
        remainders.push((num.rem_euclid(total), i));
    }
    let mut left = amount - parts.iter().sum::<i64>();
    remainders.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

/// The share of `total` that belongs to the first `k` of `n` units: `round(total × k / n)`.
/// Refunding units in several parts as `share(already + now) − share(already)` sums to `total`
/// exactly once all `n` units are back.
pub fn cumulative_share(total: i64, k: i64, n: i64) -> i64 {
    if n <= 0 {
        return 0;
    }
    crate::money::div_round_half_away(i128::from(total) * i128::from(k), i128::from(n)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_table() {
        let cases: &[(i64, &[i64], &[i64])] = &[
            (100, &[1, 1, 1], &[34, 33, 33]),
            (10, &[500, 300, 200], &[5, 3, 2]),
            (1, &[1, 1], &[1, 0]),
            (-100, &[1, 1, 1], &[-33, -33, -34]),
            (7, &[0, 0], &[7, 0]),
            (0, &[5, 5], &[0, 0]),
        ];
        for (amount, weights, want) in cases {
            assert_eq!(
                allocate(*amount, weights),
                want.to_vec(),
                "allocate({amount}, {weights:?})"
            );
        }
        assert!(allocate(5, &[]).is_empty());
    }

    #[test]
    fn cumulative_shares_sum_to_the_total() {
        // A 3-unit line of 1000 returned one unit at a time.
        let parts: Vec<i64> = (1..=3)
            .map(|k| cumulative_share(1000, k, 3) - cumulative_share(1000, k - 1, 3))
            .collect();
        assert_eq!(parts, vec![333, 334, 333]);
        assert_eq!(parts.iter().sum::<i64>(), 1000);
    }

    proptest::proptest! {
        #[test]
        fn parts_always_sum_exactly(amount in -1_000_000i64..1_000_000, weights in proptest::collection::vec(0i64..100_000, 1..12)) {
            let parts = allocate(amount, &weights);
            proptest::prop_assert_eq!(parts.iter().sum::<i64>(), amount);
            let total: i64 = weights.iter().sum();
            if total > 0 {
                for (p, w) in parts.iter().zip(&weights) {
                    // Each part is within one unit of its exact share.
                    let exact = amount as f64 * *w as f64 / total as f64;
                    proptest::prop_assert!((*p as f64 - exact).abs() < 1.0 + 1e-9);
                }
            }
        }

        #[test]
        fn partial_returns_never_exceed_the_line(total in 0i64..1_000_000, n in 1i64..50, splits in proptest::collection::vec(1i64..5, 1..20)) {
            let mut done = 0;
            let mut refunded = 0;
            for s in splits {
                let k = (done + s).min(n);
                refunded += cumulative_share(total, k, n) - cumulative_share(total, done, n);
                done = k;
            }
            proptest::prop_assert!(refunded <= total);
            if done == n {
                proptest::prop_assert_eq!(refunded, total);
            }
        }
    }
}
