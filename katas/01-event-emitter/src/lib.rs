//! # Kata 01 — an event emitter
//!
//! Build [`EventEmitter`], a single-threaded emitter with the semantics of Node's
//! `EventEmitter`, and then (stage 3) [`SyncEventEmitter`], the same for many threads.
//! Events are keys of any `Eq + Hash` type; listeners are closures that receive a shared
//! reference to the event's arguments.
//!
//! ```no_run
//! use event_emitter::EventEmitter;
//!
//! let emitter: EventEmitter<&str, String> = EventEmitter::new();
//! emitter.on("data", |msg| println!("Received: {msg}"));
//! emitter.emit("data", &"Hello".to_string()); // prints "Received: Hello"
//!
//! emitter.once("connect", |_| println!("Connected!"));
//! emitter.emit("connect", &String::new()); // prints "Connected!"
//! emitter.emit("connect", &String::new()); // prints nothing
//! ```
//!
//! Every `// TODO:` marks a place to write code. Run the examples with
//! `cargo test -p event-emitter`; `cargo kata grade event-emitter` grades the kata.
//!
//! # Stages
//!
//! 1. `on`, `once`, `off`, `emit`, `listener_count`, `remove_all_listeners`.
//! 2. Node's semantics: `emit` calls the listeners registered when it *started* (one added
//!    during the emit waits for the next emit; one removed during it still runs); a `once`
//!    listener is unregistered *before* it runs; listeners may call `on`, `off` and `emit` on
//!    the same emitter without a `RefCell` panic; [`EventEmitter::try_emit`] reports an event
//!    nobody handled.
//! 3. [`SyncEventEmitter`]: `Send + Sync`, tested with loom. Build it from the types in the
//!    `sync` module, not `std::sync`, so the tests can explore every thread interleaving.

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;

mod sync;

/// Stands in for the fields you choose; delete it when you add yours.
type Placeholder<E, A> = PhantomData<(E, fn(&A))>;

/// Names one registered listener. [`EventEmitter::on`] and [`EventEmitter::once`] return it;
/// [`EventEmitter::off`] takes it back.
///
/// Rust closures have no identity to compare, so the emitter hands out ids instead of
/// comparing functions the way Node does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

/// The error of [`EventEmitter::try_emit`]: the event had no listener.
///
/// Node throws when an `"error"` event is emitted with nobody listening; in Rust the
/// caller gets this error instead of a silently ignored event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnhandledEvent;

impl fmt::Display for UnhandledEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // TODO: write a short lowercase message.
        let _ = f;
        todo!("UnhandledEvent's message")
    }
}

impl std::error::Error for UnhandledEvent {}

/// A single-threaded event emitter with Node's semantics.
///
/// Every method takes `&self`, so a listener that holds the emitter (for example through an
/// `Rc` or a `Weak`) may register, remove and emit from inside a call.
pub struct EventEmitter<E, A> {
    // TODO: choose the fields — where listeners live, and how ids are handed out.
    // `RefCell` and `Cell` give `&self` methods the mutability they need.
    _todo: Placeholder<E, A>,
}

impl<E: Eq + Hash, A> EventEmitter<E, A> {
    /// Creates an emitter with no listeners.
    pub fn new() -> Self {
        // TODO: implement EventEmitter::new.
        todo!("EventEmitter::new")
    }

    /// Registers `listener` to be called on every emit of `event`, after the listeners
    /// registered before it.
    pub fn on(&self, event: E, listener: impl Fn(&A) + 'static) -> ListenerId {
        // TODO: implement EventEmitter::on.
        let _ = (event, listener);
        todo!("EventEmitter::on")
    }

    /// Registers `listener` for the next emit of `event` only. It is unregistered just
    /// before it runs, so a re-entrant emit from inside it does not call it again.
    /// The returned id works with [`off`](Self::off) until then.
    pub fn once(&self, event: E, listener: impl Fn(&A) + 'static) -> ListenerId {
        // TODO: implement EventEmitter::once.
        let _ = (event, listener);
        todo!("EventEmitter::once")
    }

