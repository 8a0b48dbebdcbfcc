// Stage 4 — progress: the server reports each upload on the `ProgressSink` of its config.
// The figures count the request's file bytes and never go down; a `Receiving` report comes
// only once the figure has grown by the sink's step since the last report (so a client's
// tiny chunks do not mean as many reports); one final report ends every request — `Done`
// with the bytes stored, `Rejected` for an error answer, `Disconnected` when the client
// went away; the declared body length is `None` without a `Content-Length`.
//
// Every test runs the server and the client on one thread (tokio's current-thread
// runtime), so the server reads a body the way the client sends it: a stream of 8-byte
// chunks reaches the handler as hundreds of small chunks. Nothing sleeps: a test waits for
// a report or a response, and only the 10-second bound on a report that never comes (a
// failing answer) depends on the clock.

use crate::common::{drop_the_handler, names_in, serve_config, upload_that_never_ends};
use futures::StreamExt;
use kata_support::graded_async;
use kata_support::http::{self, multipart};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc::UnboundedReceiver;
use upload::{Progress, ProgressSink, ProgressStatus, UploadConfig};

const STEP: u64 = 1000;

/// Serves the kata's router with a progress sink reporting every `every` bytes.
async fn serve_reporting(
    max_file_bytes: u64,
    every: u64,
) -> (
    SocketAddr,
    tempfile::TempDir,
    std::path::PathBuf,
    UnboundedReceiver<Progress>,
) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("uploads");
    std::fs::create_dir(&dir).unwrap();
    let (sender, reports) = tokio::sync::mpsc::unbounded_channel();
    let addr = serve_config(UploadConfig {
        dir: dir.clone(),
        max_file_bytes,
        max_total_bytes: 1 << 30,
        progress: Some(ProgressSink { sender, every }),
    })
    .await;
    (addr, root, dir, reports)
}

/// The reports already sent: those of a request that was answered (its final report goes
/// out before its response).
fn sent(reports: &mut UnboundedReceiver<Progress>) -> Vec<Progress> {
    let mut all = Vec::new();
    while let Ok(report) = reports.try_recv() {
        all.push(report);
    }
    all
}

/// The next report; fails after 10 s without one.
async fn next(reports: &mut UnboundedReceiver<Progress>, waiting_for: &str) -> Progress {
    match tokio::time::timeout(Duration::from_secs(10), reports.recv()).await {
        Ok(Some(report)) => report,
        Ok(None) => panic!("the progress channel closed while waiting for {waiting_for}"),
        Err(_) => panic!("no progress report 10 s after {waiting_for}"),
    }
}

/// Checks the reports of one request that ended with `status`: one upload number, one
/// body length, `Receiving` figures at least `every` apart (the first at least `every`),
/// figures that never go down, and exactly one final report, the last.
#[track_caller]
fn check_one_request(
    reports: &[Progress],
    every: u64,
    body_length: Option<u64>,
    status: ProgressStatus,
) {
    assert!(!reports.is_empty(), "no progress report at all");
    let last = reports[reports.len() - 1];
    for report in reports {
        assert_eq!(
            report.upload, reports[0].upload,
            "every report of one request carries its upload number: {reports:?}"
        );
        assert_eq!(
            report.body_length, body_length,
            "body_length is the request's Content-Length, or None without one: {reports:?}"
        );
    }
    let (receiving, last_one) = reports.split_at(reports.len() - 1);
    for report in receiving {
        assert_eq!(
            report.status,
            ProgressStatus::Receiving,
            "one final report per request, and it is the last: {reports:?}"
        );
    }
    assert_eq!(
        last_one[0].status, status,
        "the final report says how the request ended: {reports:?}"
    );
    let mut previous = 0;
    for report in receiving {
        assert!(
            report.received >= previous + every,
            "a Receiving report only when the figure grew by at least `every` = {every} since \
             the last report (the first from 0), not after every chunk, and figures that \
             count the whole request, not one file or one chunk: {reports:?}"
        );
        previous = report.received;
    }
    assert!(
        last.received >= previous,
        "the final figure is below an earlier one: {reports:?}"
    );
}

