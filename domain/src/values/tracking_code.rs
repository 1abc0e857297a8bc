//! The code citizens use to follow their complaint.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{MarkazCode, ValueError};

/// Crockford base32: no I, L, O or U, so a code read aloud or copied by hand
/// has no look-alike symbols.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const DATA_SYMBOLS: usize = 12;
const DATA_BITS: u32 = 60;

/// A complaint's public tracking code, e.g. `KCH-7K3M-9PX2-4QRT-B`.
///
/// Layout: `PPP-XXXX-XXXX-XXXX-C`.
/// * `PPP` is the first three characters of the markaz code.
/// * The twelve `X` are Crockford base32 symbols (alphabet
///   `0123456789ABCDEFGHJKMNPQRSTVWXYZ`) carrying exactly 60 random bits, most
///   significant first, so codes can neither be guessed nor enumerated.
/// * `C` is a check symbol in the same alphabet, computed with the Luhn mod N
///   algorithm (N = 32) over the twelve data symbols. It detects every
///   single-symbol substitution and most swaps of adjacent symbols.
///
/// Parsing is lenient the way Crockford intends for the thirteen symbols
/// after the prefix: case-insensitive, `O` reads as `0`, `I` and `L` as `1`,
/// spaces and dashes are ignored. The prefix is only upper-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrackingCode(String);

impl TrackingCode {
    /// The code for markaz `prefix` carrying the low 60 bits of `random`.
    /// The caller supplies the randomness: the domain has none.
    pub fn from_random(prefix: &MarkazCode, random: u64) -> Self {
        let bits = random & ((1u64 << DATA_BITS) - 1);
        let mut values = [0u8; DATA_SYMBOLS];
        for (index, value) in values.iter_mut().enumerate() {
            let shift = 5 * (DATA_SYMBOLS - 1 - index);
            *value = ((bits >> shift) & 0x1f) as u8;
        }
        TrackingCode(format_code(prefix.tracking_prefix(), &values))
    }

    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let compact: Vec<char> = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let expected = "expected a code like KCH-7K3M-9PX2-4QRT-B";
        if compact.len() != 3 + DATA_SYMBOLS + 1 {
            return Err(ValueError::new(
                "tracking_code",
                format!("`{}` has the wrong length: {expected}", input.trim()),
            ));
        }
        let prefix: String = compact[..3]
            .iter()
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let prefix_ok = prefix
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_uppercase())
            && prefix
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !prefix_ok {
            return Err(ValueError::new(
                "tracking_code",
                format!("`{prefix}` is not a markaz prefix: {expected}"),
            ));
        }
        let mut values = Vec::with_capacity(DATA_SYMBOLS + 1);
        for &symbol in &compact[3..] {
            let value = symbol_value(symbol).ok_or_else(|| {
                ValueError::new(
                    "tracking_code",
                    format!("`{symbol}` cannot appear in a tracking code: {expected}"),
                )
            })?;
            values.push(value);
        }
        let (data, check) = values.split_at(DATA_SYMBOLS);
        if check_value(data) != check[0] {
            return Err(ValueError::new(
                "tracking_code",
                "tracking code has a typo: its check character does not match",
            ));
        }
        Ok(TrackingCode(format_code(&prefix, data)))
    }

    /// A code read back from the event log, taken as it was stored (see
    /// `crate::codec`): decoding never re-applies today's rules.
    pub fn from_stored(stored: String) -> Self {
        TrackingCode(stored)
    }

    /// The canonical grouped upper-case form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The three-character markaz prefix.
    pub fn prefix(&self) -> &str {
        self.0.get(..3).unwrap_or(&self.0)
    }

    /// The 60 random bits the code carries.
    pub fn random_bits(&self) -> u64 {
        self.0
            .get(4..)
            .unwrap_or_default()
            .bytes()
            .filter(|&b| b != b'-')
            .take(DATA_SYMBOLS)
            .fold(0u64, |bits, symbol| {
                let value = symbol_value(char::from(symbol)).unwrap_or(0);
                (bits << 5) | u64::from(value)
            })
    }
}

/// The value (0..32) of a symbol, applying Crockford's reading rules.
fn symbol_value(symbol: char) -> Option<u8> {
    let upper = match symbol.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == upper)
        .map(|p| p as u8)
}

/// Luhn mod N (N = 32) check value of the data symbols.
fn check_value(data: &[u8]) -> u8 {
    const N: u32 = 32;
    let mut factor = 2;
    let mut sum = 0;
    for &value in data.iter().rev() {
        let addend = factor * u32::from(value);
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / N + addend % N;
    }
    ((N - sum % N) % N) as u8
}

fn format_code(prefix: &str, data: &[u8]) -> String {
    let symbol = |value: u8| char::from(ALPHABET[usize::from(value)]);
    let mut code = String::with_capacity(20);
    code.push_str(prefix);
    for group in data.chunks(4) {
        code.push('-');
        code.extend(group.iter().map(|&v| symbol(v)));
    }
    code.push('-');
    code.push(symbol(check_value(data)));
    code
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TrackingCode {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, ValueError> {
        TrackingCode::parse(&value)
    }
}

impl From<TrackingCode> for String {
    fn from(value: TrackingCode) -> String {
        value.0
    }
}

impl std::str::FromStr for TrackingCode {
    type Err = ValueError;
    fn from_str(value: &str) -> Result<Self, ValueError> {
        TrackingCode::parse(value)
    }
}
