//! Value types: the accepted input forms, the normal form and the rejections.

use markaz_domain::{Cnic, MarkazCode, Phone, TrackingCode};
use proptest::prelude::*;

const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#[test]
fn phone_accepts_every_written_form() {
    for input in [
        "0300 1234567",
        "0300-1234567",
        "03001234567",
        "+92 300 1234567",
        "+923001234567",
        "0092 300 1234567",
        "00923001234567",
        "923001234567",
        "  +92-300-1234567 ",
    ] {
        let phone = Phone::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(phone.as_str(), "+923001234567", "{input}");
    }
}

#[test]
fn phone_rejects_non_mobile_numbers() {
    for input in [
        "",
        "0300123456",
        "030012345678",
        "0213456789",
        "+92 21 34567890",
        "+44 7700 900123",
        "0300 123456x",
        "3001234567",
        "٠٣٠٠١٢٣٤٥٦٧",
    ] {
        let error = Phone::parse(input).unwrap_err();
        assert_eq!(error.field(), "phone");
        assert!(error.to_string().contains("03XXXXXXXXX"), "{error}");
    }
}

#[test]
fn phone_masks_all_but_network_and_last_three() {
    let phone = Phone::parse("0321 7654321").unwrap();
    assert_eq!(phone.masked(), "+92 321 ****321");
    let json = serde_json::to_string(&phone).unwrap();
    assert_eq!(json, "\"+923217654321\"");
    assert_eq!(
        serde_json::from_str::<Phone>("\"03217654321\"").unwrap(),
        phone
    );
    assert!(serde_json::from_str::<Phone>("\"12345\"").is_err());
}

#[test]
fn cnic_with_or_without_dashes() {
    let plain = Cnic::parse("5440012345671").unwrap();
    let dashed = Cnic::parse("54400-1234567-1").unwrap();
    assert_eq!(plain, dashed);
    assert_eq!(plain.digits(), "5440012345671");
    assert_eq!(plain.to_string(), "54400-1234567-1");
    assert_eq!(plain.masked(), "54400-*******-1");
    assert_eq!(
        serde_json::to_string(&plain).unwrap(),
        "\"54400-1234567-1\""
    );
}

#[test]
fn cnic_rejects_misplaced_dashes_and_wrong_lengths() {
    for input in [
        "544001234567",
        "54400123456712",
        "5440-01234567-1",
        "54400-12345671",
        "54400_1234567_1",
        "5440012345a71",
        "54400-1234567-",
        "ab€de-1234567-1",
    ] {
        assert!(Cnic::parse(input).is_err(), "{input}");
    }
}

fn kch() -> MarkazCode {
    MarkazCode::parse("KCH").unwrap()
}

#[test]
fn tracking_code_has_the_documented_shape() {
    let code = TrackingCode::from_random(&kch(), 0x0FED_CBA9_8765_4321);
    let text = code.as_str();
    assert_eq!(text.len(), 20);
    let groups: Vec<&str> = text.split('-').collect();
    assert_eq!(
        groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
        [3, 4, 4, 4, 1]
    );
    assert_eq!(groups[0], "KCH");
    assert!(text[4..].chars().all(|c| c == '-' || ALPHABET.contains(c)));
    assert_eq!(TrackingCode::parse(text).unwrap(), code);
    let long_markaz = MarkazCode::parse("QTAKCH").unwrap();
    assert_eq!(TrackingCode::from_random(&long_markaz, 1).prefix(), "QTA");
}

#[test]
fn tracking_code_carries_exactly_sixty_bits() {
    let all_ones = TrackingCode::from_random(&kch(), u64::MAX);
    assert_eq!(all_ones.random_bits(), (1 << 60) - 1);
    // The top four bits of the supplied randomness are not used.
    assert_eq!(all_ones, TrackingCode::from_random(&kch(), (1 << 60) - 1));
    for bit in 0..60 {
        let code = TrackingCode::from_random(&kch(), 1 << bit);
        assert_eq!(code.random_bits(), 1 << bit);
        assert_ne!(
            code,
            TrackingCode::from_random(&kch(), 0),
            "bit {bit} is lost"
        );
    }
}

