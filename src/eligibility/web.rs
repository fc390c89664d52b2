//! Eligibility pages: placeholder while the UI is built.
