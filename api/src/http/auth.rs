//! Bearer-token authentication and role permissions.
//!
//! `Authorized<P>` extracts the officer behind `Authorization: Bearer <token>`
//! and checks that their role has permission `P`: a missing or unknown token
//! is 401, a known token whose role lacks the permission is 403. It runs
//! before the body is read, so a caller who may not act learns nothing about
//! whether their body was valid. Which *cases* a caller may see is decided
//! later, per case, in `privacy`.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use markaz_domain::Role;

use super::problem::Problem;
use super::state::AppState;
use crate::officers::Principal;

/// Something a role may or may not do.
pub trait Permission: Send + Sync + 'static {
    /// For 403 messages: "... may not <WHAT>".
    const WHAT: &'static str;
    fn allows(role: Role) -> bool;
}

macro_rules! permission {
    ($(#[$doc:meta])* $name:ident, $what:literal, [$($role:ident),+]) => {
        $(#[$doc])*
        pub struct $name;
        impl Permission for $name {
            const WHAT: &'static str = $what;
            fn allows(role: Role) -> bool {
                matches!(role, $(Role::$role)|+)
            }
        }
    };
}

permission!(
    /// File new complaints.
    FileComplaints, "file complaints", [Desk, GenderDesk, Supervisor]);
permission!(
    /// Acknowledge, refer, resolve, reopen and withdraw complaints.
    ActOnComplaints, "act on complaints", [Desk, GenderDesk, Supervisor]);
permission!(
    /// Reprint a citizen's receipt, with the full tracking code.
    ReprintReceipts, "reprint receipts", [Desk, GenderDesk, Supervisor]);
permission!(
    /// Read complaints, their timelines and the live event feed.
    ReadComplaints, "read complaints", [Desk, GenderDesk, Supervisor, Auditor]);
permission!(
    /// Read the gender-desk queue.
    ReadGenderDeskQueue, "read the gender-desk queue", [GenderDesk, Supervisor, Auditor]);
permission!(
    /// Read performance figures.
    ReadPerformance, "read performance figures", [Supervisor, Auditor]);
permission!(
    /// Take service requests at the counter.
    RequestServices, "take service requests", [Desk, GenderDesk, Supervisor]);
permission!(
    /// Verify, issue, refuse, withdraw and reissue service requests.
    ActOnServiceRequests, "act on service requests", [Desk, GenderDesk, Supervisor]);
permission!(
    /// Read service requests, their timelines and documents.
    ReadServiceRequests, "read service requests", [Desk, GenderDesk, Supervisor, Auditor]);
permission!(
    /// Register, list and revoke officers.
    ManageOfficers, "manage officers", [Admin]);
permission!(
    /// Audit history: past states, verification, export.
    Audit, "audit the event log", [Auditor]);

/// An authenticated officer whose role has permission `P`.
pub struct Authorized<P> {
    pub principal: Principal,
    permission: PhantomData<P>,
}

/// 401 with the `WWW-Authenticate` challenge RFC 6750 asks for.
pub struct Unauthenticated;

impl IntoResponse for Unauthenticated {
    fn into_response(self) -> Response {
        let mut response = Problem::unauthorized().into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"markaz\""),
        );
        response
    }
}

/// The token of an `Authorization: Bearer` header, if well formed.
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl<P: Permission> FromRequestParts<AppState> for Authorized<P> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let token = bearer_token(parts).ok_or_else(|| Unauthenticated.into_response())?;
        let principal = state
            .officers
            .authenticate(token)
            .await
            .map_err(|error| Problem::internal(&error).into_response())?
            .ok_or_else(|| Unauthenticated.into_response())?;
        tracing::Span::current().record("officer", tracing::field::display(principal.officer_id));
        if !P::allows(principal.role) {
            return Err(Problem::forbidden(format!(
                "the {} role may not {}",
                principal.role,
                P::WHAT
            ))
            .into_response());
        }
        Ok(Authorized {
            principal,
            permission: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_table_of_the_contract() {
        use Role::*;
        type Allows = fn(Role) -> bool;
        let table: [(Allows, &[Role]); 7] = [
            (FileComplaints::allows, &[Desk, GenderDesk, Supervisor]),
            (ActOnComplaints::allows, &[Desk, GenderDesk, Supervisor]),
            (
                ReadComplaints::allows,
                &[Desk, GenderDesk, Supervisor, Auditor],
            ),
            (
                ReadGenderDeskQueue::allows,
                &[GenderDesk, Supervisor, Auditor],
            ),
            (ReadPerformance::allows, &[Supervisor, Auditor]),
            (ManageOfficers::allows, &[Admin]),
            (Audit::allows, &[Auditor]),
        ];
        for (allows, expected) in table {
            for role in Role::ALL {
                assert_eq!(allows(role), expected.contains(&role), "{role}");
            }
        }
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_token_required() {
        let parts = |value: &str| {
            let request = axum::http::Request::builder()
                .header(header::AUTHORIZATION, value)
                .body(())
                .unwrap();
            request.into_parts().0
        };
        assert_eq!(bearer_token(&parts("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&parts("bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&parts("Basic abc")), None);
        assert_eq!(bearer_token(&parts("Bearer ")), None);
    }
}