#[test]
fn tracking_code_parse_is_lenient_like_crockford() {
    let code = TrackingCode::from_random(&kch(), 0x0123_4567_89AB_CDEF);
    let canonical = code.as_str().to_owned();
    let lower = canonical.to_lowercase();
    assert_eq!(TrackingCode::parse(&lower).unwrap(), code);
    let spaced = canonical.replace('-', " ");
    assert_eq!(TrackingCode::parse(&spaced).unwrap(), code);
    let squashed = canonical.replace('-', "");
    assert_eq!(TrackingCode::parse(&squashed).unwrap(), code);
    // O reads as 0, I and L as 1.
    let zeros = TrackingCode::from_random(&kch(), 0);
    let with_letters = zeros.as_str()[..4].to_owned()
        + &zeros.as_str()[4..].replace('0', "o").replacen('o', "O", 1);
    assert_eq!(TrackingCode::parse(&with_letters).unwrap(), zeros);
    // Every data symbol has the value 1.
    let ones_bits = (0..12).fold(0u64, |bits, _| (bits << 5) | 1);
    let ones = TrackingCode::from_random(&kch(), ones_bits);
    assert_eq!(&ones.as_str()[4..18], "1111-1111-1111");
    let text = ones.as_str();
    let with_l = text[..4].to_owned() + &text[4..18].replace('1', "l") + &text[18..];
    assert_eq!(TrackingCode::parse(&with_l).unwrap(), ones);
    let with_i = text[..4].to_owned() + &text[4..18].replace('1', "I") + &text[18..];
    assert_eq!(TrackingCode::parse(&with_i).unwrap(), ones);
}

#[test]
fn tracking_code_prefix_is_only_upper_cased() {
    let code = TrackingCode::from_random(&MarkazCode::parse("QTO").unwrap(), 42);
    let lower = code.as_str().to_lowercase();
    assert_eq!(TrackingCode::parse(&lower).unwrap(), code);
    // An O in the prefix stays an O: the leniency is for the symbols only.
    assert_eq!(code.prefix(), "QTO");
}

#[test]
fn tracking_code_rejects_wrong_shapes() {
    for input in [
        "",
        "KCH",
        "KCH-7K3M-9PX2-4QRT",
        "KCH-7K3M-9PX2-4QRT-BB-C",
        "1CH-0000-0000-0000-0",
        "KCH-0000-0000-000U-0",
    ] {
        assert!(TrackingCode::parse(input).is_err(), "{input}");
    }
}

/// Positions of the 13 symbols after the prefix in the canonical form.
fn symbol_positions() -> Vec<usize> {
    (4..20).filter(|i| ![8, 13, 18].contains(i)).collect()
}

proptest! {
    #[test]
    fn check_symbol_catches_every_single_substitution(random in any::<u64>()) {
        let code = TrackingCode::from_random(&kch(), random);
        let original: Vec<char> = code.as_str().chars().collect();
        for position in symbol_positions() {
            for replacement in ALPHABET.chars().filter(|&c| c != original[position]) {
                let mut typo = original.clone();
                typo[position] = replacement;
                let typo: String = typo.into_iter().collect();
                let error = TrackingCode::parse(&typo).unwrap_err();
                prop_assert!(
                    error.to_string().contains("tracking code has a typo: its check character does not match"),
                    "{} -> {}: {}", code, typo, error
                );
            }
        }
    }

    #[test]
    fn check_symbol_catches_most_adjacent_swaps(random in any::<u64>()) {
        let code = TrackingCode::from_random(&kch(), random);
        let original: Vec<char> = code.as_str().chars().collect();
        let data: Vec<usize> = symbol_positions().into_iter().take(12).collect();
        for pair in data.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if original[a] == original[b] {
                continue;
            }
            let mut swapped = original.clone();
            swapped.swap(a, b);
            let swapped: String = swapped.into_iter().collect();
            // Luhn mod 32 misses exactly one adjacent swap: values 0 and 31
            // ('0' and 'Z'), whose weighted sums are congruent either way round.
            if let Ok(parsed) = TrackingCode::parse(&swapped) {
                let mut pair = [original[a], original[b]];
                pair.sort_unstable();
                prop_assert_eq!(pair, ['0', 'Z'], "swap in {} went undetected as {}", code, parsed);
            }
        }
    }

    #[test]
    fn tracking_code_round_trips(random in any::<u64>()) {
        let code = TrackingCode::from_random(&kch(), random);
        prop_assert_eq!(code.random_bits(), random & ((1 << 60) - 1));
        prop_assert_eq!(TrackingCode::parse(code.as_str()).unwrap(), code.clone());
        let json = serde_json::to_string(&code).unwrap();
        prop_assert_eq!(serde_json::from_str::<TrackingCode>(&json).unwrap(), code);
    }
}
