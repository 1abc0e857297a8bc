//! Static files compiled into the binary: the public pages' stylesheet and
//! the vendored API reference viewer of `/docs` (with the page that loads
//! it from this origin instead of a CDN).

use std::sync::OnceLock;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const STYLESHEET: &str = include_str!("../../assets/web/public.css");

/// The viewer, `@scalar/api-reference` 1.76.0 unchanged (see
/// `api/assets/vendor/scalar/README.md`); the version is in the path, so the
/// file may be cached for good.
const DOCS_VIEWER: &[u8] = include_bytes!("../../assets/vendor/scalar/api-reference-1.76.0.js");
pub const DOCS_VIEWER_PATH: &str = "/assets/vendor/scalar/api-reference-1.76.0.js";

/// The `/docs` page: the OpenAPI document as data (`$spec`, filled in by
/// utoipa-scalar) and the viewer from this origin. Default fonts are off:
/// they would be fetched from the viewer's own site.
pub const DOCS_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<title>$title</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
</head>
<body>
<script id="api-reference" type="application/json" data-configuration="{&quot;withDefaultFonts&quot;:false,&quot;hideClientButton&quot;:true,&quot;telemetry&quot;:false}">
$spec
</script>
<script src="/assets/vendor/scalar/api-reference-1.76.0.js"></script>
</body>
</html>
"#;

/// A year: the stylesheet's URL changes with its content, the viewer's with its version.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The stylesheet's URL, with a digest of its content so a new build's
/// stylesheet is never taken from an old cache.
pub fn stylesheet_href() -> &'static str {
    static HREF: OnceLock<String> = OnceLock::new();
    HREF.get_or_init(|| {
        let digest = Sha256::digest(STYLESHEET.as_bytes());
        format!("/assets/public.css?v={}", hex::encode(&digest[..6]))
    })
}

pub async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", STYLESHEET.as_bytes())
}

pub async fn docs_viewer() -> Response {
    asset("text/javascript; charset=utf-8", DOCS_VIEWER)
}

fn asset(content_type: &'static str, body: &'static [u8]) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_page_loads_its_viewer_from_this_origin_only() {
        assert!(DOCS_HTML.contains(&format!("src=\"{DOCS_VIEWER_PATH}\"")));
        assert!(!DOCS_HTML.contains("http"), "{DOCS_HTML}");
        assert!(DOCS_HTML.contains("$spec") && DOCS_HTML.contains("$title"));
        assert!(
            DOCS_VIEWER.len() > 1_000_000,
            "the vendored viewer is missing"
        );
    }
}
