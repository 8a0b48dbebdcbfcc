// BEGIN SOLUTION
//! # Kata NN — My kata, reference solution
//!
//! The reference answer: `cargo kata verify my-kata` requires it to pass every hidden test,
//! and the skeleton in `katas/` is derived from this file (`cargo kata derive my-kata`).
//!
//! The task is a placeholder written by `cargo kata new`: replace it with your own question
//! (the book's chapter "Writing your own kata" walks through it).
// END SOLUTION
// STUB: //! # Kata NN — My kata
// STUB: //!
// STUB: //! Write [`count_words`]. The `// TODO:` marks the place to write code; run the
// STUB: //! examples with `cargo test -p my-kata`, and `cargo kata grade my-kata` grades the kata.
//!
//! # Stages
//!
//! 1. [`count_words`]: a word is a run of characters between whitespace of any kind.

/// The number of words in `text`: runs of characters that are not whitespace, separated by
/// whitespace of any kind (spaces, tabs, newlines), which may also lead or trail.
pub fn count_words(text: &str) -> usize {
    // BEGIN SOLUTION
    text.split_whitespace().count()
    // END SOLUTION
    // STUB: // TODO: count the words (`str::split_whitespace` knows every kind of whitespace).
    // STUB: let _ = text;
    // STUB: todo!("count_words")
}
