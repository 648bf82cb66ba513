//! Rollback rails: a deterministic, count-based circuit breaker per kernel.
//!
//! Each kernel gets a [`Rail`] that watches the outcomes of its last `window` GPU attempts. When
//! the share of failures in that window exceeds `max_failure_rate` (and at least `min_calls`
//! outcomes are in it), the rail *rolls back*: the next `cooldown_calls` calls are served by the
//! CPU reference, then one call is a *self-test* (GPU and CPU both run and are compared). A
//! passing self-test returns the kernel to the GPU with an empty window; a failing one starts a
//! fresh cool-down.
//!
//! ```text
//!            rate > max            cool-down spent          self-test passed
//!   Closed ───────────▶ Open(n) ───────────────▶ HalfOpen ───────────────▶ Closed
//!                          ▲                        │
//!                          └────────────────────────┘ self-test failed
//!   any state ── poison() ──▶ Poisoned (permanent)
//! ```
//!
//! Everything is counted in calls, never in time, and nothing is random: the same sequence of
//! calls and outcomes always produces the same routes and transitions. That is what makes a
//! rollback reproducible from the decision log and testable without sleeping.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::status::StatusCode;

/// Thresholds shared by every rail of a runtime.
///
/// Deserializing fills missing fields from [`RailsConfig::default`], so a config file only has to
/// name what it changes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RailsConfig {
    /// How many of the most recent GPU outcomes the failure rate is computed over (default 64).
    pub window: u32,
    /// The rail never trips while the window holds fewer outcomes than this (default 16): a
    /// rate over a handful of calls is noise.
    pub min_calls: u32,
    /// The rail trips when `failures / outcomes_in_window` is strictly greater than this
    /// (default 0.05).
    pub max_failure_rate: f64,
    /// How many calls are served on the CPU after a rollback before a self-test is attempted
    /// (default 100). Also how many calls wait for an unreported self-test before another is
    /// issued.
    pub cooldown_calls: u32,
}

impl Default for RailsConfig {
    fn default() -> RailsConfig {
        RailsConfig {
            window: 64,
            min_calls: 16,
            max_failure_rate: 0.05,
            cooldown_calls: 100,
        }
    }
}

/// Why a [`RailsConfig`] cannot work as intended.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RailsConfigError {
    /// `window` is zero, so there is nothing to compute a rate over.
    #[error("rails window must hold at least 1 outcome")]
    ZeroWindow,
    /// `min_calls` is larger than `window`, so the rail could never trip.
    #[error(
        "rails min_calls ({min_calls}) exceeds the window ({window}), so the rail could never trip"
    )]
    MinCallsExceedsWindow {
        /// The configured `min_calls`.
        min_calls: u32,
        /// The configured `window`.
        window: u32,
    },
    /// `max_failure_rate` is not a number in `[0, 1]`.
    #[error("rails max_failure_rate must be a number in [0, 1], got {0}")]
    InvalidRate(f64),
}

impl RailsConfig {
    /// Checks the thresholds make sense together.
    ///
    /// [`Rail::new`] accepts any config (a zero window acts as 1, a NaN rate never trips) so that
    /// a bad config degrades predictably; callers that load configs from users should validate
    /// first and report the error.
    pub fn validate(&self) -> Result<(), RailsConfigError> {
        if self.window == 0 {
            return Err(RailsConfigError::ZeroWindow);
        }
        if self.min_calls > self.window {
            return Err(RailsConfigError::MinCallsExceedsWindow {
                min_calls: self.min_calls,
                window: self.window,
            });
        }
        if !(0.0..=1.0).contains(&self.max_failure_rate) {
            return Err(RailsConfigError::InvalidRate(self.max_failure_rate));
        }
        Ok(())
    }
}

/// The outcome of one GPU attempt, as fed to [`Rail::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The GPU ran the call and (where checked) agreed with the CPU reference.
    Success,
    /// The GPU attempt failed with this status. [`StatusCode::ContextPoisoned`] poisons the rail.
    Error(StatusCode),
    /// Shadow verification found the GPU result differs from the CPU reference.
    GuardMiss,
}

impl Outcome {
    /// Whether this outcome counts against the failure rate (everything but `Success`).
    pub fn is_failure(self) -> bool {
        !matches!(self, Outcome::Success)
    }
}

impl From<StatusCode> for Outcome {
    /// `Ok` is a success, `GuardMiss` a guard miss, and every other code an error.
    fn from(status: StatusCode) -> Outcome {
        match status {
            StatusCode::Ok => Outcome::Success,
            StatusCode::GuardMiss => Outcome::GuardMiss,
            other => Outcome::Error(other),
        }
    }
}

