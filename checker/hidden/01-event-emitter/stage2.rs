// Stage 2 — Node's semantics: emit works on a snapshot, `once` listeners are removed
// before they run, listeners may use the emitter re-entrantly, and an event that must be
// handled reports when nobody did.

use event_emitter::EventEmitter;
use kata_support::graded;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

type Emitter = EventEmitter<&'static str, u32>;

/// An emitter behind an `Rc`, so listeners can hold a `Weak` to it and call back in.
fn shared() -> (Rc<Emitter>, Weak<Emitter>) {
    let em = Rc::new(Emitter::new());
    let weak = Rc::downgrade(&em);
    (em, weak)
}

#[derive(Clone, Default)]
struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    fn add(&self, entry: impl Into<String>) {
        self.0.borrow_mut().push(entry.into());
    }
    fn push(&self, tag: &'static str) -> impl Fn(&u32) + 'static {
        let log = self.clone();
        move |n: &u32| log.add(format!("{tag}:{n}"))
    }
    fn entries(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

#[test]
fn a_listener_added_during_an_emit_waits_for_the_next_emit() {
    graded(|| {
        let (em, weak) = shared();
        let log = Log::default();
        let adder_log = log.clone();
        em.once("e", move |_| {
            adder_log.add("adder");
            let em = weak.upgrade().expect("emitter alive");
            em.on("e", adder_log.push("late"));
        });
        assert!(em.emit("e", &1));
        assert_eq!(
            log.entries(),
            ["adder"],
            "a listener added during emit must not run in it"
        );
        assert!(em.emit("e", &2));
        assert_eq!(log.entries(), ["adder", "late:2"]);
    });
}

#[test]
fn a_listener_removed_during_an_emit_still_runs_in_that_emit() {
    graded(|| {
        let (em, weak) = shared();
        let log = Log::default();
        let victim = Rc::new(Cell::new(None));
        let remover_log = log.clone();
        let victim_id = Rc::clone(&victim);
        em.on("e", move |n| {
            remover_log.add(format!("remover:{n}"));
            if let Some(id) = victim_id.take() {
                let em = weak.upgrade().expect("emitter alive");
                assert!(em.off("e", id), "off from inside a listener must work");
            }
        });
        victim.set(Some(em.on("e", log.push("victim"))));
        em.emit("e", &1);
        assert_eq!(
            log.entries(),
            ["remover:1", "victim:1"],
            "emit calls the listeners registered when it started, even if removed meanwhile"
        );
        em.emit("e", &2);
        assert_eq!(log.entries(), ["remover:1", "victim:1", "remover:2"]);
    });
}

#[test]
fn a_once_listener_that_emits_its_own_event_runs_once() {
    // The seed's wrapper calls the listener before removing it, so a re-entrant emit from
    // inside the listener finds it still registered and runs it again.
    graded(|| {
        let (em, weak) = shared();
        let calls = Rc::new(Cell::new(0));
        let counter = Rc::clone(&calls);
        em.once("e", move |n| {
            counter.set(counter.get() + 1);
            if *n < 3 {
                let em = weak.upgrade().expect("emitter alive");
                em.emit("e", &(n + 1));
            }
        });
        em.emit("e", &0);
        assert_eq!(
            calls.get(),
            1,
            "a once listener must be removed before it runs"
        );
    });
}

#[test]
fn a_once_listener_is_already_unregistered_while_it_runs() {
    graded(|| {
        let (em, weak) = shared();
        let seen = Rc::new(Cell::new(usize::MAX));
        let count = Rc::clone(&seen);
        em.once("e", move |_| {
            let em = weak.upgrade().expect("emitter alive");
            count.set(em.listener_count("e"));
        });
        em.emit("e", &0);
        assert_eq!(
            seen.get(),
            0,
            "inside a once listener, listener_count must not count it"
        );
    });
}

#[test]
fn listeners_may_emit_other_events_reentrantly() {
    graded(|| {
        let (em, weak) = shared();
        let log = Log::default();
        let outer = log.clone();
        em.on("outer", move |n| {
            outer.add(format!("outer-first:{n}"));
            let em = weak.upgrade().expect("emitter alive");
            assert!(
                em.emit("inner", &(n * 10)),
                "the inner event has a listener"
            );
        });
        em.on("outer", log.push("outer-second"));
        em.on("inner", log.push("inner"));
        assert!(em.emit("outer", &1));
        assert_eq!(
            log.entries(),
            ["outer-first:1", "inner:10", "outer-second:1"],
            "a nested emit runs to completion inside the listener that started it"
        );
    });
}

#[test]
fn a_listener_may_emit_its_own_event_recursively() {
    graded(|| {
        let (em, weak) = shared();
        let log = Log::default();
        let inner = log.clone();
        em.on("count", move |n| {
            inner.add(format!("n:{n}"));
            if *n > 0 {
                let em = weak.upgrade().expect("emitter alive");
                em.emit("count", &(n - 1));
            }
        });
        em.emit("count", &3);
        assert_eq!(log.entries(), ["n:3", "n:2", "n:1", "n:0"]);
    });
}

#[test]
fn a_listener_may_remove_itself() {
    graded(|| {
        let (em, weak) = shared();
        let calls = Rc::new(Cell::new(0));
        let own_id = Rc::new(Cell::new(None));
        let (counter, id_cell) = (Rc::clone(&calls), Rc::clone(&own_id));
        let id = em.on("e", move |_| {
            counter.set(counter.get() + 1);
            let em = weak.upgrade().expect("emitter alive");
            let id = id_cell.get().expect("id recorded");
            assert!(
                em.off("e", id),
                "a listener can remove itself while running"
            );
        });
        own_id.set(Some(id));
        assert!(em.emit("e", &0));
        assert!(
            !em.emit("e", &0),
            "after removing itself no listener is left"
        );
        assert_eq!(calls.get(), 1);
    });
}

#[test]
fn remove_all_listeners_from_inside_a_listener_keeps_the_running_emit() {
    graded(|| {
        let (em, weak) = shared();
        let log = Log::default();
        let first = log.clone();
        em.on("e", move |n| {
            first.add(format!("clearer:{n}"));
            weak.upgrade()
                .expect("emitter alive")
                .remove_all_listeners::<str>(None);
        });
        em.on("e", log.push("second"));
        em.emit("e", &1);
        assert_eq!(log.entries(), ["clearer:1", "second:1"]);
        assert!(
            !em.emit("e", &2),
            "every listener is gone for the next emit"
        );
    });
}

#[test]
fn try_emit_with_no_listener_is_an_error() {
    graded(|| {
        let em = Emitter::new();
        assert!(
            em.try_emit("error", &7).is_err(),
            "an error event nobody handles must be reported, not swallowed"
        );
        assert!(
            em.try_emit("data", &7).is_err(),
            "try_emit reports any event nobody handles, not only \"error\""
        );
        let id = em.on("error", |_| {});
        assert!(em.try_emit("error", &7).is_ok());
        em.off("error", id);
        assert!(
            em.try_emit("error", &7).is_err(),
            "a removed listener no longer handles it"
        );
    });
}

#[test]
fn try_emit_calls_the_listeners() {
    graded(|| {
        let em = Emitter::new();
        let log = Log::default();
        em.once("error", log.push("handler"));
        assert!(em.try_emit("error", &42).is_ok());
        assert_eq!(log.entries(), ["handler:42"]);
        assert!(
            em.try_emit("error", &43).is_err(),
            "the once handler was used up"
        );
    });
}

#[test]
fn the_unhandled_error_has_a_message() {
    graded(|| {
        let em = Emitter::new();
        let err = em.try_emit("error", &1).expect_err("no listener");
        let boxed: Box<dyn std::error::Error> = Box::new(err);
        assert!(
            !boxed.to_string().is_empty(),
            "the error needs a Display message"
        );
    });
}
