//! Kata 07, a correct answer written differently from the reference: the delay is a
//! deadline with a timer that is reset rather than recreated, the decoder works on `String`
//! lines, and the pipeline is one `select!` loop over a `VecDeque` instead of a channel.
//! `cargo kata verify` requires it to score 100%.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::time::{Instant, Sleep};

/// One generated number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// Position in the stream.
    pub index: u64,
    /// In `[0, 1)`.
    pub value: f64,
}

/// A stream of `count` seeded readings, optionally `delay` apart.
#[derive(Debug)]
pub struct RandomNumbers {
    x: u64,
    produced: u64,
    count: u64,
    delay: Duration,
    timer: Pin<Box<Sleep>>,
    armed: bool,
}

impl RandomNumbers {
    /// `count` readings from `seed`.
    pub fn new(seed: u64, count: u64) -> Self {
        Self {
            x: seed ^ 0x2545_F491_4F6C_DD1D,
            produced: 0,
            count,
            delay: Duration::ZERO,
            timer: Box::pin(tokio::time::sleep_until(Instant::now())),
            armed: false,
        }
    }

    /// Waits `delay` before each reading.
    #[must_use]
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn xorshift(&mut self) -> f64 {
        self.x ^= self.x << 13;
        self.x ^= self.x >> 7;
        self.x ^= self.x << 17;
        (self.x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

impl Stream for RandomNumbers {
    type Item = Reading;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Reading>> {
        let this = &mut *self;
        if this.produced == this.count {
            return Poll::Ready(None);
        }
        if !this.delay.is_zero() {
            if !this.armed {
                let deadline = Instant::now() + this.delay;
                this.timer.as_mut().reset(deadline);
                this.armed = true;
            }
            if this.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.armed = false;
        }
        let value = this.xorshift();
        let index = this.produced;
        this.produced += 1;
        Poll::Ready(Some(Reading { index, value }))
    }
}

/// Keeps the items `predicate` accepts.
#[derive(Debug)]
pub struct Filter<S, P> {
    inner: Option<S>,
    predicate: P,
}

/// Makes a [`Filter`].
pub fn filter<S, P>(stream: S, predicate: P) -> Filter<S, P>
where
    S: Stream + Unpin,
    P: FnMut(&S::Item) -> bool,
{
    Filter { inner: Some(stream), predicate }
}

impl<S, P> Stream for Filter<S, P>
where
    S: Stream + Unpin,
    P: FnMut(&S::Item) -> bool + Unpin,
{
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = &mut *self;
        while let Some(inner) = this.inner.as_mut() {
            match inner.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => this.inner = None,
                Poll::Ready(Some(item)) => {
                    if (this.predicate)(&item) {
                        return Poll::Ready(Some(item));
                    }
                }
            }
        }
        Poll::Ready(None)
    }
}

/// One NDJSON line.
pub fn encode(reading: &Reading) -> String {
    format!("{}\n", serde_json::json!({ "index": reading.index, "value": reading.value }))
}

/// A line that is not a reading.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// Line number from 1.
    pub line: usize,
    /// Why.
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for DecodeError {}

/// NDJSON decoder for arbitrary chunks.
#[derive(Debug, Default)]
pub struct NdjsonDecoder {
    bytes: Vec<u8>,
    line: usize,
}

impl NdjsonDecoder {
    /// A fresh decoder.
    pub fn new() -> Self {
        Self::default()
    }

    fn parse(&self, text: &str) -> Result<Option<Reading>, DecodeError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        serde_json::from_str(text).map(Some).map_err(|e| DecodeError { line: self.line, message: e.to_string() })
    }

    /// Feeds a chunk.
    ///
    /// # Errors
    ///
    /// The first bad complete line.
    pub fn decode(&mut self, chunk: &[u8]) -> Result<Vec<Reading>, DecodeError> {
        let mut out = Vec::new();
        for &byte in chunk {
            if byte != b'\n' {
                self.bytes.push(byte);
                continue;
            }
            self.line += 1;
            let line = String::from_utf8(std::mem::take(&mut self.bytes))
                .map_err(|e| DecodeError { line: self.line, message: e.to_string() })?;
            out.extend(self.parse(&line)?);
        }
        Ok(out)
    }

    /// Ends the input.
    ///
    /// # Errors
    ///
    /// A last line without newline that is not a reading.
    pub fn finish(mut self) -> Result<Option<Reading>, DecodeError> {
        self.line += 1;
        let rest = String::from_utf8_lossy(&self.bytes).into_owned();
        self.parse(&rest)
    }
}

/// Why a pipeline stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PipelineError<E> {
    /// Capacity 0.
    ZeroCapacity,
    /// The source failed.
    Source(E),
    /// The consumer failed.
    Consumer(E),
}

impl<E: fmt::Display> fmt::Display for PipelineError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::ZeroCapacity => f.write_str("zero capacity"),
            PipelineError::Source(e) => write!(f, "source: {e}"),
            PipelineError::Consumer(e) => write!(f, "consumer: {e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for PipelineError<E> {}

/// Moves items from `source` to `consume` through at most `capacity` buffered items.
///
/// # Errors
///
/// Zero capacity, or the first source or consumer error.
pub async fn pipeline<S, T, E, C, Fut>(source: S, capacity: usize, mut consume: C) -> Result<u64, PipelineError<E>>
where
    S: Stream<Item = Result<T, E>>,
    C: FnMut(T) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    if capacity == 0 {
        return Err(PipelineError::ZeroCapacity);
    }
    let mut source = std::pin::pin!(source);
    let mut source_done = false;
    let mut buffer: VecDeque<T> = VecDeque::with_capacity(capacity);
    let mut current: Option<Pin<Box<Fut>>> = None;
    let mut consumed = 0;
    loop {
        if current.is_none() {
            match buffer.pop_front() {
                Some(item) => current = Some(Box::pin(consume(item))),
                None if source_done => return Ok(consumed),
                None => {}
            }
        }
        let consuming = std::future::poll_fn(|cx| match current.as_mut() {
            Some(future) => future.as_mut().poll(cx),
            None => Poll::Pending,
        });
        tokio::select! {
            next = source.next(), if !source_done && buffer.len() < capacity => match next {
                Some(Ok(item)) => buffer.push_back(item),
                Some(Err(error)) => return Err(PipelineError::Source(error)),
                None => source_done = true,
            },
            done = consuming => {
                done.map_err(PipelineError::Consumer)?;
                consumed += 1;
                current = None;
            }
        }
    }
}