/// What the next call of a kernel should do, as decided by [`Rail::route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "route", rename_all = "snake_case")]
pub enum Route {
    /// Run on the GPU and report the outcome with [`Rail::record`].
    Gpu,
    /// Run on the CPU reference; the GPU is not to be touched.
    Cpu {
        /// Why the GPU is bypassed.
        reason: RouteReason,
    },
    /// Run on both GPU and CPU, compare, and report with [`Rail::record_self_test`].
    SelfTest,
}

/// Why [`Route::Cpu`] was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteReason {
    /// Rolled back and a self-test is outstanding: another call is already testing the GPU.
    RolledBack,
    /// Rolled back and cooling down; `remaining` more CPU calls follow before the self-test.
    CoolingDown {
        /// CPU calls left after this one before a self-test is issued.
        remaining: u32,
    },
    /// The CUDA context is unusable; the GPU is never used again by this runtime.
    Poisoned,
}

impl RouteReason {
    /// The reason's stable snake-case name: `"rolled_back"`, `"cooling_down"` or `"poisoned"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteReason::RolledBack => "rolled_back",
            RouteReason::CoolingDown { .. } => "cooling_down",
            RouteReason::Poisoned => "poisoned",
        }
    }
}

/// A state change caused by recording an outcome; `None` when nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "transition", rename_all = "snake_case")]
pub enum Transition {
    /// Nothing changed.
    None,
    /// The failure rate exceeded the threshold; the kernel is now served on the CPU.
    RolledBack {
        /// Failures in the window when it tripped.
        failures: u32,
        /// Outcomes in the window when it tripped (at most the configured window).
        window: u32,
        /// `failures / window`.
        rate: f64,
    },
    /// A self-test passed: back on the GPU with an empty window.
    Returned,
    /// A self-test failed: a fresh cool-down on the CPU begins.
    SelfTestFailed,
    /// The rail is now permanently on the CPU.
    Poisoned,
}

impl Transition {
    /// Whether this is [`Transition::None`].
    pub fn is_none(&self) -> bool {
        matches!(self, Transition::None)
    }
}

/// The externally visible state of a rail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RailState {
    /// Calls go to the GPU and outcomes are counted.
    Closed,
    /// Rolled back: calls go to the CPU while the cool-down runs.
    Open,
    /// A self-test has been issued and its result is awaited.
    HalfOpen,
    /// Permanently on the CPU.
    Poisoned,
}

impl RailState {
    /// The state's stable snake-case name, e.g. `"half_open"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RailState::Closed => "closed",
            RailState::Open => "open",
            RailState::HalfOpen => "half_open",
            RailState::Poisoned => "poisoned",
        }
    }
}

/// A serializable view of one rail, for stats and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RailSnapshot {
    /// The current state.
    pub state: RailState,
    /// Failures among the outcomes currently in the window.
    pub failures: u32,
    /// Outcomes currently in the window.
    pub window_len: u32,
    /// How many times the rail has rolled back.
    pub trips: u32,
    /// How many times a self-test has returned the kernel to the GPU.
    pub returns: u32,
    /// How many self-tests have failed.
    pub self_test_failures: u32,
    /// CPU calls left before the self-test, while `Open`; `None` otherwise.
    pub cooldown_remaining: Option<u32>,
}

/// The internal state machine; `RailState` is its public projection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed,
    /// `remaining` CPU calls before the self-test.
    Open {
        remaining: u32,
    },
    /// A self-test was issued `waited` calls ago and not reported yet.
    HalfOpen {
        waited: u32,
    },
    Poisoned,
}

/// The circuit breaker of one kernel.
///
/// Protocol for each call: call [`Rail::route`] once, then act on the route: for
/// [`Route::Gpu`] report the attempt with [`Rail::record`], for [`Route::SelfTest`] report the
/// comparison with [`Rail::record_self_test`], for [`Route::Cpu`] report nothing.
#[derive(Debug, Clone)]
pub struct Rail {
    config: RailsConfig,
    /// The last `window` GPU outcomes, oldest first; `true` is a failure. Count-based on purpose:
    /// a time window would make decisions depend on the clock.
    outcomes: VecDeque<bool>,
    /// Number of `true` entries in `outcomes`, kept incrementally.
    failures: u32,
    state: State,
    trips: u32,
    returns: u32,
    self_test_failures: u32,
}

