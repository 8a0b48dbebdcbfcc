// Stage 2 — hostile input: file names that try to leave the upload folder or break the
// file system never escape it; two uploads of one name never overwrite each other, nor does
// a restarted server overwrite the last run's files; a file over the per-file limit, or
// files over the per-request total, are refused with 413 and leave no file behind, not even
// the request's earlier, complete files.

use crate::common::{names_in, serve, serve_in};
use kata_support::graded_async;
use kata_support::http::{self, multipart};
use sha2::{Digest, Sha256};
use std::path::Path;

const MIB: u64 = 1024 * 1024;

/// A stored name must be one plain, visible file name.
fn assert_safe(stored: &str, sent: &[u8]) {
    let sent = String::from_utf8_lossy(sent);
    assert!(!stored.is_empty(), "{sent:?}: empty stored name");
    assert!(
        stored.len() <= 255,
        "{sent:?}: stored name of {} bytes",
        stored.len()
    );
    assert!(
        !stored.contains(['/', '\\', '\0']),
        "{sent:?}: stored name {stored:?} contains a separator or NUL"
    );
    assert!(
        !stored.starts_with('.'),
        "{sent:?}: stored name {stored:?} is hidden or a dot entry"
    );
}

#[tokio::test]
async fn hostile_file_names_never_leave_the_upload_folder() {
    graded_async(async {
        let long = "a".repeat(1000) + ".txt";
        let names: Vec<Option<&[u8]>> = vec![
            Some(b"../escape.txt"),
            Some(b"../../../../../../tmp/escape.txt"),
            Some(b"/etc/passwd-copy"),
            Some(b".."),
            Some(b"."),
            Some(b".hidden"),
            Some(b"dir/nested.txt"),
            Some(b"..\\..\\windows.txt"),
            Some(b"C:\\Windows\\system.ini"),
            Some(b"nul\0byte.txt"),
            Some(b""),
            Some(long.as_bytes()),
            Some("r\u{e9}sum\u{e9} \u{1f4c4}.pdf".as_bytes()),
            None,
        ];
        let (addr, root, dir) = serve(MIB, MIB).await;
        for name in names {
            let sent = name.unwrap_or(b"<no filename parameter>");
            let files: &[multipart::File] = &[(name, None, b"payload")];
            let response = http::send(addr, multipart::post_files("/upload", files))
                .await
                .unwrap();
            let before = names_in(&dir);
            if response.status == 200 {
                let body = response.json();
                let stored = body["files"][0]["stored_name"].as_str().unwrap().to_owned();
                assert_safe(&stored, sent);
                assert_eq!(
                    std::fs::read(dir.join(&stored)).unwrap(),
                    b"payload",
                    "{:?}: the file is in the upload folder under its stored name",
                    String::from_utf8_lossy(sent)
                );
            } else {
                assert!(
                    response.status.is_client_error(),
                    "{:?}: a name may be refused with a 4xx, got {}",
                    String::from_utf8_lossy(sent),
                    response.status
                );
            }
            for entry in &before {
                assert_safe(entry, sent);
            }
            assert_eq!(
                names_in(root.path()),
                ["uploads"],
                "{:?}: something was written next to the upload folder",
                String::from_utf8_lossy(sent)
            );
        }
        assert!(
            !Path::new("/tmp/escape.txt").exists() && !Path::new("/etc/passwd-copy").exists(),
            "a file was written outside the upload folder"
        );
    })
    .await;
}

#[tokio::test]
async fn uploads_of_the_same_name_never_overwrite_each_other() {
    graded_async(async {
        let (addr, _root, dir) = serve(MIB, MIB).await;
        let upload = |i: usize| async move {
            let content = format!("upload number {i}").repeat(100 + i);
            let files: &[multipart::File] = &[(Some(b"same.txt"), None, content.as_bytes())];
            let response = http::send(addr, multipart::post_files("/upload", files))
                .await
                .unwrap();
            assert_eq!(response.status, 200, "body: {}", response.text());
            let stored = response.json()["files"][0]["stored_name"]
                .as_str()
                .unwrap()
                .to_owned();
            (stored, content)
        };
        // Two in a row, then eight at once.
        let mut results = vec![upload(0).await, upload(1).await];
        let handles: Vec<_> = (2..10).map(|i| tokio::spawn(upload(i))).collect();
        for handle in handles {
            results.push(handle.await.unwrap());
        }
        let mut stored: Vec<&String> = results.iter().map(|(s, _)| s).collect();
        stored.sort();
        stored.dedup();
        assert_eq!(stored.len(), 10, "ten uploads, ten different stored names");
        for (name, content) in &results {
            assert_eq!(
                std::fs::read_to_string(dir.join(name)).unwrap(),
                *content,
                "{name} holds another upload's content"
            );
        }
        assert_eq!(names_in(&dir).len(), 10);
    })
    .await;
}

