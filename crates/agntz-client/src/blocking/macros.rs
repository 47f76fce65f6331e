//! The macro that declares a blocking resource from the list of its async
//! methods, so each method is one line and none is copied by hand.

/// `resource! { /// docs
///     Name => accessor;
///     call fn m[generics](args) -> Output;  // async fn; gives `Result<Output, Error>`
///     stream fn m(args) -> Iter<..>;        // async fn opening a stream; `Result<Iter, Error>`
///     pages fn m(args) -> Iter<..>;         // fn giving a lazy stream; `Iter<..>`
/// }`
///
/// declares `pub struct Name<'a, T>` borrowing the blocking client, whose
/// method `m` calls `m` of the async `crate::Name` with the same arguments
/// (`accessor` is the async client's method giving that resource).
/// `resource! { impl Name => accessor; ... }` adds methods to a resource
/// declared elsewhere.
/// Methods with another shape go in a hand-written `impl` next to it.
macro_rules! resource {
    // More methods for a resource declared in another file (mirroring the
    // async resource's own split across files).
    (impl $Resource:ident => $accessor:ident; $($methods:tt)*) => {
        impl<'a, T: $crate::Transport> $Resource<'a, T> {
            $crate::blocking::macros::resource!(@methods $Resource $accessor; $($methods)*);
        }
    };

    (
        $(#[$doc:meta])*
        $Resource:ident => $accessor:ident;
        $($methods:tt)*
    ) => {
        $(#[$doc])*
        ///
        /// Each method is the blocking form of the async method of the same
        /// name (linked from its documentation): same arguments, result and
        /// errors, plus [`Error::Blocking`](crate::Error::Blocking) when
        /// called from inside an async runtime.
        #[derive(Debug)]
        pub struct $Resource<'a, T: $crate::Transport> {
            // Visible to the sibling files that add methods (`impl` form).
            pub(super) client: &'a $crate::blocking::AgntzClient<T>,
        }

        impl<'a, T: $crate::Transport> $Resource<'a, T> {
            pub(crate) fn new(client: &'a $crate::blocking::AgntzClient<T>) -> Self {
                $Resource { client }
            }

            $crate::blocking::macros::resource!(@methods $Resource $accessor; $($methods)*);
        }
    };

    (@methods $R:ident $acc:ident;) => {};

    (@methods $R:ident $acc:ident;
        $(#[$meta:meta])*
        call fn $name:ident $([$($gen:tt)*])? ($($arg:ident: $ty:ty),* $(,)?) -> $out:ty;
        $($rest:tt)*
    ) => {
        #[doc = $crate::blocking::macros::resource!(@doc $R $name)]
        $(#[$meta])*
        pub fn $name $(<$($gen)*>)? (&self, $($arg: $ty),*) -> Result<$out, $crate::Error> {
            let resource = self.client.as_async().$acc();
            self.client.wait(resource.$name($($arg),*))
        }
        $crate::blocking::macros::resource!(@methods $R $acc; $($rest)*);
    };

    (@methods $R:ident $acc:ident;
        $(#[$meta:meta])*
        stream fn $name:ident $([$($gen:tt)*])? ($($arg:ident: $ty:ty),* $(,)?) -> $out:ty;
        $($rest:tt)*
    ) => {
        #[doc = $crate::blocking::macros::resource!(@doc $R $name)]
        $(#[$meta])*
        pub fn $name $(<$($gen)*>)? (&self, $($arg: $ty),*) -> Result<$out, $crate::Error> {
            let resource = self.client.as_async().$acc();
            let stream = self.client.wait(resource.$name($($arg),*))?;
            Ok(self.client.iter(stream))
        }
        $crate::blocking::macros::resource!(@methods $R $acc; $($rest)*);
    };

    (@methods $R:ident $acc:ident;
        $(#[$meta:meta])*
        pages fn $name:ident $([$($gen:tt)*])? ($($arg:ident: $ty:ty),* $(,)?) -> $out:ty;
        $($rest:tt)*
    ) => {
        #[doc = $crate::blocking::macros::resource!(@doc $R $name)]
        $(#[$meta])*
        pub fn $name $(<$($gen)*>)? (&self, $($arg: $ty),*) -> $out {
            let resource = self.client.as_async().$acc();
            self.client.iter(resource.$name($($arg),*))
        }
        $crate::blocking::macros::resource!(@methods $R $acc; $($rest)*);
    };

    (@doc $R:ident $name:ident) => {
        concat!(
            "Blocking [`", stringify!($R), "::", stringify!($name), "`](crate::",
            stringify!($R), "::", stringify!($name), ")."
        )
    };
}

pub(crate) use resource;
