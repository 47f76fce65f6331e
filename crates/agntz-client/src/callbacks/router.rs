//! [`CallbackRouter`]: verifies each call, routes it by tool name, runs the
//! handler once per delivery id, and answers as the worker expects.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use agntz_proto::callbacks::{
    CallbackRequest, CallbackResponse, CallbackVerifier, Claim, DeliveryStore, MemoryDeliveryStore,
};
use agntz_proto::BoxError;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response};
use http_body::Body;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::tool::{erase, Erased, Outcome, ToolError};

/// The largest request body read by default (1 MiB).
const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// A handler that did not produce a result, as the failure hook sees it.
#[derive(Debug)]
#[non_exhaustive]
pub enum Failure<'a> {
    /// It returned this error.
    Error(&'a ToolError),
    /// It panicked with this message.
    Panic(&'a str),
}

type FailureHook = dyn Fn(&str, &str, Failure<'_>) + Send + Sync;

struct Inner {
    verifier: CallbackVerifier,
    tools: HashMap<String, Box<Erased>>,
    deliveries: Arc<dyn DeliveryStore>,
    max_body: usize,
    on_failure: Option<Box<FailureHook>>,
}

/// A receiver of callback-tool calls: one URL for any number of tools,
/// routed by the `tool` of each call.
///
/// For each request it answers, in order:
/// * `OPTIONS` (the worker's probe at import): 204 with `Allow`;
/// * any method but `POST`: 405;
/// * a body over the limit (1 MiB by default): 413;
/// * no valid signature, or a timestamp outside the tolerance: 401;
/// * a signed body that is not a delivery: 400;
/// * a tool it does not know: 404;
/// * arguments that do not decode into the tool's type: 400;
/// * a delivery id answered before: that answer again, without running the
///   handler; one still running: 503;
/// * otherwise the handler's result (200, JSON), or its [`ToolError`]'s
///   answer; an error returned with `?` or a panic is a 500, without details.
///
/// None of the 4xx is retried by the worker; 500, 503 and 429 are, with the
/// same delivery id. Final answers (2xx, 4xx) are stored in the
/// [`DeliveryStore`] (in memory, 10,000 ids, unless
/// [`CallbackRouterBuilder::deliveries`] says otherwise), so a retry after a
/// lost answer gets it again. Responses never carry the secret, an error's
/// text, or a panic's.
///
/// Cheap to clone: clones share the tools and the store.
#[derive(Clone)]
pub struct CallbackRouter {
    inner: Arc<Inner>,
}

impl fmt::Debug for CallbackRouter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut tools: Vec<&str> = self.inner.tools.keys().map(String::as_str).collect();
        tools.sort_unstable();
        f.debug_struct("CallbackRouter")
            .field("verifier", &self.inner.verifier)
            .field("tools", &tools)
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

/// Builds a [`CallbackRouter`].
pub struct CallbackRouterBuilder {
    inner: Inner,
}

impl fmt::Debug for CallbackRouterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackRouterBuilder")
            .field("verifier", &self.inner.verifier)
            .finish_non_exhaustive()
    }
}

impl CallbackRouterBuilder {
    /// Adds the tool `name` (its manifest `name`, without `callback__`):
    /// `handler` gets the call with its arguments decoded into `A`, and
    /// returns a result sent as JSON, or a [`ToolError`].
    pub fn tool<A, R, F, Fut>(mut self, name: impl Into<String>, handler: F) -> Self
    where
        A: DeserializeOwned + Send + 'static,
        R: Serialize,
        F: Fn(CallbackRequest<A>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, ToolError>> + Send + 'static,
    {
        self.inner.tools.insert(name.into(), erase(handler));
        self
    }

    /// Where answered deliveries are remembered (share one store between
    /// processes that receive the same tool's calls).
    pub fn deliveries(mut self, store: impl DeliveryStore + 'static) -> Self {
        self.inner.deliveries = Arc::new(store);
        self
    }

    /// The largest request body read (default 1 MiB); a larger one is
    /// answered 413.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.inner.max_body = limit;
        self
    }

