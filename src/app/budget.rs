//! `BudgetView`: what the budget bar shows, derived from a count and a limit. The ratio handed
//! to the gauge is always finite and within 0..=1; an over-budget count is shown as "over by
//! N", never as a clipped bar.

/// How full the bar is, in the colours it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Under 75 %.
    Ok,
    /// 75 % up to 90 %.
    Warn,
    /// 90 % up to and including 100 %.
    Danger,
    /// Above the limit.
    Over,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetView {
    pub used: u64,
    pub limit: u64,
    /// For the gauge: finite, 0..=1.
    pub ratio: f64,
    pub level: Level,
    /// Tokens above the limit (0 when within it).
    pub over_by: u64,
}

impl BudgetView {
    pub fn new(used: u64, limit: u64) -> Self {
        let exact = if limit == 0 {
            if used == 0 { 0.0 } else { f64::INFINITY }
        } else {
            used as f64 / limit as f64
        };
        let level = if used > limit {
            Level::Over
        } else if exact >= 0.9 {
            Level::Danger
        } else if exact >= 0.75 {
            Level::Warn
        } else {
            Level::Ok
        };
        let ratio = if exact.is_finite() {
            exact.clamp(0.0, 1.0)
        } else {
            1.0
        };
        BudgetView {
            used,
            limit,
            ratio,
            level,
            over_by: used.saturating_sub(limit),
        }
    }

    /// Whole percent, for the label (may exceed 100).
    pub fn percent(&self) -> u64 {
        if self.limit == 0 {
            return if self.used == 0 { 0 } else { 100 };
        }
        ((self.used as u128 * 100) / self.limit as u128).min(u64::MAX as u128) as u64
    }

    /// The bar's label: "1,234 / 2,000 (61 %)" or "over by 34".
    pub fn label(&self) -> String {
        if self.level == Level::Over {
            format!("over by {}", group(self.over_by))
        } else {
            format!(
                "{} / {} ({} %)",
                group(self.used),
                group(self.limit),
                self.percent()
            )
        }
    }
}

pub use crate::numbers::{group, short};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_turn_at_75_and_90_percent_and_over() {
        assert_eq!(BudgetView::new(749, 1000).level, Level::Ok);
        assert_eq!(BudgetView::new(750, 1000).level, Level::Warn);
        assert_eq!(BudgetView::new(899, 1000).level, Level::Warn);
        assert_eq!(BudgetView::new(900, 1000).level, Level::Danger);
        assert_eq!(BudgetView::new(1000, 1000).level, Level::Danger);
        let over = BudgetView::new(1034, 1000);
        assert_eq!(over.level, Level::Over);
        assert_eq!(over.over_by, 34);
        assert_eq!(over.ratio, 1.0);
        assert_eq!(over.label(), "over by 34");
    }

    #[test]
    fn a_zero_budget_never_divides_by_zero() {
        let v = BudgetView::new(5, 0);
        assert_eq!(v.ratio, 1.0);
        assert_eq!(v.level, Level::Over);
        assert_eq!(BudgetView::new(0, 0).ratio, 0.0);
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(group(0), "0");
        assert_eq!(group(1234), "1,234");
        assert_eq!(group(1_000_000), "1,000,000");
        assert_eq!(short(200_000), "200K");
        assert_eq!(short(1_000_000), "1M");
    }
}
