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

// ANCHOR: copy
/// Copies `data` into one end of an in-memory pipe with `tokio::io::copy`, then reads the
/// other end to EOF for up to a second (of tokio's paused clock). Returns whether the reader
/// saw EOF after `copy` alone, and whether it did after an explicit `shutdown()`.
pub async fn copy_then_read_to_eof(data: &[u8]) -> (bool, bool) {
    let (mut writer, mut reader) = tokio::io::duplex(1024);
    let mut source = data;
    let copied = tokio::io::copy(&mut source, &mut writer).await.unwrap();
    assert_eq!(copied, data.len() as u64);
    let mut received = Vec::new();
    let eof_after_copy =
        tokio::time::timeout(Duration::from_secs(1), reader.read_to_end(&mut received))
            .await
            .is_ok();
    writer.shutdown().await.unwrap(); // what `pipe` does with `end()`: the reader sees EOF
    let eof_after_shutdown = eof_after_copy
        || tokio::time::timeout(Duration::from_secs(1), reader.read_to_end(&mut received))
            .await
            .is_ok();
    assert_eq!(received, data, "every byte arrived either way");
    (eof_after_copy, eof_after_shutdown)
}
// ANCHOR_END: copy

// ANCHOR: lazy
/// Counts how many items each kind of stream has produced while nobody polls it. A stream
/// whose work happens in `poll_next` (here `futures::stream::unfold`) is lazy; a stream fed
/// by a spawned task through a channel is not: the task produces on its own schedule, and
/// only the channel's `capacity` stops it. Run it with tokio's paused clock: the `sleep`
/// below ends only once every task is waiting, so the producer has gone as far as it can.
pub async fn produced_before_the_first_poll(items: usize, capacity: usize) -> (usize, usize) {
    use futures::StreamExt;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let lazy_count = Arc::new(AtomicUsize::new(0));
    let counter = lazy_count.clone();
    let lazy = futures::stream::unfold(0, move |i| {
        let counter = counter.clone();
        async move {
            (i < items).then(|| {
                counter.fetch_add(1, Ordering::SeqCst);
                (i, i + 1)
            })
        }
    });

    let sent_count = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<usize>(capacity);
    let counter = sent_count.clone();
    let producer = tokio::spawn(async move {
        for i in 0..items {
            if tx.send(i).await.is_err() {
                break;
            }
            counter.fetch_add(1, Ordering::SeqCst); // counts what the channel accepted
        }
    });
    let eager = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));

    tokio::time::sleep(Duration::from_secs(1)).await; // the consumer is busy elsewhere
    let before = (
        lazy_count.load(Ordering::SeqCst),
        sent_count.load(Ordering::SeqCst),
    );
    assert_eq!(lazy.count().await, items);
    assert_eq!(eager.count().await, items);
    producer.await.unwrap();
    before
}
// ANCHOR_END: lazy

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

    #[tokio::test(start_paused = true)]
    async fn copy_does_not_shut_the_writer_down() {
        assert_eq!(
            copy_then_read_to_eof(b"hello").await,
            (false, true),
            "no EOF after copy: only shutdown() ends the stream"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn only_a_stream_that_produces_in_poll_next_is_lazy() {
        assert_eq!(
            produced_before_the_first_poll(50, 8).await,
            (0, 8),
            "unfold: nothing; channel-fed: as much as the bound lets through"
        );
    }
}
