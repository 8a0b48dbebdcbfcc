// STUB: //! # Kata 01 — an event emitter
// STUB: //!
// STUB: //! Build [`EventEmitter`], a single-threaded emitter with the semantics of Node's
// STUB: //! `EventEmitter`, and then (stage 3) [`SyncEventEmitter`], the same for many threads.
// STUB: //! Events are keys of any `Eq + Hash` type; listeners are closures that receive a shared
// STUB: //! reference to the event's arguments.
// STUB: //!
// STUB: //! ```no_run
// STUB: //! use event_emitter::EventEmitter;
// STUB: //!
// STUB: //! let emitter: EventEmitter<&str, String> = EventEmitter::new();
// STUB: //! emitter.on("data", |msg| println!("Received: {msg}"));
// STUB: //! emitter.emit("data", &"Hello".to_string()); // prints "Received: Hello"
// STUB: //!
// STUB: //! emitter.once("connect", |_| println!("Connected!"));
// STUB: //! emitter.emit("connect", &String::new()); // prints "Connected!"
// STUB: //! emitter.emit("connect", &String::new()); // prints nothing
// STUB: //! ```
// STUB: //!
// STUB: //! Every `// TODO:` marks a place to write code. Run the examples with
// STUB: //! `cargo test -p event-emitter`; `cargo kata grade event-emitter` grades the kata.
// STUB: //!
// STUB: //! # Stages
// STUB: //!
// STUB: //! 1. `on`, `once`, `off`, `emit`, `listener_count`, `remove_all_listeners`.
// STUB: //! 2. Node's semantics: `emit` calls the listeners registered when it *started* (one added
// STUB: //!    during the emit waits for the next emit; one removed during it still runs); a `once`
// STUB: //!    listener is unregistered *before* it runs; listeners may call `on`, `off` and `emit` on
// STUB: //!    the same emitter without a `RefCell` panic; [`EventEmitter::try_emit`] reports an event
// STUB: //!    nobody handled.
// STUB: //! 3. [`SyncEventEmitter`]: `Send + Sync`, tested with loom. Build it from the types in the
// STUB: //!    `sync` module, not `std::sync`, so the tests can explore every thread interleaving.
// BEGIN SOLUTION
//! # Kata 01 — an event emitter, reference solution
//!
//! [`EventEmitter`] is a single-threaded emitter with the semantics of Node's
//! `EventEmitter`; [`SyncEventEmitter`] is the same thing for many threads. Both are keyed
//! by any `Eq + Hash` event type and call closures with a shared reference to the event's
//! arguments.
//!
//! ```
//! use event_emitter_solution::EventEmitter;
//! use std::cell::Cell;
//! use std::rc::Rc;
//!
//! let emitter: EventEmitter<&str, String> = EventEmitter::new();
//! let calls = Rc::new(Cell::new(0));
//! let counter = Rc::clone(&calls);
//! emitter.once("connect", move |_| counter.set(counter.get() + 1));
//!
//! assert!(emitter.emit("connect", &String::new()));
//! assert!(!emitter.emit("connect", &String::new())); // a `once` listener is gone
//! assert_eq!(calls.get(), 1);
//! ```
//!
//! # The two rules that make it correct
//!
//! 1. **Emit works on a snapshot.** `emit` copies the event's listener list (cheap: the
//!    closures sit behind reference counts), releases the borrow or lock, and only then calls
//!    them. Listeners can therefore call `on`, `off` and `emit` on the same emitter; a
//!    listener added during an emit waits for the next one, and one removed during an emit
//!    still runs in it — exactly Node's behaviour.
//! 2. **A `once` listener is unregistered before it runs**, in the same critical section
//!    that takes the snapshot. A re-entrant emit from inside it cannot see it, and two threads
//!    emitting at once cannot both take it.
//!
//! An event whose last listener goes is removed from the map, so `emit` can answer "did any
//! listener run" by looking, and the map does not grow with dead events.
// END SOLUTION

use std::borrow::Borrow;
// BEGIN SOLUTION
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
// END SOLUTION
use std::fmt;
use std::hash::Hash;
// STUB: use std::marker::PhantomData;
// BEGIN SOLUTION
use std::rc::Rc;
// END SOLUTION

mod sync;

