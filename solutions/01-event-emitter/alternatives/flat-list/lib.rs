//! Kata 01, a correct answer written differently from the reference: every registration of
//! every event lives in one flat list in registration order (no map), and the thread-safe
//! emitter uses a read-write lock. `cargo kata verify` requires it to score 100%.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::hash::Hash;
use std::rc::Rc;

mod sync;

use sync::{AtomicU64, Ordering, RwLock};

/// A listener's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

/// Nobody handled the event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnhandledEvent;

impl fmt::Display for UnhandledEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unhandled event")
    }
}

impl std::error::Error for UnhandledEvent {}

struct Registration<E, L> {
    event: E,
    id: ListenerId,
    once: bool,
    listener: L,
}

/// Single-threaded emitter.
pub struct EventEmitter<E, A> {
    all: RefCell<Vec<Registration<E, Rc<dyn Fn(&A)>>>>,
    ids: std::cell::Cell<u64>,
}

impl<E: Eq + Hash, A> EventEmitter<E, A> {
    /// Empty.
    pub fn new() -> Self {
        Self { all: RefCell::new(Vec::new()), ids: std::cell::Cell::new(1) }
    }

    fn register(&self, event: E, listener: Rc<dyn Fn(&A)>, once: bool) -> ListenerId {
        let id = ListenerId(self.ids.replace(self.ids.get() + 1));
        self.all.borrow_mut().push(Registration { event, id, once, listener });
        id
    }

    /// Every emit.
    pub fn on(&self, event: E, listener: impl Fn(&A) + 'static) -> ListenerId {
        self.register(event, Rc::new(listener), false)
    }

    /// Next emit only.
    pub fn once(&self, event: E, listener: impl Fn(&A) + 'static) -> ListenerId {
        self.register(event, Rc::new(listener), true)
    }

    /// Removes one.
    pub fn off<Q>(&self, event: &Q, id: ListenerId) -> bool
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut all = self.all.borrow_mut();
        let before = all.len();
        all.retain(|r| !(r.id == id && r.event.borrow() == event));
        all.len() != before
    }

    /// Calls the listeners.
    pub fn emit<Q>(&self, event: &Q, args: &A) -> bool
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let calls: Vec<Rc<dyn Fn(&A)>> = {
            let mut all = self.all.borrow_mut();
            let calls = all.iter().filter(|r| r.event.borrow() == event).map(|r| Rc::clone(&r.listener)).collect();
            all.retain(|r| !(r.once && r.event.borrow() == event));
            calls
        };
        calls.iter().for_each(|call| call(args));
        !calls.is_empty()
    }

    /// Emits; nobody listening is an error.
    ///
    /// # Errors
    ///
    /// [`UnhandledEvent`].
    pub fn try_emit<Q>(&self, event: &Q, args: &A) -> Result<(), UnhandledEvent>
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.emit(event, args).then_some(()).ok_or(UnhandledEvent)
    }

    /// How many.
    pub fn listener_count<Q>(&self, event: &Q) -> usize
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.all.borrow().iter().filter(|r| r.event.borrow() == event).count()
    }

    /// Removes all (of one event).
    pub fn remove_all_listeners<Q>(&self, event: Option<&Q>)
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.all.borrow_mut().retain(|r| event.is_some_and(|e| r.event.borrow() != e));
    }
}

impl<E: Eq + Hash, A> Default for EventEmitter<E, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E, A> fmt::Debug for EventEmitter<E, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EventEmitter")
    }
}

type Shared<A> = std::sync::Arc<dyn Fn(&A) + Send + Sync>;

/// Thread-safe emitter.
pub struct SyncEventEmitter<E, A> {
    all: RwLock<Vec<Registration<E, Shared<A>>>>,
    ids: AtomicU64,
}

impl<E: Eq + Hash, A> SyncEventEmitter<E, A> {
    /// Empty.
    pub fn new() -> Self {
        Self { all: RwLock::new(Vec::new()), ids: AtomicU64::new(1) }
    }

    fn register(&self, event: E, listener: Shared<A>, once: bool) -> ListenerId {
        let id = ListenerId(self.ids.fetch_add(1, Ordering::SeqCst));
        self.all.write().unwrap().push(Registration { event, id, once, listener });
        id
    }

    /// Every emit.
    pub fn on(&self, event: E, listener: impl Fn(&A) + Send + Sync + 'static) -> ListenerId {
        self.register(event, std::sync::Arc::new(listener), false)
    }

    /// Next emit only.
    pub fn once(&self, event: E, listener: impl Fn(&A) + Send + Sync + 'static) -> ListenerId {
        self.register(event, std::sync::Arc::new(listener), true)
    }

    /// Removes one.
    pub fn off<Q>(&self, event: &Q, id: ListenerId) -> bool
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut all = self.all.write().unwrap();
        let before = all.len();
        all.retain(|r| !(r.id == id && r.event.borrow() == event));
        all.len() != before
    }

    /// Calls the listeners.
    pub fn emit<Q>(&self, event: &Q, args: &A) -> bool
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        // The write lock: taking the once listeners out must be atomic with the snapshot.
        let calls: Vec<Shared<A>> = {
            let mut all = self.all.write().unwrap();
            let calls = all.iter().filter(|r| r.event.borrow() == event).map(|r| std::sync::Arc::clone(&r.listener)).collect();
            all.retain(|r| !(r.once && r.event.borrow() == event));
            calls
        };
        calls.iter().for_each(|call| call(args));
        !calls.is_empty()
    }

    /// Emits; nobody listening is an error.
    ///
    /// # Errors
    ///
    /// [`UnhandledEvent`].
    pub fn try_emit<Q>(&self, event: &Q, args: &A) -> Result<(), UnhandledEvent>
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.emit(event, args).then_some(()).ok_or(UnhandledEvent)
    }

    /// How many.
    pub fn listener_count<Q>(&self, event: &Q) -> usize
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.all.read().unwrap().iter().filter(|r| r.event.borrow() == event).count()
    }

    /// Removes all (of one event).
    pub fn remove_all_listeners<Q>(&self, event: Option<&Q>)
    where
        E: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.all.write().unwrap().retain(|r| event.is_some_and(|e| r.event.borrow() != e));
    }
}

impl<E: Eq + Hash, A> Default for SyncEventEmitter<E, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E, A> fmt::Debug for SyncEventEmitter<E, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SyncEventEmitter")
    }
}
