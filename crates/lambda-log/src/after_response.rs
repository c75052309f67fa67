//! Log lines written after the runtime has posted the response (issue 14: logging off the
//! cold path).
//!
//! A handler's per-invocation summary line costs a JSON formatting and a `write` to stdout;
//! on the first invocation that is also the first use of the formatter's code (page faults),
//! ~45 µs of the decryptor's cold start. The caller only waits for the response, so the
//! handler hands the line to [`AfterResponse::defer`] and the runtime layer from
//! [`AfterResponse::layer`] writes it once the inner service (the runtime's "post the
//! response" service) has finished, before the runtime asks for the next event. Nothing is
//! dropped: the line is written whether the post succeeded or failed.
//!
//! Order the layers so the runtime's span still encloses the line (its request id is on it):
//! `Runtime::new(handler).layer(after.layer()).layer(TracingLayer::new())`; the layer added
//! last runs outermost.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tower_layer::Layer;
use tower_service::Service;

type Line = Box<dyn FnOnce() + Send>;

/// Where a handler leaves the line to write once its response has been posted. Clones share
/// the slot: one for the handler, one for the layer.
#[derive(Clone, Default)]
pub struct AfterResponse {
    pending: Arc<Mutex<Option<Line>>>,
}

impl std::fmt::Debug for AfterResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pending = self.pending.lock().map(|p| p.is_some()).unwrap_or(false);
        f.debug_struct("AfterResponse")
            .field("pending", &pending)
            .finish()
    }
}

impl AfterResponse {
    /// An empty slot.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `line` (a closure that logs) after the current response is posted. Invocations
    /// are sequential, so one slot is enough; a line still pending (the layer missing) is
    /// written now rather than lost.
    pub fn defer(&self, line: impl FnOnce() + Send + 'static) {
        let previous = match self.pending.lock() {
            Ok(mut pending) => pending.replace(Box::new(line)),
            // A panic while the slot was held cannot leave a half-written value behind
            // (`replace` is one move), so the poisoned slot is still usable.
            Err(poisoned) => poisoned.into_inner().replace(Box::new(line)),
        };
        if let Some(previous) = previous {
            previous();
        }
    }

    /// Writes the pending line, if any.
    pub fn flush(&self) {
        let pending = match self.pending.lock() {
            Ok(mut pending) => pending.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        // Called outside the lock: the line may itself log (and so re-enter nothing here).
        if let Some(line) = pending {
            line();
        }
    }

    /// The runtime layer that flushes after each invocation's response is posted.
    pub fn layer(&self) -> AfterResponseLayer {
        AfterResponseLayer {
            lines: self.clone(),
        }
    }
}

/// Tower layer from [`AfterResponse::layer`].
#[derive(Clone, Debug)]
pub struct AfterResponseLayer {
    lines: AfterResponse,
}

impl<S> Layer<S> for AfterResponseLayer {
    type Service = AfterResponseService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AfterResponseService {
            inner,
            lines: self.lines.clone(),
        }
    }
}

/// The service of [`AfterResponseLayer`]: the inner service, then the pending line.
#[derive(Clone, Debug)]
pub struct AfterResponseService<S> {
    inner: S,
    lines: AfterResponse,
}

impl<S, Request> Service<Request> for AfterResponseService<S>
where
    S: Service<Request>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = AfterResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        AfterResponseFuture {
            inner: Box::pin(self.inner.call(request)),
            lines: self.lines.clone(),
        }
    }
}

/// The future of [`AfterResponseService`]. The inner future is boxed (one allocation per
/// invocation) so this one is `Unpin` without unsafe pin projection.
pub struct AfterResponseFuture<F> {
    inner: Pin<Box<F>>,
    lines: AfterResponse,
}

impl<F> std::fmt::Debug for AfterResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfterResponseFuture")
            .field("lines", &self.lines)
            .finish_non_exhaustive()
    }
}

impl<F: Future> Future for AfterResponseFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let output = std::task::ready!(this.inner.as_mut().poll(cx));
        this.lines.flush();
        Poll::Ready(output)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A service whose call records the order in which it finished.
    struct Posting(Arc<Mutex<Vec<&'static str>>>);

    impl Service<u32> for Posting {
        type Response = u32;
        type Error = &'static str;
        type Future = std::future::Ready<Result<u32, &'static str>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: u32) -> Self::Future {
            self.0.lock().unwrap().push("posted");
            std::future::ready(if request == 0 {
                Err("post failed")
            } else {
                Ok(request)
            })
        }
    }

    /// Polls a future that is ready at once (the fake service's are).
    fn run<F: Future>(future: F) -> F::Output {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match Box::pin(future).as_mut().poll(&mut cx) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("the fake service's future is always ready"),
        }
    }

    #[test]
    fn the_line_is_written_after_the_response_even_when_the_post_fails() {
        let order = Arc::new(Mutex::new(Vec::new()));
        let lines = AfterResponse::new();
        let mut service = lines.layer().layer(Posting(Arc::clone(&order)));
        for (request, expected) in [(7, Ok(7)), (0, Err("post failed"))] {
            let seen = Arc::clone(&order);
            lines.defer(move || seen.lock().unwrap().push("line"));
            assert_eq!(run(service.call(request)), expected);
        }
        assert_eq!(*order.lock().unwrap(), ["posted", "line", "posted", "line"]);
    }

    #[test]
    fn a_pending_line_is_never_dropped() {
        let written = Arc::new(AtomicUsize::new(0));
        let lines = AfterResponse::new();
        for _ in 0..2 {
            let written = Arc::clone(&written);
            lines.defer(move || {
                written.fetch_add(1, Ordering::Relaxed);
            });
        }
        // The second defer wrote the first line; the flush writes the second.
        assert_eq!(written.load(Ordering::Relaxed), 1);
        lines.flush();
        lines.flush();
        assert_eq!(written.load(Ordering::Relaxed), 2);
    }
}
