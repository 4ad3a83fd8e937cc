//! Users of the local user pool for the benchmarks: signed up, confirmed as an operator would, and
//! signed in, as many at once as MiniStack takes comfortably.

use futures_util::{StreamExt, TryStreamExt};

use crate::cognito::{self, CognitoError, UserPool};

/// Every benchmark user's password.
pub const PASSWORD: &str = "Bench-passw0rd";
/// Sign-ups in flight at once.
const CONCURRENT_SIGN_UPS: usize = 4;

/// Signs each of `usernames` up and in: their access tokens, in the same order.
pub async fn sign_up_users(
    cognito: &aws_sdk_cognitoidentityprovider::Client,
    pool: &UserPool,
    usernames: &[String],
) -> Result<Vec<String>, CognitoError> {
    futures_util::stream::iter(usernames)
        .map(|username| async move {
            let email = format!("{username}@example.com");
            cognito::sign_up(cognito, pool, username, &email, PASSWORD).await?;
            cognito::admin_confirm(cognito, pool, username).await?;
            Ok::<_, CognitoError>(
                cognito::sign_in(cognito, pool, username, PASSWORD)
                    .await?
                    .access_token,
            )
        })
        .buffered(CONCURRENT_SIGN_UPS)
        .try_collect()
        .await
}
