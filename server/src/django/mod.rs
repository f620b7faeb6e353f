//! Moving from the Django REST framework original: the password hashes Django wrote,
//! accepted at sign-in (`hashers`).

pub mod hashers;