/// A streamed body: the form's bytes in pieces of `piece` bytes, with no Content-Length.
fn in_pieces(body: &[u8], piece: usize) -> http::Body {
    let pieces: Vec<Vec<u8>> = body.chunks(piece).map(<[u8]>::to_vec).collect();
    http::streamed(futures::stream::iter(pieces).map(|bytes| Ok(bytes.into())))
}

fn content(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| seed.wrapping_add((i / 7) as u8)).collect()
}

#[tokio::test]
async fn reports_count_the_whole_request_and_end_with_the_bytes_stored() {
    graded_async(async {
        let (addr, _root, _dir, mut reports) = serve_reporting(1 << 20, STEP).await;
        let (first, second) = (content(5000, 1), content(2000, 2));
        let body = multipart::body(&[
            (Some(b"first.bin"), None, &first),
            (Some(b"second.bin"), None, &second),
        ]);
        let request = multipart::post("/upload", http::full(body.clone()));
        let response = http::send(addr, request).await.unwrap();
        assert_eq!(response.status, 200, "body: {}", response.text());
        let stored: u64 = response.json()["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|file| file["size"].as_u64().unwrap())
            .sum();
        assert_eq!(stored, 7000);

        let reports = sent(&mut reports);
        check_one_request(
            &reports,
            STEP,
            Some(body.len() as u64),
            ProgressStatus::Done,
        );
        assert!(
            reports.len() >= 2,
            "7000 bytes with a step of {STEP}: at least one Receiving report before Done: \
             {reports:?}"
        );
        assert_eq!(
            reports[reports.len() - 1].received,
            stored,
            "the Done report's figure is the bytes stored, both files together: {reports:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_file_smaller_than_the_step_gets_one_report_done_with_its_size() {
    graded_async(async {
        let (addr, _root, _dir, mut reports) = serve_reporting(1 << 20, 1 << 20).await;
        let file = content(1000, 3);
        // In 8-byte pieces, so the handler reads it in many chunks.
        let body = multipart::body(&[(Some(b"small.bin"), None, &file)]);
        let request = multipart::post("/upload", in_pieces(&body, 8));
        let response = http::send(addr, request).await.unwrap();
        assert_eq!(response.status, 200, "body: {}", response.text());

        let reports = sent(&mut reports);
        assert_eq!(
            reports.len(),
            1,
            "1000 bytes with a step of 1 MiB: no Receiving report, only Done: {reports:?}"
        );
        assert_eq!(reports[0].status, ProgressStatus::Done, "{reports:?}");
        assert_eq!(
            reports[0].received, 1000,
            "the Done report counts every byte stored, the last chunk's too: {reports:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn many_small_chunks_without_a_content_length_give_few_reports() {
    graded_async(async {
        let (addr, _root, _dir, mut reports) = serve_reporting(1 << 20, STEP).await;
        let file = content(10_000, 4);
        let body = multipart::body(&[(Some(b"trickle.bin"), None, &file)]);
        let request = multipart::post("/upload", in_pieces(&body, 8));
        assert!(!request.headers().contains_key("content-length"));
        let response = http::send(addr, request).await.unwrap();
        assert_eq!(response.status, 200, "body: {}", response.text());

        let reports = sent(&mut reports);
        check_one_request(&reports, STEP, None, ProgressStatus::Done);
        let receiving = reports.len() - 1;
        assert!(
            (1..=10).contains(&receiving),
            "10 000 bytes in 8-byte chunks with a step of {STEP}: between 1 and 10 Receiving \
             reports, not {receiving}: {reports:?}"
        );
        assert_eq!(reports[receiving].received, 10_000, "{reports:?}");
    })
    .await;
}

#[tokio::test]
async fn a_refused_upload_ends_rejected_not_done() {
    graded_async(async {
        let (addr, _root, dir, mut reports) = serve_reporting(3000, STEP).await;
        let big = content(5000, 5);
        let body = multipart::body(&[(Some(b"big.bin"), None, &big)]);
        let request = multipart::post("/upload", in_pieces(&body, 64));
        let response = http::send(addr, request).await.unwrap();
        assert_eq!(response.status, 413, "body: {}", response.text());
        check_one_request(&sent(&mut reports), STEP, None, ProgressStatus::Rejected);

        // Valid multipart up to a point, then the body ends: a 4xx, and Rejected.
        let mut cut = multipart::part_head(Some(b"cut.bin"), None);
        cut.extend_from_slice(&content(2500, 6));
        let response = http::send(addr, multipart::post("/upload", http::full(cut.clone())))
            .await
            .unwrap();
        assert!(
            response.status.is_client_error(),
            "a form without its closing boundary is not valid multipart: {}",
            response.status
        );
        check_one_request(
            &sent(&mut reports),
            STEP,
            Some(cut.len() as u64),
            ProgressStatus::Rejected,
        );
        assert_eq!(names_in(&dir), Vec::<String>::new());
    })
    .await;
}

#[tokio::test]
async fn a_client_that_disconnects_is_reported_as_disconnected() {
    graded_async(async {
        let (addr, _root, _dir, mut reports) = serve_reporting(1 << 20, STEP).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /upload HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {}\r\n\
             Content-Length: 100000\r\n\r\n",
            multipart::content_type(),
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream
            .write_all(&multipart::part_head(Some(b"gone.bin"), None))
            .await
            .unwrap();
        stream.write_all(&content(5000, 7)).await.unwrap();
        stream.flush().await.unwrap();

        let mut seen = vec![next(&mut reports, "5000 bytes were sent with a step of 1000").await];
        assert_eq!(seen[0].status, ProgressStatus::Receiving, "{seen:?}");
        drop(stream);
        while seen[seen.len() - 1].status == ProgressStatus::Receiving {
            seen.push(next(&mut reports, "the client disconnected mid-upload").await);
        }
        check_one_request(&seen, STEP, Some(100_000), ProgressStatus::Disconnected);
    })
    .await;
}

#[tokio::test]
async fn a_handler_dropped_mid_upload_is_reported_as_disconnected() {
    graded_async(async {
        let root = tempfile::tempdir().unwrap();
        let (sender, mut reports) = tokio::sync::mpsc::unbounded_channel();
        let config = UploadConfig {
            dir: root.path().to_path_buf(),
            max_file_bytes: 1 << 20,
            max_total_bytes: 1 << 30,
            progress: Some(ProgressSink {
                sender,
                every: STEP,
            }),
        };
        let mut body = multipart::part_head(Some(b"dropped.bin"), None);
        body.extend_from_slice(&content(5000, 3));
        let task = upload_that_never_ends(config, body, 100_000);

        let mut seen = vec![next(&mut reports, "5000 bytes were sent with a step of 1000").await];
        assert_eq!(seen[0].status, ProgressStatus::Receiving, "{seen:?}");
        // The connection is torn down: the handler's future is dropped mid-`.await`.
        drop_the_handler(task).await;
        while seen[seen.len() - 1].status == ProgressStatus::Receiving {
            seen.push(next(&mut reports, "the handler's future was dropped mid-upload").await);
        }
        // A second final report (a guard never told the request had ended) would follow.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        seen.extend(sent(&mut reports));
        check_one_request(&seen, STEP, Some(100_000), ProgressStatus::Disconnected);
    })
    .await;
}

#[tokio::test]
async fn every_request_has_its_own_upload_number() {
    graded_async(async {
        let (addr, _root, _dir, mut reports) = serve_reporting(1 << 20, STEP).await;
        let mut numbers = Vec::new();
        for seed in 0..3 {
            let file = content(1500, seed);
            let request = multipart::post_files("/upload", &[(Some(b"a.bin"), None, &file)]);
            let response = http::send(addr, request).await.unwrap();
            assert_eq!(response.status, 200, "body: {}", response.text());
            let reports = sent(&mut reports);
            let length = reports.first().and_then(|report| report.body_length);
            check_one_request(&reports, STEP, length, ProgressStatus::Done);
            assert!(length.is_some(), "a whole body has a Content-Length");
            numbers.push(reports[0].upload);
        }
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(
            numbers.len(),
            3,
            "three requests, three different upload numbers"
        );
    })
    .await;
}
