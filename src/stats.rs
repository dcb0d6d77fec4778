//! Statistics across trials (docs/spec.md, section 7), in `f64` from the exact per-trial totals:
//! means with Student-t confidence intervals, type-7 quantiles, CVaR, the ECDF.

use rand::{RngExt, SeedableRng};
use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, StudentsT};

/// Summary of a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// 95% confidence interval of the mean (Student t with n - 1 degrees of freedom).
    pub ci95: (f64, f64),
    /// Sample standard deviation (n - 1).
    pub sd: f64,
    /// Quantiles 5, 25, 50, 75, 95 and 99 (type 7).
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean of the largest 5% of values (the worst trials of a cost).
    pub cvar95: f64,
}

/// The mean (0 for an empty sample).
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        0.0
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

/// The sample standard deviation with n - 1 (0 below two values).
pub fn sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let m = mean(x);
    let ss: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    (ss / (x.len() - 1) as f64).sqrt()
}

/// Half-width of the 95% confidence interval of the mean: t(0.975, n - 1) x sd / sqrt(n);
/// 0 below two values.
pub fn ci95_half_width(x: &[f64]) -> f64 {
    let n = x.len();
    if n < 2 {
        return 0.0;
    }
    t975(n - 1) * sd(x) / (n as f64).sqrt()
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("df >= 1")
        .inverse_cdf(0.975)
}

/// Quantile `p` of sorted values by linear interpolation between order statistics ("type 7",
/// as R's default and NumPy's `linear`).
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// Sorts a copy of the values (NaN-free by construction) in ascending order.
pub fn sorted(x: &[f64]) -> Vec<f64> {
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// Mean of the worst 5% of a cost: of the `ceil(0.05 n)` largest values.
pub fn cvar95_sorted(sorted: &[f64]) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let k = ((sorted.len() as f64) * 0.05).ceil().max(1.0) as usize;
    mean(&sorted[sorted.len() - k..])
}

/// Everything about a sample.
pub fn summarize(x: &[f64]) -> Summary {
    let s = sorted(x);
    let m = mean(x);
    let h = ci95_half_width(x);
    Summary {
        n: x.len(),
        mean: m,
        ci95: (m - h, m + h),
        sd: sd(x),
        p5: quantile_sorted(&s, 0.05),
        p25: quantile_sorted(&s, 0.25),
        p50: quantile_sorted(&s, 0.50),
        p75: quantile_sorted(&s, 0.75),
        p95: quantile_sorted(&s, 0.95),
        p99: quantile_sorted(&s, 0.99),
        min: s.first().copied().unwrap_or(0.0),
        max: s.last().copied().unwrap_or(0.0),
        cvar95: cvar95_sorted(&s),
    }
}

/// The empirical cumulative distribution: sorted values with their cumulative share.
pub fn ecdf(x: &[f64]) -> Vec<(f64, f64)> {
    let s = sorted(x);
    let n = s.len() as f64;
    s.into_iter()
        .enumerate()
        .map(|(i, v)| (v, (i + 1) as f64 / n))
        .collect()
}

/// A distribution-free 95% confidence interval of the `p` quantile from sorted values: the
/// order statistics `x(l) <= x(u)` with `l` the largest rank whose binomial chance
/// `P(Bin(n, p) < l)` is at most 2.5% and `u` the smallest with `P(Bin(n, p) < u)` at least
/// 97.5%, so that at least 95% of samples hold the quantile between them. Small samples give
/// the extremes.
pub fn quantile_ci95_sorted(sorted: &[f64], p: f64) -> (f64, f64) {
    let n = sorted.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let Ok(bin) = Binomial::new(p, n as u64) else {
        return (sorted[0], sorted[n - 1]);
    };
    // P(Bin < r) = cdf(r - 1); ranks are 1-based.
    let below = |r: u64| if r == 0 { 0.0 } else { bin.cdf(r - 1) };
    let mut l = 1u64;
    while l < n as u64 && below(l + 1) <= 0.025 {
        l += 1;
    }
    let mut u = n as u64;
    while u > 1 && below(u - 1) >= 0.975 {
        u -= 1;
    }
    (sorted[l as usize - 1], sorted[u as usize - 1])
}

/// Bootstrap resamples behind [`cvar95_ci95`].
pub const BOOTSTRAP_RESAMPLES: usize = 2000;