// STUB: /// Stands in for the fields you choose; delete it when you add yours.
// STUB: type Placeholder<E, A> = PhantomData<(E, fn(&A))>;
// BEGIN SOLUTION
use sync::{AtomicU64, Mutex, Ordering};
// END SOLUTION

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
        // STUB: // TODO: write a short lowercase message.
        // STUB: let _ = f;
        // STUB: todo!("UnhandledEvent's message")
        // BEGIN SOLUTION
        f.write_str("the event was emitted but no listener handled it")
        // END SOLUTION
    }
}

impl std::error::Error for UnhandledEvent {}

// BEGIN SOLUTION
/// One registration: the id handed out, whether it is a `once`, and the closure.
struct Entry<L> {
    id: ListenerId,
    once: bool,
    listener: L,
}

/// Takes the snapshot `emit` runs: every listener of the list in registration order, with
/// the `once` entries removed from the list in the same step. Shared by both emitters.
fn snapshot_and_retire<L: Clone>(list: &mut Vec<Entry<L>>) -> Vec<L> {
    let snapshot = list.iter().map(|entry| entry.listener.clone()).collect();
    list.retain(|entry| !entry.once);
    snapshot
}

/// Removes the entry `id` from `event`'s list, dropping the list once it is empty.
fn remove_entry<E, Q, L>(map: &mut HashMap<E, Vec<Entry<L>>>, event: &Q, id: ListenerId) -> bool
where
    E: Eq + Hash + Borrow<Q>,
    Q: Eq + Hash + ?Sized,
{
    let Some(list) = map.get_mut(event) else {
        return false;
    };
    let Some(position) = list.iter().position(|entry| entry.id == id) else {
        return false;
    };
    list.remove(position);
    if list.is_empty() {
        map.remove(event);
    }
    true
}

type Listener<A> = Rc<dyn Fn(&A)>;

// END SOLUTION
/// A single-threaded event emitter with Node's semantics.
///
/// Every method takes `&self`, so a listener that holds the emitter (for example through an
/// `Rc` or a `Weak`) may register, remove and emit from inside a call.
pub struct EventEmitter<E, A> {
    // STUB: // TODO: choose the fields — where listeners live, and how ids are handed out.
    // STUB: // `RefCell` and `Cell` give `&self` methods the mutability they need.
    // STUB: _todo: Placeholder<E, A>,
    // BEGIN SOLUTION
    listeners: RefCell<HashMap<E, Vec<Entry<Listener<A>>>>>,
    next_id: Cell<u64>,
    // END SOLUTION
}

impl<E: Eq + Hash, A> EventEmitter<E, A> {
    /// Creates an emitter with no listeners.
    pub fn new() -> Self {
        // STUB: // TODO: implement EventEmitter::new.
        // STUB: todo!("EventEmitter::new")
        // BEGIN SOLUTION
        Self {
            listeners: RefCell::new(HashMap::new()),
            next_id: Cell::new(0),
        }
        // END SOLUTION
    }

    /// Registers `listener` to be called on every emit of `event`, after the listeners
    /// registered before it.
    pub fn on(&self, event: E, listener: impl Fn(&A) + 'static) -> ListenerId {
        // STUB: // TODO: implement EventEmitter::on.
        // STUB: let _ = (event, listener);
        // STUB: todo!("EventEmitter::on")
        // BEGIN SOLUTION
        self.add(event, Rc::new(listener), false)
        // END SOLUTION
    }

    /// Registers `listener` for the next emit of `event` only. It is unregistered just
    /// before it runs, so a re-entrant emit from inside it does not call it again.
    /// The returned id works with [`off`](Self::off) until then.
    pub fn once(&self, event: E, listener: impl Fn(&A) + 'static) -> ListenerId {
        // STUB: // TODO: implement EventEmitter::once.
        // STUB: let _ = (event, listener);
        // STUB: todo!("EventEmitter::once")
        // BEGIN SOLUTION
        self.add(event, Rc::new(listener), true)
        // END SOLUTION
    }

    // BEGIN SOLUTION
    fn add(&self, event: E, listener: Listener<A>, once: bool) -> ListenerId {
        let id = ListenerId(self.next_id.get());
        self.next_id.set(self.next_id.get() + 1);
        let entry = Entry { id, once, listener };
        self.listeners
            .borrow_mut()
            .entry(event)
            .or_default()
            .push(entry);
        id
    }

