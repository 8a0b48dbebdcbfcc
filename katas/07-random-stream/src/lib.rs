//! # Kata 07 — a hand-written stream with back-pressure
//!
//! Build, by hand:
//!
//! - [`RandomNumbers`]: a `Stream` of seeded pseudo-random [`Reading`]s, with an optional
//!   delay before each reading. Implement `poll_next` yourself — no `async-stream` macro.
//! - [`Filter`] (made by [`filter`]): an adaptor that keeps the items a predicate accepts.
//! - [`encode`] and [`NdjsonDecoder`]: one JSON object per line, decoded correctly however
//!   the bytes are cut into chunks.
//! - [`pipeline`]: moves a stream's items to a slow consumer through a bounded buffer.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use futures::StreamExt;
//! use random_stream::{RandomNumbers, filter};
//! use std::time::Duration;
//!
//! // 1000 readings, 10 ms apart; keep those above 0.5.
//! let source = RandomNumbers::new(42, 1000).with_delay(Duration::from_millis(10));
//! let kept: Vec<_> = filter(source, |r| r.value > 0.5).collect().await;
//! println!("Collected {} items", kept.len());
//! # }
//! ```
//!
//! Every `// TODO:` marks a place to write code. Run the examples with
//! `cargo test -p random-stream`; `cargo kata grade random-stream` grades the kata.
//!
//! # Stages
//!
//! 1. `RandomNumbers` (count, seed, delay) and `filter`.
//! 2. Poll-level correctness, for the stream and the filter: `Pending` only after
//!    registering the waker (poll the `Sleep`; a filter that rejects an item polls its
//!    stream again), no waking yourself at once (busy polling), `None` forever after the
//!    end, and each delay starting at the poll that asks for its reading.
//! 3. NDJSON split across arbitrary chunks, and `pipeline`: a bounded buffer, errors that
//!    stop it, dropping that stops the producer.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use serde::{Deserialize, Serialize};

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
    // TODO: choose the fields: the generator's state, the next index, the count, the delay,
    // and (for the delay) a pinned `tokio::time::Sleep`.
    _todo: (),
}

impl RandomNumbers {
    /// A stream of `count` readings generated from `seed`, with no delay.
    pub fn new(seed: u64, count: u64) -> Self {
        // TODO: implement RandomNumbers::new. Any decent generator will do (SplitMix64 is
        // eight lines).
        let _ = (seed, count);
        todo!("RandomNumbers::new")
    }

    /// Waits `delay` before each reading.
    #[must_use]
    pub fn with_delay(self, delay: Duration) -> Self {
        // TODO: implement RandomNumbers::with_delay.
        let _ = delay;
        todo!("RandomNumbers::with_delay")
    }
}

impl Stream for RandomNumbers {
    type Item = Reading;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Reading>> {
        // TODO: implement poll_next. Return `Pending` only after polling the delay's
        // `Sleep`, which registers `cx`'s waker.
        let _ = cx;
        todo!("RandomNumbers::poll_next")
    }
}

/// A stream adaptor that yields only the items `predicate` accepts. Made by [`filter`].
#[derive(Debug)]
pub struct Filter<S, P> {
    // TODO: choose the fields.
    _todo: PhantomData<(S, P)>,
}

/// Keeps the items of `stream` for which `predicate` returns `true`.
pub fn filter<S, P>(stream: S, predicate: P) -> Filter<S, P>
where
    S: Stream + Unpin,
    P: FnMut(&S::Item) -> bool,
{
    // TODO: implement filter.
    let _ = (stream, predicate);
    todo!("filter")
}

impl<S, P> Stream for Filter<S, P>
where
    S: Stream + Unpin,
    P: FnMut(&S::Item) -> bool + Unpin,
{
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        // TODO: implement Filter::poll_next (`futures::StreamExt::poll_next_unpin` helps).
        let _ = cx;
        todo!("Filter::poll_next")
    }
}

/// One reading as an NDJSON line: a JSON object and a newline.
pub fn encode(reading: &Reading) -> String {
    // TODO: implement encode (`serde_json::to_string`).
    let _ = reading;
    todo!("encode")
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
    // TODO: choose the fields.
    _todo: (),
}

impl NdjsonDecoder {
    /// A decoder that has seen nothing.
    pub fn new() -> Self {
        // TODO: implement NdjsonDecoder::new.
        todo!("NdjsonDecoder::new")
    }

    /// Feeds one chunk and returns the readings of every line it completes.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for the first completed line that is not a reading.
    pub fn decode(&mut self, chunk: &[u8]) -> Result<Vec<Reading>, DecodeError> {
        // TODO: implement NdjsonDecoder::decode.
        let _ = chunk;
        todo!("NdjsonDecoder::decode")
    }

    /// Ends the input.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] if a last line is left without its newline and is not a reading.
    pub fn finish(self) -> Result<Option<Reading>, DecodeError> {
        // TODO: implement NdjsonDecoder::finish.
        todo!("NdjsonDecoder::finish")
    }
}

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
    consume: C,
) -> Result<u64, PipelineError<E>>
where
    S: Stream<Item = Result<T, E>>,
    C: FnMut(T) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    // TODO: implement pipeline (a `tokio::sync::mpsc::channel(capacity)` between a
    // producing and a consuming half).
    let _ = (source, capacity, consume);
    todo!("pipeline")
}
