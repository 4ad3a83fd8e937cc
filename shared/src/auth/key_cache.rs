//! When to fetch the key set: on first use, then only for a `kid` not in it, at most once a minute.
//!
//! Cognito rotates keys rarely and publishes a new one before signing with it, so a set is kept
//! for the life of the container. A token naming an unknown `kid` is either signed with a new key
//! (refetch to find it) or forged (refetching is useless): the interval keeps a flood of forged
//! kids from turning into a fetch per request.

use std::time::Duration;

use jsonwebtoken::DecodingKey;
use thiserror::Error;
use tokio::sync::{Mutex, RwLock};

use super::jwks::{Jwks, KeyFetchError, KeySetSource};
use crate::rules::Clock;

/// Least time between two fetches after one succeeded.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(60);
/// Least time between two fetches after one failed: shorter, so that a container whose first
/// fetch met a network blip does not refuse everyone for a whole minute.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

#[derive(Debug, Error)]
pub enum KeyLookupError {
    #[error("no key of the key set has this kid")]
    UnknownKey,
    #[error("the key set could not be fetched: {0}")]
    Fetch(#[source] KeyFetchError),
    #[error("no key set is loaded and its last fetch failed; the next is not due yet")]
    Unavailable,
}

/// The key set of a container and its refresh policy.
pub struct KeyCache<S, C> {
    source: S,
    clock: C,
    keys: RwLock<Jwks>,
    /// Held for the whole of a fetch, so concurrent lookups of a missing kid wait for that one
    /// fetch instead of each starting their own; lookups of known kids never take it.
    refresh: Mutex<Refresh>,
}

#[derive(Debug, Default)]
struct Refresh {
    last_attempt_millis: Option<i64>,
    last_failed: bool,
    loaded: bool,
}

impl Refresh {
    fn due(&self, now_millis: i64) -> bool {
        let Some(last) = self.last_attempt_millis else {
            return true;
        };
        let wait = if self.last_failed {
            RETRY_AFTER_FAILURE
        } else {
            REFRESH_INTERVAL
        };
        let wait_millis = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
        now_millis.saturating_sub(last) >= wait_millis
    }
}

impl<S: KeySetSource, C: Clock> KeyCache<S, C> {
    /// An empty cache: nothing is fetched until the first lookup.
    pub fn new(source: S, clock: C) -> Self {
        Self {
            source,
            clock,
            keys: RwLock::new(Jwks::default()),
            refresh: Mutex::new(Refresh::default()),
        }
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The key with this `kid`, fetching the key set if it is not loaded yet, or if the kid is
    /// unknown and no fetch happened in the last [`REFRESH_INTERVAL`].
    pub async fn key(&self, kid: &str) -> Result<DecodingKey, KeyLookupError> {
        if let Some(key) = self.keys.read().await.get(kid) {
            return Ok(key.clone());
        }
        let mut refresh = self.refresh.lock().await;
        // Another lookup may have fetched while this one waited for the lock.
        if let Some(key) = self.keys.read().await.get(kid) {
            return Ok(key.clone());
        }
        let now = self.clock.now_millis();
        if !refresh.due(now) {
            return Err(if refresh.loaded {
                KeyLookupError::UnknownKey
            } else {
                KeyLookupError::Unavailable
            });
        }
        refresh.last_attempt_millis = Some(now);
        match self.source.fetch().await {
            Ok(jwks) => {
                refresh.last_failed = false;
                refresh.loaded = true;
                let key = jwks.get(kid).cloned();
                // Replaced, not merged: a key the pool no longer publishes stops being trusted.
                *self.keys.write().await = jwks;
                key.ok_or(KeyLookupError::UnknownKey)
            }
            Err(error) => {
                // The keys already loaded (if any) stay: a failed refresh must not lock out
                // tokens signed with them.
                refresh.last_failed = true;
                Err(KeyLookupError::Fetch(error))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};

    use super::*;

    /// A clock the test moves by hand.
    #[derive(Clone, Default)]
    struct TestClock(Arc<AtomicI64>);

    impl TestClock {
        fn advance(&self, by: Duration) {
            let millis = i64::try_from(by.as_millis()).unwrap();
            self.0.fetch_add(millis, Ordering::SeqCst);
        }
    }

    impl Clock for TestClock {
        fn now_millis(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// Serves the kids in `kids` (or fails while `failing`), counting fetches.
    #[derive(Default)]
    struct FakeSource {
        kids: std::sync::Mutex<Vec<&'static str>>,
        failing: AtomicBool,
        fetches: AtomicUsize,
    }

    impl FakeSource {
        fn serving(kids: &[&'static str]) -> Self {
            let source = Self::default();
            *source.kids.lock().unwrap() = kids.to_vec();
            source
        }
    }

    impl KeySetSource for FakeSource {
        async fn fetch(&self) -> Result<Jwks, KeyFetchError> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            // A fetch takes time: concurrent lookups really do overlap with it.
            tokio::task::yield_now().await;
            if self.failing.load(Ordering::SeqCst) {
                return Err(KeyFetchError::Status(503));
            }
            let keys: Vec<String> = self
                .kids
                .lock()
                .unwrap()
                .iter()
                .map(|kid| format!(r#"{{"kty":"RSA","kid":"{kid}","n":"AQAB","e":"AQAB"}}"#))
                .collect();
            Jwks::from_json(format!(r#"{{"keys":[{}]}}"#, keys.join(",")).as_bytes())
        }
    }

    fn cache(source: FakeSource) -> (Arc<KeyCache<FakeSource, TestClock>>, TestClock) {
        let clock = TestClock::default();
        (Arc::new(KeyCache::new(source, clock.clone())), clock)
    }

    fn fetches(cache: &KeyCache<FakeSource, TestClock>) -> usize {
        cache.source.fetches.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn keys_are_fetched_on_first_use_then_kept() {
        let (cache, clock) = cache(FakeSource::serving(&["k1", "k2"]));
        assert_eq!(fetches(&cache), 0, "nothing is fetched before a lookup");
        cache.key("k1").await.unwrap();
        clock.advance(Duration::from_secs(3600));
        cache.key("k1").await.unwrap();
        cache.key("k2").await.unwrap();
        assert_eq!(fetches(&cache), 1);
    }

    #[tokio::test]
    async fn an_unknown_kid_refetches_at_most_once_a_minute() {
        let (cache, clock) = cache(FakeSource::serving(&["k1"]));
        cache.key("k1").await.unwrap();
        clock.advance(REFRESH_INTERVAL);
        assert!(matches!(
            cache.key("forged-1").await,
            Err(KeyLookupError::UnknownKey)
        ));
        assert_eq!(fetches(&cache), 2, "an unknown kid refetches once");
        clock.advance(REFRESH_INTERVAL - Duration::from_millis(1));
        for kid in ["forged-2", "forged-3", "forged-1"] {
            assert!(matches!(
                cache.key(kid).await,
                Err(KeyLookupError::UnknownKey)
            ));
        }
        assert_eq!(fetches(&cache), 2, "not again within the minute");
        clock.advance(Duration::from_millis(1));
        assert!(cache.key("forged-4").await.is_err());
        assert_eq!(fetches(&cache), 3, "again once the minute has passed");
    }

    #[tokio::test]
    async fn a_rotated_key_is_found_by_the_refetch_and_a_retired_one_dropped() {
        let (cache, clock) = cache(FakeSource::serving(&["old"]));
        cache.key("old").await.unwrap();
        *cache.source.kids.lock().unwrap() = vec!["new"];
        clock.advance(REFRESH_INTERVAL);
        cache.key("new").await.unwrap();
        assert!(matches!(
            cache.key("old").await,
            Err(KeyLookupError::UnknownKey)
        ));
    }

    #[tokio::test]
    async fn concurrent_lookups_share_one_fetch() {
        let (cache, _clock) = cache(FakeSource::serving(&["k1"]));
        let lookups: Vec<_> = (0..20)
            .map(|i| {
                let cache = Arc::clone(&cache);
                let kid = if i % 2 == 0 { "k1" } else { "forged" };
                tokio::spawn(async move { cache.key(kid).await.is_ok() })
            })
            .collect();
        for (i, lookup) in lookups.into_iter().enumerate() {
            assert_eq!(lookup.await.unwrap(), i % 2 == 0);
        }
        assert_eq!(fetches(&cache), 1);
    }

    #[tokio::test]
    async fn a_failed_fetch_refuses_then_is_retried_sooner_and_keeps_loaded_keys() {
        let source = FakeSource::serving(&["k1"]);
        source.failing.store(true, Ordering::SeqCst);
        let (cache, clock) = cache(source);
        assert!(matches!(
            cache.key("k1").await,
            Err(KeyLookupError::Fetch(KeyFetchError::Status(503)))
        ));
        assert!(matches!(
            cache.key("k1").await,
            Err(KeyLookupError::Unavailable)
        ));
        assert_eq!(fetches(&cache), 1, "a failing endpoint is not hammered");

        cache.source.failing.store(false, Ordering::SeqCst);
        clock.advance(RETRY_AFTER_FAILURE);
        cache.key("k1").await.unwrap();
        assert_eq!(fetches(&cache), 2);

        // A failed refresh keeps what was loaded.
        cache.source.failing.store(true, Ordering::SeqCst);
        clock.advance(REFRESH_INTERVAL);
        assert!(matches!(
            cache.key("unknown").await,
            Err(KeyLookupError::Fetch(_))
        ));
        cache.key("k1").await.unwrap();
        assert!(matches!(
            cache.key("unknown").await,
            Err(KeyLookupError::UnknownKey)
        ));
        assert_eq!(fetches(&cache), 3);
    }
}
