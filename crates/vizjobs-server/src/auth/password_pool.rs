//! Password checks on a fixed pool of threads, with a short queue in front.
//!
//! An argon2id check takes about 19 MiB and a few tens of milliseconds of one core, and the
//! login endpoints need no credential, so anyone can ask for as many as they like. Run on
//! `spawn_blocking`, 100 concurrent logins ran 100 checks at once (2.6 GB), and the allocator
//! kept much of it afterwards. Here:
//! - checks run on `workers` threads (one per core), each reusing one block of argon2 memory,
//!   so the memory the checks hold is `workers × m_cost` at most, whatever the load;
//! - at most `queue` more checks wait their turn; past that a login is refused at once
//!   ([`PoolBusy`], answered as 429 with `Retry-After`), before any work is done for it.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use subtle::ConstantTimeEq;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// The largest argon2 memory a stored hash may ask for (the default is 19 MiB): a worker's
/// block is sized to the hashes it checks, and a damaged or hostile row must not make it huge.
const MAX_MEMORY_KIB: u32 = 256 * 1024;

struct Check {
    password: String,
    phc: String,
    reply: oneshot::Sender<bool>,
}

/// The pool is full: the caller should answer 429 and ask the client to come back shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolBusy;

pub struct PasswordPool {
    /// One permit per check admitted (running or queued).
    admitted: Arc<Semaphore>,
    jobs: Mutex<mpsc::Sender<(Check, OwnedSemaphorePermit)>>,
}

impl PasswordPool {
    /// Starts `workers` threads (at least one) with room for `queue` waiting checks.
    pub fn new(workers: usize, queue: usize) -> std::io::Result<Self> {
        let workers = workers.max(1);
        let (sender, receiver) = mpsc::channel::<(Check, OwnedSemaphorePermit)>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..workers {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("password-check-{n}"))
                .spawn(move || worker(&receiver))?;
        }
        Ok(Self {
            admitted: Arc::new(Semaphore::new(workers + queue)),
            jobs: Mutex::new(sender),
        })
    }

    /// A pool with one worker per core and a queue of four checks per worker.
    pub fn for_this_machine() -> std::io::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores, 4 * cores)
    }

    /// Takes a place in the pool, or says at once that there is none.
    pub fn admit(&self) -> Result<Admission<'_>, PoolBusy> {
        let permit = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| PoolBusy)?;
        Ok(Admission { pool: self, permit })
    }
}

/// A place in the pool, held from admission until the check is done.
pub struct Admission<'a> {
    pool: &'a PasswordPool,
    permit: OwnedSemaphorePermit,
}

impl Admission<'_> {
    /// Checks `password` against the PHC string `phc`. A malformed hash never matches.
    pub async fn verify(self, password: String, phc: String) -> bool {
        let (reply, answer) = oneshot::channel();
        let sent = self
            .pool
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send((
                Check {
                    password,
                    phc,
                    reply,
                },
                self.permit,
            ));
        // The workers outlive the pool's users; a send or answer that fails means a worker
        // died, and a login that cannot be checked is a failed login.
        sent.is_ok() && answer.await.unwrap_or(false)
    }
}

fn worker(receiver: &Mutex<mpsc::Receiver<(Check, OwnedSemaphorePermit)>>) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let next = receiver.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok((check, permit)) = next else {
            return;
        };
        let matches = verify_with_memory(&check.password, &check.phc, &mut memory);
        drop(permit);
        let _ = check.reply.send(matches);
    }
}

/// What `PasswordVerifier::verify_password` does, but in memory the caller keeps, so a worker
/// does not allocate (and the allocator need not give back) 19 MiB per check.
fn verify_with_memory(password: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_MEMORY_KIB {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let mut computed = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut computed,
        memory.as_mut_slice(),
    );
    hashed.is_ok() && bool::from(computed.as_slice().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::secrets::hash_password;

    #[test]
    fn passwords_verify_against_their_hash_only() {
        let hash = hash_password("right horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let mut memory = Vec::new();
        assert!(verify_with_memory("right horse", &hash, &mut memory));
        assert!(!verify_with_memory("wrong horse", &hash, &mut memory));
        assert!(!verify_with_memory(
            "right horse",
            "$argon2id$broken",
            &mut memory
        ));
        assert!(!verify_with_memory("right horse", "", &mut memory));
        assert!(!verify_with_memory(
            "",
            crate::auth::secrets::decoy_hash(),
            &mut memory
        ));
        // The block is reused, not grown, by the next check of the same cost.
        let blocks = memory.len();
        assert!(verify_with_memory("right horse", &hash, &mut memory));
        assert_eq!(memory.len(), blocks);
    }

    #[tokio::test]
    async fn past_the_queue_a_check_is_refused_at_once() {
        let pool = PasswordPool::new(1, 1).unwrap();
        let hash = hash_password("pw").unwrap();
        let first = pool.admit().unwrap();
        let second = pool.admit().unwrap();
        assert_eq!(pool.admit().err(), Some(PoolBusy));
        let (a, b) = tokio::join!(
            first.verify("pw".into(), hash.clone()),
            second.verify("nope".into(), hash.clone())
        );
        assert!(a && !b);
        // Both places are free again once their checks are done.
        let again = pool.admit().unwrap();
        assert!(again.verify("pw".into(), hash).await);
    }
}