    // END SOLUTION
    /// Unregisters the listener `id` from `event`. Returns whether it was registered.
    ///
    /// A listener removed while an emit is running is still called by that emit.
    pub fn off<Q>(&self, event: &Q, id: ListenerId) -> bool
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // STUB: // TODO: implement EventEmitter::off.
        // STUB: let _ = (event, id);
        // STUB: todo!("EventEmitter::off")
        // BEGIN SOLUTION
        remove_entry(&mut self.listeners.borrow_mut(), event, id)
        // END SOLUTION
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
        // STUB: // TODO: implement EventEmitter::emit.
        // STUB: let _ = (event, args);
        // STUB: todo!("EventEmitter::emit")
        // BEGIN SOLUTION
        let snapshot = {
            let mut map = self.listeners.borrow_mut();
            let Some(list) = map.get_mut(event) else {
                return false;
            };
            let snapshot = snapshot_and_retire(list);
            if list.is_empty() {
                map.remove(event);
            }
            snapshot
        }; // The borrow ends here: listeners may now use the emitter freely.
        for listener in &snapshot {
            listener(args);
        }
        !snapshot.is_empty()
        // END SOLUTION
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
        // STUB: // TODO: implement EventEmitter::try_emit.
        // STUB: let _ = (event, args);
        // STUB: todo!("EventEmitter::try_emit")
        // BEGIN SOLUTION
        if self.emit(event, args) {
            Ok(())
        } else {
            Err(UnhandledEvent)
        }
        // END SOLUTION
    }

    /// The number of listeners registered for `event`.
    pub fn listener_count<Q>(&self, event: &Q) -> usize
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // STUB: // TODO: implement EventEmitter::listener_count.
        // STUB: let _ = event;
        // STUB: todo!("EventEmitter::listener_count")
        // BEGIN SOLUTION
        self.listeners.borrow().get(event).map_or(0, Vec::len)
        // END SOLUTION
    }

    /// Unregisters every listener of `event`, or of every event when `event` is `None`.
    pub fn remove_all_listeners<Q>(&self, event: Option<&Q>)
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // STUB: // TODO: implement EventEmitter::remove_all_listeners.
        // STUB: let _ = event;
        // STUB: todo!("EventEmitter::remove_all_listeners")
        // BEGIN SOLUTION
        let mut map = self.listeners.borrow_mut();
        match event {
            Some(event) => {
                map.remove(event);
            }
            None => map.clear(),
        }
        // END SOLUTION
    }
}

impl<E: Eq + Hash, A> Default for EventEmitter<E, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E, A> fmt::Debug for EventEmitter<E, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // STUB: f.debug_struct("EventEmitter").finish_non_exhaustive()
        // BEGIN SOLUTION
        f.debug_struct("EventEmitter")
            .field("events", &self.listeners.borrow().len())
            .finish_non_exhaustive()
        // END SOLUTION
    }
}

// BEGIN SOLUTION
type SyncListener<A> = std::sync::Arc<dyn Fn(&A) + Send + Sync>;

// END SOLUTION
/// A thread-safe event emitter: the same API and semantics as [`EventEmitter`], shareable
/// between threads (`Send + Sync` whenever the event type `E` and the argument type `A`
/// both are). Listeners must be `Send + Sync`.
///
/// Build it from `sync::Mutex` and the `sync` atomics (see the `sync` module), and store
/// the closures in a `std::sync::Arc<dyn Fn(&A) + Send + Sync>`.
pub struct SyncEventEmitter<E, A> {
    // STUB: // TODO: choose the fields.
    // STUB: _todo: Placeholder<E, A>,
    // BEGIN SOLUTION
    listeners: Mutex<HashMap<E, Vec<Entry<SyncListener<A>>>>>,
    next_id: AtomicU64,
    // END SOLUTION
}

impl<E: Eq + Hash, A> SyncEventEmitter<E, A> {
    /// Creates an emitter with no listeners.
    pub fn new() -> Self {
        // STUB: // TODO: implement SyncEventEmitter::new.
        // STUB: todo!("SyncEventEmitter::new")
        // BEGIN SOLUTION
        Self {
            listeners: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
        }
        // END SOLUTION
    }

