//! The sample texts of a demo history: names, places, police stations,
//! Magistrates, complaint descriptions, and how common each category is.

use rand::rngs::StdRng;
use rand::RngExt;

/// How often each category reaches a centre (per mille); categories of a
/// custom catalogue that are not listed here get a small share.
pub(super) fn category_weight(code: &str) -> u32 {
    match code {
        "lost_documents" => 240,
        "theft_report" => 160,
        "fraud_cheating" => 120,
        "property_dispute" => 100,
        "threats_intimidation" => 80,
        "harassment" => 70,
        "domestic_violence" => 60,
        "nuisance" => 60,
        "police_misconduct" => 40,
        "other" => 70,
        _ => 30,
    }
}

pub(super) const MALE_FIRST: [&str; 14] = [
    "Abdul Wahid",
    "Muhammad Hanif",
    "Gul Muhammad",
    "Naseebullah",
    "Abdul Qadir",
    "Sher Ali",
    "Zahoor Ahmed",
    "Habibullah",
    "Faizullah",
    "Noor Ahmed",
    "Abdul Malik",
    "Jan Muhammad",
    "Asadullah",
    "Khair Bakhsh",
];
pub(super) const FEMALE_FIRST: [&str; 10] = [
    "Shazia",
    "Gul Bano",
    "Mahjabeen",
    "Naseem",
    "Fatima",
    "Rukhsana",
    "Amina",
    "Sadia",
    "Zarghuna",
    "Samina",
];
pub(super) const TRANS_NAMES: [&str; 4] = ["Nadira", "Bindiya", "Shehzadi", "Laila"];
pub(super) const FAMILY: [&str; 12] = [
    "Kakar", "Achakzai", "Baloch", "Tareen", "Mengal", "Bugti", "Rind", "Kasi", "Durrani", "Lehri",
    "Jamali", "Hazara",
];
pub(super) const AREAS: [&str; 12] = [
    "Kuchlak Bazaar",
    "Sariab Road",
    "Jinnah Road",
    "Satellite Town",
    "Pishin Stop",
    "Hazar Ganji",
    "Brewery Road",
    "Nawa Killi",
    "Samungli Road",
    "Airport Road",
    "Spinny Road",
    "Killi Kotwal",
];
pub(super) const POLICE_STATIONS: [&str; 6] = [
    "PS Kuchlak",
    "PS Saddar Quetta",
    "PS Bijli Road",
    "PS Airport Road",
    "PS Sariab",
    "PS Pishin",
];
pub(super) const MAGISTRATES: [&str; 3] = [
    "Judicial Magistrate, Quetta",
    "Magistrate Section 30, Quetta",
    "Judicial Magistrate, Pishin",
];

pub(super) fn description(rng: &mut StdRng, category: &str, area: &str) -> String {
    let text = match category {
        "lost_documents" => format!(
            "Lost my {} near {area}; need a report to apply for a duplicate.",
            pick(
                rng,
                &[
                    "CNIC",
                    "driving licence",
                    "vehicle registration book",
                    "passport",
                    "CNIC and ATM card"
                ]
            )
        ),
        "theft_report" => format!(
            "My {} was stolen near {area} {}.",
            pick(
                rng,
                &[
                    "motorcycle",
                    "mobile phone",
                    "shop lock and goods",
                    "solar panel",
                    "car battery"
                ]
            ),
            pick(
                rng,
                &[
                    "at night",
                    "in the afternoon",
                    "while I was at the mosque",
                    "from outside my house"
                ]
            )
        ),
        "fraud_cheating" => format!(
            "{} and did not return the money.",
            pick(
                rng,
                &[
                    "A dealer took an advance for a car",
                    "Someone called as a bank officer and took my card details",
                    "A man sold me a plot he did not own",
                    "An agent took money for a visa"
                ]
            )
        ),
        "property_dispute" => format!(
            "{} near {area}.",
            pick(
                rng,
                &[
                    "Neighbour has built a wall on our land",
                    "Relatives refuse to give my share of inherited land",
                    "Tenant refuses to vacate the shop",
                    "Dispute over a water channel"
                ]
            )
        ),
        "threats_intimidation" => format!(
            "Threatened by {} over {}.",
            pick(
                rng,
                &[
                    "a neighbour",
                    "a relative",
                    "unknown callers",
                    "a former business partner"
                ]
            ),
            pick(
                rng,
                &["a land matter", "a loan", "a family matter", "a shop"]
            )
        ),
        "harassment" => pick(
            rng,
            &[
                "Receiving harassing messages and calls from an unknown number.",
                "Harassed on the way to work near the bus stop.",
                "A colleague keeps harassing me at the workplace.",
            ],
        )
        .to_owned(),
        "domestic_violence" => pick(
            rng,
            &[
                "Beaten by my husband; asking for protection.",
                "In-laws beat me and threw me out of the house.",
                "My brother beats me and my mother.",
            ],
        )
        .to_owned(),
        "nuisance" => format!(
            "{} near {area}.",
            pick(
                rng,
                &[
                    "Loud generator running all night",
                    "Illegal parking blocks the street",
                    "Garbage dumped in the street",
                    "Aerial firing at weddings"
                ]
            )
        ),
        "police_misconduct" => pick(
            rng,
            &[
                "Police official demanded money to register my report.",
                "My son was detained without any record at the police station.",
                "Officials refused to record my complaint.",
            ],
        )
        .to_owned(),
        _ => format!("Request for help with a matter near {area}."),
    };
    text
}

/// One of `items`, uniformly.
pub(super) fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}