impl Rail {
    /// A closed rail with an empty window.
    pub fn new(config: RailsConfig) -> Rail {
        // Do not preallocate a huge window up front; the deque grows to it if ever needed.
        let capacity = config.window.clamp(1, 1024) as usize;
        Rail {
            config,
            outcomes: VecDeque::with_capacity(capacity),
            failures: 0,
            state: State::Closed,
            trips: 0,
            returns: 0,
            self_test_failures: 0,
        }
    }

    /// The thresholds this rail uses.
    pub fn config(&self) -> RailsConfig {
        self.config
    }

    /// The current state.
    pub fn state(&self) -> RailState {
        match self.state {
            State::Closed => RailState::Closed,
            State::Open { .. } => RailState::Open,
            State::HalfOpen { .. } => RailState::HalfOpen,
            State::Poisoned => RailState::Poisoned,
        }
    }

    /// Decides what the next call does. Call exactly once per call, before running it.
    ///
    /// While rolled back, each call consumes one unit of cool-down; once `cooldown_calls` calls
    /// have been served on the CPU, the next route is [`Route::SelfTest`]. While that self-test is
    /// outstanding further calls go to the CPU with [`RouteReason::RolledBack`]; if it is still
    /// unreported after another `cooldown_calls` calls (its caller failed before reporting), a new
    /// self-test is issued so the rail cannot stay stuck.
    pub fn route(&mut self) -> Route {
        let cooldown = self.config.cooldown_calls;
        match &mut self.state {
            State::Closed => Route::Gpu,
            State::Open { remaining: 0 } => {
                self.state = State::HalfOpen { waited: 0 };
                Route::SelfTest
            }
            State::Open { remaining } => {
                *remaining -= 1;
                Route::Cpu {
                    reason: RouteReason::CoolingDown {
                        remaining: *remaining,
                    },
                }
            }
            State::HalfOpen { waited } if *waited >= cooldown => {
                *waited = 0;
                Route::SelfTest
            }
            State::HalfOpen { waited } => {
                *waited += 1;
                Route::Cpu {
                    reason: RouteReason::RolledBack,
                }
            }
            State::Poisoned => Route::Cpu {
                reason: RouteReason::Poisoned,
            },
        }
    }

    /// Records the outcome of a GPU attempt made on a [`Route::Gpu`].
    ///
    /// [`Outcome::Error`] with [`StatusCode::ContextPoisoned`] poisons the rail in any state.
    /// Other outcomes only count while the rail is closed: one arriving after a rollback belongs
    /// to a call routed before it, and the window that tripped has already been judged.
    pub fn record(&mut self, outcome: Outcome) -> Transition {
        if outcome == Outcome::Error(StatusCode::ContextPoisoned) {
            return self.poison();
        }
        if self.state != State::Closed {
            return Transition::None;
        }
        self.push(outcome.is_failure());
        // `len` is at least 1 here because an outcome was just pushed, so the division is finite.
        let len = self.outcomes.len() as u32;
        if len < self.config.min_calls {
            return Transition::None;
        }
        let rate = f64::from(self.failures) / f64::from(len);
        if rate > self.config.max_failure_rate {
            self.state = State::Open {
                remaining: self.config.cooldown_calls,
            };
            self.trips = self.trips.saturating_add(1);
            // The window is kept (not cleared) so snapshots still show what caused the trip; it is
            // cleared when a self-test returns the kernel to the GPU.
            return Transition::RolledBack {
                failures: self.failures,
                window: len,
                rate,
            };
        }
        Transition::None
    }

    /// Records the result of a self-test issued by [`Route::SelfTest`].
    ///
    /// Passing returns the kernel to the GPU with an empty window ([`Transition::Returned`]);
    /// failing starts a fresh cool-down ([`Transition::SelfTestFailed`]). Ignored
    /// ([`Transition::None`]) when no self-test is outstanding.
    pub fn record_self_test(&mut self, passed: bool) -> Transition {
        if !matches!(self.state, State::HalfOpen { .. }) {
            return Transition::None;
        }
        if passed {
            self.outcomes.clear();
            self.failures = 0;
            self.state = State::Closed;
            self.returns = self.returns.saturating_add(1);
            Transition::Returned
        } else {
            self.state = State::Open {
                remaining: self.config.cooldown_calls,
            };
            self.self_test_failures = self.self_test_failures.saturating_add(1);
            Transition::SelfTestFailed
        }
    }

