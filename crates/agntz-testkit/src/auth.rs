//! API-key authentication (`Authorization: Bearer <key>`), two fixed tenants.

/// Tenant A's API key.
pub const TENANT_A_KEY: &str = "ar_live_test_tenant_a_00000000000000000000";
/// Tenant B's API key.
pub const TENANT_B_KEY: &str = "ar_live_test_tenant_b_00000000000000000000";
/// Tenant A's user id (`userId` / `ownerId` on the wire).
pub const TENANT_A_USER: &str = "user_ref_a";
/// Tenant B's user id.
pub const TENANT_B_USER: &str = "user_ref_b";

/// Authentication failures, with the worker's exact messages.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AuthError {
    Missing,
    Invalid,
}

impl AuthError {
    pub(crate) fn message(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing authentication",
            AuthError::Invalid => "invalid or revoked API key",
        }
    }
}

/// Resolves the tenant (user id) of a request from its `Authorization` header.
pub(crate) fn authenticate(header: Option<&[u8]>) -> Result<&'static str, AuthError> {
    let value = header.ok_or(AuthError::Missing)?;
    let rest = value.strip_prefix(b"Bearer ").ok_or(AuthError::Missing)?;
    let key = std::str::from_utf8(rest)
        .map_err(|_| AuthError::Invalid)?
        .trim();
    match key {
        TENANT_A_KEY => Ok(TENANT_A_USER),
        TENANT_B_KEY => Ok(TENANT_B_USER),
        _ => Err(AuthError::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(authenticate(None), Err(AuthError::Missing));
        assert_eq!(
            authenticate(Some(b"bearer ar_live_test_tenant_a_00000000000000000000")),
            Err(AuthError::Missing)
        );
        assert_eq!(authenticate(Some(b"Bearer nope")), Err(AuthError::Invalid));
        assert_eq!(
            authenticate(Some(
                b"Bearer   ar_live_test_tenant_b_00000000000000000000  "
            )),
            Ok(TENANT_B_USER)
        );
    }
}
