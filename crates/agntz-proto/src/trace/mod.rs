//! The one seam between the client and `tracing` (feature `tracing`).
//!
//! Call sites hold a [`Trace`] and call its methods whatever the features:
//! with the feature on it is a handle to a span (see [`crate::spans`] for
//! what is recorded); with it off it is a zero-sized type whose methods are
//! empty and inlined away, so the client pays nothing and needs no `cfg`s.
//! Arguments that cost anything to compute are passed as closures or
//! computed inside.

#[cfg(feature = "tracing")]
mod on;
#[cfg(feature = "tracing")]
mod route;
#[cfg(feature = "tracing")]
pub(crate) use on::Trace;

#[cfg(not(feature = "tracing"))]
mod off;
#[cfg(not(feature = "tracing"))]
pub(crate) use off::Trace;

#[cfg(all(test, not(feature = "tracing")))]
mod tests {
    #[test]
    fn without_the_feature_a_trace_takes_no_space() {
        assert_eq!(std::mem::size_of::<super::Trace>(), 0);
    }
}
