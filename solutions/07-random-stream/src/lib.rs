// STUB: //! # Kata 07 — a hand-written stream with back-pressure
// STUB: //!
// STUB: //! Build, by hand:
// STUB: //!
// STUB: //! - [`RandomNumbers`]: a `Stream` of seeded pseudo-random [`Reading`]s, with an optional
// STUB: //!   delay before each reading. Implement `poll_next` yourself — no `async-stream` macro.
// STUB: //! - [`Filter`] (made by [`filter`]): an adaptor that keeps the items a predicate accepts.
// STUB: //! - [`encode`] and [`NdjsonDecoder`]: one JSON object per line, decoded correctly however
// STUB: //!   the bytes are cut into chunks.
// STUB: //! - [`pipeline`]: moves a stream's items to a slow consumer through a bounded buffer.
// STUB: //!
// STUB: //! ```no_run
// STUB: //! # #[tokio::main(flavor = "current_thread")]
// STUB: //! # async fn main() {
// STUB: //! use futures::StreamExt;
// STUB: //! use random_stream::{RandomNumbers, filter};
// STUB: //! use std::time::Duration;
// STUB: //!
// STUB: //! // 1000 readings, 10 ms apart; keep those above 0.5.
// STUB: //! let source = RandomNumbers::new(42, 1000).with_delay(Duration::from_millis(10));
// STUB: //! let kept: Vec<_> = filter(source, |r| r.value > 0.5).collect().await;
// STUB: //! println!("Collected {} items", kept.len());
// STUB: //! # }
// STUB: //! ```
// STUB: //!
// STUB: //! Every `// TODO:` marks a place to write code. Run the examples with
// STUB: //! `cargo test -p random-stream`; `cargo kata grade random-stream` grades the kata.
// STUB: //!
// STUB: //! # Stages
// STUB: //!
// STUB: //! 1. `RandomNumbers` (count, seed, delay) and `filter`.
// STUB: //! 2. Poll-level correctness, for the stream and the filter: `Pending` only after
// STUB: //!    registering the waker (poll the `Sleep`; a filter that rejects an item polls its
// STUB: //!    stream again), no waking yourself at once (busy polling), `None` forever after the
// STUB: //!    end, and each delay starting at the poll that asks for its reading.
// STUB: //! 3. NDJSON split across arbitrary chunks, and `pipeline`: a bounded buffer, errors that
// STUB: //!    stop it, dropping that stops the producer.
// BEGIN SOLUTION
//! # Kata 07 — a hand-written stream with back-pressure, reference solution
//!
//! - [`RandomNumbers`]: a `Stream` of seeded pseudo-random [`Reading`]s, written by hand
//!   (`poll_next`, no macro), with an optional delay before each reading.
//! - [`Filter`] (made by [`filter`]): a hand-written adaptor that keeps the items a
//!   predicate accepts.
//! - [`encode`] and [`NdjsonDecoder`]: one JSON object per line, decoded correctly however
//!   the bytes are cut into chunks.
//! - [`pipeline`]: moves a stream's items to a slow consumer through a bounded buffer.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use futures::StreamExt;
//! use random_stream_solution::{RandomNumbers, filter};
//!
//! let high: Vec<_> = filter(RandomNumbers::new(7, 100), |r| r.value > 0.5).collect().await;
//! assert!(high.iter().all(|r| r.value > 0.5));
//! assert!(high.windows(2).all(|w| w[0].index < w[1].index));
//! # }
//! ```
//!
//! # Back-pressure, pulled rather than pushed
//!
//! A Node readable stream *pushes*: `push()` returns `false` when the buffer is full and the
//! stream is trusted to stop until `_read` is called again. A Rust `Stream` is *pulled*:
//! nothing is produced unless someone calls `poll_next`, so a consumer that stops polling
//! stops the producer, and a bounded channel between two tasks turns "the buffer is full"
//! into a `send` that simply does not complete. The contract that makes this work is the
//! waker: `poll_next` may return `Pending` only after arranging for the task to be woken
//! when progress is possible — here, by polling the `Sleep` that ends the delay.
// END SOLUTION

