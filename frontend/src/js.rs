//! The browser's objects reached by name, through `Reflect`. Every web-sys method a build
//! calls is an import of the main module and a function of its JS glue, even when only
//! a chunk calls it (imports cannot be split off): code that is in a chunk to keep the
//! first download small (`files`) calls what the main module does not already import
//! this way instead.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// `target[key]`; `undefined` if it cannot be read.
pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `target[key] = value`.
pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// `target[method](...args)`.
pub fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let function: Function = get(target, method).dyn_into()?;
    Reflect::apply(&function, target, &args.iter().collect::<Array>())
}

/// `new globalThis[class](...args)`.
pub fn new(class: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let class: Function = get(&js_sys::global(), class).dyn_into()?;
    Reflect::construct(&class, &args.iter().collect::<Array>())
}

/// A plain object of `fields`.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in fields {
        set(&object, key, value);
    }
    object.into()
}
