// Stage 1 — count_words: a word is a run of characters between whitespace of any kind.

use my_kata::count_words;

use kata_support::graded;

#[test]
fn any_whitespace_separates_words() {
    graded(|| {
        assert_eq!(
            count_words("one\ttwo\nthree four"),
            4,
            "tabs and newlines separate"
        );
        assert_eq!(
            count_words("  padded   words  "),
            2,
            "runs of spaces are one gap"
        );
        assert_eq!(count_words(""), 0, "an empty text has no words");
    });
}