use std::fmt;
use std::future::Future;
// STUB: use std::marker::PhantomData;
use std::pin::Pin;
// STUB: use std::task::{Context, Poll};
// BEGIN SOLUTION
use std::task::{Context, Poll, ready};
// END SOLUTION
use std::time::Duration;

// STUB: use futures::Stream;
// BEGIN SOLUTION
use futures::{Stream, StreamExt};
// END SOLUTION
use serde::{Deserialize, Serialize};
// BEGIN SOLUTION
use tokio::sync::mpsc;
use tokio::time::Sleep;
// END SOLUTION

/// One generated number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// Position in the stream, from 0.
    pub index: u64,
    /// A pseudo-random number in `[0, 1)`.
    pub value: f64,
}

/// A stream of `count` pseudo-random readings, the same for the same seed.
///
/// With [`with_delay`](Self::with_delay) it waits that long (on tokio's clock) before each
/// reading; each wait starts at the poll that asks for the next reading, not when the
/// stream is made or the previous reading was returned. After the last reading it returns
/// `None`, and keeps returning `None`.
#[derive(Debug)]
pub struct RandomNumbers {
    // STUB: // TODO: choose the fields: the generator's state, the next index, the count, the delay,
    // STUB: // and (for the delay) a pinned `tokio::time::Sleep`.
    // STUB: _todo: (),
    // BEGIN SOLUTION
    state: u64,
    next_index: u64,
    count: u64,
    delay: Option<Duration>,
    sleep: Option<Pin<Box<Sleep>>>,
    // END SOLUTION
}

impl RandomNumbers {
    /// A stream of `count` readings generated from `seed`, with no delay.
    pub fn new(seed: u64, count: u64) -> Self {
        // STUB: // TODO: implement RandomNumbers::new. Any decent generator will do (SplitMix64 is
        // STUB: // eight lines).
        // STUB: let _ = (seed, count);
        // STUB: todo!("RandomNumbers::new")
        // BEGIN SOLUTION
        Self {
            state: seed,
            next_index: 0,
            count,
            delay: None,
            sleep: None,
        }
        // END SOLUTION
    }

    /// Waits `delay` before each reading.
    #[must_use]
    // STUB: pub fn with_delay(self, delay: Duration) -> Self {
    // STUB:     // TODO: implement RandomNumbers::with_delay.
    // STUB:     let _ = delay;
    // STUB:     todo!("RandomNumbers::with_delay")
    // BEGIN SOLUTION
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// The next number of the SplitMix64 sequence, scaled to `[0, 1)`.
    fn next_value(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
        // END SOLUTION
    }
}

impl Stream for RandomNumbers {
    type Item = Reading;

    // STUB: fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Reading>> {
    // STUB:     // TODO: implement poll_next. Return `Pending` only after polling the delay's
    // STUB:     // `Sleep`, which registers `cx`'s waker.
    // STUB:     let _ = cx;
    // STUB:     todo!("RandomNumbers::poll_next")
    // BEGIN SOLUTION
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Reading>> {
        if self.next_index >= self.count {
            return Poll::Ready(None); // Ended, and stays ended.
        }
        if let Some(delay) = self.delay {
            let sleep = self
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(delay)));
            // Polling the timer registers this task's waker with it: that is what makes
            // returning `Pending` here correct.
            ready!(sleep.as_mut().poll(cx));
            self.sleep = None;
        }
        let reading = Reading {
            index: self.next_index,
            value: self.next_value(),
        };
        self.next_index += 1;
        Poll::Ready(Some(reading))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.count - self.next_index).unwrap_or(usize::MAX);
        (left, Some(left))
        // END SOLUTION
    }
}

