//! How many SMS parts a text takes. A text of the GSM 03.38 alphabet travels
//! in 7-bit septets (160 in one SMS, 153 per part when split, the rest of
//! each part carrying the concatenation header; the extension characters
//! `^{}\[~]|€` and form feed take two septets, never split across parts).
//! Anything else, Urdu among it, travels as UCS-2: 70 UTF-16 units in one SMS,
//! 67 per part (a character outside the Basic Multilingual Plane takes two
//! units, never split across parts).

/// How a text is encoded on the air.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

/// The encoding, length and number of parts of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segments {
    pub encoding: SmsEncoding,
    /// Septets (GSM-7) or UTF-16 units (UCS-2).
    pub units: usize,
    pub parts: usize,
}

const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                          ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{0C}";

/// Septets of one character in GSM-7, or `None` if it has none.
fn septets(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Counts the parts of `text`.
pub fn count(text: &str) -> Segments {
    let gsm: Option<Vec<usize>> = text.chars().map(septets).collect();
    let (encoding, widths, single, per_part) = match gsm {
        Some(widths) => (SmsEncoding::Gsm7, widths, 160, 153),
        None => (
            SmsEncoding::Ucs2,
            text.chars().map(char::len_utf16).collect(),
            70,
            67,
        ),
    };
    let units: usize = widths.iter().sum();
    // An empty text still takes one SMS.
    let parts = if units <= single {
        1
    } else {
        // Greedy packing: a character's units never straddle two parts.
        let mut parts = 1;
        let mut used = 0;
        for width in widths {
            if used + width > per_part {
                parts += 1;
                used = 0;
            }
            used += width;
        }
        parts
    };
    Segments {
        encoding,
        units,
        parts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference table: (text, encoding, units, parts).
    #[test]
    fn parts_match_the_reference_table() {
        let urdu = |n: usize| "ش".repeat(n);
        let latin = |n: usize| "a".repeat(n);
        let table: Vec<(String, SmsEncoding, usize, usize)> = vec![
            (String::new(), SmsEncoding::Gsm7, 0, 1),
            (latin(160), SmsEncoding::Gsm7, 160, 1),
            (latin(161), SmsEncoding::Gsm7, 161, 2),
            (latin(306), SmsEncoding::Gsm7, 306, 2),
            (latin(307), SmsEncoding::Gsm7, 307, 3),
            // An extension character takes two septets.
            (format!("{}€", latin(158)), SmsEncoding::Gsm7, 160, 1),
            (format!("{}€", latin(159)), SmsEncoding::Gsm7, 161, 2),
            // ...and is not split: 152 + 2 does not fit in 153.
            (
                format!("{}€{}", latin(152), latin(10)),
                SmsEncoding::Gsm7,
                164,
                2,
            ),
            (urdu(70), SmsEncoding::Ucs2, 70, 1),
            (urdu(71), SmsEncoding::Ucs2, 71, 2),
            (urdu(134), SmsEncoding::Ucs2, 134, 2),
            (urdu(135), SmsEncoding::Ucs2, 135, 3),
            (urdu(201), SmsEncoding::Ucs2, 201, 3),
            (urdu(202), SmsEncoding::Ucs2, 202, 4),
            // One Urdu letter makes the whole text UCS-2, ASCII codes included.
            (
                format!("KCH-7K3M-9PX2 {}", urdu(1)),
                SmsEncoding::Ucs2,
                15,
                1,
            ),
            // A character outside the BMP takes two units and is not split.
            (format!("{}😀", urdu(66)), SmsEncoding::Ucs2, 68, 1),
            (
                format!("{}😀{}", urdu(66), urdu(5)),
                SmsEncoding::Ucs2,
                73,
                2,
            ),
        ];
        for (text, encoding, units, parts) in table {
            assert_eq!(
                count(&text),
                Segments {
                    encoding,
                    units,
                    parts
                },
                "{text:?}"
            );
        }
    }
}
