//! The code of the book's theory chapters (`book/src/theory/`). Each module belongs to one
//! chapter; its tests assert what the chapter claims, so the prose cannot drift from what
//! Rust and tokio actually do. The chapters include these files by anchor
//! (`// ANCHOR: name`).

/// `has_auto_trait!(Send, &value)`: whether the value's type implements the marker trait,
/// decided at compile time for the concrete type (autoref specialisation: the impl bounded
/// by the trait is found first when it applies).
#[cfg(test)]
#[macro_export]
macro_rules! has_auto_trait {
    ($marker:path, $value:expr) => {{
        #[allow(dead_code)]
        struct Probe<'a, T>(&'a T);
        #[allow(dead_code)]
        trait Yes {
            fn answer(&self) -> bool {
                true
            }
        }
        impl<T: $marker> Yes for Probe<'_, T> {}
        #[allow(dead_code)]
        trait No {
            fn answer(&self) -> bool {
                false
            }
        }
        impl<T> No for &Probe<'_, T> {}
        (&Probe($value)).answer()
    }};
}

/// `is_send!(&value)`: whether the value's type is `Send` (see `has_auto_trait!`).
#[cfg(test)]
#[macro_export]
macro_rules! is_send {
    ($value:expr) => {
        $crate::has_auto_trait!(Send, $value)
    };
}

/// `is_sync!(&value)`: whether the value's type is `Sync` (see `has_auto_trait!`).
#[cfg(test)]
#[macro_export]
macro_rules! is_sync {
    ($value:expr) => {
        $crate::has_auto_trait!(Sync, $value)
    };
}

pub mod errors;
pub mod event_loop;
pub mod memory;
pub mod middleware;
pub mod patterns;
pub mod processes;
pub mod security;
pub mod streams;
pub mod threads;