    /// Called with the tool name, the delivery id and the failure each time
    /// a handler returns an error or panics (the worker only sees a status).
    pub fn on_failure(
        mut self,
        hook: impl Fn(&str, &str, Failure<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.inner.on_failure = Some(Box::new(hook));
        self
    }

    /// The router.
    pub fn build(self) -> CallbackRouter {
        CallbackRouter {
            inner: Arc::new(self.inner),
        }
    }
}

impl CallbackRouter {
    /// A builder for calls signed with `verifier`'s secret(s).
    pub fn builder(verifier: CallbackVerifier) -> CallbackRouterBuilder {
        CallbackRouterBuilder {
            inner: Inner {
                verifier,
                tools: HashMap::new(),
                deliveries: Arc::new(MemoryDeliveryStore::default()),
                max_body: DEFAULT_MAX_BODY,
                on_failure: None,
            },
        }
    }

    /// Answers one request whose body was already read, at the current
    /// time: for frameworks that hand over the whole body.
    pub async fn respond(
        &self,
        method: &Method,
        headers: &HeaderMap,
        body: &[u8],
    ) -> CallbackResponse {
        self.respond_at(method, headers, body, SystemTime::now())
            .await
    }

    /// [`respond`](Self::respond) with the time given (for tests).
    pub async fn respond_at(
        &self,
        method: &Method,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> CallbackResponse {
        if method == Method::OPTIONS {
            return CallbackResponse::options();
        }
        if method != Method::POST {
            return CallbackResponse::method_not_allowed();
        }
        if body.len() > self.inner.max_body {
            return CallbackResponse::too_large();
        }
        let request = match self.inner.verifier.verify(headers, body, now) {
            Ok(request) => request,
            Err(e) => return CallbackResponse::rejected(&e),
        };
        let Some(tool) = self.inner.tools.get(&request.tool) else {
            return CallbackResponse::unknown_tool();
        };
        let (name, delivery_id) = (request.tool.clone(), request.delivery.id.clone());
        let start = match tool(request) {
            Ok(start) => start,
            Err(rejected) => return rejected,
        };
        let deliveries = &self.inner.deliveries;
        match deliveries.claim(&delivery_id) {
            Claim::New => {}
            Claim::InProgress => return CallbackResponse::try_again(),
            Claim::Answered(answer) => return answer,
            // A claim this version does not know: do not run twice.
            _ => return CallbackResponse::try_again(),
        }
        // Whatever happens to this future from here (even a drop), the
        // claim is completed or released.
        let mut claim = ClaimGuard {
            store: deliveries.as_ref(),
            id: &delivery_id,
            done: false,
        };
        let response = match start().await {
            Outcome::Answer(response, error) => {
                if let (Some(hook), Some(error)) = (&self.inner.on_failure, &error) {
                    hook(&name, &delivery_id, Failure::Error(error));
                }
                response
            }
            Outcome::Panicked(response, message) => {
                if let Some(hook) = &self.inner.on_failure {
                    hook(&name, &delivery_id, Failure::Panic(&message));
                }
                response
            }
        };
        claim.finish(&response);
        response
    }

    /// Reads `request`'s body (up to the limit) and answers it.
    pub async fn handle<B>(&self, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = request.into_parts();
        let response = if parts.method == Method::POST {
            match Limited::new(body, self.inner.max_body).collect().await {
                Ok(body) => {
                    let body = body.to_bytes();
                    self.respond(&parts.method, &parts.headers, &body).await
                }
                Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
                    CallbackResponse::too_large()
                }
                Err(_) => CallbackResponse::invalid_arguments("the request body could not be read"),
            }
        } else {
            // OPTIONS and the other methods need no body.
            self.respond(&parts.method, &parts.headers, &[]).await
        };
        response.into_response().map(Full::new)
    }
}

/// Completes (final answer) or releases (anything else, or a drop) a
/// claimed delivery id.
struct ClaimGuard<'a> {
    store: &'a dyn DeliveryStore,
    id: &'a str,
    done: bool,
}

impl ClaimGuard<'_> {
    fn finish(&mut self, response: &CallbackResponse) {
        if response.is_final() {
            self.store.complete(self.id, response);
        } else {
            self.store.release(self.id);
        }
        self.done = true;
    }
}

impl Drop for ClaimGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.store.release(self.id);
        }
    }
}

/// The future of a service call.
pub type ServiceFuture =
    Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

impl<B> tower_service::Service<Request<B>> for CallbackRouter
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = ServiceFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let router = self.clone();
        Box::pin(async move { Ok(router.handle(request).await) })
    }
}

impl<B> hyper::service::Service<Request<B>> for CallbackRouter
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = ServiceFuture;

    fn call(&self, request: Request<B>) -> Self::Future {
        let router = self.clone();
        Box::pin(async move { Ok(router.handle(request).await) })
    }
}
