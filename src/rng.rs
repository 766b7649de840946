//! The random number generator used everywhere: fast, seedable, portable.
//! Everything random (splits, initialisation, bootstrap) takes a seed and
//! draws from [`rng`]`(seed)`, so the same command gives the same numbers.

/// xoshiro256++: fast, small state, the same stream on every platform.
pub type Rng = rand_xoshiro::Xoshiro256PlusPlus;

pub fn rng(seed: u64) -> Rng {
    use rand::SeedableRng;
    Rng::seed_from_u64(seed)
}
