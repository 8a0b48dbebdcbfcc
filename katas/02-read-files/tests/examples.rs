//! Example tests from the kata's prompt. They fail with "not yet implemented" until you
//! fill in the `todo!()`s; run them with `cargo test -p read-files`.
//! The hidden tests go much further; `cargo kata grade read-files` runs them.

use read_files::read_files_with_limit;

#[tokio::test]
async fn five_files_two_at_a_time() {
    let dir = std::env::temp_dir().join(format!("kata02-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<_> = (1..=5)
        .map(|n| {
            let path = dir.join(format!("file{n}.txt"));
            std::fs::write(&path, format!("file {n}")).unwrap();
            path
        })
        .collect();

    let contents = read_files_with_limit(&paths, 2).await.unwrap();

    let texts: Vec<_> = contents.into_iter().map(|c| c.unwrap()).collect();
    assert_eq!(texts, ["file 1", "file 2", "file 3", "file 4", "file 5"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_missing_file_is_reported_not_fatal() {
    let dir = std::env::temp_dir().join(format!("kata02-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let present = dir.join("present.txt");
    std::fs::write(&present, "here").unwrap();
    let contents = read_files_with_limit([present, dir.join("no-such-file.txt")], 2)
        .await
        .unwrap();
    assert!(contents[0].is_ok());
    assert!(contents[1].is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
