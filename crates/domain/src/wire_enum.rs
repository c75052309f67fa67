//! One macro for the small string-valued enums of the wire and the database.
//!
//! The REST API (serde) and the DB columns use the same strings, so both come from one
//! table per enum and cannot drift apart.

/// Declares a `Copy` enum whose variants map 1:1 to wire strings, with serde renames,
/// `as_str`, `Display`, `FromStr` (exact, case-sensitive) and an `ALL` list.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident (field = $field:expr, expected = $expected:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire / database string.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl core::str::FromStr for $name {
            type Err = $crate::DomainError;

            /// Parses the exact wire string (case-sensitive, like serde).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err($crate::DomainError::InvalidField {
                        field: $field,
                        reason: concat!("must be one of ", $expected),
                    }),
                }
            }
        }
    };
}

pub(crate) use wire_enum;
