//! A `tracing` subscriber that keeps every span and event of the SDK (target
//! `agntz`) with its fields as text, for the tests to inspect.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// One span: its name, parent and fields.
#[derive(Debug, Clone)]
pub struct SpanRec {
    pub id: u64,
    pub name: &'static str,
    pub parent: Option<u64>,
    pub fields: BTreeMap<String, String>,
    pub closed: bool,
    refs: u64,
}

impl SpanRec {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// One event: its message, parent span and fields.
#[derive(Debug, Clone)]
pub struct EventRec {
    pub parent: Option<u64>,
    pub fields: BTreeMap<String, String>,
}

impl EventRec {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct State {
    spans: Vec<SpanRec>,
    events: Vec<EventRec>,
}

/// Collects into shared state; clone it to read what was collected.
#[derive(Clone, Default)]
pub struct Collector {
    state: Arc<Mutex<State>>,
    next: Arc<AtomicU64>,
}

thread_local! {
    /// Spans entered on this thread (the contextual parent is the last).
    static STACK: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Collector {
    pub fn spans(&self) -> Vec<SpanRec> {
        self.state.lock().unwrap().spans.clone()
    }

    pub fn events(&self) -> Vec<EventRec> {
        self.state.lock().unwrap().events.clone()
    }

    /// Every field name and value, of every span and event.
    pub fn all_text(&self) -> String {
        let state = self.state.lock().unwrap();
        let mut out = String::new();
        let fields = state
            .spans
            .iter()
            .map(|s| &s.fields)
            .chain(state.events.iter().map(|e| &e.fields));
        for map in fields {
            for (k, v) in map {
                out.push_str(&format!("{k}={v}\n"));
            }
        }
        out
    }

    fn current() -> Option<u64> {
        STACK.with(|s| s.borrow().last().copied())
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Collector {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.enabled(meta) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        meta.target() == "agntz"
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let parent = if attrs.is_contextual() {
            Self::current()
        } else {
            attrs.parent().map(Id::into_u64)
        };
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        self.state.lock().unwrap().spans.push(SpanRec {
            id,
            name: attrs.metadata().name(),
            parent,
            fields,
            closed: false,
            refs: 1,
        });
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut state = self.state.lock().unwrap();
        if let Some(s) = state.spans.iter_mut().find(|s| s.id == span.into_u64()) {
            values.record(&mut Fields(&mut s.fields));
        }
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let parent = if event.is_contextual() {
            Self::current()
        } else {
            event.parent().map(Id::into_u64)
        };
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.state
            .lock()
            .unwrap()
            .events
            .push(EventRec { parent, fields });
    }

    fn enter(&self, span: &Id) {
        STACK.with(|s| s.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, span: &Id) {
        STACK.with(|s| {
            let mut s = s.borrow_mut();
            if let Some(pos) = s.iter().rposition(|id| *id == span.into_u64()) {
                s.remove(pos);
            }
        });
    }

    fn clone_span(&self, id: &Id) -> Id {
        let mut state = self.state.lock().unwrap();
        if let Some(s) = state.spans.iter_mut().find(|s| s.id == id.into_u64()) {
            s.refs += 1;
        }
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        let mut state = self.state.lock().unwrap();
        match state.spans.iter_mut().find(|s| s.id == id.into_u64()) {
            Some(s) => {
                s.refs = s.refs.saturating_sub(1);
                s.closed = s.refs == 0;
                s.closed
            }
            None => false,
        }
    }
}
