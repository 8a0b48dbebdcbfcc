//! Chapter "Streams and back-pressure".

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ANCHOR: channel
/// A fast producer and a slow consumer joined by a channel of `capacity` (0 = unbounded).
/// Returns the largest number of items the producer was ever ahead of the consumer.
pub async fn furthest_ahead(items: usize, capacity: usize) -> usize {
    let ahead = Arc::new(Mutex::new((0usize, 0usize))); // (now, most)
    let add = |ahead: &Arc<Mutex<(usize, usize)>>, delta: isize| {
        let mut a = ahead.lock().unwrap();
        a.0 = a.0.checked_add_signed(delta).unwrap();
        a.1 = a.1.max(a.0);
    };
    let consumer_ahead = ahead.clone();
    if capacity == 0 {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let consumer = tokio::spawn(async move {
            while rx.recv().await.is_some() {
                add(&consumer_ahead, -1);
                tokio::time::sleep(Duration::from_millis(10)).await; // slow work
            }
        });
        for i in 0..items {
            add(&ahead, 1);
            tx.send(i).unwrap(); // never waits: memory grows instead
        }
        drop(tx);
        consumer.await.unwrap();
    } else {
        let (tx, mut rx) = tokio::sync::mpsc::channel(capacity);
        let consumer = tokio::spawn(async move {
            while rx.recv().await.is_some() {
                add(&consumer_ahead, -1);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        for i in 0..items {
            add(&ahead, 1);
            tx.send(i).await.unwrap(); // waits while the channel is full: back-pressure
        }
        drop(tx);
        consumer.await.unwrap();
    }
    ahead.lock().map(|a| a.1).unwrap()
}
// ANCHOR_END: channel

// ANCHOR: duplex
/// Writes `len` bytes into an in-memory pipe with a 64-byte buffer that nobody reads yet.
/// Returns whether the write finished within a second (of tokio's paused clock), then
/// drains the pipe and returns how many bytes arrived.
pub async fn write_into_a_full_pipe(len: usize) -> (bool, usize) {
    let (mut writer, mut reader) = tokio::io::duplex(64);
    let data = vec![7u8; len];
    let write = async move {
        writer.write_all(&data).await.unwrap();
        writer.shutdown().await.unwrap();
    };
    tokio::pin!(write);
    let finished = tokio::time::timeout(Duration::from_secs(1), &mut write)
        .await
        .is_ok();
    // Reading makes room, and the pending write completes.
    let read = async {
        let mut all = Vec::new();
        reader.read_to_end(&mut all).await.unwrap();
        all.len()
    };
    let (_, received) = if finished {
        ((), read.await)
    } else {
        tokio::join!(write, read)
    };
    (finished, received)
}
// ANCHOR_END: duplex

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_bounded_channel_keeps_the_producer_close_behind() {
        assert!(
            furthest_ahead(100, 4).await <= 5,
            "capacity 4, plus the item in hand"
        );
        assert_eq!(
            furthest_ahead(100, 0).await,
            100,
            "unbounded: everything queues up"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_writer_waits_while_the_pipe_is_full() {
        assert_eq!(
            write_into_a_full_pipe(32).await,
            (true, 32),
            "fits in the buffer"
        );
        assert_eq!(
            write_into_a_full_pipe(1024).await,
            (false, 1024),
            "waits until someone reads, then completes"
        );
    }
}
