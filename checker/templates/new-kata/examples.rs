//! Example tests from the kata's prompt. They fail with "not yet implemented" until you
//! fill in the `todo!()`; run them with `cargo test -p my-kata`.
//! The hidden tests go further; `cargo kata grade my-kata` runs them.

use my_kata::count_words;

#[test]
fn four_words() {
    assert_eq!(count_words("the quick brown fox"), 4);
}
