// Stage 1 — the seed's upload: one or more files in a multipart form are stored with their
// size, type and SHA-256 (the empty file too), binary content survives byte for byte, a
// file bigger than axum's default body limit is accepted, and a body that is not
// multipart is refused without storing anything.

use crate::common::{names_in, serve};
use kata_support::graded_async;
use kata_support::http::{self, Connection, Method, multipart};
use sha2::{Digest, Sha256};

fn sha256_hex(data: &[u8]) -> String {
    format!("{:x}", Sha256::digest(data))
}

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn a_file_is_stored_with_its_size_type_and_checksum() {
    graded_async(async {
        let (addr, _root, dir) = serve(MIB, MIB).await;
        let files: &[multipart::File] = &[(Some(b"hello.txt"), Some("text/plain"), b"hello world")];
        let response = http::send(addr, multipart::post_files("/upload", files))
            .await
            .unwrap();
        assert_eq!(response.status, 200, "body: {}", response.text());
        let body = response.json();
        let file = &body["files"][0];
        assert_eq!(file["original_name"], "hello.txt");
        assert_eq!(file["size"], 11);
        assert_eq!(file["content_type"], "text/plain");
        assert_eq!(
            file["sha256"],
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        let stored = file["stored_name"]
            .as_str()
            .expect("stored_name is a string");
        assert_eq!(
            names_in(&dir),
            [stored],
            "exactly one file, under its stored name"
        );
        assert_eq!(std::fs::read(dir.join(stored)).unwrap(), b"hello world");
        assert_eq!(body["files"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_empty_file_has_the_empty_checksum() {
    graded_async(async {
        let (addr, _root, dir) = serve(MIB, MIB).await;
        let files: &[multipart::File] = &[(Some(b"empty.bin"), None, b"")];
        let response = http::send(addr, multipart::post_files("/upload", files))
            .await
            .unwrap();
        assert_eq!(response.status, 200, "body: {}", response.text());
        let file = &response.json()["files"][0];
        assert_eq!(file["size"], 0);
        assert_eq!(
            file["sha256"],
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(
            file["content_type"].is_null(),
            "no Content-Type was sent: {file}"
        );
        let stored = file["stored_name"].as_str().unwrap();
        assert_eq!(
            std::fs::read(dir.join(stored)).unwrap(),
            b"",
            "an empty file is stored"
        );
    })
    .await;
}

#[tokio::test]
async fn several_files_in_one_request_are_stored_in_order() {
    graded_async(async {
        let (addr, _root, dir) = serve(MIB, MIB).await;
        let files: &[multipart::File] = &[
            (Some(b"a.txt"), Some("text/plain"), b"first"),
            (Some(b"b.json"), Some("application/json"), b"{\"second\":2}"),
            (Some(b"c.txt"), None, b"third file"),
        ];
        let response = http::send(addr, multipart::post_files("/upload", files))
            .await
            .unwrap();
        assert_eq!(response.status, 200, "body: {}", response.text());
        let body = response.json();
        let reported = body["files"].as_array().unwrap();
        assert_eq!(reported.len(), 3);
        for ((name, _, content), file) in files.iter().zip(reported) {
            let name = std::str::from_utf8(name.unwrap()).unwrap();
            assert_eq!(file["original_name"], name);
            assert_eq!(file["sha256"], sha256_hex(content));
            let stored = file["stored_name"].as_str().unwrap();
            assert_eq!(std::fs::read(dir.join(stored)).unwrap(), *content);
        }
        assert_eq!(names_in(&dir).len(), 3);
    })
    .await;
}

#[tokio::test]
async fn binary_content_survives_byte_for_byte() {
    graded_async(async {
        let (addr, _root, dir) = serve(MIB, MIB).await;
        // Every byte value, line breaks, and text that looks like (but is not) a boundary.
        let mut content: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
        content.extend_from_slice(b"\r\n--kata-boundary\r\n--\r\n\r\n");
        content.extend((0..=255u8).rev().cycle().take(1000));
        let files: &[multipart::File] = &[(
            Some(b"data.bin"),
            Some("application/octet-stream"),
            &content,
        )];
        let response = http::send(addr, multipart::post_files("/upload", files))
            .await
            .unwrap();
        assert_eq!(response.status, 200, "body: {}", response.text());
        let file = &response.json()["files"][0];
        assert_eq!(file["size"], content.len());
        assert_eq!(file["sha256"], sha256_hex(&content));
        let stored = file["stored_name"].as_str().unwrap();
        assert!(std::fs::read(dir.join(stored)).unwrap() == content);
    })
    .await;
}

#[tokio::test]
async fn a_file_larger_than_axums_default_body_limit_is_accepted() {
    graded_async(async {
        let (addr, _root, dir) = serve(64 * MIB, 64 * MIB).await;
        let content = vec![b'x'; 5 * MIB as usize];
        let files: &[multipart::File] = &[(Some(b"big.bin"), None, &content)];
        let response = http::send(addr, multipart::post_files("/upload", files))
            .await
            .unwrap();
        assert_eq!(
            response.status,
            200,
            "5 MiB is under our limits (axum's own 2 MiB default must be lifted): {}",
            response.text()
        );
        let stored = response.json()["files"][0]["stored_name"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(std::fs::metadata(dir.join(stored)).unwrap().len(), 5 * MIB);
    })
    .await;
}

#[tokio::test]
async fn a_body_that_is_not_multipart_is_refused() {
    graded_async(async {
        let (addr, _root, dir) = serve(MIB, MIB).await;
        let mut conn = Connection::open(addr).await.unwrap();
        let mut request = http::request(Method::POST, "/upload", http::full("just text"));
        request
            .headers_mut()
            .insert("content-type", "text/plain".parse().unwrap());
        let response = conn.send(request).await.unwrap();
        assert!(
            response.status.is_client_error(),
            "a plain-text body is a client error, got {}",
            response.status
        );
        // Declared as multipart, but not a form: no boundary line ever comes.
        let mut request = http::request(Method::POST, "/upload", http::full("just text"));
        request.headers_mut().insert(
            "content-type",
            "multipart/form-data; boundary=X-KATA-BOUNDARY"
                .parse()
                .unwrap(),
        );
        let response = http::send(addr, request).await.unwrap();
        assert!(
            response.status.is_client_error(),
            "a body that is not valid multipart is a client error, got {}",
            response.status
        );
        assert!(
            names_in(&dir).is_empty(),
            "nothing stored: {:?}",
            names_in(&dir)
        );
    })
    .await;
}
