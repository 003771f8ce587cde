//! Numbers as people read them, the same everywhere: token counts grouped in thousands, context
//! windows in K and M, dollar amounts.

/// 1234567 → "1,234,567".
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// [`group`] for a count that can be negative (an exact share can be): "−1,234".
pub fn group_signed(n: i64) -> String {
    if n < 0 {
        format!("−{}", group(n.unsigned_abs()))
    } else {
        group(n.unsigned_abs())
    }
}

/// 200000 → "200K", 1000000 → "1M".
pub fn short(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}K", n / 1_000)
    } else {
        group(n)
    }
}

/// A dollar amount with as many decimals as make it readable: "$1.23", "$0.0456",
/// "$0.000123"; "$0" for nothing.
pub fn usd(dollars: f64) -> String {
    if dollars == 0.0 {
        return "$0".to_string();
    }
    let abs = dollars.abs();
    let decimals = if abs >= 1.0 {
        2
    } else {
        // Three significant digits below a dollar.
        (2 - abs.log10().floor() as i32).clamp(2, 9) as usize
    };
    format!("${dollars:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(group(999), "999");
        assert_eq!(short(200_000), "200K");
        assert_eq!(short(1_000_000), "1M");
        assert_eq!(short(1_500), "1,500");
        assert_eq!(usd(0.0), "$0");
        assert_eq!(usd(12.5), "$12.50");
        assert_eq!(usd(0.6), "$0.600");
        assert_eq!(usd(0.0456), "$0.0456");
        assert_eq!(usd(0.000_123_4), "$0.000123");
    }
}
