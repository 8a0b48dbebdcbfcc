//! The code of the book's theory chapters (`book/src/theory/`). Each module belongs to one
//! chapter; its tests assert what the chapter claims, so the prose cannot drift from what
//! Rust and tokio actually do. The chapters include these files by anchor
//! (`// ANCHOR: name`).

/// `is_send!(&value)`: whether the value's type is `Send`, decided at compile time for the
/// concrete type (autoref specialisation: the `Send` impl is found first when it applies).
#[cfg(test)]
#[macro_export]
macro_rules! is_send {
    ($value:expr) => {{
        #[allow(dead_code)]
        struct Probe<'a, T>(&'a T);
        #[allow(dead_code)]
        trait Yes {
            fn answer(&self) -> bool {
                true
            }
        }
        impl<T: Send> Yes for Probe<'_, T> {}
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

/// `is_sync!(&value)`: whether the value's type is `Sync` (see `is_send!`).
#[cfg(test)]
#[macro_export]
macro_rules! is_sync {
    ($value:expr) => {{
        #[allow(dead_code)]
        struct Probe<'a, T>(&'a T);
        #[allow(dead_code)]
        trait Yes {
            fn answer(&self) -> bool {
                true
            }
        }
        impl<T: Sync> Yes for Probe<'_, T> {}
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

pub mod errors;
pub mod event_loop;
pub mod memory;
pub mod middleware;
pub mod patterns;
pub mod processes;
pub mod security;
pub mod streams;
pub mod threads;