/// A 95% confidence interval of CVaR95 by the percentile bootstrap: [`BOOTSTRAP_RESAMPLES`]
/// resamples drawn with replacement from a stream seeded with `seed`, so the interval is the
/// same on every run.
pub fn cvar95_ci95(x: &[f64], seed: u64) -> (f64, f64) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut resample = vec![0.0; x.len()];
    // The worst ceil(5%) are found by selection, not by sorting the whole resample.
    let cut = x.len() - ((x.len() as f64) * 0.05).ceil().max(1.0) as usize;
    let mut values: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| {
            for v in resample.iter_mut() {
                *v = x[rng.random_range(0..x.len())];
            }
            resample.select_nth_unstable_by(cut, f64::total_cmp);
            mean(&resample[cut..])
        })
        .collect();
    values.sort_by(f64::total_cmp);
    (
        quantile_sorted(&values, 0.025),
        quantile_sorted(&values, 0.975),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_7_quantiles_match_numpy_linear() {
        // numpy.percentile([1, 2, 3, 4, 10], [5, 25, 50, 75, 95, 99]) =
        // [1.2, 2.0, 3.0, 4.0, 8.8, 9.76]
        let s = sorted(&[4.0, 1.0, 10.0, 3.0, 2.0]);
        let got: Vec<f64> = [0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
            .iter()
            .map(|&p| quantile_sorted(&s, p))
            .collect();
        let want = [1.2, 2.0, 3.0, 4.0, 8.8, 9.76];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?}");
        }
    }

    #[test]
    fn student_t_quantiles_are_the_tabled_values() {
        // Tables: t(0.975; 1) = 12.706, t(0.975; 9) = 2.262, t(0.975; 30) = 2.042,
        // t(0.975; 1000) = 1.962.
        for (df, t) in [(1, 12.706), (9, 2.262), (30, 2.042), (1000, 1.962)] {
            assert!((t975(df) - t).abs() < 5e-4, "df {df}: {}", t975(df));
        }
    }

    #[test]
    fn mean_sd_and_interval_of_a_small_sample() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample variance 32 / 7.
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&x), 5.0);
        assert!((sd(&x) - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        // t(0.975; 7) = 2.3646: half-width 2.3646 x 2.1381 / sqrt(8) = 1.7875.
        assert!((ci95_half_width(&x) - 1.7875).abs() < 1e-3);
    }

    #[test]
    fn cvar_is_the_mean_of_the_worst_five_percent() {
        let x: Vec<f64> = (1..=100).map(f64::from).collect();
        // The 5 largest: 96..100, mean 98.
        assert_eq!(cvar95_sorted(&x), 98.0);
        // With 10 values, ceil(0.5) = 1: the largest.
        assert_eq!(cvar95_sorted(&sorted(&[3.0, 1.0, 2.0])), 3.0);
    }

    #[test]
    fn quantile_intervals_are_the_tabled_order_statistics() {
        // The median of 100 values: P(Bin(100, 0.5) <= 39) = 0.0176 and <= 40 is 0.0284, so
        // l = 40; P(<= 59) = 0.9716 and <= 60 is 0.9824, so u = 61: x(40)..x(61), the
        // equal-tailed interval of the tables, covering P(40 <= Bin <= 60) = 0.9648.
        let x: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile_ci95_sorted(&x, 0.5), (40.0, 61.0));
        // Five values and the 90th percentile: P(Bin(5, 0.9) <= 2) = 0.00856 <= 2.5% but
        // P(<= 3) = 0.0815 is not, so the lower end is x(3); no rank reaches 97.5% above, so
        // the upper end is the largest value.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_ci95_sorted(&x, 0.9), (3.0, 5.0));
    }

    #[test]
    fn the_cvar_bootstrap_is_seeded_and_brackets_the_estimate() {
        let x: Vec<f64> = (0..400).map(|i| f64::from(i % 97)).collect();
        let (lo, hi) = cvar95_ci95(&x, 7);
        assert_eq!((lo, hi), cvar95_ci95(&x, 7));
        let est = cvar95_sorted(&sorted(&x));
        assert!(lo <= est && est <= hi, "{lo} {est} {hi}");
        // The worst 5% of a sample whose largest value is 96 never averages above 96.
        assert!(hi <= 96.0);
    }
}