/// A stream adaptor that yields only the items `predicate` accepts. Made by [`filter`].
#[derive(Debug)]
pub struct Filter<S, P> {
    // STUB: // TODO: choose the fields.
    // STUB: _todo: PhantomData<(S, P)>,
    // BEGIN SOLUTION
    stream: S,
    predicate: P,
    done: bool,
    // END SOLUTION
}

/// Keeps the items of `stream` for which `predicate` returns `true`.
pub fn filter<S, P>(stream: S, predicate: P) -> Filter<S, P>
where
    S: Stream + Unpin,
    P: FnMut(&S::Item) -> bool,
{
    // STUB: // TODO: implement filter.
    // STUB: let _ = (stream, predicate);
    // STUB: todo!("filter")
    // BEGIN SOLUTION
    Filter {
        stream,
        predicate,
        done: false,
    }
    // END SOLUTION
}

impl<S, P> Stream for Filter<S, P>
where
    S: Stream + Unpin,
    P: FnMut(&S::Item) -> bool + Unpin,
{
    type Item = S::Item;

    // STUB: fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
    // STUB:     // TODO: implement Filter::poll_next (`futures::StreamExt::poll_next_unpin` helps).
    // STUB:     let _ = cx;
    // STUB:     todo!("Filter::poll_next")
    // BEGIN SOLUTION
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            // A rejected item means "poll again", not "return Pending": nobody would
            // wake us for an item the inner stream already produced.
            match ready!(this.stream.poll_next_unpin(cx)) {
                Some(item) if (this.predicate)(&item) => return Poll::Ready(Some(item)),
                Some(_) => {}
                None => {
                    this.done = true;
                    return Poll::Ready(None);
                }
            }
        }
        // END SOLUTION
    }
}

/// One reading as an NDJSON line: a JSON object and a newline.
pub fn encode(reading: &Reading) -> String {
    // STUB: // TODO: implement encode (`serde_json::to_string`).
    // STUB: let _ = reading;
    // STUB: todo!("encode")
    // BEGIN SOLUTION
    let mut line = serde_json::to_string(reading).expect("a reading always serialises");
    line.push('\n');
    line
    // END SOLUTION
}

/// A line that is not a reading.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// The line's number, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for DecodeError {}

/// Decodes NDJSON readings from chunks of bytes cut anywhere — in the middle of a line, a
/// number or a multi-byte character. Lines end at `\n`; a `\r` before it and whitespace
/// around the object are ignored, and blank lines (nothing but whitespace) are skipped.
///
/// After an error, what the decoder does with more input is not specified; so is whether
/// it accepts forms serde reads as a [`Reading`] but [`encode`] never writes (an array
/// `[3, 0.5]`, an unknown field).
#[derive(Debug, Default)]
pub struct NdjsonDecoder {
    // STUB: // TODO: choose the fields.
    // STUB: _todo: (),
    // BEGIN SOLUTION
    /// Bytes of the line not finished yet.
    pending: Vec<u8>,
    /// Lines seen so far.
    lines: usize,
    // END SOLUTION
}

impl NdjsonDecoder {
    /// A decoder that has seen nothing.
    pub fn new() -> Self {
        // STUB: // TODO: implement NdjsonDecoder::new.
        // STUB: todo!("NdjsonDecoder::new")
        // BEGIN SOLUTION
        Self::default()
        // END SOLUTION
    }

    /// Feeds one chunk and returns the readings of every line it completes.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for the first completed line that is not a reading.
    pub fn decode(&mut self, chunk: &[u8]) -> Result<Vec<Reading>, DecodeError> {
        // STUB: // TODO: implement NdjsonDecoder::decode.
        // STUB: let _ = chunk;
        // STUB: todo!("NdjsonDecoder::decode")
        // BEGIN SOLUTION
        self.pending.extend_from_slice(chunk);
        let mut readings = Vec::new();
        let mut start = 0;
        while let Some(end) = self.pending[start..].iter().position(|&b| b == b'\n') {
            let line = &self.pending[start..start + end];
            start += end + 1;
            self.lines += 1;
            if let Some(reading) = parse_line(line, self.lines)? {
                readings.push(reading);
            }
        }
        self.pending.drain(..start);
        Ok(readings)
        // END SOLUTION
    }

