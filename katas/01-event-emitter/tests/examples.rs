//! Example tests from the kata's prompt. They fail with "not yet implemented" until you
//! fill in the `todo!()`s; run them with `cargo test -p event-emitter`.
//! The hidden tests go much further; `cargo kata grade event-emitter` runs them.

use event_emitter::EventEmitter;
use std::cell::RefCell;
use std::rc::Rc;

#[test]
fn a_listener_receives_what_is_emitted() {
    let emitter: EventEmitter<&str, String> = EventEmitter::new();
    let received = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&received);
    emitter.on("data", move |msg: &String| {
        log.borrow_mut().push(format!("Received: {msg}"))
    });

    assert!(emitter.emit("data", &"Hello".to_string()));
    assert_eq!(*received.borrow(), ["Received: Hello"]);
}

#[test]
fn a_once_listener_runs_for_the_first_emit_only() {
    let emitter: EventEmitter<&str, ()> = EventEmitter::new();
    let connected = Rc::new(RefCell::new(0));
    let count = Rc::clone(&connected);
    emitter.once("connect", move |_| *count.borrow_mut() += 1);

    assert!(emitter.emit("connect", &()));
    assert!(
        !emitter.emit("connect", &()),
        "nothing is listening any more"
    );
    assert_eq!(*connected.borrow(), 1);
}