#[tokio::test]
async fn a_restarted_server_never_overwrites_the_last_runs_files() {
    graded_async(async {
        let (first, _root, dir) = serve(MIB, MIB).await;
        // A new router over the same folder: the server after a restart.
        let second = serve_in(&dir, MIB, MIB).await;
        let mut results = Vec::new();
        for (i, addr) in [first, first, second, second].into_iter().enumerate() {
            let content = format!("upload {i}, same name");
            let files: &[multipart::File] = &[(Some(b"same.txt"), None, content.as_bytes())];
            let response = http::send(addr, multipart::post_files("/upload", files))
                .await
                .unwrap();
            assert_eq!(response.status, 200, "body: {}", response.text());
            let stored = response.json()["files"][0]["stored_name"]
                .as_str()
                .unwrap()
                .to_owned();
            results.push((stored, content));
        }
        for (name, content) in &results {
            assert_eq!(
                std::fs::read_to_string(dir.join(name)).unwrap(),
                *content,
                "{name} was overwritten by the restarted server's upload of the same name"
            );
        }
        assert_eq!(names_in(&dir).len(), 4, "four uploads, four files");
    })
    .await;
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_and_leaves_nothing() {
    graded_async(async {
        let (addr, _root, dir) = serve(MIB, 10 * MIB).await;
        let exact = vec![7u8; MIB as usize];
        let files: &[multipart::File] = &[(Some(b"exact.bin"), None, &exact)];
        let response = http::send(addr, multipart::post_files("/upload", files))
            .await
            .unwrap();
        assert_eq!(
            response.status,
            200,
            "exactly the limit is allowed: {}",
            response.text()
        );
        let kept = names_in(&dir);

        let over = vec![7u8; MIB as usize + 1];
        let files: &[multipart::File] = &[(Some(b"over.bin"), None, &over)];
        let response = http::send(addr, multipart::post_files("/upload", files))
            .await
            .unwrap();
        assert_eq!(response.status, 413, "one byte over the limit");
        assert_eq!(
            names_in(&dir),
            kept,
            "no partial file of the refused upload is left"
        );
    })
    .await;
}

#[tokio::test]
async fn files_over_the_total_limit_are_refused_and_all_removed() {
    graded_async(async {
        let (addr, _root, dir) = serve(MIB, 3 * MIB / 2).await;
        let one = vec![1u8; MIB as usize];
        let two = vec![2u8; MIB as usize];
        let files: &[multipart::File] = &[
            (Some(b"one.bin"), None, &one),
            (Some(b"two.bin"), None, &two),
        ];
        let response = http::send(addr, multipart::post_files("/upload", files))
            .await
            .unwrap();
        assert_eq!(
            response.status, 413,
            "2 MiB in one request, over the 1.5 MiB total"
        );
        assert!(
            names_in(&dir).is_empty(),
            "a refused request leaves nothing, not even its first, complete file: {:?}",
            names_in(&dir)
        );
        let sha = format!("{:x}", Sha256::digest(&one));
        let files: &[multipart::File] = &[(Some(b"one.bin"), None, &one)];
        let response = http::send(addr, multipart::post_files("/upload", files))
            .await
            .unwrap();
        assert_eq!(response.status, 200, "the limit is per request");
        assert_eq!(response.json()["files"][0]["sha256"], sha);
    })
    .await;
}

#[tokio::test]
async fn files_adding_up_to_exactly_the_total_limit_are_allowed() {
    graded_async(async {
        let (addr, _root, dir) = serve(MIB, 3 * MIB / 2).await;
        let half = vec![3u8; (MIB / 2) as usize];
        let whole = vec![4u8; MIB as usize];
        let files: &[multipart::File] = &[
            (Some(b"half.bin"), None, &half),
            (Some(b"whole.bin"), None, &whole),
        ];
        let response = http::send(addr, multipart::post_files("/upload", files))
            .await
            .unwrap();
        assert_eq!(
            response.status,
            200,
            "1.5 MiB in one request, exactly the total limit, is allowed: {}",
            response.text()
        );
        assert_eq!(names_in(&dir).len(), 2, "both files are stored");
        let kept = names_in(&dir);

        let more = vec![5u8; MIB as usize / 2 + 1];
        let files: &[multipart::File] = &[
            (Some(b"more.bin"), None, &more),
            (Some(b"whole.bin"), None, &whole),
        ];
        let response = http::send(addr, multipart::post_files("/upload", files))
            .await
            .unwrap();
        assert_eq!(response.status, 413, "one byte over the total limit");
        assert_eq!(names_in(&dir), kept, "the refused request leaves nothing");
    })
    .await;
}