    /// Permanently routes this kernel to the CPU. [`Transition::None`] if it already was.
    pub fn poison(&mut self) -> Transition {
        if self.state == State::Poisoned {
            return Transition::None;
        }
        self.state = State::Poisoned;
        Transition::Poisoned
    }

    /// A serializable view of the rail.
    pub fn snapshot(&self) -> RailSnapshot {
        RailSnapshot {
            state: self.state(),
            failures: self.failures,
            window_len: self.outcomes.len() as u32,
            trips: self.trips,
            returns: self.returns,
            self_test_failures: self.self_test_failures,
            cooldown_remaining: match self.state {
                State::Open { remaining } => Some(remaining),
                _ => None,
            },
        }
    }

    /// Appends one outcome to the ring, evicting the oldest once the window is full.
    fn push(&mut self, failure: bool) {
        // A zero window would never hold anything; treat it as 1 so the rail still works.
        let window = self.config.window.max(1) as usize;
        while self.outcomes.len() >= window {
            if self.outcomes.pop_front() == Some(true) {
                self.failures -= 1;
            }
        }
        self.outcomes.push_back(failure);
        if failure {
            self.failures += 1;
        }
    }
}

/// One [`Rail`] per kernel id, all sharing one [`RailsConfig`].
#[derive(Debug, Clone)]
pub struct Rails {
    /// Ordered so snapshots and `poison_all` results are deterministic.
    map: BTreeMap<String, Rail>,
    config: RailsConfig,
    /// Set by `poison_all`; rails created afterwards start poisoned, because the poisoned CUDA
    /// context is shared by every kernel, including ones not called yet.
    poisoned: bool,
}

impl Default for Rails {
    fn default() -> Rails {
        Rails::new(RailsConfig::default())
    }
}

impl Rails {
    /// No rails yet; each kernel's rail is created on first use.
    pub fn new(config: RailsConfig) -> Rails {
        Rails {
            map: BTreeMap::new(),
            config,
            poisoned: false,
        }
    }

    /// The thresholds every rail uses.
    pub fn config(&self) -> RailsConfig {
        self.config
    }

    /// The rail of `kernel`, created closed (or poisoned, after [`Rails::poison_all`]) on first
    /// use.
    pub fn rail(&mut self, kernel: &str) -> &mut Rail {
        // Look up before inserting so the hot path (an existing kernel) does not allocate a key.
        if !self.map.contains_key(kernel) {
            let mut rail = Rail::new(self.config);
            if self.poisoned {
                rail.poison();
            }
            self.map.insert(kernel.to_owned(), rail);
        }
        self.map
            .get_mut(kernel)
            .expect("the rail was inserted just above")
    }

    /// The rail of `kernel`, if it has been used.
    pub fn get(&self, kernel: &str) -> Option<&Rail> {
        self.map.get(kernel)
    }

    /// Records a GPU outcome for `kernel`, like [`Rail::record`], except that
    /// [`StatusCode::ContextPoisoned`] poisons *every* rail (see [`Rails::poison_all`]): the CUDA
    /// context is shared, so one kernel's sticky error makes the GPU unusable for all of them.
    pub fn record(&mut self, kernel: &str, outcome: Outcome) -> Transition {
        let transition = self.rail(kernel).record(outcome);
        if outcome == Outcome::Error(StatusCode::ContextPoisoned) {
            self.poison_all();
        }
        transition
    }

    /// Poisons every rail, including rails created later. Returns the kernels whose rail changed
    /// (in kernel order), so the caller can log one decision per kernel.
    pub fn poison_all(&mut self) -> Vec<String> {
        self.poisoned = true;
        self.map
            .iter_mut()
            .filter_map(|(kernel, rail)| (!rail.poison().is_none()).then(|| kernel.clone()))
            .collect()
    }