    /// Ends the input.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] if a last line is left without its newline and is not a reading.
    // STUB: pub fn finish(self) -> Result<Option<Reading>, DecodeError> {
    // STUB:     // TODO: implement NdjsonDecoder::finish.
    // STUB:     todo!("NdjsonDecoder::finish")
    // BEGIN SOLUTION
    pub fn finish(mut self) -> Result<Option<Reading>, DecodeError> {
        let rest = std::mem::take(&mut self.pending);
        parse_line(&rest, self.lines + 1)
        // END SOLUTION
    }
}

// BEGIN SOLUTION
fn parse_line(line: &[u8], number: usize) -> Result<Option<Reading>, DecodeError> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(line)
        .map(Some)
        .map_err(|e| DecodeError {
            line: number,
            message: e.to_string(),
        })
}

// END SOLUTION
/// Why a [`pipeline`] stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PipelineError<E> {
    /// A buffer of 0 items cannot hold anything.
    ZeroCapacity,
    /// The source stream yielded an error.
    Source(E),
    /// The consumer returned an error.
    Consumer(E),
}

impl<E: fmt::Display> fmt::Display for PipelineError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::ZeroCapacity => f.write_str("the buffer capacity must be at least 1"),
            PipelineError::Source(e) => write!(f, "the source failed: {e}"),
            PipelineError::Consumer(e) => write!(f, "the consumer failed: {e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for PipelineError<E> {}

/// Moves every item of `source` to `consume` through a buffer of at most `capacity` items,
/// and returns how many were consumed.
///
/// Counting the item the producer holds while it waits for room and the one `consume` is
/// working on, the source is never more than `capacity + 2` items ahead of the consumer.
/// When the buffer is full the producer waits (and stops polling `source`); when either
/// side fails, the other stops; when the returned future is dropped, both stop.
///
/// The first error, from either side, ends the pipeline at once. After a consumer error
/// it does not wait for the source to yield again (it may never do so). After a source
/// error the items still in the buffer are dropped, not consumed; a call of `consume`
/// already under way may be finished or dropped.
///
/// # Errors
///
/// [`PipelineError::ZeroCapacity`] for a capacity of 0; the first error of the source or
/// the consumer otherwise.
pub async fn pipeline<S, T, E, C, Fut>(
    source: S,
    capacity: usize,
    // STUB: consume: C,
    // BEGIN SOLUTION
    mut consume: C,
    // END SOLUTION
) -> Result<u64, PipelineError<E>>
where
    S: Stream<Item = Result<T, E>>,
    C: FnMut(T) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    // STUB: // TODO: implement pipeline (a `tokio::sync::mpsc::channel(capacity)` between a
    // STUB: // producing and a consuming half).
    // STUB: let _ = (source, capacity, consume);
    // STUB: todo!("pipeline")
    // BEGIN SOLUTION
    if capacity == 0 {
        return Err(PipelineError::ZeroCapacity);
    }
    let (sender, mut receiver) = mpsc::channel(capacity);
    let produce = async move {
        let mut source = std::pin::pin!(source);
        while let Some(item) = source.next().await {
            let item = item.map_err(PipelineError::Source)?;
            // Waits while the buffer is full: this is the back-pressure.
            if sender.send(item).await.is_err() {
                break; // The consumer is gone.
            }
        }
        Ok(())
    };
    let consume = async {
        let mut consumed = 0;
        while let Some(item) = receiver.recv().await {
            consume(item).await.map_err(PipelineError::Consumer)?;
            consumed += 1;
        }
        Ok(consumed)
    };
    // Returns at the first error, dropping (and so stopping) the other side.
    let ((), consumed) = tokio::try_join!(produce, consume)?;
    Ok(consumed)
    // END SOLUTION
}
