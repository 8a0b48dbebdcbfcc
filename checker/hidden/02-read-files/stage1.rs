// Stage 1 — the seed's task: read many files with at most `limit` reads at a time, one
// result per path in input order, a failing file reported with its path and without
// stopping the others.

use kata_support::graded_async;
use read_files::{LimitError, read_files_with_limit};
use std::io::ErrorKind;
use std::path::PathBuf;

/// A fresh folder under the test's temporary directory, removed on drop.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("kata02-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a test folder");
        Folder(dir)
    }

    fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write a test file");
        path
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn reads_every_file_in_input_order() {
    graded_async(async {
        let folder = Folder::new("order");
        let paths: Vec<PathBuf> = (0..12)
            .map(|i| folder.file(&format!("f{i}.txt"), format!("content {i}").as_bytes()))
            .collect();
        let results = read_files_with_limit(&paths, 3)
            .await
            .expect("limit 3 is valid");
        let texts: Vec<String> = results
            .into_iter()
            .map(|r| r.expect("every file exists"))
            .collect();
        let expected: Vec<String> = (0..12).map(|i| format!("content {i}")).collect();
        assert_eq!(texts, expected, "results must be in the order of the paths");
    })
    .await;
}

#[tokio::test]
async fn a_missing_file_is_an_error_and_the_others_still_load() {
    // The seed's answer put `{ error, path }` objects into the array of contents, so a
    // caller could not tell a file's text from a failure.
    graded_async(async {
        let folder = Folder::new("missing");
        let first = folder.file("a.txt", b"alpha");
        let missing = folder.0.join("does-not-exist.txt");
        let last = folder.file("c.txt", b"gamma");
        let results = read_files_with_limit([&first, &missing, &last], 2)
            .await
            .expect("limit 2 is valid");
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].as_deref().ok(), Some("alpha"));
        assert_eq!(results[2].as_deref().ok(), Some("gamma"));
        let error = results[1]
            .as_ref()
            .expect_err("a missing file must be an Err, not content");
        assert_eq!(error.path, missing, "the error names the file");
        assert_eq!(error.source.kind(), ErrorKind::NotFound);
        assert!(
            error.to_string().contains("does-not-exist.txt"),
            "the message names the file: {error}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_file_that_is_not_utf8_is_an_error() {
    graded_async(async {
        let folder = Folder::new("utf8");
        let bad = folder.file("bad.bin", &[0xff, 0xfe, 0x00, 0xc3]);
        let good = folder.file("good.txt", "héllo".as_bytes());
        let results = read_files_with_limit([&bad, &good], 1)
            .await
            .expect("valid limit");
        let error = results[0].as_ref().expect_err("invalid UTF-8 is an error");
        assert_eq!(error.path, bad);
        assert_eq!(error.source.kind(), ErrorKind::InvalidData);
        assert_eq!(results[1].as_deref().ok(), Some("héllo"));
    })
    .await;
}

#[tokio::test]
async fn a_directory_is_an_error_naming_its_path() {
    graded_async(async {
        let folder = Folder::new("dir");
        let sub = folder.0.join("sub");
        std::fs::create_dir(&sub).expect("create a folder");
        let results = read_files_with_limit([&sub], 4).await.expect("valid limit");
        let error = results[0]
            .as_ref()
            .expect_err("a folder cannot be read as a file");
        assert_eq!(error.path, sub);
        // The source is the system's own error for reading a folder, not one of ours.
        let system = std::fs::read(&sub).expect_err("a folder cannot be read");
        assert_eq!(
            error.source.kind(),
            system.kind(),
            "the source must be the error the read returned ({system}), got {}",
            error.source
        );
    })
    .await;
}

#[tokio::test]
async fn any_positive_limit_works_even_usize_max() {
    graded_async(async {
        let folder = Folder::new("huge-limit");
        let a = folder.file("a.txt", b"alpha");
        let b = folder.file("b.txt", b"beta");
        let results = read_files_with_limit([&a, &b], usize::MAX)
            .await
            .expect("usize::MAX is a valid limit");
        let texts: Vec<_> = results.into_iter().map(|r| r.expect("readable")).collect();
        assert_eq!(texts, ["alpha", "beta"]);
    })
    .await;
}

#[tokio::test]
async fn no_paths_give_no_results() {
    graded_async(async {
        let results = read_files_with_limit(Vec::<PathBuf>::new(), 2)
            .await
            .expect("valid limit");
        assert!(results.is_empty());
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_limit_of_zero_is_an_error_not_a_hang() {
    graded_async(async {
        // With the paused clock an endless wait ends this timeout at once.
        let outcome = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            read_files_with_limit(["Cargo.toml"], 0),
        )
        .await
        .expect("a limit of 0 must return an error, not wait forever");
        assert_eq!(outcome.err(), Some(LimitError::Zero));
        let nothing = read_files_with_limit(Vec::<PathBuf>::new(), 0).await;
        assert_eq!(
            nothing.err(),
            Some(LimitError::Zero),
            "a limit of 0 is an error even with no paths"
        );
        assert!(!LimitError::Zero.to_string().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_limit_above_the_number_of_files_is_fine() {
    graded_async(async {
        let folder = Folder::new("big-limit");
        let paths = [folder.file("one.txt", b"1"), folder.file("two.txt", b"2")];
        let results = read_files_with_limit(&paths, 100)
            .await
            .expect("valid limit");
        let texts: Vec<&str> = results
            .iter()
            .map(|r| r.as_deref().expect("exists"))
            .collect();
        assert_eq!(texts, ["1", "2"]);
    })
    .await;
}
