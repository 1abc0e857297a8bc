//! The printable view of an issued document (`GET
//! /api/v1/service-requests/{id}/document`, staff): what is printed and
//! handed over, with a QR code of the public verification page's address,
//! the document's number and the short digest of its content. Anyone
//! holding the paper can scan it, or type the number and digest in, and see
//! whether it is what was issued.

use markaz_projections::IssuedDocument;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::receipt_qr::render;

/// The address the QR code carries: the verification page of `number` with
/// the content digest, on `origin`.
pub fn verification_url(origin: &str, document: &IssuedDocument) -> String {
    format!("{origin}/verify/{}?d={}", document.number, document.digest)
}

/// The whole printable page (English and Urdu side by side, as the paper
/// forms of the centres are).
pub fn print_view(document: &IssuedDocument, issues_en: &str, origin: &str) -> Markup {
    let url = verification_url(origin, document);
    let qr = render(&url).unwrap_or_default();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (document.service_name_en) " " (document.number) }
                link rel="stylesheet" href=(super::assets::stylesheet_href());
            }
            body.document {
                header {
                    h1 { (issues_en) }
                    p lang="ur" dir="rtl" { (document.service_name_ur) }
                }
                dl.document {
                    dt { "Document number" } dd { bdi dir="ltr" { (document.number) } }
                    dt { "Issued by" } dd { "Police Khidmat Markaz " (document.markaz) }
                    dt { "Date of issue" } dd { bdi dir="ltr" { (document.issued_on()) } }
                    dt { "Holder" } dd { (document.holder_name) }
                    dt { "CNIC" } dd { bdi dir="ltr" { (document.holder_cnic) } }
                }
                section.text {
                    @for line in document.text.lines() {
                        p { (line) }
                    }
                }
                figure.qr {
                    (PreEscaped(qr))
                    figcaption {
                        "Verify at " bdi dir="ltr" { (url) }
                        br;
                        "Content digest " bdi dir="ltr" { (document.digest) }
                    }
                }
            }
        }
    }
}