    /// Whether [`Rails::poison_all`] has been called.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// A snapshot of every rail, by kernel id.
    pub fn snapshot(&self) -> BTreeMap<String, RailSnapshot> {
        self.map
            .iter()
            .map(|(kernel, rail)| (kernel.clone(), rail.snapshot()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(
        window: u32,
        min_calls: u32,
        max_failure_rate: f64,
        cooldown_calls: u32,
    ) -> RailsConfig {
        RailsConfig {
            window,
            min_calls,
            max_failure_rate,
            cooldown_calls,
        }
    }

    /// `S` success, `F` driver error, `G` guard miss.
    fn outcome(c: char) -> Outcome {
        match c {
            'S' => Outcome::Success,
            'F' => Outcome::Error(StatusCode::DriverError),
            'G' => Outcome::GuardMiss,
            other => panic!("unknown outcome {other:?}"),
        }
    }

    /// The index of the call that tripped, and its transition.
    type Trip = (usize, Transition);

    /// Feeds `sequence` through route/record and returns the index and transition of the first
    /// trip, asserting every call before it was routed to the GPU.
    fn first_trip(config: RailsConfig, sequence: &str) -> Option<Trip> {
        let mut rail = Rail::new(config);
        for (i, c) in sequence.chars().enumerate() {
            assert_eq!(rail.route(), Route::Gpu, "call {i} of {sequence}");
            let transition = rail.record(outcome(c));
            if !transition.is_none() {
                return Some((i, transition));
            }
        }
        None
    }

    fn rolled_back(failures: u32, window: u32) -> Transition {
        Transition::RolledBack {
            failures,
            window,
            rate: f64::from(failures) / f64::from(window),
        }
    }

    #[test]
    fn trips_exactly_when_the_rate_is_exceeded() {
        let small = config(10, 5, 0.2, 3);
        // min_calls = window: nothing is judged before the window is full.
        let slide = config(10, 10, 0.2, 3);
        let cases: &[(&str, RailsConfig, &str, Option<Trip>)] = &[
            ("below min_calls", small, "FFFF", None),
            (
                "all failures at min_calls",
                small,
                "FFFFF",
                Some((4, rolled_back(5, 5))),
            ),
            ("rate equal to the threshold", small, "SSSSF", None),
            (
                "just above the threshold",
                small,
                "SSSSFF",
                Some((5, rolled_back(2, 6))),
            ),
            (
                "guard misses count",
                small,
                "SSSSGG",
                Some((5, rolled_back(2, 6))),
            ),
            (
                "mixed failures count",
                small,
                "SSSSGF",
                Some((5, rolled_back(2, 6))),
            ),
            ("full window at the threshold", small, "SSSSSSSSFF", None),
            (
                "full window above the threshold",
                small,
                "SSSSSSSSFFF",
                Some((10, rolled_back(3, 10))),
            ),
            ("old failures slide out", slide, "FFSSSSSSSSFF", None),
            (
                "the same failures inside the window",
                slide,
                "FFSSSSSSSF",
                Some((9, rolled_back(3, 10))),
            ),
            (
                "four failures, never three in ten",
                small,
                "SSSSSSSSFFSSSSSSSSSSFF",
                None,
            ),
            (
                "long healthy run then a burst",
                small,
                "SSSSSSSSSSSSSSSSSSSSFFF",
                Some((22, rolled_back(3, 10))),
            ),
            (
                "defaults: 3 of 64 is under 5%",
                RailsConfig::default(),
                &format!("{}FFF", "S".repeat(61)),
                None,
            ),
            (
                "defaults: 4 of 64 is over 5%",
                RailsConfig::default(),
                &format!("{}FFFF", "S".repeat(60)),
                Some((63, rolled_back(4, 64))),
            ),
            (
                "defaults: 1 of 16 is over 5%",
                RailsConfig::default(),
                &format!("{}F", "S".repeat(15)),
                Some((15, rolled_back(1, 16))),
            ),
            (
                "defaults: 15 failures below min_calls",
                RailsConfig::default(),
                &"F".repeat(15),
                None,
            ),
            (
                "rate 0 trips on any failure",
                config(4, 1, 0.0, 3),
                "SSSF",
                Some((3, rolled_back(1, 4))),
            ),
            ("rate 1 never trips", config(4, 1, 1.0, 3), "FFFFFFFF", None),
        ];
        for (name, config, sequence, expected) in cases {
            assert_eq!(
                first_trip(*config, sequence),
                *expected,
                "{name}: {sequence}"
            );
        }
    }

    #[test]
    fn no_trip_below_min_calls_even_with_only_failures() {
        for min_calls in 1..=20 {
            let config = config(32, min_calls, 0.05, 3);
            let trip = first_trip(config, &"F".repeat(40));
            assert_eq!(
                trip,
                Some((min_calls as usize - 1, rolled_back(min_calls, min_calls)))
            );
        }
    }

    fn trip(rail: &mut Rail) {
        for _ in 0..rail.config().window {
            assert_eq!(rail.route(), Route::Gpu);
            if !rail.record(Outcome::GuardMiss).is_none() {
                return;
            }
        }
        panic!("the rail did not trip");
    }

    fn cooling(remaining: u32) -> Route {
        Route::Cpu {
            reason: RouteReason::CoolingDown { remaining },
        }
    }

    #[test]
    fn cool_down_counts_calls_then_self_tests() {
        let mut rail = Rail::new(config(8, 2, 0.1, 3));
        trip(&mut rail);
        assert_eq!(rail.snapshot().cooldown_remaining, Some(3));
        assert_eq!(rail.route(), cooling(2));
        assert_eq!(rail.route(), cooling(1));
        assert_eq!(rail.route(), cooling(0));
        assert_eq!(rail.state(), RailState::Open);
        assert_eq!(rail.route(), Route::SelfTest);
        assert_eq!(rail.state(), RailState::HalfOpen);
        // Outcomes of calls routed before the trip do not count any more.
        assert_eq!(rail.record(Outcome::GuardMiss), Transition::None);
        assert_eq!(rail.snapshot().trips, 1);
    }

    #[test]
    fn zero_cool_down_self_tests_immediately() {
        let mut rail = Rail::new(config(4, 1, 0.0, 0));
        trip(&mut rail);
        assert_eq!(rail.route(), Route::SelfTest);
        // Until reported, each call re-issues the self-test when there is no cool-down.
        assert_eq!(rail.route(), Route::SelfTest);
    }

    #[test]
    fn outstanding_self_test_keeps_other_calls_on_cpu_then_is_reissued() {
        let mut rail = Rail::new(config(4, 1, 0.0, 2));
        trip(&mut rail);
        assert_eq!(rail.route(), cooling(1));
        assert_eq!(rail.route(), cooling(0));
        assert_eq!(rail.route(), Route::SelfTest);
        let rolled_back = Route::Cpu {
            reason: RouteReason::RolledBack,
        };
        assert_eq!(rail.route(), rolled_back);
        assert_eq!(rail.route(), rolled_back);
        assert_eq!(
            rail.route(),
            Route::SelfTest,
            "a lost self-test is reissued"
        );
        assert_eq!(rail.record_self_test(true), Transition::Returned);
    }

    #[test]
    fn self_test_pass_returns_to_gpu_and_clears_the_window() {
        let mut rail = Rail::new(config(10, 5, 0.2, 1));
        assert_eq!(first_trip(rail.config(), "FFFFF").map(|t| t.0), Some(4));
        for c in "FFFFF".chars() {
            rail.route();
            rail.record(outcome(c));
        }
        assert_eq!(rail.snapshot().failures, 5);
        assert_eq!(rail.route(), cooling(0));
        assert_eq!(rail.route(), Route::SelfTest);
        assert_eq!(rail.record_self_test(true), Transition::Returned);
        let snapshot = rail.snapshot();
        assert_eq!(snapshot.state, RailState::Closed);
        assert_eq!((snapshot.failures, snapshot.window_len), (0, 0));
        assert_eq!((snapshot.trips, snapshot.returns), (1, 1));
        assert_eq!(rail.route(), Route::Gpu);
        // The cleared window needs min_calls fresh outcomes again before it can trip.
        for _ in 0..4 {
            assert_eq!(rail.record(Outcome::GuardMiss), Transition::None);
            assert_eq!(rail.route(), Route::Gpu);
        }
        assert_eq!(rail.record(Outcome::GuardMiss), rolled_back(5, 5));
        assert_eq!(rail.snapshot().trips, 2);
    }

    #[test]
    fn self_test_fail_reopens_with_a_fresh_cool_down() {
        let mut rail = Rail::new(config(4, 1, 0.0, 2));
        trip(&mut rail);
        rail.route();
        rail.route();
        assert_eq!(rail.route(), Route::SelfTest);
        assert_eq!(rail.record_self_test(false), Transition::SelfTestFailed);
        assert_eq!(rail.state(), RailState::Open);
        assert_eq!(rail.snapshot().cooldown_remaining, Some(2));
        assert_eq!(rail.route(), cooling(1));
        assert_eq!(rail.route(), cooling(0));
        assert_eq!(rail.route(), Route::SelfTest);
        assert_eq!(rail.record_self_test(true), Transition::Returned);
        let snapshot = rail.snapshot();
        assert_eq!(
            (
                snapshot.trips,
                snapshot.returns,
                snapshot.self_test_failures
            ),
            (1, 1, 1)
        );
    }

    #[test]
    fn self_test_results_without_an_outstanding_self_test_are_ignored() {
        let mut rail = Rail::new(config(4, 1, 0.0, 2));
        assert_eq!(rail.record_self_test(true), Transition::None);
        trip(&mut rail);
        assert_eq!(
            rail.record_self_test(true),
            Transition::None,
            "still cooling down"
        );
        assert_eq!(rail.state(), RailState::Open);
    }

    #[test]
    fn poison_is_permanent() {
        let mut rail = Rail::new(RailsConfig::default());
        assert_eq!(rail.poison(), Transition::Poisoned);
        assert_eq!(rail.poison(), Transition::None);
        let poisoned = Route::Cpu {
            reason: RouteReason::Poisoned,
        };
        for _ in 0..1000 {
            assert_eq!(rail.route(), poisoned);
            assert_eq!(rail.record(Outcome::Success), Transition::None);
            assert_eq!(rail.record_self_test(true), Transition::None);
        }
        assert_eq!(rail.state(), RailState::Poisoned);
    }

    #[test]
    fn context_poisoned_outcome_poisons_in_any_state() {
        let poisoned = Outcome::Error(StatusCode::ContextPoisoned);
        let mut closed = Rail::new(RailsConfig::default());
        assert_eq!(closed.record(poisoned), Transition::Poisoned);
        let mut open = Rail::new(config(4, 1, 0.0, 2));
        trip(&mut open);
        assert_eq!(open.record(poisoned), Transition::Poisoned);
        assert_eq!(open.state(), RailState::Poisoned);
    }

    #[test]
    fn poison_all_affects_every_rail_including_later_ones() {
        let mut rails = Rails::new(config(4, 1, 0.0, 2));
        assert_eq!(rails.rail("saxpy").route(), Route::Gpu);
        trip(rails.rail("softmax"));
        rails.rail("sgemm").poison();
        assert_eq!(
            rails.poison_all(),
            vec!["saxpy".to_owned(), "softmax".to_owned()]
        );
        assert!(rails.is_poisoned());
        assert!(rails.poison_all().is_empty());
        let poisoned = Route::Cpu {
            reason: RouteReason::Poisoned,
        };
        for kernel in ["saxpy", "softmax", "sgemm", "created_later"] {
            assert_eq!(rails.rail(kernel).route(), poisoned, "{kernel}");
            assert_eq!(rails.rail(kernel).state(), RailState::Poisoned, "{kernel}");
        }
        assert_eq!(rails.snapshot().len(), 4);
    }

    #[test]
    fn context_poisoned_record_on_rails_poisons_everything() {
        let mut rails = Rails::default();
        rails.rail("a").route();
        rails.rail("b").route();
        let transition = rails.record("a", Outcome::Error(StatusCode::ContextPoisoned));
        assert_eq!(transition, Transition::Poisoned);
        assert!(rails.is_poisoned());
        for (kernel, snapshot) in rails.snapshot() {
            assert_eq!(snapshot.state, RailState::Poisoned, "{kernel}");
        }
        assert_eq!(rails.rail("c").state(), RailState::Poisoned);
    }

    #[test]
    fn other_errors_on_rails_only_affect_their_kernel() {
        let mut rails = Rails::new(config(4, 1, 0.0, 2));
        rails.rail("a").route();
        let transition = rails.record("a", Outcome::Error(StatusCode::DriverError));
        assert_eq!(transition, rolled_back(1, 1));
        assert_eq!(rails.rail("b").route(), Route::Gpu);
        assert!(!rails.is_poisoned());
    }

    /// Kernel, route taken, and the transition its report caused.
    type LogEntry = (String, Route, Transition);

    /// Drives a full runtime-like protocol from a deterministic pseudo-random outcome stream
    /// and logs every route and transition.
    fn drive(seed: u64, calls: usize) -> (Vec<LogEntry>, BTreeMap<String, RailSnapshot>) {
        let mut rails = Rails::new(config(16, 4, 0.1, 5));
        let kernels = ["saxpy", "reduce", "softmax"];
        let mut state = seed;
        let mut next = || {
            // A fixed LCG: the test needs a varied but reproducible stream, not randomness.
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        let mut log = Vec::new();
        for _ in 0..calls {
            let kernel = kernels[(next() % 3) as usize];
            let route = rails.rail(kernel).route();
            let roll = next() % 100;
            let transition = match route {
                Route::Gpu => {
                    let outcome = match roll {
                        0..=7 => Outcome::GuardMiss,
                        8..=11 => Outcome::Error(StatusCode::DriverError),
                        _ => Outcome::Success,
                    };
                    rails.record(kernel, outcome)
                }
                Route::SelfTest => rails.rail(kernel).record_self_test(roll >= 30),
                Route::Cpu { .. } => Transition::None,
            };
            log.push((kernel.to_owned(), route, transition));
        }
        (log, rails.snapshot())
    }

    #[test]
    fn identical_sequences_give_identical_transition_logs() {
        let (first, first_snapshot) = drive(42, 5000);
        let (second, second_snapshot) = drive(42, 5000);
        assert_eq!(first, second);
        assert_eq!(first_snapshot, second_snapshot);
        // The stream must actually exercise the machine for the comparison to mean something.
        let count =
            |wanted: fn(&Transition) -> bool| first.iter().filter(|(_, _, t)| wanted(t)).count();
        assert!(count(|t| matches!(t, Transition::RolledBack { .. })) > 5);
        assert!(count(|t| matches!(t, Transition::Returned)) > 5);
        assert!(count(|t| matches!(t, Transition::SelfTestFailed)) > 0);
        let (other, _) = drive(7, 5000);
        assert_ne!(first, other, "a different stream should decide differently");
    }

    #[test]
    fn config_defaults_validation_and_serde() {
        let default = RailsConfig::default();
        assert_eq!(
            (default.window, default.min_calls, default.cooldown_calls),
            (64, 16, 100)
        );
        assert_eq!(default.max_failure_rate, 0.05);
        assert_eq!(default.validate(), Ok(()));
        assert_eq!(
            config(0, 0, 0.1, 1).validate(),
            Err(RailsConfigError::ZeroWindow)
        );
        assert_eq!(
            config(8, 9, 0.1, 1).validate(),
            Err(RailsConfigError::MinCallsExceedsWindow {
                min_calls: 9,
                window: 8
            })
        );
        assert!(matches!(
            config(8, 1, f64::NAN, 1).validate(),
            Err(RailsConfigError::InvalidRate(_))
        ));
        assert_eq!(
            config(8, 1, 1.5, 1).validate(),
            Err(RailsConfigError::InvalidRate(1.5))
        );

        let partial: RailsConfig = serde_json::from_str(r#"{"window": 32}"#).unwrap();
        assert_eq!(
            partial,
            RailsConfig {
                window: 32,
                ..default
            }
        );
        assert!(serde_json::from_str::<RailsConfig>(r#"{"windw": 32}"#).is_err());
        let json = serde_json::to_string(&default).unwrap();
        assert_eq!(serde_json::from_str::<RailsConfig>(&json).unwrap(), default);
    }

    #[test]
    fn zero_window_behaves_as_one() {
        let mut rail = Rail::new(config(0, 0, 0.5, 1));
        rail.route();
        assert_eq!(rail.record(Outcome::Success), Transition::None);
        assert_eq!(rail.snapshot().window_len, 1);
        rail.route();
        assert_eq!(rail.record(Outcome::GuardMiss), rolled_back(1, 1));
    }

    #[test]
    fn outcome_from_status_and_serde_shapes() {
        assert_eq!(Outcome::from(StatusCode::Ok), Outcome::Success);
        assert_eq!(Outcome::from(StatusCode::GuardMiss), Outcome::GuardMiss);
        assert_eq!(
            Outcome::from(StatusCode::DriverError),
            Outcome::Error(StatusCode::DriverError)
        );
        assert!(!Outcome::Success.is_failure());
        assert!(Outcome::GuardMiss.is_failure());

        let route = Route::Cpu {
            reason: RouteReason::CoolingDown { remaining: 3 },
        };
        assert_eq!(
            serde_json::to_string(&route).unwrap(),
            r#"{"route":"cpu","reason":{"cooling_down":{"remaining":3}}}"#
        );
        assert_eq!(
            serde_json::to_string(&Route::SelfTest).unwrap(),
            r#"{"route":"self_test"}"#
        );
        assert_eq!(
            serde_json::to_string(&rolled_back(1, 4)).unwrap(),
            r#"{"transition":"rolled_back","failures":1,"window":4,"rate":0.25}"#
        );
        let snapshot = Rail::new(RailsConfig::default()).snapshot();
        assert_eq!(
            serde_json::to_string(&snapshot).unwrap(),
            r#"{"state":"closed","failures":0,"window_len":0,"trips":0,"returns":0,"self_test_failures":0,"cooldown_remaining":null}"#
        );
        assert_eq!(RailState::HalfOpen.as_str(), "half_open");
        assert_eq!(
            RouteReason::CoolingDown { remaining: 1 }.as_str(),
            "cooling_down"
        );
    }
}
