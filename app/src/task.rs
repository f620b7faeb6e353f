//! Every background task of the app goes through [`spawn`], so the executor's code is
//! instantiated once for one boxed future type instead of once per `async` block.

use std::future::Future;
use std::pin::Pin;

pub fn spawn(task: impl Future<Output = ()> + 'static) {
    let boxed: Pin<Box<dyn Future<Output = ()>>> = Box::pin(task);
    leptos::task::spawn_local(boxed);
}
