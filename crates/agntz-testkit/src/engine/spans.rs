//! The trace spans of a run, streamed live in `session` mode and stored
//! when the run ends.

use std::sync::Arc;

use serde_json::Value;

use crate::util::{iso, nanoid, now_ms, raw};
use crate::wire::{Span, SpanPatch, TraceEvent};

pub(super) struct SpanBuilder {
    pub trace_id: String,
    pub owner: String,
    pub session: String,
    pub live: Option<tokio::sync::broadcast::Sender<Arc<TraceEvent>>>,
    pub spans: Vec<(Span, u64)>,
}

impl SpanBuilder {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start(
        &mut self,
        parent: Option<usize>,
        name: &'static str,
        kind: &'static str,
        run_id: Option<String>,
        with_session: bool,
        attributes: Value,
    ) -> usize {
        let now = now_ms();
        let span = Span {
            span_id: format!("sp_{}", nanoid(18).to_lowercase()),
            trace_id: self.trace_id.clone(),
            parent_id: parent.map(|p| self.spans[p].0.span_id.clone()),
            owner_id: self.owner.clone(),
            run_id,
            session_id: with_session.then(|| self.session.clone()),
            name,
            kind,
            started_at: iso(now),
            ended_at: None,
            duration_ms: None,
            status: "running",
            error: None,
            attributes: raw(&attributes),
            events: Vec::new(),
            scores: Default::default(),
            cost_usd: None,
        };
        if let Some(tx) = &self.live {
            let _ = tx.send(Arc::new(TraceEvent::SpanStart { span: span.clone() }));
        }
        self.spans.push((span, now));
        self.spans.len() - 1
    }

    pub(super) fn set_attributes(&mut self, idx: usize, attributes: Value) {
        if let Some((s, _)) = self.spans.get_mut(idx) {
            s.attributes = raw(&attributes);
        }
    }

    pub(super) fn end_all(&mut self, status: &'static str, error: Option<String>) {
        let now = now_ms();
        for (span, started) in self.spans.iter_mut().rev() {
            if span.ended_at.is_some() {
                continue;
            }
            span.ended_at = Some(iso(now));
            span.duration_ms = Some(now.saturating_sub(*started));
            span.status = status;
            span.error = error.clone();
            if let Some(tx) = &self.live {
                let _ = tx.send(Arc::new(TraceEvent::SpanEnd {
                    span_id: span.span_id.clone(),
                    patch: SpanPatch {
                        ended_at: iso(now),
                        duration_ms: now.saturating_sub(*started),
                        status,
                        error: error.clone(),
                    },
                }));
            }
        }
    }

    pub(super) fn end(&mut self, idx: usize) {
        let now = now_ms();
        if let Some((span, started)) = self.spans.get_mut(idx) {
            span.ended_at = Some(iso(now));
            span.duration_ms = Some(now.saturating_sub(*started));
            span.status = "ok";
            if let Some(tx) = &self.live {
                let _ = tx.send(Arc::new(TraceEvent::SpanEnd {
                    span_id: span.span_id.clone(),
                    patch: SpanPatch {
                        ended_at: iso(now),
                        duration_ms: now.saturating_sub(*started),
                        status: "ok",
                        error: None,
                    },
                }));
            }
        }
    }
}
