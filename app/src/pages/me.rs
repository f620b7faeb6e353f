//! The signed-in account, shared by the header and the pages that show it.

use crate::api::Account;
use leptos::prelude::RwSignal;

/// The signed-in account, once the header has fetched it; shared with the pages.
#[derive(Clone, Copy)]
pub struct Me(pub RwSignal<Option<Account>>);