    /// Unregisters the listener `id` from `event`. Returns whether it was registered.
    ///
    /// A listener removed while an emit is running is still called by that emit.
    pub fn off<Q>(&self, event: &Q, id: ListenerId) -> bool
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // TODO: implement EventEmitter::off.
        let _ = (event, id);
        todo!("EventEmitter::off")
    }

    /// Calls every listener of `event` with `args`, in registration order. Returns whether
    /// any listener was called.
    ///
    /// Listeners registered during this emit are not called by it; listeners removed
    /// during it still are.
    pub fn emit<Q>(&self, event: &Q, args: &A) -> bool
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // TODO: implement EventEmitter::emit.
        let _ = (event, args);
        todo!("EventEmitter::emit")
    }

    /// Emits `event` like [`emit`](Self::emit), but treats "nobody listened" as an error,
    /// as Node does for its `"error"` event. It does so for every event: no name is special.
    ///
    /// # Errors
    ///
    /// [`UnhandledEvent`] when `event` has no listener.
    pub fn try_emit<Q>(&self, event: &Q, args: &A) -> Result<(), UnhandledEvent>
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // TODO: implement EventEmitter::try_emit.
        let _ = (event, args);
        todo!("EventEmitter::try_emit")
    }

    /// The number of listeners registered for `event`.
    pub fn listener_count<Q>(&self, event: &Q) -> usize
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // TODO: implement EventEmitter::listener_count.
        let _ = event;
        todo!("EventEmitter::listener_count")
    }

    /// Unregisters every listener of `event`, or of every event when `event` is `None`.
    pub fn remove_all_listeners<Q>(&self, event: Option<&Q>)
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // TODO: implement EventEmitter::remove_all_listeners.
        let _ = event;
        todo!("EventEmitter::remove_all_listeners")
    }
}

impl<E: Eq + Hash, A> Default for EventEmitter<E, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E, A> fmt::Debug for EventEmitter<E, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventEmitter").finish_non_exhaustive()
    }
}

/// A thread-safe event emitter: the same API and semantics as [`EventEmitter`], shareable
/// between threads (`Send + Sync` whenever the event type `E` and the argument type `A`
/// both are). Listeners must be `Send + Sync`.
///
/// Build it from `sync::Mutex` and the `sync` atomics (see the `sync` module), and store
/// the closures in a `std::sync::Arc<dyn Fn(&A) + Send + Sync>`.
pub struct SyncEventEmitter<E, A> {
    // TODO: choose the fields.
    _todo: Placeholder<E, A>,
}

impl<E: Eq + Hash, A> SyncEventEmitter<E, A> {
    /// Creates an emitter with no listeners.
    pub fn new() -> Self {
        // TODO: implement SyncEventEmitter::new.
        todo!("SyncEventEmitter::new")
    }

    /// Registers `listener` for every emit of `event`; see [`EventEmitter::on`].
    pub fn on(&self, event: E, listener: impl Fn(&A) + Send + Sync + 'static) -> ListenerId {
        // TODO: implement SyncEventEmitter::on.
        let _ = (event, listener);
        todo!("SyncEventEmitter::on")
    }

    /// Registers `listener` for the next emit of `event` only; see [`EventEmitter::once`].
    /// When several threads emit at once, exactly one of them calls it.
    pub fn once(&self, event: E, listener: impl Fn(&A) + Send + Sync + 'static) -> ListenerId {
        // TODO: implement SyncEventEmitter::once.
        let _ = (event, listener);
        todo!("SyncEventEmitter::once")
    }

    /// Unregisters the listener `id` from `event`; see [`EventEmitter::off`].
    ///
    /// An emit that starts after `off` returned never calls the listener; an emit already
    /// running on another thread, which took its snapshot before, may still call it.
    pub fn off<Q>(&self, event: &Q, id: ListenerId) -> bool
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // TODO: implement SyncEventEmitter::off.
        let _ = (event, id);
        todo!("SyncEventEmitter::off")
    }

    /// Calls every listener of `event`; see [`EventEmitter::emit`]. No lock may be held
    /// while a listener runs.
    pub fn emit<Q>(&self, event: &Q, args: &A) -> bool
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // TODO: implement SyncEventEmitter::emit.
        let _ = (event, args);
        todo!("SyncEventEmitter::emit")
    }

    /// Emits `event`, treating "nobody listened" as an error; see [`EventEmitter::try_emit`].
    ///
    /// # Errors
    ///
    /// [`UnhandledEvent`] when `event` has no listener.
    pub fn try_emit<Q>(&self, event: &Q, args: &A) -> Result<(), UnhandledEvent>
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // TODO: implement SyncEventEmitter::try_emit.
        let _ = (event, args);
        todo!("SyncEventEmitter::try_emit")
    }

    /// The number of listeners registered for `event`.
    pub fn listener_count<Q>(&self, event: &Q) -> usize
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // TODO: implement SyncEventEmitter::listener_count.
        let _ = event;
        todo!("SyncEventEmitter::listener_count")
    }

    /// Unregisters every listener of `event`, or of every event when `event` is `None`.
    pub fn remove_all_listeners<Q>(&self, event: Option<&Q>)
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // TODO: implement SyncEventEmitter::remove_all_listeners.
        let _ = event;
        todo!("SyncEventEmitter::remove_all_listeners")
    }
}

impl<E: Eq + Hash, A> Default for SyncEventEmitter<E, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E, A> fmt::Debug for SyncEventEmitter<E, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncEventEmitter").finish_non_exhaustive()
    }
}