    // BEGIN SOLUTION
    /// Locks the map. A panic elsewhere cannot leave the map half-updated (no listener runs
    /// under the lock), so a poisoned lock is safe to use.
    fn map(&self) -> sync::MutexGuard<'_, HashMap<E, Vec<Entry<SyncListener<A>>>>> {
        self.listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    // END SOLUTION
    /// Registers `listener` for every emit of `event`; see [`EventEmitter::on`].
    pub fn on(&self, event: E, listener: impl Fn(&A) + Send + Sync + 'static) -> ListenerId {
        // STUB: // TODO: implement SyncEventEmitter::on.
        // STUB: let _ = (event, listener);
        // STUB: todo!("SyncEventEmitter::on")
        // BEGIN SOLUTION
        self.add(event, std::sync::Arc::new(listener), false)
        // END SOLUTION
    }

    /// Registers `listener` for the next emit of `event` only; see [`EventEmitter::once`].
    /// When several threads emit at once, exactly one of them calls it.
    pub fn once(&self, event: E, listener: impl Fn(&A) + Send + Sync + 'static) -> ListenerId {
        // STUB: // TODO: implement SyncEventEmitter::once.
        // STUB: let _ = (event, listener);
        // STUB: todo!("SyncEventEmitter::once")
        // BEGIN SOLUTION
        self.add(event, std::sync::Arc::new(listener), true)
        // END SOLUTION
    }

    // BEGIN SOLUTION
    fn add(&self, event: E, listener: SyncListener<A>, once: bool) -> ListenerId {
        // Relaxed is enough: the counter only has to hand out distinct numbers.
        let id = ListenerId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let entry = Entry { id, once, listener };
        self.map().entry(event).or_default().push(entry);
        id
    }

    // END SOLUTION
    /// Unregisters the listener `id` from `event`; see [`EventEmitter::off`].
    ///
    /// An emit that starts after `off` returned never calls the listener; an emit already
    /// running on another thread, which took its snapshot before, may still call it.
    pub fn off<Q>(&self, event: &Q, id: ListenerId) -> bool
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // STUB: // TODO: implement SyncEventEmitter::off.
        // STUB: let _ = (event, id);
        // STUB: todo!("SyncEventEmitter::off")
        // BEGIN SOLUTION
        remove_entry(&mut self.map(), event, id)
        // END SOLUTION
    }

    /// Calls every listener of `event`; see [`EventEmitter::emit`]. No lock may be held
    /// while a listener runs.
    pub fn emit<Q>(&self, event: &Q, args: &A) -> bool
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // STUB: // TODO: implement SyncEventEmitter::emit.
        // STUB: let _ = (event, args);
        // STUB: todo!("SyncEventEmitter::emit")
        // BEGIN SOLUTION
        let snapshot = {
            let mut map = self.map();
            let Some(list) = map.get_mut(event) else {
                return false;
            };
            let snapshot = snapshot_and_retire(list);
            if list.is_empty() {
                map.remove(event);
            }
            snapshot
        }; // The lock is released before any listener runs.
        for listener in &snapshot {
            listener(args);
        }
        !snapshot.is_empty()
        // END SOLUTION
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
        // STUB: // TODO: implement SyncEventEmitter::try_emit.
        // STUB: let _ = (event, args);
        // STUB: todo!("SyncEventEmitter::try_emit")
        // BEGIN SOLUTION
        if self.emit(event, args) {
            Ok(())
        } else {
            Err(UnhandledEvent)
        }
        // END SOLUTION
    }

    /// The number of listeners registered for `event`.
    pub fn listener_count<Q>(&self, event: &Q) -> usize
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // STUB: // TODO: implement SyncEventEmitter::listener_count.
        // STUB: let _ = event;
        // STUB: todo!("SyncEventEmitter::listener_count")
        // BEGIN SOLUTION
        self.map().get(event).map_or(0, Vec::len)
        // END SOLUTION
    }

    /// Unregisters every listener of `event`, or of every event when `event` is `None`.
    pub fn remove_all_listeners<Q>(&self, event: Option<&Q>)
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // STUB: // TODO: implement SyncEventEmitter::remove_all_listeners.
        // STUB: let _ = event;
        // STUB: todo!("SyncEventEmitter::remove_all_listeners")
        // BEGIN SOLUTION
        let mut map = self.map();
        match event {
            Some(event) => {
                map.remove(event);
            }
            None => map.clear(),
        }
        // END SOLUTION
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
